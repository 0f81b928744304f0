"""/api/v1/margins/ — cost against revenue per work order, contract, customer or month of a
range of days, for whoever may read the costs (the ``billing.margin`` row of the access
table); and /api/v1/cost-rates/, /api/v1/product-costs/ — the dated costs the report reads,
written through their services (a reason each time).

The report is ``pacta.billing.margins`` (the same reading as the finance page): figures come
as strings of Decimals, amounts half-up to the cent. A bad parameter is refused with 400
naming it."""

from __future__ import annotations

from typing import Any

from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter
from rest_framework.views import APIView

from pacta.accounts.access import VIEW, audience_of, may
from pacta.api.records import PreferencesMixin, RecordSerializer, RecordViewSet
from pacta.billing import margins
from pacta.billing.models import CostRate, ProductCost
from pacta.billing.selectors import cost_rate_list, product_cost_list
from pacta.billing.services.costs import COST_RATE, PRODUCT_COST
from pacta.domain.errors import Forbidden


class CostRateSerializer(RecordSerializer):
    class Meta:
        model = CostRate
        fields = ["id", "technician", "hourly_cost", "currency", "effective_on", "reason"]


class ProductCostSerializer(RecordSerializer):
    class Meta:
        model = ProductCost
        fields = ["id", "product", "unit_cost", "effective_on", "reason"]
        # The model's own message, which names the field (DRF would give its generic one).
        extra_kwargs = {
            "unit_cost": {"error_messages": {"min_value": _("The unit cost cannot be negative.")}}
        }


class CostRateViewSet(RecordViewSet):
    serializer_class = CostRateSerializer
    selector = staticmethod(cost_rate_list)
    writer = COST_RATE
    filterset_fields = ["technician", "effective_on"]
    ordering_fields = ["effective_on", "id"]


class ProductCostViewSet(RecordViewSet):
    serializer_class = ProductCostSerializer
    selector = staticmethod(product_cost_list)
    writer = PRODUCT_COST
    filterset_fields = ["product", "effective_on"]
    ordering_fields = ["effective_on", "id"]


def _money() -> serializers.CharField:
    return serializers.CharField(help_text=_("A Decimal, half-up to the cent."))


MARGIN_ROW = {
    "group": serializers.CharField(),
    "work_orders": serializers.IntegerField(),
    "revenue": _money(),
    "labour_cost": _money(),
    "parts_cost": _money(),
    "expenses": _money(),
    "cost": _money(),
    "margin": _money(),
    "margin_percent": serializers.CharField(allow_null=True),
    "unpriced_hours": serializers.CharField(),
    "unpriced_parts": serializers.IntegerField(),
}


class MarginsView(PreferencesMixin, APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "starts_on", OpenApiTypes.DATE, required=True, description=str(_("First day."))
            ),
            OpenApiParameter(
                "ends_on",
                OpenApiTypes.DATE,
                required=True,
                description=str(_("Last day (inclusive).")),
            ),
            OpenApiParameter("group", str, enum=list(margins.GROUPS), default="work_order"),
            OpenApiParameter(
                "ordering",
                str,
                enum=[f"{way}{name}" for name in margins.SORTS for way in ("", "-")],
                default="name",
            ),
        ],
        responses=inline_serializer(
            "Margins",
            {
                "starts_on": serializers.DateField(),
                "ends_on": serializers.DateField(),
                "group": serializers.CharField(),
                "ordering": serializers.CharField(),
                "results": inline_serializer("MarginRow", MARGIN_ROW, many=True),
            },
        ),
        operation_id="margins",
    )
    def get(self, request: Request) -> Response:
        reader = audience_of(request.user)
        if not may(reader, margins.KIND, VIEW):
            raise Forbidden(_("The margins are for finance."))
        params = request.query_params
        query = margins.margin_request(
            group=params.get("group", "work_order"),
            sort=params.get("ordering", "name"),
            starts_on=params.get("starts_on", ""),
            ends_on=params.get("ends_on", ""),
            names=("group", "ordering", "starts_on", "ends_on"),
        )
        jobs = margins.job_margins(
            audience=reader, starts_on=query.starts_on, ends_on=query.ends_on
        )
        rows = margins.margin_rows(jobs, group=query.group, sort=query.sort)
        results = [
            {"group": name, "work_orders": count, **margins.figures_shown(figures)}
            for name, count, figures in rows
        ]
        return Response(
            {
                "starts_on": query.starts_on.isoformat(),
                "ends_on": query.ends_on.isoformat(),
                "group": query.group,
                "ordering": query.sort,
                "results": results,
            }
        )


def register(router: DefaultRouter) -> None:
    router.register("cost-rates", CostRateViewSet, basename="cost-rate")
    router.register("product-costs", ProductCostViewSet, basename="product-cost")


urlpatterns: list[Any] = [path("margins/", MarginsView.as_view(), name="margins")]
