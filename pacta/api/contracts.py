"""/api/v1/contracts/ (and /contracts/{id}/status/), /contract-versions/, /scope-lines/."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from pacta.api.records import (
    REASON_HELP,
    RecordSerializer,
    RecordViewSet,
    VisibleRelationsMixin,
)
from pacta.api.rules import (
    AllowanceInAmendmentSerializer,
    SurchargeRuleInAmendmentSerializer,
    TravelRuleInAmendmentSerializer,
)
from pacta.contracts import selectors, services
from pacta.contracts.models import Contract, ContractStatus, ContractVersion, ScopeLine


class ContractSerializer(RecordSerializer):
    """What we promised one customer, for which sites and equipment, from when to when."""

    version_in_force = serializers.SerializerMethodField(
        help_text=_(
            "The number of the version of the terms in force today "
            "(empty until the first terms take effect)."
        )
    )

    class Meta:
        model = Contract
        fields = [
            "id",
            "number",
            "title",
            "customer",
            "sites",
            "equipment",
            "starts_on",
            "ends_on",
            "status",
            "currency",
            "signed_on",
            "notes",
            "version_in_force",
            "reason",
        ]
        read_only_fields = ["status"]
        extra_kwargs = {
            "currency": {
                "required": False,
                "help_text": _("ISO 4217 code; the customer's currency when not given."),
            }
        }

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_version_in_force(self, contract: Contract) -> int | None:
        version = selectors.contract_version_in_force(contract, timezone.localdate())
        return None if version is None else version.number


class ContractStatusSerializer(serializers.Serializer):  # type: ignore[type-arg]
    status = serializers.ChoiceField(
        choices=ContractStatus.choices, help_text=_("The status the contract moves to.")
    )
    reason = serializers.CharField(allow_blank=True, help_text=REASON_HELP)


#: What a scope line says, in a version and on its own.
SCOPE_VALUES = (
    "service",
    "coverage",
    "period_limit",
    "minimum_minutes",
    "increment_minutes",
    "notes",
)


class ScopeLineInVersionSerializer(VisibleRelationsMixin, serializers.ModelSerializer):  # type: ignore[type-arg]
    """One service's coverage under the version (the list replaces the version's scope)."""

    class Meta:
        model = ScopeLine
        fields = ["id", *SCOPE_VALUES]
        read_only_fields = ["id"]


class ContractVersionSerializer(RecordSerializer):
    """The terms of a contract from a day on. A POST is an amendment."""

    # The amendment's reason is part of the terms (why these terms): readable, required.
    reason = serializers.CharField(help_text=REASON_HELP)
    scope_lines = ScopeLineInVersionSerializer(
        many=True,
        required=False,
        help_text=_(
            "The scope of these terms; when given, it replaces the scope copied from the "
            "version in force the day before."
        ),
    )
    locked = serializers.SerializerMethodField(
        help_text=_("Whether these terms are in force on a live contract (then never edited).")
    )
    # An amendment's rules (write-only: read them at /surcharge-rules/?version=…, …).
    surcharge_rules = SurchargeRuleInAmendmentSerializer(
        many=True,
        required=False,
        write_only=True,
        help_text=_(
            "Amendments: when given, replaces the surcharge rules copied from the version in "
            "force the day before."
        ),
    )
    travel_rules = TravelRuleInAmendmentSerializer(
        many=True,
        required=False,
        write_only=True,
        help_text=_(
            "Amendments: when given, replaces the travel rules copied from the version in force "
            "the day before."
        ),
    )
    allowances = AllowanceInAmendmentSerializer(
        many=True,
        required=False,
        write_only=True,
        help_text=_(
            "Amendments: when given, replaces the allowances copied from the version in force "
            "the day before."
        ),
    )

    class Meta:
        model = ContractVersion
        fields = [
            "id",
            "contract",
            "number",
            "effective_on",
            "price_list",
            "subscription_fee",
            "billing_period",
            "calendar",
            "sla_policy",
            "approved_by",
            "created_at",
            "created_by",
            "locked",
            "reason",
            "scope_lines",
            "sla_credit_percent",
            "sla_credit_cap_percent",
            "surcharge_rules",
            "travel_rules",
            "allowances",
        ]
        read_only_fields = ["number", "created_at", "created_by"]
        extra_kwargs = {
            "calendar": {
                "help_text": _(
                    "The business calendar the SLA clocks run on (with sla_policy, or neither); "
                    "copied from the version in force the day before when not given."
                )
            },
            "sla_policy": {
                "help_text": _(
                    "Response and resolution targets per priority (with calendar, or neither); "
                    "copied from the version in force the day before when not given."
                )
            },
        }

    def get_locked(self, version: ContractVersion) -> bool:
        return selectors.contract_version_is_locked(version, today=timezone.localdate())


class ScopeLineSerializer(RecordSerializer):
    class Meta:
        model = ScopeLine
        fields = ["id", "version", *SCOPE_VALUES, "reason"]


class ContractViewSet(RecordViewSet):
    serializer_class = ContractSerializer
    selector = staticmethod(selectors.contract_list)
    writer = services.CONTRACT
    record_actions = {"status": "change"}
    filterset_fields = ["customer", "status", "currency", "sites", "equipment"]
    search_fields = ["number", "title", "customer__legal_name"]
    ordering_fields = ["number", "starts_on", "ends_on", "id"]

    @extend_schema(
        request=ContractStatusSerializer,
        responses=ContractSerializer,
        description=_(
            "Move the contract along its lifecycle (draft → active ⇄ suspended → expired → "
            "terminated), with a reason. A draft needs its first terms before it is activated."
        ),
    )
    @action(detail=True, methods=["post"])
    def status(self, request: Request, pk: str | None = None) -> Response:
        contract = self.get_object()
        payload = ContractStatusSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        changed = services.contract_status_change(
            actor=request.user,
            contract=contract,
            status=payload.validated_data["status"],
            reason=payload.validated_data.get("reason", ""),
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=changed.pk)).data)


class ContractVersionViewSet(RecordViewSet):
    serializer_class = ContractVersionSerializer
    selector = staticmethod(selectors.contract_version_list)
    writer = services.CONTRACT_VERSION
    filterset_fields = ["contract", "effective_on"]
    ordering_fields = ["effective_on", "number", "id"]


class ScopeLineViewSet(RecordViewSet):
    serializer_class = ScopeLineSerializer
    selector = staticmethod(selectors.scope_line_list)
    writer = services.SCOPE_LINE
    filterset_fields = ["version", "version__contract", "service", "coverage"]
    ordering_fields = ["id"]


def register(router: DefaultRouter) -> None:
    """Add this app's endpoints to the API router."""
    router.register("contracts", ContractViewSet, basename="contract")
    router.register("contract-versions", ContractVersionViewSet, basename="contract-version")
    router.register("scope-lines", ScopeLineViewSet, basename="scope-line")
