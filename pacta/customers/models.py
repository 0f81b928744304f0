"""Customers (payer / beneficiary hierarchy), their contacts, and their sites."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField


class Address(models.Model):
    """A postal address (abstract: customers bill to one, sites are at one)."""

    address_line1 = models.CharField(_("address"), max_length=200, blank=True)
    address_line2 = models.CharField(_("address (line 2)"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    region = models.CharField(_("region"), max_length=100, blank=True)
    country = CountryField(_("country"))

    class Meta:
        abstract = True


class Customer(Address):
    """A company or person we serve under contract. A parent customer pays for its children."""

    legal_name = models.CharField(_("legal name"), max_length=200)
    trade_name = models.CharField(_("trade name"), max_length=200, blank=True)
    tax_id = models.CharField(
        _("tax id"),
        max_length=50,
        blank=True,
        help_text=_("VAT number, NIF/CIF, SIRET or INN; unique within its country."),
    )
    email = models.EmailField(_("billing e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    currency = models.CharField(
        _("currency"), max_length=3, help_text=_("ISO 4217 code, e.g. EUR or RUB.")
    )
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    payment_terms_days = models.PositiveSmallIntegerField(
        _("payment terms (days)"), default=30, validators=[MaxValueValidator(365)]
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("paid for by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        help_text=_("The parent customer that pays for this one."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    notes = models.TextField(_("notes"), blank=True)
    # A Spanish public body's administrative centres (DIR3 codes), named on its Facturae
    # e-invoices for FACe: all three or none.
    dir3_accounting_office = models.CharField(
        _("accounting office (DIR3)"),
        max_length=10,
        blank=True,
        help_text=_("Oficina contable, role 01 in FACe, e.g. L01281343."),
    )
    dir3_managing_body = models.CharField(
        _("managing body (DIR3)"),
        max_length=10,
        blank=True,
        help_text=_("Órgano gestor, role 02 in FACe."),
    )
    dir3_processing_unit = models.CharField(
        _("processing unit (DIR3)"),
        max_length=10,
        blank=True,
        help_text=_("Unidad tramitadora, role 03 in FACe."),
    )

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["legal_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["country", "tax_id"],
                condition=~Q(tax_id=""),
                name="customer_tax_id_unique_in_country",
                violation_error_message=_("Another customer in this country has this tax id."),
            ),
        ]

    def __str__(self) -> str:
        return self.trade_name or self.legal_name


class Contact(models.Model):
    """A person at a customer: who calls, who signs, who receives invoices."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="contacts"
    )
    name = models.CharField(_("full name"), max_length=200)
    job_title = models.CharField(_("job title"), max_length=100, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_("Leave empty to use the customer's language."),
    )
    is_primary = models.BooleanField(_("primary contact"), default=False)
    is_billing = models.BooleanField(_("billing contact"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["customer", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "email"],
                condition=~Q(email=""),
                name="contact_email_unique_in_customer",
                violation_error_message=_("This customer already has a contact with this e-mail."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Site(Address):
    """A work center: where the work is done, in its own time zone and region."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="sites"
    )
    name = models.CharField(_("name"), max_length=200)
    code = models.CharField(_("code"), max_length=50, blank=True)
    time_zone = models.CharField(
        _("time zone"), max_length=64, help_text=_("IANA name, e.g. Europe/Madrid.")
    )
    zone_code = models.CharField(
        _("region / zone"),
        max_length=50,
        blank=True,
        help_text=_("Dispatch region or travel zone, e.g. MAD-NORTE."),
    )
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(-90)), MaxValueValidator(Decimal(90))],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(-180)), MaxValueValidator(Decimal(180))],
    )
    access_notes = models.TextField(_("access notes"), blank=True)
    access_hours = models.JSONField(
        _("access hours"),
        default=dict,
        blank=True,
        help_text=_(
            'When the site may be worked on, per weekday: {"mon": [["07:00", "19:00"]]}; '
            "empty = always. Work outside them is charged by the rules that say so."
        ),
    )
    sla_in_site_time_zone = models.BooleanField(
        _("SLA clocks in the site's time zone"),
        default=False,
        help_text=_("Run the SLA calendar's hours in this site's zone instead of the calendar's."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("site")
        verbose_name_plural = _("sites")
        ordering = ["customer", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "name"],
                name="site_name_unique_in_customer",
                violation_error_message=_("This customer already has a site with this name."),
            ),
        ]

    def __str__(self) -> str:
        return self.name
