"""/api/v1/contractor-statements/: what contractors are paid for accepted work, with the work
still awaiting the customer's acceptance (finance sees all; a contractor user its own)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.routers import DefaultRouter

from pacta.api.records import ReadOnlyRecordViewSet
from pacta.billing.models import ContractorStatement, ContractorStatementLine
from pacta.billing.selectors import contractor_statement_awaiting, contractor_statement_list


class ContractorStatementLineSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = ContractorStatementLine
        fields = ["id", "work_order", "description", "quantity", "unit_price", "amount"]


class ContractorStatementSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    lines = ContractorStatementLineSerializer(many=True, read_only=True)
    awaiting_acceptance = serializers.SerializerMethodField(
        help_text=_("Work orders completed but not accepted (or disputed): not paid.")
    )

    class Meta:
        model = ContractorStatement
        fields = [
            "id",
            "contractor",
            "starts_on",
            "ends_on",
            "currency",
            "total",
            "issued_at",
            "created_at",
            "lines",
            "awaiting_acceptance",
        ]

    def get_awaiting_acceptance(self, statement: ContractorStatement) -> list[dict[str, Any]]:
        return [
            {"work_order": w.pk, "reference": w.reference, "status": w.status}
            for w in contractor_statement_awaiting(statement)
        ]


class ContractorStatementViewSet(ReadOnlyRecordViewSet):
    serializer_class = ContractorStatementSerializer
    selector = staticmethod(contractor_statement_list)
    filterset_fields = ["contractor", "starts_on"]
    ordering_fields = ["starts_on", "id"]


def register(router: DefaultRouter) -> None:
    router.register(
        "contractor-statements", ContractorStatementViewSet, basename="contractor-statement"
    )
