"""Rated charge lines: what a completed work order costs under the terms in force, and why.

A work order is rated into a :class:`Rating` holding its :class:`ChargeLine` rows. Ratings are
never edited: when the work changes after rating (a time entry corrected, out-of-scope work
approved), the current rating is superseded by a new one and its ledger draws reversed, so both
stay on record. At most one rating per work order is current (a unique partial index).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from pacta.domain.rating import ChargeType as DomainChargeType


class ChargeType(models.TextChoices):
    INCLUDED = DomainChargeType.INCLUDED.value, _("included")
    BILLABLE = DomainChargeType.BILLABLE.value, _("billable")
    SURCHARGE = DomainChargeType.SURCHARGE.value, _("surcharge")
    TRAVEL = DomainChargeType.TRAVEL.value, _("travel")
    PARTS = DomainChargeType.PARTS.value, _("parts")
    CREDIT = DomainChargeType.CREDIT.value, _("credit")
    NEEDS_APPROVAL = DomainChargeType.NEEDS_APPROVAL.value, _("needs approval")


class Rating(models.Model):
    work_order = models.ForeignKey(
        "service.WorkOrder",
        verbose_name=_("work order"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    sequence = models.PositiveIntegerField(_("rating"))
    contract_version = models.ForeignKey(
        "contracts.ContractVersion",
        verbose_name=_("contract version"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    period_on = models.DateField(_("billing period from"))
    fingerprint = models.CharField(
        _("fingerprint"), max_length=64, help_text=_("Of the work and terms it was rated from.")
    )
    currency = models.CharField(_("currency"), max_length=3)
    total = models.DecimalField(_("total"), max_digits=14, decimal_places=4)
    awaiting_approval = models.DecimalField(_("awaiting approval"), max_digits=14, decimal_places=4)
    rated_at = models.DateTimeField(_("rated at"))
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("rated by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    superseded_at = models.DateTimeField(_("superseded at"), null=True, blank=True)

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        ordering = ["work_order", "sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["work_order", "sequence"], name="rating_unique_sequence"
            ),
            models.UniqueConstraint(
                fields=["work_order"],
                condition=Q(superseded_at__isnull=True),
                name="rating_one_current_per_work_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.work_order_id} #{self.sequence}"


class Approval(models.TextChoices):
    NOT_NEEDED = "", _("not needed")
    PENDING = "pending", _("awaiting approval")
    APPROVED = "approved", _("approved")
    REJECTED = "rejected", _("rejected (written off)")


class ChargeLine(models.Model):
    rating = models.ForeignKey(
        Rating, verbose_name=_("rating"), on_delete=models.PROTECT, related_name="lines"
    )
    position = models.PositiveSmallIntegerField(_("line"))
    charge_type = models.CharField(_("charge type"), max_length=16, choices=ChargeType.choices)
    code = models.CharField(_("code"), max_length=50)
    label = models.CharField(_("label"), max_length=200)
    quantity = models.DecimalField(_("quantity"), max_digits=18, decimal_places=6)
    unit = models.CharField(_("unit"), max_length=10)
    unit_price = models.DecimalField(_("unit price"), max_digits=14, decimal_places=4)
    multiplier = models.DecimalField(_("multiplier"), max_digits=10, decimal_places=4)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=4)
    tax_rate = models.DecimalField(_("tax rate (%)"), max_digits=5, decimal_places=2)
    trace = models.JSONField(_("trace"), default=dict)
    words = models.JSONField(
        _("explanation"), default=list, help_text=_("Phrases: an English template and values.")
    )
    approval = models.CharField(
        _("approval"), max_length=10, choices=Approval.choices, default="", blank=True
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.TextField(_("reason for the decision"), blank=True)

    class Meta:
        verbose_name = _("charge line")
        verbose_name_plural = _("charge lines")
        ordering = ["rating", "position"]
        constraints = [
            models.UniqueConstraint(fields=["rating", "position"], name="charge_line_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.label}: {self.amount}"
