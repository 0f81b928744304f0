"""What work and parts cost us, and what contractors are paid for work their customers accepted."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class CostRate(models.Model):
    """What an hour of one technician costs us, from a day on."""

    technician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("technician"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    hourly_cost = models.DecimalField(
        _("cost per hour"),
        max_digits=12,
        decimal_places=4,
        validators=[MinValueValidator(Decimal(0))],
    )
    currency = models.CharField(_("currency"), max_length=3)
    effective_on = models.DateField(_("effective on"))

    class Meta:
        verbose_name = _("cost rate")
        verbose_name_plural = _("cost rates")
        ordering = ["technician", "effective_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["technician", "effective_on"], name="cost_rate_unique_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.technician_id} {self.hourly_cost} from {self.effective_on}"


class ProductCost(models.Model):
    """What one unit of a catalogue product costs us (what we pay for it), from a day on: dated,
    so last year's margins keep last year's cost when the supplier's price rises."""

    product = models.ForeignKey(
        "catalog.Product",
        verbose_name=_("product"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    unit_cost = models.DecimalField(
        _("unit cost"),
        max_digits=14,
        decimal_places=4,
        validators=[MinValueValidator(Decimal(0), message=_("The unit cost cannot be negative."))],
        help_text=_("In the company's currency, per unit of the product."),
    )
    effective_on = models.DateField(_("effective on"))

    class Meta:
        verbose_name = _("product cost")
        verbose_name_plural = _("product costs")
        ordering = ["product", "effective_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["product", "effective_on"], name="product_cost_unique_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.product_id} {self.unit_cost} from {self.effective_on}"


class ContractorRate(models.Model):
    """What we pay a contractor per hour or per visit of a service (every service when empty),
    from a day on."""

    contractor = models.ForeignKey(
        "accounts.Contractor",
        verbose_name=_("contractor"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    service = models.ForeignKey(
        "catalog.Service",
        verbose_name=_("service"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    per_visit = models.BooleanField(
        _("per visit"), default=False, help_text=_("Otherwise per hour.")
    )
    unit_price = models.DecimalField(
        _("unit price"), max_digits=12, decimal_places=4, validators=[MinValueValidator(Decimal(0))]
    )
    currency = models.CharField(_("currency"), max_length=3)
    effective_on = models.DateField(_("effective on"))

    class Meta:
        verbose_name = _("contractor rate")
        verbose_name_plural = _("contractor rates")
        ordering = ["contractor", "service", "effective_on"]

    def __str__(self) -> str:
        return f"{self.contractor_id} {self.unit_price}"


class ContractorStatement(models.Model):
    """What a contractor is owed for a period: only work orders the customer accepted; the rest
    is listed as awaiting acceptance."""

    contractor = models.ForeignKey(
        "accounts.Contractor",
        verbose_name=_("contractor"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until (inclusive)"))
    currency = models.CharField(_("currency"), max_length=3)
    total = models.DecimalField(_("total"), max_digits=14, decimal_places=2)
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("contractor statement")
        verbose_name_plural = _("contractor statements")
        ordering = ["contractor", "-starts_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["contractor", "starts_on", "ends_on"], name="contractor_statement_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.contractor_id} {self.starts_on}–{self.ends_on}"


class ContractorStatementLine(models.Model):
    """One accepted work order on a statement: paid once (unique per work order)."""

    statement = models.ForeignKey(
        ContractorStatement,
        verbose_name=_("statement"),
        on_delete=models.CASCADE,
        related_name="lines",
    )
    work_order = models.OneToOneField(
        "service.WorkOrder",
        verbose_name=_("work order"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    description = models.CharField(_("description"), max_length=300)
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=3)
    unit_price = models.DecimalField(_("unit price"), max_digits=12, decimal_places=4)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)

    class Meta:
        verbose_name = _("contractor statement line")
        verbose_name_plural = _("contractor statement lines")
        ordering = ["statement", "id"]

    def __str__(self) -> str:
        return self.description
