"""Back-office pages for customers, contacts and sites."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from pacta.customers import services
from pacta.customers.models import Contact, Customer, Site
from pacta.web.admin.records import RecordAdmin, RecordInline

ADDRESS = ("address_line1", "address_line2", ("postal_code", "city"), ("region", "country"))


class ContactInline(RecordInline):
    model = Contact
    writer = services.CONTACT
    fields = ("name", "job_title", "email", "phone", "language", "is_primary", "is_billing")


class SiteInline(RecordInline):
    model = Site
    writer = services.SITE
    fields = ("name", "code", "city", "country", "time_zone", "zone_code")
    show_change_link = True


@admin.register(Customer)
class CustomerAdmin(RecordAdmin):
    writer = services.CUSTOMER
    list_display = (
        "legal_name",
        "trade_name",
        "tax_id",
        "country",
        "currency",
        "parent",
        "is_active",
    )
    list_filter = ("country", "currency", "language", "is_active")
    search_fields = ("legal_name", "trade_name", "tax_id", "email")
    autocomplete_fields = ("parent",)
    inlines = (ContactInline, SiteInline)
    fieldsets = (
        (None, {"fields": ("legal_name", "trade_name", "tax_id", "parent", "is_active")}),
        (
            _("Billing"),
            {"fields": (*ADDRESS, "email", "phone", "currency", "language", "payment_terms_days")},
        ),
        (
            _("Spanish public sector (FACe)"),
            {
                "fields": (
                    "dir3_accounting_office",
                    "dir3_managing_body",
                    "dir3_processing_unit",
                ),
                "description": _(
                    "The DIR3 codes of a public body's administrative centres, named on its "
                    "Facturae e-invoices: all three or none."
                ),
            },
        ),
        (_("Notes"), {"fields": ("notes",)}),
    )


@admin.register(Contact)
class ContactAdmin(RecordAdmin):
    writer = services.CONTACT
    list_display = ("name", "customer", "email", "phone", "is_primary", "is_billing", "is_active")
    list_filter = ("is_primary", "is_billing", "is_active")
    search_fields = ("name", "email", "phone", "customer__legal_name")
    autocomplete_fields = ("customer",)


@admin.register(Site)
class SiteAdmin(RecordAdmin):
    writer = services.SITE
    list_display = ("name", "customer", "city", "country", "time_zone", "zone_code", "is_active")
    list_filter = ("country", "zone_code", "is_active")
    search_fields = ("name", "code", "city", "customer__legal_name")
    autocomplete_fields = ("customer",)
    fieldsets = (
        (None, {"fields": ("customer", "name", "code", "is_active")}),
        (_("Where"), {"fields": (*ADDRESS, "time_zone", "zone_code", ("latitude", "longitude"))}),
        (_("Access"), {"fields": ("access_notes",)}),
        (_("SLA"), {"fields": ("sla_in_site_time_zone",)}),
    )
