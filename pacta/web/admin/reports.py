"""Back-office pages for how documents read (wording per report and language, per contract),
what they mask (redaction rules), and the reports issued."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from pacta.accounts.access import audience_of
from pacta.reports import selectors, services
from pacta.reports.models import IssuedReport, RedactionRule, ReportWording
from pacta.web.admin.records import ReadOnlyAdmin, RecordAdmin


@admin.register(ReportWording)
class ReportWordingAdmin(RecordAdmin):
    """The title, introduction and closing words of a report in one language; a contract may
    have its own. Plain-text Django templates over the report's context."""

    writer = services.REPORT_WORDING
    list_display = ("kind", "language", "contract", "title", "updated_at")
    list_filter = ("kind", "language")
    search_fields = ("title", "introduction", "closing", "contract__number")
    raw_id_fields = ("contract",)
    fieldsets = (
        (None, {"fields": ("kind", "language", "contract")}),
        (
            _("Words"),
            {
                "fields": ("title", "introduction", "closing"),
                "description": _(
                    "Django templates: {{ contract_number }}, {{ customer_name }}, "
                    "{{ site_name }}, {{ work_order_reference }}, {{ ticket_reference }}, "
                    "{{ completed_on }}; closure reports also {{ service_name }} and "
                    "{{ subject }}, inspection reports {{ template_name }} and "
                    "{{ equipment_name }}."
                ),
            },
        ),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return selectors.report_wording_list(audience=audience_of(request.user))


@admin.register(RedactionRule)
class RedactionRuleAdmin(RecordAdmin):
    """What a contract's documents must never show: every match of the pattern (a Python
    regular expression) is replaced in every free text of its reports."""

    writer = services.REDACTION_RULE
    list_display = ("contract", "label", "pattern", "replacement")
    search_fields = ("label", "pattern", "contract__number")
    raw_id_fields = ("contract",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return selectors.redaction_rule_list(audience=audience_of(request.user))


@admin.register(IssuedReport)
class IssuedReportAdmin(ReadOnlyAdmin):
    list_display = ("issued_at", "kind", "work_order", "language", "size_bytes", "download")
    list_filter = ("kind", "language")
    date_hierarchy = "issued_at"
    readonly_fields = (
        "kind",
        "work_order",
        "inspection",
        "language",
        "download",
        "sha256",
        "size_bytes",
        "issued_at",
    )
    fields = readonly_fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return selectors.issued_report_list(audience=audience_of(request.user))

    @admin.display(description=_("PDF"))
    def download(self, issued: IssuedReport) -> Any:
        if issued.inspection_id:
            url = reverse("web:reports:inspection_pdf", args=[issued.inspection_id])
        else:
            url = reverse("web:reports:closure_pdf", args=[issued.work_order_id])
        return format_html('<a href="{}">{}</a>', url, issued.filename)
