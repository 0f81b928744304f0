"""The entitlement ledger (append-only) and the credits ledger.

A balance is never stored: it is the sum of the ledger rows of an allowance, a site (for site
caps) and a billing period, and can be rebuilt at any time (``pacta.domain.entitlement``).
Rows are only ever added; a correction is a ``reverse`` row naming the row it undoes.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from pacta.domain.entitlement import LedgerKind as DomainKind


class LedgerKind(models.TextChoices):
    GRANT = DomainKind.GRANT.value, _("grant")
    DRAW = DomainKind.DRAW.value, _("draw")
    EXPIRE = DomainKind.EXPIRE.value, _("expire")
    ROLLOVER = DomainKind.ROLLOVER.value, _("rollover")
    REVERSE = DomainKind.REVERSE.value, _("reverse")


class LedgerEntry(models.Model):
    contract = models.ForeignKey(
        "contracts.Contract",
        verbose_name=_("contract"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    allowance_code = models.CharField(_("allowance"), max_length=50)
    site = models.ForeignKey(
        "customers.Site",
        verbose_name=_("site"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("For a per-site cap; empty for a contract-wide allowance."),
    )
    period_on = models.DateField(_("billing period from"))
    kind = models.CharField(_("kind"), max_length=10, choices=LedgerKind.choices)
    quantity = models.DecimalField(_("quantity"), max_digits=18, decimal_places=6)
    work_order = models.ForeignKey(
        "service.WorkOrder",
        verbose_name=_("work order"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reverses = models.OneToOneField(
        "self",
        verbose_name=_("reverses"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversed_by",
    )
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("recorded at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("entitlement ledger entry")
        verbose_name_plural = _("entitlement ledger")
        ordering = ["contract", "period_on", "id"]
        indexes = [models.Index(fields=["contract", "period_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=0),
                name="ledger_entry_quantity_not_negative",
                violation_error_message=_("A ledger quantity is never negative."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.allowance_code} {self.kind} {self.quantity} ({self.period_on})"


class PeriodOpening(models.Model):
    """Marks a contract's billing period whose grants (and the previous period's close) are in
    the ledger: written once, so two ratings at once cannot grant twice."""

    contract = models.ForeignKey(
        "contracts.Contract", verbose_name=_("contract"), on_delete=models.PROTECT, related_name="+"
    )
    period_on = models.DateField(_("billing period from"))
    opened_at = models.DateTimeField(_("opened at"))

    class Meta:
        verbose_name = _("opened billing period")
        verbose_name_plural = _("opened billing periods")
        constraints = [
            models.UniqueConstraint(fields=["contract", "period_on"], name="period_opening_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.contract_id} {self.period_on}"


class CreditKind(models.TextChoices):
    GOODWILL = "goodwill", _("goodwill")
    SLA_BREACH = "sla_breach", _("SLA breach service credit")
    WRITE_OFF = "write_off", _("written off (rejected out-of-scope work)")


class Credit(models.Model):
    """A credit owed to the customer: explicit, with its reason and who approved it.

    Rows are only appended. A credit is undone by a *reversing* row (``reverses`` names it, the
    same kind, the opposite amount), so a balance is the sum of the rows. An SLA-breach credit
    recomputed after a late breach reverses the previous one and is written again with the next
    ``sequence``: one live SLA credit per contract period, every version on record. A write-off
    records the value of rejected out-of-scope work that was never billed (``reference`` names
    the charge line); it is not owed, so it is left out of what an invoice subtracts.
    """

    contract = models.ForeignKey(
        "contracts.Contract", verbose_name=_("contract"), on_delete=models.PROTECT, related_name="+"
    )
    period_on = models.DateField(_("billing period from"))
    kind = models.CharField(_("kind"), max_length=12, choices=CreditKind.choices)
    sequence = models.PositiveIntegerField(
        _("version"), default=1, help_text=_("Of the SLA credit of this period (recomputed).")
    )
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=4)
    currency = models.CharField(_("currency"), max_length=3)
    hours = models.DecimalField(_("hours"), max_digits=10, decimal_places=2, null=True, blank=True)
    reason = models.TextField(_("reason"))
    words = models.JSONField(_("explanation"), default=list, blank=True)
    work_order = models.ForeignKey(
        "service.WorkOrder",
        verbose_name=_("work order"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    reverses = models.OneToOneField(
        "self",
        verbose_name=_("reverses"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversed_by",
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("credit")
        verbose_name_plural = _("credits")
        ordering = ["contract", "period_on", "id"]
        indexes = [models.Index(fields=["contract", "period_on"], name="credit_contract_period")]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "period_on", "sequence"],
                condition=Q(kind="sla_breach", reverses__isnull=True),
                name="credit_one_sla_breach_credit_per_period",
            ),
            models.UniqueConstraint(
                fields=["reference"],
                condition=Q(kind="write_off", reverses__isnull=True) & ~Q(reference=""),
                name="credit_one_write_off_per_line",
            ),
            models.CheckConstraint(
                condition=Q(amount__lte=0, reverses__isnull=True)
                | Q(amount__gte=0, reverses__isnull=False),
                name="credit_amount_not_positive",
                violation_error_message=_(
                    "A credit lowers what is owed (its amount is ≤ 0); a reversal undoes one."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} {self.currency}"
