"""/api/v1/contractor-statements/: what contractors are paid for accepted work, with the work
still awaiting the customer's acceptance (finance sees all; a contractor user its own).

Finance drafts a statement (``POST``: contractor and period) and issues it (``POST
…/{id}/issue/``); both call :mod:`pacta.billing.services.contractors`. A period backwards or not
ended yet is refused with 400 naming ``ends_on``; a period overlapping another statement of the
contractor (the same period drafted again, too) with 409 ``statement_period_overlaps``; issuing
an issued statement with 409 ``statement_issued``. A contractor user only reads its own."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from pacta.accounts.models import Contractor
from pacta.api.records import REASON_HELP, ReadOnlyRecordViewSet, VisibleRelationsMixin
from pacta.billing.models import ContractorStatement, ContractorStatementLine
from pacta.billing.selectors import contractor_statement_awaiting, contractor_statement_list
from pacta.billing.services.contractors import (
    contractor_statement_create,
    contractor_statement_issue,
)


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


class ContractorStatementDraftSerializer(VisibleRelationsMixin, serializers.Serializer):  # type: ignore[type-arg]
    contractor = serializers.PrimaryKeyRelatedField(queryset=Contractor.objects.all())
    starts_on = serializers.DateField(help_text=_("The first day of the period."))
    ends_on = serializers.DateField(help_text=_("The last day of the period (ended already)."))
    reason = serializers.CharField(required=False, allow_blank=True, help_text=REASON_HELP)


class ContractorStatementIssueSerializer(serializers.Serializer):  # type: ignore[type-arg]
    reason = serializers.CharField(required=False, allow_blank=True, help_text=REASON_HELP)


class ContractorStatementViewSet(ReadOnlyRecordViewSet):
    serializer_class = ContractorStatementSerializer
    selector = staticmethod(contractor_statement_list)
    filterset_fields = ["contractor", "starts_on"]
    ordering_fields = ["starts_on", "id"]
    record_actions = {"create": "add", "issue": "change"}

    def _answer(self, statement: ContractorStatement, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=statement.pk)
        return Response(self.get_serializer(fresh).data, status=code)

    @extend_schema(
        request=ContractorStatementDraftSerializer, responses=ContractorStatementSerializer
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Draft the statement of a contractor for a period that has ended: a line for each work
        order its customers accepted in the period, not on a statement yet."""
        given = ContractorStatementDraftSerializer(data=request.data, context={"request": request})
        given.is_valid(raise_exception=True)
        data = given.validated_data
        statement = contractor_statement_create(
            actor=request.user,
            contractor=data["contractor"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            now=timezone.now(),
            reason=data.get("reason", ""),
        )
        return self._answer(statement, status.HTTP_201_CREATED)

    @extend_schema(
        request=ContractorStatementIssueSerializer, responses=ContractorStatementSerializer
    )
    @action(detail=True, methods=["post"])
    def issue(self, request: Request, pk: Any = None) -> Response:
        """Issue (freeze) the draft; an issued statement is refused (409 ``statement_issued``)."""
        statement = self.get_object()
        given = ContractorStatementIssueSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        issued = contractor_statement_issue(
            actor=request.user,
            statement=statement,
            now=timezone.now(),
            reason=given.validated_data.get("reason", ""),
        )
        return self._answer(issued)


def register(router: DefaultRouter) -> None:
    router.register(
        "contractor-statements", ContractorStatementViewSet, basename="contractor-statement"
    )
