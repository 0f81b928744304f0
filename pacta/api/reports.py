"""/api/v1/report-wordings/, /redaction-rules/ (how documents read), and /issued-reports/: the
reports issued to customers, each with its PDF (``/issued-reports/{id}/pdf/``)."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.routers import DefaultRouter

from pacta.api.records import ReadOnlyRecordViewSet, RecordSerializer, RecordViewSet
from pacta.reports import selectors, services
from pacta.reports.models import IssuedReport, RedactionRule, ReportWording


class ReportWordingSerializer(RecordSerializer):
    class Meta:
        model = ReportWording
        fields = [
            "id",
            "kind",
            "language",
            "contract",
            "title",
            "introduction",
            "closing",
            "reason",
        ]


class RedactionRuleSerializer(RecordSerializer):
    class Meta:
        model = RedactionRule
        fields = ["id", "contract", "label", "pattern", "replacement", "reason"]


class IssuedReportSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    filename = serializers.CharField(read_only=True)

    class Meta:
        model = IssuedReport
        fields = [
            "id",
            "kind",
            "work_order",
            "inspection",
            "language",
            "filename",
            "sha256",
            "size_bytes",
            "issued_at",
        ]
        read_only_fields = fields


class ReportWordingViewSet(RecordViewSet):
    serializer_class = ReportWordingSerializer
    selector = staticmethod(selectors.report_wording_list)
    writer = services.REPORT_WORDING
    filterset_fields = ["kind", "language", "contract"]


class RedactionRuleViewSet(RecordViewSet):
    serializer_class = RedactionRuleSerializer
    selector = staticmethod(selectors.redaction_rule_list)
    writer = services.REDACTION_RULE
    filterset_fields = ["contract"]


class IssuedReportViewSet(ReadOnlyRecordViewSet):
    serializer_class = IssuedReportSerializer
    selector = staticmethod(selectors.issued_report_list)
    filterset_fields = ["kind", "work_order", "inspection", "language"]
    ordering_fields = ["issued_at", "id"]
    record_actions = {"pdf": "view"}

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True)
    def pdf(self, request: Request, pk: Any = None) -> FileResponse:
        """The PDF exactly as it was issued (and e-mailed)."""
        issued = self.get_object()
        return FileResponse(
            issued.file.open("rb"), content_type="application/pdf", filename=issued.filename
        )


def register(router: DefaultRouter) -> None:
    router.register("report-wordings", ReportWordingViewSet, basename="report-wording")
    router.register("redaction-rules", RedactionRuleViewSet, basename="redaction-rule")
    router.register("issued-reports", IssuedReportViewSet, basename="issued-report")
