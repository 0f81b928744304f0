"""Contracts and the effective-dated versions of their terms."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from pacta.domain.lifecycle import ContractStatus as DomainStatus

ZERO = Decimal(0)


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
    sla_credit_percent = models.DecimalField(
        _("service credit per breach (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
        help_text=_("Of the period fee, per breached resolution target; empty = no credits."),
    )
    sla_credit_cap_percent = models.DecimalField(
        _("service credits cap per period (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
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
    minimum_minutes = models.PositiveIntegerField(
        _("minimum charge (minutes)"),
        default=0,
        help_text=_("Time charged at least, e.g. 60 for a first-hour minimum; 0 = none."),
    )
    increment_minutes = models.PositiveIntegerField(
        _("rounding unit (minutes)"),
        default=0,
        help_text=_("Time beyond the minimum is charged by started unit, e.g. 15; 0 = exact."),
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


class RuleOwner(models.Model):
    """A rule belongs to a price list (every contract priced by it) or to one contract version."""

    price_list = models.ForeignKey(
        "catalog.PriceList",
        verbose_name=_("price list"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    version = models.ForeignKey(
        ContractVersion,
        verbose_name=_("contract version"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    # A price list's rules are dated like its prices: a rule changed on the 15th is a new rule
    # from the 15th, and work of the 14th is still rated with the old one. A contract version's
    # rules are in force with the version (amended, never dated).
    valid_from = models.DateField(
        _("valid from"),
        null=True,
        blank=True,
        help_text=_("First day the rule applies (price-list rules); empty = from the start."),
    )
    valid_to = models.DateField(
        _("valid to"),
        null=True,
        blank=True,
        help_text=_("Last day the rule applies (price-list rules); empty = open-ended."),
    )

    class Meta:
        abstract = True


def _one_owner(name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=(Q(price_list__isnull=False) & Q(version__isnull=True))
        | (Q(price_list__isnull=True) & Q(version__isnull=False)),
        name=name,
        violation_error_message=_("A rule belongs to a price list or to a contract version."),
    )


def _dated(name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(valid_from__isnull=True)
        | Q(valid_to__isnull=True)
        | Q(valid_to__gte=models.F("valid_from")),
        name=name,
        violation_error_message=_("A rule cannot end before it starts."),
    )


class SurchargeRule(RuleOwner):
    """A multiplier for the minutes of work that meet every condition given.

    When several rules meet the same minute, the highest multiplier wins, and cumulative rules
    multiply on top of it.
    """

    name = models.CharField(_("name"), max_length=100, help_text=_('e.g. "night".'))
    multiplier = models.DecimalField(
        _("multiplier"),
        max_digits=6,
        decimal_places=3,
        validators=[MinValueValidator(Decimal("0.001"))],
    )
    window_start = models.CharField(_("from (time of day)"), max_length=5, blank=True)
    window_end = models.CharField(
        _("until (time of day)"), max_length=5, blank=True, help_text=_("22:00 to 06:00 wraps.")
    )
    weekdays = models.JSONField(
        _("weekdays"), default=list, blank=True, help_text=_('e.g. ["sat", "sun"]; empty = any.')
    )
    on_holidays = models.BooleanField(_("on public holidays only"), default=False)
    seasons = models.JSONField(
        _("seasons"),
        default=list,
        blank=True,
        help_text=_('Date ranges, e.g. [["2026-06-15", "2026-09-15"]]; empty = all year.'),
    )
    emergency = models.BooleanField(_("emergency work only"), default=False)
    outside_access = models.BooleanField(_("outside the site's access hours only"), default=False)
    cumulative = models.BooleanField(
        _("cumulative"), default=False, help_text=_("Multiplies on top of the other rules.")
    )
    services = models.ManyToManyField(
        "catalog.Service",
        verbose_name=_("services"),
        blank=True,
        related_name="+",
        help_text=_("Empty = every service."),
    )

    class Meta:
        verbose_name = _("surcharge rule")
        verbose_name_plural = _("surcharge rules")
        ordering = ["price_list", "version", "name", "id"]
        constraints = [
            _one_owner("surcharge_rule_one_owner"),
            _dated("surcharge_rule_dated"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ×{self.multiplier}"


class TravelRule(RuleOwner):
    """A travel charge: a flat fee for a travel zone, or a price per km."""

    label = models.CharField(_("label"), max_length=200)
    unit_price = models.DecimalField(
        _("unit price"), max_digits=14, decimal_places=4, validators=[MinValueValidator(ZERO)]
    )
    zone_code = models.CharField(
        _("travel zone"), max_length=50, blank=True, help_text=_("The sites' region / zone.")
    )
    per_km = models.BooleanField(_("per km"), default=False)
    tax_rate = models.ForeignKey(
        "catalog.TaxRate", verbose_name=_("tax rate"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("travel rule")
        verbose_name_plural = _("travel rules")
        ordering = ["price_list", "version", "zone_code", "id"]
        constraints = [
            _one_owner("travel_rule_one_owner"),
            _dated("travel_rule_dated"),
        ]

    def __str__(self) -> str:
        return self.label


class AllowanceKind(models.TextChoices):
    INCLUDED_VISITS = "included_visits", _("included visits per period")
    SITE_VISIT_CAP = "site_visit_cap", _("visits per site per period (cap)")
    SITE_HOUR_CAP = "site_hour_cap", _("hours per site per period (cap)")
    PREPAID_HOURS = "prepaid_hours", _("prepaid hours")
    PARTS_ALLOWANCE = "parts_allowance", _("parts allowance (money)")


class Allowance(models.Model):
    """What a contract version grants per billing period: visits, hours, caps, parts money."""

    version = models.ForeignKey(
        ContractVersion,
        verbose_name=_("contract version"),
        on_delete=models.CASCADE,
        related_name="allowances",
    )
    code = models.SlugField(_("code"), max_length=50)
    kind = models.CharField(_("kind"), max_length=20, choices=AllowanceKind.choices)
    label = models.CharField(_("label"), max_length=200, blank=True)
    quantity = models.DecimalField(
        _("quantity per period"),
        max_digits=14,
        decimal_places=3,
        validators=[MinValueValidator(ZERO)],
        help_text=_("Visits, hours, or money for a parts allowance."),
    )
    services = models.ManyToManyField(
        "catalog.Service", verbose_name=_("services"), blank=True, related_name="+"
    )
    products = models.ManyToManyField(
        "catalog.Product", verbose_name=_("products"), blank=True, related_name="+"
    )
    allows_overage = models.BooleanField(_("allows overage"), default=False)
    overage_unit_price = models.DecimalField(
        _("overage unit price"),
        max_digits=14,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[MinValueValidator(ZERO)],
    )
    rolls_over = models.BooleanField(
        _("unused balance rolls over"),
        default=False,
        help_text=_("Otherwise what is unused expires at the end of the period."),
    )
    rollover_limit = models.DecimalField(
        _("rollover limit"),
        max_digits=14,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(ZERO)],
        help_text=_("At most this much rolls over; empty = all of it."),
    )

    class Meta:
        verbose_name = _("allowance")
        verbose_name_plural = _("allowances")
        ordering = ["version", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "code"],
                name="allowance_unique_code",
                violation_error_message=_("This version already has an allowance with this code."),
            ),
        ]

    def __str__(self) -> str:
        return self.label or self.code
