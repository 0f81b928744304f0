"""/api/v1/inspection-templates/ and /inspection-parameters/ (the catalog's), and
/api/v1/inspections/: start one on a work order, record readings, finish it (which e-mails the
inspection report to the customer after commit)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from pacta.api.records import (
    ReadOnlyRecordViewSet,
    RecordSerializer,
    RecordViewSet,
    VisibleRelationsMixin,
    audience,
)
from pacta.catalog import selectors as catalog_selectors
from pacta.catalog import services as catalog_services
from pacta.catalog.models import InspectionParameter, InspectionTemplate
from pacta.reports.services import inspection_finished
from pacta.service import selectors
from pacta.service.models import Inspection, InspectionReading
from pacta.service.services.inspections import (
    inspection_finish,
    inspection_reading_record,
    inspection_start,
)


class InspectionParameterSerializer(RecordSerializer):
    class Meta:
        model = InspectionParameter
        fields = [
            "id",
            "template",
            "position",
            "label",
            "kind",
            "unit",
            "minimum",
            "maximum",
            "reason",
        ]


class ParameterInTemplateSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = InspectionParameter
        fields = ["id", "position", "label", "kind", "unit", "minimum", "maximum"]


class InspectionTemplateSerializer(RecordSerializer):
    parameters = ParameterInTemplateSerializer(many=True, read_only=True)

    class Meta:
        model = InspectionTemplate
        fields = ["id", "code", "name", "service", "is_active", "parameters", "reason"]


class InspectionTemplateViewSet(RecordViewSet):
    serializer_class = InspectionTemplateSerializer
    selector = staticmethod(catalog_selectors.inspection_template_list)
    writer = catalog_services.INSPECTION_TEMPLATE
    filterset_fields = ["service", "is_active"]
    search_fields = ["code", "name"]


class InspectionParameterViewSet(RecordViewSet):
    serializer_class = InspectionParameterSerializer
    selector = staticmethod(catalog_selectors.inspection_parameter_list)
    writer = catalog_services.INSPECTION_PARAMETER
    filterset_fields = ["template", "kind"]


class InspectionReadingSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = InspectionReading
        fields = ["id", "parameter", "value", "passed", "note", "read_at", "read_by"]
        read_only_fields = fields


class InspectionSerializer(VisibleRelationsMixin, serializers.ModelSerializer):  # type: ignore[type-arg]
    """An inspection of a template's parameters on a work order, for a piece of equipment or
    (without one) the site; ``result`` is empty until it is finished."""

    readings = InspectionReadingSerializer(many=True, read_only=True)

    class Meta:
        model = Inspection
        fields = [
            "id",
            "work_order",
            "template",
            "equipment",
            "result",
            "started_at",
            "started_by",
            "completed_at",
            "completed_by",
            "readings",
        ]
        read_only_fields = ["result", "started_at", "started_by", "completed_at", "completed_by"]


class ReadingInputSerializer(VisibleRelationsMixin, serializers.Serializer):  # type: ignore[type-arg]
    parameter = serializers.PrimaryKeyRelatedField(
        queryset=InspectionParameter.objects.all(), help_text=_("The parameter read.")
    )
    value = serializers.DecimalField(
        max_digits=14,
        decimal_places=4,
        required=False,
        allow_null=True,
        help_text=_("The value read (numeric parameters)."),
    )
    passed = serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text=_("Whether it passed (pass/fail).")
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=300)


class InspectionViewSet(ReadOnlyRecordViewSet):
    serializer_class = InspectionSerializer
    selector = staticmethod(selectors.inspection_list)
    filterset_fields = ["work_order", "template", "equipment", "result"]
    ordering_fields = ["started_at", "completed_at", "id"]
    record_actions = {"create": "add", "readings": "change", "finish": "change"}

    def get_queryset(self) -> Any:
        return super().get_queryset().prefetch_related("readings")

    def create(self, request: Request) -> Response:
        """Start an inspection (work_order, template, optional equipment)."""
        given = InspectionSerializer(data=request.data, context={"request": request})
        given.is_valid(raise_exception=True)
        data = given.validated_data
        with transaction.atomic():
            work_order = selectors.work_order_list(audience=audience(request)).get(
                pk=data["work_order"].pk
            )
            inspection = inspection_start(
                actor=request.user,
                work_order=work_order,
                template=data["template"],
                equipment=data.get("equipment"),
            )
        return Response(
            InspectionSerializer(inspection, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request=ReadingInputSerializer, responses=InspectionReadingSerializer)
    @action(detail=True, methods=["post"])
    def readings(self, request: Request, pk: Any = None) -> Response:
        """Record (or correct, until finished) the reading of one parameter."""
        inspection = self.get_object()
        given = ReadingInputSerializer(data=request.data, context={"request": request})
        given.is_valid(raise_exception=True)
        data = given.validated_data
        reading = inspection_reading_record(
            actor=request.user,
            inspection=inspection,
            parameter=data["parameter"],
            value=data.get("value"),
            passed=data.get("passed"),
            note=data.get("note", ""),
        )
        return Response(InspectionReadingSerializer(reading).data)

    @extend_schema(request=None, responses=InspectionSerializer)
    @action(detail=True, methods=["post"])
    def finish(self, request: Request, pk: Any = None) -> Response:
        """Finish the inspection (400 readings_missing naming the parameters without a reading);
        its report is e-mailed to the customer after commit."""
        with transaction.atomic():
            inspection = inspection_finish(actor=request.user, inspection=self.get_object())
            inspection_finished(inspection)
        fresh = self.get_queryset().get(pk=inspection.pk)
        return Response(InspectionSerializer(fresh, context={"request": request}).data)


def register(router: DefaultRouter) -> None:
    router.register(
        "inspection-templates", InspectionTemplateViewSet, basename="inspection-template"
    )
    router.register(
        "inspection-parameters", InspectionParameterViewSet, basename="inspection-parameter"
    )
    router.register("inspections", InspectionViewSet, basename="inspection")
