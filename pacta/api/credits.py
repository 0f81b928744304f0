"""/api/v1/credits/ (the credits ledger: list, goodwill by POST, ``/{id}/reverse/``) and
/api/v1/charge-line-decisions/ (a manager approves or rejects an out-of-scope charge line)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from pacta.accounts import selectors as accounts_selectors
from pacta.accounts.access import SYSTEM
from pacta.api.records import (
    PreferencesMixin,
    ReadOnlyRecordViewSet,
    VisibleRelationsMixin,
    audience,
)
from pacta.billing import services
from pacta.billing.selectors import charge_line_get_for_decision
from pacta.billing.wording import words_text
from pacta.contracts import selectors as contracts_selectors
from pacta.domain.errors import NotFound
from pacta.entitlements import selectors
from pacta.entitlements.models import Credit
from pacta.service import selectors as service_selectors

REASON = _("Why; kept with the credit and in the audit log.")


class CreditSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    explanation = serializers.SerializerMethodField(
        help_text=_("The trace of the amount in the reader's language.")
    )

    class Meta:
        model = Credit
        fields = [
            "id",
            "contract",
            "period_on",
            "kind",
            "sequence",
            "amount",
            "currency",
            "hours",
            "reason",
            "explanation",
            "words",
            "work_order",
            "reference",
            "reverses",
            "approved_by",
            "created_at",
            "created_by",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "words": {"help_text": _("The trace as data: [English template, values] phrases.")},
            "reverses": {"help_text": _("The credit this row undoes (a reversal).")},
        }

    def get_explanation(self, credit: Credit) -> str:
        return words_text(credit.words)


class GoodwillSerializer(VisibleRelationsMixin, serializers.Serializer):  # type: ignore[type-arg]
    """A goodwill credit: hours (at ``unit_price``, or the work order's service price) or an
    amount, with a reason and the manager or admin who approves it."""

    contract = serializers.PrimaryKeyRelatedField(
        queryset=contracts_selectors.contract_list(audience=SYSTEM)
    )
    period_on = serializers.DateField(help_text=_("A day of the billing period."))
    reason = serializers.CharField(allow_blank=True, help_text=REASON)
    approver = serializers.PrimaryKeyRelatedField(
        queryset=accounts_selectors.user_list(audience=SYSTEM),
        help_text=_("The manager or admin who approves the credit."),
    )
    hours = serializers.DecimalField(max_digits=10, decimal_places=2, required=False)
    unit_price = serializers.DecimalField(max_digits=14, decimal_places=4, required=False)
    amount = serializers.DecimalField(max_digits=14, decimal_places=4, required=False)
    work_order = serializers.PrimaryKeyRelatedField(
        queryset=service_selectors.work_order_list(audience=SYSTEM),
        required=False,
        allow_null=True,
    )


class ReverseSerializer(serializers.Serializer):  # type: ignore[type-arg]
    reason = serializers.CharField(allow_blank=True, help_text=REASON)


class CreditViewSet(ReadOnlyRecordViewSet):
    serializer_class = CreditSerializer
    selector = staticmethod(selectors.credit_list)
    filterset_fields = ["contract", "period_on", "kind", "work_order"]
    ordering_fields = ["period_on", "created_at", "id"]
    record_actions = {"reverse": "add"}

    @extend_schema(request=GoodwillSerializer, responses={201: CreditSerializer})
    def create(self, request: Request) -> Response:
        """Record a goodwill credit (403 ``approver_not_allowed`` unless the approver is a
        manager or an admin)."""
        given = GoodwillSerializer(data=request.data, context=self.get_serializer_context())
        given.is_valid(raise_exception=True)
        credit = services.credit_goodwill_grant(actor=request.user, **given.validated_data)
        return Response(self.get_serializer(credit).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ReverseSerializer, responses={201: CreditSerializer})
    @action(detail=True, methods=["post"])
    def reverse(self, request: Request, pk: Any = None) -> Response:
        """Undo a goodwill credit with a reversing row (409 the second time)."""
        given = ReverseSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        reversal = services.credit_reverse(
            actor=request.user, credit=self.get_object(), reason=given.validated_data["reason"]
        )
        return Response(self.get_serializer(reversal).data, status=status.HTTP_201_CREATED)


# --- decisions on out-of-scope lines --------------------------------------------------------------
class DecisionSerializer(serializers.Serializer):  # type: ignore[type-arg]
    line = serializers.IntegerField(help_text=_("The charge line awaiting approval."))
    approve = serializers.BooleanField(
        help_text=_("True: billed (the work order is rated again); false: written off.")
    )
    reason = serializers.CharField(allow_blank=True, help_text=REASON)


class DecisionResultSerializer(serializers.Serializer):  # type: ignore[type-arg]
    line = serializers.IntegerField()
    approval = serializers.CharField()
    rating = serializers.IntegerField(help_text=_("The work order's current rating."))
    sequence = serializers.IntegerField()
    currency = serializers.CharField()
    total = serializers.DecimalField(max_digits=14, decimal_places=4)
    awaiting_approval = serializers.DecimalField(max_digits=14, decimal_places=4)


class ChargeLineDecisionViewSet(PreferencesMixin, viewsets.GenericViewSet):  # type: ignore[type-arg]
    """Decisions are taken, not listed: the lines show theirs (approval, who, when, why)."""

    serializer_class = DecisionSerializer

    @extend_schema(request=DecisionSerializer, responses={200: DecisionResultSerializer})
    def create(self, request: Request) -> Response:
        """Approve (billed) or reject (written off, with a write-off credit) an out-of-scope
        line: managers and admins, with a reason; 409 ``not_awaiting_approval`` once decided."""
        given = DecisionSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        values = given.validated_data
        line = charge_line_get_for_decision(values["line"], audience=audience(request))
        if line is None:
            raise NotFound(_("No charge line %(line)s.") % {"line": values["line"]})
        current = services.charge_line_decide(
            actor=request.user, line=line, approve=values["approve"], reason=values["reason"]
        )
        line.refresh_from_db()
        result = {
            "line": line.pk,
            "approval": line.approval,
            "rating": current.pk,
            "sequence": current.sequence,
            "currency": current.currency,
            "total": current.total,
            "awaiting_approval": current.awaiting_approval,
        }
        return Response(DecisionResultSerializer(result).data)


def register(router: DefaultRouter) -> None:
    router.register("credits", CreditViewSet, basename="credit")
    router.register(
        "charge-line-decisions", ChargeLineDecisionViewSet, basename="charge-line-decision"
    )
