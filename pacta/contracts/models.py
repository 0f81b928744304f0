"""Contracts and the effective-dated versions of their terms."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from pacta.domain.lifecycle import ContractStatus as DomainStatus


class ContractStatus(models.TextChoices):
    DRAFT = DomainStatus.DRAFT.value, _("draft")
    ACTIVE = DomainStatus.ACTIVE.value, pgettext_lazy("contract status", "active")
    SUSPENDED = DomainStatus.SUSPENDED.value, _("suspended")
    EXPIRED = DomainStatus.EXPIRED.value, _("expired")
    TERMINATED = DomainStatus.TERMINATED.value, _("terminated")


class BillingPeriod(models.TextChoices):
    MONTH = "month", _("month")
    QUARTER = "quarter", _("quarter")
    YEAR = "year", _("year")


class Coverage(models.TextChoices):
    INCLUDED = "included", _("included")
    BILLABLE = "billable", _("billable")
    EXCLUDED = "excluded", _("excluded")


class Contract(models.Model):
    """What we promised one customer, for which sites and equipment, from when to when.

    The promise itself (fee, scope, rates) lives in the contract's versions: the version in
    force on a day is the one that priced the work of that day.
    """

    number = models.CharField(_("number"), max_length=50, unique=True)
    title = models.CharField(_("title"), max_length=200)
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="contracts",
    )
    sites = models.ManyToManyField(
        "customers.Site", verbose_name=_("covered sites"), related_name="contracts", blank=True
    )
    equipment = models.ManyToManyField(
        "equipment.Equipment",
        verbose_name=_("covered equipment"),
        related_name="contracts",
        blank=True,
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(
        _("ends on"), null=True, blank=True, help_text=_("Leave empty for an open-ended contract.")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ContractStatus.choices, default=ContractStatus.DRAFT
    )
    currency = models.CharField(_("currency"), max_length=3)
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        ordering = ["-starts_on", "number"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="contract_ends_after_start",
                violation_error_message=_("A contract cannot end before it starts."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} — {self.title}"


class ContractVersion(models.Model):
    """The terms of a contract from a day on. Once in force, never edited: amended."""

    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version"))
    effective_on = models.DateField(_("effective on"))
    price_list = models.ForeignKey(
        "catalog.PriceList",
        verbose_name=_("price list"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contract_versions",
    )
    calendar = models.ForeignKey(
        "sla.BusinessCalendar",
        verbose_name=_("business calendar"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contract_versions",
        help_text=_("When the SLA clocks of this contract's tickets run."),
    )
    sla_policy = models.ForeignKey(
        "sla.SlaPolicy",
        verbose_name=_("SLA policy"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contract_versions",
        help_text=_("Response and resolution targets per priority."),
    )
    subscription_fee = models.DecimalField(
        _("subscription fee"),
        max_digits=14,
        decimal_places=2,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0))],
        help_text=_("Per billing period, in the contract's currency."),
    )
    billing_period = models.CharField(
        _("billing period"),
        max_length=10,
        choices=BillingPeriod.choices,
        default=BillingPeriod.MONTH,
    )
    reason = models.TextField(_("reason"), help_text=_("Why these terms: the amendment's reason."))
    created_at = models.DateTimeField(_("created at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("contract version")
        verbose_name_plural = _("contract versions")
        ordering = ["contract", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "number"], name="contract_version_unique_number"
            ),
            models.UniqueConstraint(
                fields=["contract", "effective_on"],
                name="contract_version_unique_day",
                violation_error_message=_("This contract already has a version from that day."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contract.number} v{self.number} ({self.effective_on})"


class ScopeLine(models.Model):
    """Whether a service is included in the fee, billable, or excluded, under one version."""

    version = models.ForeignKey(
        ContractVersion,
        verbose_name=_("contract version"),
        on_delete=models.CASCADE,
        related_name="scope_lines",
    )
    service = models.ForeignKey(
        "catalog.Service",
        verbose_name=_("service"),
        on_delete=models.PROTECT,
        related_name="scope_lines",
    )
    coverage = models.CharField(_("coverage"), max_length=10, choices=Coverage.choices)
    period_limit = models.DecimalField(
        _("limit per period"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_(
            "At most this many units per billing period (e.g. 3 visits); empty = no limit."
        ),
    )
    notes = models.CharField(_("notes"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("scope line")
        verbose_name_plural = _("scope lines")
        ordering = ["version", "service__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "service"],
                name="scope_line_unique_service",
                violation_error_message=_("This service is already in the scope of this version."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.service.code}: {self.get_coverage_display()}"
