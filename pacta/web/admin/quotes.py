"""Back-office pages for preventive plans (written through their services) and, read-only,
the visits generated from them and the quotes (drafted and sent through /api/v1/quotes/,
decided by the customer)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from pacta.accounts.access import audience_of
from pacta.service import selectors
from pacta.service.models import PlanOccurrence, PreventivePlan, Quote, QuoteLine
from pacta.service.services.plans import PREVENTIVE_PLAN
from pacta.web.admin.records import ReadOnlyAdmin, ReadOnlyInline, RecordAdmin


@admin.register(PreventivePlan)
class PreventivePlanAdmin(RecordAdmin):
    writer = PREVENTIVE_PLAN
    list_display = ("name", "contract", "site", "service", "frequency", "interval", "is_active")
    list_filter = ("frequency", "is_active")
    list_select_related = ("contract", "site", "service")
    search_fields = ("name",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return selectors.preventive_plan_list(audience=audience_of(request.user))


@admin.register(PlanOccurrence)
class PlanOccurrenceAdmin(ReadOnlyAdmin):
    list_display = ("plan", "nominal_on", "scheduled_on", "work_order", "created_at")
    list_select_related = ("plan", "work_order")
    date_hierarchy = "scheduled_on"
    fields = readonly_fields = (
        "plan",
        "nominal_on",
        "scheduled_on",
        "ticket",
        "work_order",
        "created_at",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return selectors.plan_occurrence_list(audience=audience_of(request.user))


class QuoteLineInline(ReadOnlyInline):
    model = QuoteLine
    fields = readonly_fields = (
        "position",
        "description",
        "quantity",
        "unit",
        "unit_price",
        "tax_percent",
        "amount",
    )


@admin.register(Quote)
class QuoteAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "title", "customer", "site", "status", "valid_until", "work_order")
    list_filter = ("status", "decided_via")
    list_select_related = ("customer", "site", "work_order")
    search_fields = ("number", "title")
    fields = readonly_fields = (
        "number",
        "title",
        "customer",
        "site",
        "ticket",
        "contract",
        "price_list",
        "currency",
        "notes",
        "status",
        "sent_at",
        "valid_until",
        "decided_at",
        "decided_by",
        "decided_via",
        "decision_reason",
        "work_order",
        "created_at",
        "created_by",
    )
    inlines = (QuoteLineInline,)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return selectors.quote_list(audience=audience_of(request.user))
