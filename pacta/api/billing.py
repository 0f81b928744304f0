"""/api/v1/ratings/ and /api/v1/charge-lines/: how completed work was priced, read only.

A rating is one pricing of a work order under the terms in force on its day (a correction
supersedes it: both are kept, ``current`` tells them apart); each charge line carries its trace
twice: as data (``trace``: contract and version, coverage, price list and line, surcharge rules,
allowance) and in words a customer reads, in the reader's language (``words``).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.routers import DefaultRouter

from pacta.api.records import ReadOnlyRecordViewSet
from pacta.billing.models import ChargeLine, ChargeType, Rating
from pacta.billing.selectors import charge_line_list, charge_line_words, rating_list
from pacta.billing.services.batch import LINE_FIELDS
from pacta.contracts.models import Contract
from pacta.service.models import WorkOrder

CURRENT_HELP = _("The current rating (true) or one superseded by a correction (false).")


@extend_schema_field(
    {
        "type": "object",
        "properties": {
            "contract": {"type": "string"},
            "version": {"type": "integer"},
            "coverage": {"type": "string"},
            "price_list": {"type": "string"},
            "price_line": {"type": "string"},
            "price_line_effective_on": {"type": "string", "format": "date", "nullable": True},
            "surcharges": {"type": "array", "items": {"type": "string"}},
            "allowance": {"type": "string"},
        },
    }
)
class TraceField(serializers.JSONField):
    """What produced a line, as stored with it."""


class ChargeLineSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    work_order = serializers.IntegerField(source="rating.work_order_id", read_only=True)
    contract = serializers.IntegerField(
        source="rating.contract_version.contract_id", read_only=True
    )
    trace = TraceField(read_only=True)
    words = serializers.SerializerMethodField(
        help_text=_("The trace in words, in the reader's language.")
    )

    class Meta:
        model = ChargeLine
        fields = [
            "id",
            "work_order",
            "contract",
            *LINE_FIELDS,
            "decided_by",
            "decided_at",
            "decision_reason",
        ]
        read_only_fields = fields

    def get_words(self, line: ChargeLine) -> str:
        return charge_line_words(line)


class RatingSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    contract = serializers.IntegerField(source="contract_version.contract_id", read_only=True)
    contract_number = serializers.CharField(
        source="contract_version.contract.number", read_only=True
    )
    version = serializers.IntegerField(source="contract_version.number", read_only=True)
    current = serializers.SerializerMethodField(help_text=CURRENT_HELP)
    lines = ChargeLineSerializer(many=True, read_only=True)

    class Meta:
        model = Rating
        fields = [
            "id",
            "work_order",
            "sequence",
            "contract",
            "contract_number",
            "contract_version",
            "version",
            "period_on",
            "currency",
            "total",
            "awaiting_approval",
            "rated_at",
            "rated_by",
            "reason",
            "superseded_at",
            "current",
            "lines",
        ]
        read_only_fields = fields

    def get_current(self, rating: Rating) -> bool:
        return rating.superseded_at is None


class RatingFilter(filters.FilterSet):
    work_order = filters.ModelChoiceFilter(queryset=WorkOrder.objects.all())
    contract = filters.ModelChoiceFilter(
        field_name="contract_version__contract", queryset=Contract.objects.all()
    )
    current = filters.BooleanFilter(
        field_name="superseded_at", lookup_expr="isnull", label=CURRENT_HELP
    )

    class Meta:
        model = Rating
        fields = ["work_order", "contract", "current"]


class ChargeLineFilter(filters.FilterSet):
    work_order = filters.ModelChoiceFilter(
        field_name="rating__work_order", queryset=WorkOrder.objects.all()
    )
    contract = filters.ModelChoiceFilter(
        field_name="rating__contract_version__contract", queryset=Contract.objects.all()
    )
    charge_type = filters.ChoiceFilter(choices=ChargeType.choices)
    current = filters.BooleanFilter(
        field_name="rating__superseded_at", lookup_expr="isnull", label=CURRENT_HELP
    )

    class Meta:
        model = ChargeLine
        fields = ["rating", "work_order", "contract", "charge_type", "approval", "current"]


class RatingViewSet(ReadOnlyRecordViewSet):
    serializer_class = RatingSerializer
    selector = staticmethod(rating_list)
    filterset_class = RatingFilter
    ordering_fields = ["rated_at", "id"]


class ChargeLineViewSet(ReadOnlyRecordViewSet):
    serializer_class = ChargeLineSerializer
    selector = staticmethod(charge_line_list)
    filterset_class = ChargeLineFilter
    ordering_fields = ["id", "position", "amount"]


def register(router: DefaultRouter) -> None:
    router.register("ratings", RatingViewSet, basename="rating")
    router.register("charge-lines", ChargeLineViewSet, basename="charge-line")
