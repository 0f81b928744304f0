"""What we sell: services (task codes), products (parts), dated tax rates, and price lists."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

ZERO = Decimal(0)


class TaxRate(models.Model):
    """A named tax (e.g. "ES VAT general"); its percentage changes over time (TaxRateValue)."""

    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)
    country = CountryField(_("country"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("tax rate")
        verbose_name_plural = _("tax rates")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"


class TaxRateValue(models.Model):
    """The percentage of a tax rate from a day on (until the next value takes effect)."""

    tax_rate = models.ForeignKey(
        TaxRate, verbose_name=_("tax rate"), on_delete=models.CASCADE, related_name="values"
    )
    effective_on = models.DateField(_("effective on"))
    percent = models.DecimalField(
        _("percent"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(ZERO), MaxValueValidator(Decimal(100))],
    )

    class Meta:
        verbose_name = _("tax rate value")
        verbose_name_plural = _("tax rate values")
        ordering = ["tax_rate", "effective_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["tax_rate", "effective_on"],
                name="tax_rate_value_unique_day",
                violation_error_message=_("This tax rate already has a value from that day."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tax_rate.code} {self.percent}% from {self.effective_on}"


class ServiceUnit(models.TextChoices):
    HOUR = "hour", _("hour")
    VISIT = "visit", _("visit")
    EACH = "each", _("each")
    KM = "km", _("km")


class Service(models.Model):
    """A task code: what is done, in which unit, at which default price, with which checklist."""

    code = models.CharField(_("task code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    unit = models.CharField(_("unit"), max_length=10, choices=ServiceUnit.choices)
    default_price = models.DecimalField(
        _("default price"),
        max_digits=14,
        decimal_places=4,
        validators=[MinValueValidator(ZERO)],
        help_text=_("In the company's currency, per unit; price lists override it."),
    )
    tax_rate = models.ForeignKey(
        TaxRate, verbose_name=_("tax rate"), on_delete=models.PROTECT, related_name="services"
    )
    included = models.TextField(
        _("what is included"),
        blank=True,
        help_text=_("What the task covers, in words the customer reads on reports."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"


class ChecklistStep(models.Model):
    """One step of a service's checklist template; safety steps block completion until ticked."""

    service = models.ForeignKey(
        Service, verbose_name=_("service"), on_delete=models.CASCADE, related_name="checklist_steps"
    )
    position = models.PositiveSmallIntegerField(_("position"))
    text = models.CharField(_("step"), max_length=300)
    is_mandatory = models.BooleanField(_("mandatory"), default=False)
    is_safety = models.BooleanField(_("safety step"), default=False)
    requires_service = models.ForeignKey(
        Service,
        verbose_name=_("work of service"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_(
            "A step whose work belongs to another service: under a contract that does not "
            "cover that service, it needs a manager's approval."
        ),
    )

    class Meta:
        verbose_name = _("checklist step")
        verbose_name_plural = _("checklist steps")
        ordering = ["service", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["service", "position"],
                name="checklist_step_unique_position",
                violation_error_message=_("This service already has a step at this position."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.text}"


class InspectionTemplate(models.Model):
    """What an inspection checks (e.g. fire extinguisher: pressure in bar, seal intact)."""

    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=200)
    service = models.ForeignKey(
        Service,
        verbose_name=_("service"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inspection_templates",
        help_text=_("Work orders of this service offer this inspection."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("inspection template")
        verbose_name_plural = _("inspection templates")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"


class ParameterKind(models.TextChoices):
    NUMERIC = "numeric", _("measured value in a range")
    PASS_FAIL = "pass_fail", _("pass / fail")


class InspectionParameter(models.Model):
    """One thing an inspection checks: a value with unit and accepted range, or pass/fail."""

    template = models.ForeignKey(
        InspectionTemplate,
        verbose_name=_("template"),
        on_delete=models.CASCADE,
        related_name="parameters",
    )
    position = models.PositiveSmallIntegerField(_("position"))
    label = models.CharField(_("parameter"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=ParameterKind.choices)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    minimum = models.DecimalField(
        _("minimum"), max_digits=14, decimal_places=4, null=True, blank=True
    )
    maximum = models.DecimalField(
        _("maximum"), max_digits=14, decimal_places=4, null=True, blank=True
    )

    class Meta:
        verbose_name = _("inspection parameter")
        verbose_name_plural = _("inspection parameters")
        ordering = ["template", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["template", "position"], name="inspection_parameter_unique_position"
            ),
        ]

    def __str__(self) -> str:
        return self.label


class ProductUnit(models.TextChoices):
    EACH = "each", _("each")
    METRE = "m", _("metre")
    LITRE = "l", _("litre")
    KILOGRAM = "kg", _("kilogram")


class Product(models.Model):
    """A part or material, identified by SKU."""

    sku = models.CharField(_("SKU"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    unit = models.CharField(
        _("unit"), max_length=10, choices=ProductUnit.choices, default=ProductUnit.EACH
    )
    price = models.DecimalField(
        _("price"),
        max_digits=14,
        decimal_places=4,
        validators=[MinValueValidator(ZERO)],
        help_text=_("In the company's currency, per unit; price lists override it."),
    )
    tax_rate = models.ForeignKey(
        TaxRate, verbose_name=_("tax rate"), on_delete=models.PROTECT, related_name="products"
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["sku"]

    def __str__(self) -> str:
        return f"{self.sku} — {self.name}"


class PriceList(models.Model):
    """Prices in one currency, general or attached to one customer, as dated lines."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    currency = models.CharField(_("currency"), max_length=3)
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="price_lists",
        help_text=_("Leave empty for a general price list."),
    )
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("price list")
        verbose_name_plural = _("price lists")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PriceListLine(models.Model):
    """The price of one service or one product on a price list, from a day on."""

    price_list = models.ForeignKey(
        PriceList, verbose_name=_("price list"), on_delete=models.CASCADE, related_name="lines"
    )
    service = models.ForeignKey(
        Service,
        verbose_name=_("service"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="price_list_lines",
    )
    product = models.ForeignKey(
        Product,
        verbose_name=_("product"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="price_list_lines",
    )
    label = models.CharField(
        _("label"),
        max_length=200,
        blank=True,
        help_text=_("Shown on charge lines and reports; defaults to the name."),
    )
    unit_price = models.DecimalField(
        _("unit price"), max_digits=14, decimal_places=4, validators=[MinValueValidator(ZERO)]
    )
    effective_on = models.DateField(_("effective on"))

    class Meta:
        verbose_name = _("price list line")
        verbose_name_plural = _("price list lines")
        ordering = ["price_list", "effective_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(service__isnull=False) & Q(product__isnull=True))
                | (Q(service__isnull=True) & Q(product__isnull=False)),
                name="price_list_line_one_item",
                violation_error_message=_("A line prices either one service or one product."),
            ),
            models.UniqueConstraint(
                fields=["price_list", "service", "effective_on"],
                condition=Q(service__isnull=False),
                name="price_list_line_unique_service_day",
                violation_error_message=_("This service already has a price from that day."),
            ),
            models.UniqueConstraint(
                fields=["price_list", "product", "effective_on"],
                condition=Q(product__isnull=False),
                name="price_list_line_unique_product_day",
                violation_error_message=_("This product already has a price from that day."),
            ),
        ]

    def __str__(self) -> str:
        item = self.service or self.product
        return f"{self.label or item}: {self.unit_price} from {self.effective_on}"
