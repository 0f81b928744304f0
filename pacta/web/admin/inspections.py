"""Back-office pages for inspection templates (their parameters inline) and the inspections
done on work orders (read-only: they are done on the phone)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from pacta.accounts.access import audience_of
from pacta.catalog import selectors as catalog_selectors
from pacta.catalog import services as catalog_services
from pacta.catalog.models import InspectionParameter, InspectionTemplate
from pacta.service import selectors as service_selectors
from pacta.service.models import Inspection, InspectionReading
from pacta.web.admin.records import ReadOnlyAdmin, ReadOnlyInline, RecordAdmin, RecordInline


class InspectionParameterInline(RecordInline):
    model = InspectionParameter
    writer = catalog_services.INSPECTION_PARAMETER
    fields = ("position", "label", "kind", "unit", "minimum", "maximum")


@admin.register(InspectionTemplate)
class InspectionTemplateAdmin(RecordAdmin):
    writer = catalog_services.INSPECTION_TEMPLATE
    list_display = ("code", "name", "service", "is_active")
    list_filter = ("is_active",)
    search_fields = ("code", "name")
    autocomplete_fields = ("service",)
    inlines = (InspectionParameterInline,)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return catalog_selectors.inspection_template_list(audience=audience_of(request.user))


@admin.register(InspectionParameter)
class InspectionParameterAdmin(RecordAdmin):
    writer = catalog_services.INSPECTION_PARAMETER
    list_display = ("template", "position", "label", "kind", "unit", "minimum", "maximum")
    list_filter = ("kind",)
    search_fields = ("label", "template__code")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return catalog_selectors.inspection_parameter_list(audience=audience_of(request.user))


class InspectionReadingInline(ReadOnlyInline):
    model = InspectionReading
    fields = ("parameter", "value", "passed", "note", "read_at", "read_by")
    readonly_fields = fields


@admin.register(Inspection)
class InspectionAdmin(ReadOnlyAdmin):
    list_display = ("work_order", "template", "equipment", "result", "completed_at")
    list_filter = ("result", "template")
    list_select_related = ("work_order", "template", "equipment")
    readonly_fields = (
        "work_order",
        "template",
        "equipment",
        "result",
        "started_at",
        "started_by",
        "completed_at",
        "completed_by",
        "report",
    )
    fields = readonly_fields
    inlines = (InspectionReadingInline,)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return service_selectors.inspection_list(audience=audience_of(request.user))

    @admin.display(description=_("report"))
    def report(self, inspection: Inspection) -> Any:
        url = reverse("web:reports:inspection", args=[inspection.pk])
        return format_html('<a href="{}">{}</a>', url, _("inspection report"))
