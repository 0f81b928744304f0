"""/api/v1/preventive-plans/ (the office's recurring visits per contract, site or equipment)
and /api/v1/plan-occurrences/ (the visits generated from them, with their ticket and work
order; written only by the daily run)."""

from __future__ import annotations

from rest_framework import serializers
from rest_framework.routers import DefaultRouter

from pacta.api.records import ReadOnlyRecordViewSet, RecordSerializer, RecordViewSet
from pacta.service import selectors
from pacta.service.models import PlanOccurrence, PreventivePlan
from pacta.service.services.plans import PREVENTIVE_PLAN


class PreventivePlanSerializer(RecordSerializer):
    class Meta:
        model = PreventivePlan
        fields = [
            "id",
            "contract",
            "site",
            "equipment",
            "service",
            "name",
            "frequency",
            "interval",
            "months",
            "starts_on",
            "ends_on",
            "lead_days",
            "visit_time",
            "visit_minutes",
            "technician",
            "priority",
            "is_active",
            "reason",
        ]


class PlanOccurrenceSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = PlanOccurrence
        fields = ["id", "plan", "nominal_on", "scheduled_on", "ticket", "work_order", "created_at"]
        read_only_fields = fields


class PreventivePlanViewSet(RecordViewSet):
    serializer_class = PreventivePlanSerializer
    selector = staticmethod(selectors.preventive_plan_list)
    writer = PREVENTIVE_PLAN
    filterset_fields = ["contract", "site", "equipment", "service", "is_active"]
    search_fields = ["name"]


class PlanOccurrenceViewSet(ReadOnlyRecordViewSet):
    serializer_class = PlanOccurrenceSerializer
    selector = staticmethod(selectors.plan_occurrence_list)
    filterset_fields = ["plan", "scheduled_on"]
    ordering_fields = ["nominal_on", "scheduled_on", "id"]


def register(router: DefaultRouter) -> None:
    router.register("preventive-plans", PreventivePlanViewSet, basename="preventive-plan")
    router.register("plan-occurrences", PlanOccurrenceViewSet, basename="plan-occurrence")
