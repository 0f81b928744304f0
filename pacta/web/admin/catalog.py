"""Back-office pages for the catalog."""

from __future__ import annotations

from django.contrib import admin

from pacta.billing.models import ProductCost
from pacta.billing.services.costs import PRODUCT_COST
from pacta.catalog import services
from pacta.catalog.models import (
    ChecklistStep,
    PriceList,
    PriceListLine,
    Product,
    Service,
    TaxRate,
    TaxRateValue,
)
from pacta.contracts import services as contract_services
from pacta.contracts.models import SurchargeRule, TravelRule
from pacta.web.admin.records import RecordAdmin, RecordInline


class TaxRateValueInline(RecordInline):
    model = TaxRateValue
    writer = services.TAX_RATE_VALUE
    fields = ("effective_on", "percent")


@admin.register(TaxRate)
class TaxRateAdmin(RecordAdmin):
    writer = services.TAX_RATE
    list_display = ("code", "name", "country", "is_active")
    list_filter = ("country", "is_active")
    search_fields = ("code", "name")
    inlines = (TaxRateValueInline,)


@admin.register(TaxRateValue)
class TaxRateValueAdmin(RecordAdmin):
    writer = services.TAX_RATE_VALUE
    list_display = ("tax_rate", "effective_on", "percent")
    list_filter = ("tax_rate",)
    date_hierarchy = "effective_on"


class ChecklistStepInline(RecordInline):
    model = ChecklistStep
    writer = services.CHECKLIST_STEP
    fk_name = "service"
    fields = ("position", "text", "is_mandatory", "is_safety", "requires_service")


@admin.register(Service)
class ServiceAdmin(RecordAdmin):
    writer = services.SERVICE
    list_display = ("code", "name", "unit", "default_price", "tax_rate", "is_active")
    list_filter = ("unit", "tax_rate", "is_active")
    search_fields = ("code", "name", "description")
    inlines = (ChecklistStepInline,)


@admin.register(ChecklistStep)
class ChecklistStepAdmin(RecordAdmin):
    writer = services.CHECKLIST_STEP
    list_display = ("service", "position", "text", "is_mandatory", "is_safety")
    list_filter = ("is_mandatory", "is_safety")
    search_fields = ("text", "service__code")


class ProductCostInline(RecordInline):
    """What a unit of the product costs us, from a day on (written with the page's reason)."""

    model = ProductCost
    writer = PRODUCT_COST
    fields = ("effective_on", "unit_cost")


@admin.register(Product)
class ProductAdmin(RecordAdmin):
    writer = services.PRODUCT
    list_display = ("sku", "name", "unit", "price", "tax_rate", "is_active")
    list_filter = ("unit", "tax_rate", "is_active")
    search_fields = ("sku", "name", "description")
    inlines = (ProductCostInline,)


class PriceListLineInline(RecordInline):
    model = PriceListLine
    writer = services.PRICE_LIST_LINE
    fields = ("service", "product", "label", "unit_price", "effective_on")
    autocomplete_fields = ("service", "product")


class PriceListSurchargeRuleInline(RecordInline):
    """A price list's surcharge rules, dated: one in force on a list contracts use is only
    ended (valid to); a new rule of the same name from a day replaces it."""

    model = SurchargeRule
    fk_name = "price_list"
    writer = contract_services.SURCHARGE_RULE
    fields = (*contract_services.SURCHARGE_RULE_VALUES, "valid_from", "valid_to")
    autocomplete_fields = ("services",)


class PriceListTravelRuleInline(RecordInline):
    model = TravelRule
    fk_name = "price_list"
    writer = contract_services.TRAVEL_RULE
    fields = (*contract_services.TRAVEL_RULE_VALUES, "valid_from", "valid_to")


@admin.register(PriceList)
class PriceListAdmin(RecordAdmin):
    writer = services.PRICE_LIST
    list_display = ("name", "currency", "customer", "is_active")
    list_filter = ("currency", "is_active")
    search_fields = ("name", "customer__legal_name")
    autocomplete_fields = ("customer",)
    inlines = (PriceListLineInline, PriceListSurchargeRuleInline, PriceListTravelRuleInline)


@admin.register(PriceListLine)
class PriceListLineAdmin(RecordAdmin):
    writer = services.PRICE_LIST_LINE
    list_display = ("price_list", "label", "service", "product", "unit_price", "effective_on")
    list_filter = ("price_list",)
    search_fields = ("label", "service__code", "product__sku")
    date_hierarchy = "effective_on"
    autocomplete_fields = ("price_list", "service", "product")
