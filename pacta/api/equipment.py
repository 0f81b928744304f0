"""/api/v1/equipment/ and its history (/api/v1/equipment/{id}/history/)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from pacta.api.records import RecordSerializer, RecordViewSet, audience
from pacta.contracts.models import Contract
from pacta.equipment import selectors, services
from pacta.equipment.models import Equipment
from pacta.service.models import Ticket, WorkOrder


class EquipmentSerializer(RecordSerializer):
    """One installed unit at a customer's site, identified by manufacturer and serial number."""

    customer = serializers.IntegerField(
        source="site.customer_id", read_only=True, help_text=_("The customer of the site.")
    )
    under_warranty = serializers.SerializerMethodField(
        help_text=_("Whether the warranty runs today (its last day included).")
    )

    class Meta:
        model = Equipment
        fields = [
            "id",
            "site",
            "customer",
            "serial_number",
            "manufacturer",
            "model",
            "product",
            "name",
            "installed_on",
            "warranty_until",
            "under_warranty",
            "is_active",
            "notes",
            "reason",
        ]

    def get_under_warranty(self, equipment: Equipment) -> bool:
        return selectors.equipment_is_under_warranty(equipment)


# --- the history: contracts covering the unit, tickets and work orders that touched it -------
class EquipmentContractSerializer(serializers.ModelSerializer):
    class Meta:
        model = Contract
        fields = ["id", "number", "title", "status", "starts_on", "ends_on"]
        read_only_fields = fields


class EquipmentWorkOrderSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True)
    technician = serializers.SlugRelatedField(
        slug_field="username", read_only=True, help_text=_("The technician's username.")
    )

    class Meta:
        model = WorkOrder
        fields = ["id", "reference", "status", "technician", "scheduled_start_at"]
        read_only_fields = fields


class EquipmentTicketSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True)
    service = serializers.SlugRelatedField(
        slug_field="code", read_only=True, help_text=_("The service's code.")
    )
    work_orders = EquipmentWorkOrderSerializer(many=True, read_only=True)

    class Meta:
        model = Ticket
        fields = [
            "id",
            "reference",
            "subject",
            "status",
            "priority",
            "opened_at",
            "service",
            "work_orders",
        ]
        read_only_fields = fields


class EquipmentHistorySerializer(serializers.Serializer):  # type: ignore[type-arg]
    contracts = EquipmentContractSerializer(many=True, read_only=True)
    tickets = EquipmentTicketSerializer(many=True, read_only=True)


class EquipmentViewSet(RecordViewSet):
    serializer_class = EquipmentSerializer
    selector = staticmethod(selectors.equipment_list)
    writer = services.EQUIPMENT
    record_actions = {"history": "view"}
    filterset_fields = ["site", "site__customer", "manufacturer", "product", "is_active"]
    search_fields = ["serial_number", "manufacturer", "model", "name"]
    ordering_fields = [
        "serial_number",
        "manufacturer",
        "model",
        "installed_on",
        "warranty_until",
        "id",
    ]

    @extend_schema(
        responses=EquipmentHistorySerializer,
        description=_(
            "The contracts covering this equipment (earliest first) and the tickets that "
            "touched it (newest first), each with its work orders."
        ),
    )
    @action(detail=True)
    def history(self, request: Request, pk: str | None = None) -> Response:
        equipment = self.get_object()
        reader = audience(request)
        history = {
            "contracts": selectors.equipment_contracts(equipment, audience=reader),
            "tickets": selectors.equipment_history(equipment, audience=reader),
        }
        return Response(EquipmentHistorySerializer(history).data)


def register(router: DefaultRouter) -> None:
    router.register("equipment", EquipmentViewSet, basename="equipment")
