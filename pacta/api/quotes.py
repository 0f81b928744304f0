"""/api/v1/quotes/: the office drafts (lines priced from the customer's price list, or by hand
with a reason), changes and sends quotes; the customer accepts or rejects those sent to it
(``POST .../accept/``, ``.../reject/`` with a ``reason``), which the office may also record
for a customer who told it. Acceptance creates the work order by itself."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from pacta.accounts.roles import Role
from pacta.api.records import RecordSerializer, RecordViewSet
from pacta.billing.services.triggers import quote_invoice_after_commit
from pacta.service import selectors
from pacta.service.models import Quote, QuoteDecidedVia, QuoteLine, QuoteStatus
from pacta.service.services import quotes as quote_services


class QuoteLineSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = QuoteLine
        fields = [
            "id",
            "position",
            "service",
            "product",
            "description",
            "quantity",
            "unit",
            "unit_price",
            "tax_percent",
            "amount",
        ]
        read_only_fields = fields


class QuoteLineInputSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """One line as written: a service or a part of the catalog (priced from the price list
    unless ``unit_price`` is given), or free text with its price and tax."""

    service = serializers.IntegerField(required=False, allow_null=True)
    product = serializers.IntegerField(
        required=False, allow_null=True, help_text=_("A part of the catalog.")
    )
    description = serializers.CharField(required=False, allow_blank=True, max_length=300)
    quantity = serializers.DecimalField(max_digits=12, decimal_places=3)
    unit = serializers.CharField(required=False, allow_blank=True, max_length=10)
    unit_price = serializers.DecimalField(
        max_digits=14, decimal_places=4, required=False, allow_null=True
    )
    tax_percent = serializers.DecimalField(
        max_digits=5, decimal_places=2, required=False, allow_null=True
    )


class QuoteTotalsSerializer(serializers.Serializer):  # type: ignore[type-arg]
    net = serializers.DecimalField(max_digits=16, decimal_places=2)
    tax = serializers.DecimalField(max_digits=16, decimal_places=2)
    gross = serializers.DecimalField(max_digits=16, decimal_places=2)


class QuoteSerializer(RecordSerializer):
    """A quote; ``lines`` given on a write replace the draft's lines (priced afresh)."""

    lines = QuoteLineInputSerializer(many=True, required=False, write_only=True)
    priced_lines = QuoteLineSerializer(source="lines", many=True, read_only=True)
    totals = serializers.SerializerMethodField()

    class Meta:
        model = Quote
        fields = [
            "id",
            "number",
            "status",
            "customer",
            "site",
            "ticket",
            "contract",
            "price_list",
            "title",
            "notes",
            "currency",
            "valid_until",
            "sent_at",
            "decided_at",
            "decided_by",
            "decided_via",
            "decision_reason",
            "work_order",
            "created_at",
            "lines",
            "priced_lines",
            "totals",
            "reason",
        ]
        read_only_fields = [
            "number",
            "status",
            "valid_until",
            "sent_at",
            "decided_at",
            "decided_by",
            "decided_via",
            "decision_reason",
            "work_order",
            "created_at",
        ]
        extra_kwargs = {"customer": {"required": False}, "currency": {"required": False}}

    @extend_schema_field(QuoteTotalsSerializer)
    def get_totals(self, quote: Quote) -> dict[str, Any]:
        figures = quote_services.quote_totals(quote)
        totals = {"net": figures.net_total, "tax": figures.tax_total, "gross": figures.gross_total}
        return dict(QuoteTotalsSerializer(totals).data)  # amounts as strings, never floats


class QuoteSendSerializer(serializers.Serializer):  # type: ignore[type-arg]
    valid_until = serializers.DateField(
        required=False, allow_null=True, help_text=_("Open until this day (30 days unless told).")
    )
    reason = serializers.CharField(required=False, allow_blank=True)


class QuoteDecisionSerializer(serializers.Serializer):  # type: ignore[type-arg]
    reason = serializers.CharField(
        required=False, allow_blank=True, help_text=_("Why (required to reject).")
    )


def decision_link(request: Any, token: str) -> str:
    """The absolute address of the e-mail's accept/reject page for ``token``."""
    return request.build_absolute_uri(reverse("web:quotes:link", args=[token]))


def _via(request: Request) -> str:
    return QuoteDecidedVia.PORTAL if request.user.role == Role.CUSTOMER else QuoteDecidedVia.OFFICE


class QuoteViewSet(RecordViewSet):
    serializer_class = QuoteSerializer
    selector = staticmethod(selectors.quote_list)
    writer = quote_services.QUOTE
    filterset_fields = ["status", "customer", "site", "ticket", "contract"]
    search_fields = ["number", "title"]
    ordering_fields = ["created_at", "sent_at", "valid_until", "id"]
    # Deciding is the customer's (who sees only the quotes sent to it) or the office's: the
    # service judges who may; viewing the quote is what the endpoint asks.
    record_actions = {"send": "change", "accept": "view", "reject": "view"}

    def _answer(self, request: Request, quote: Quote) -> Response:
        fresh = self.get_queryset().get(pk=quote.pk)
        return Response(QuoteSerializer(fresh, context={"request": request}).data)

    @extend_schema(request=QuoteSendSerializer, responses=QuoteSerializer)
    @action(detail=True, methods=["post"])
    def send(self, request: Request, pk: Any = None) -> Response:
        """Send a draft: numbered, open until ``valid_until``, e-mailed with its signed link."""
        given = QuoteSendSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        quote = quote_services.quote_send(
            actor=request.user,
            quote=self.get_object(),
            link_for=lambda token: decision_link(request, token),
            valid_until=given.validated_data.get("valid_until"),
            reason=given.validated_data.get("reason", ""),
        )
        return self._answer(request, quote)

    def _decision(self, request: Request, decide: Any) -> Response:
        given = QuoteDecisionSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        with transaction.atomic():
            quote = decide(
                actor=request.user,
                quote=self.get_object(),
                via=_via(request),
                reason=given.validated_data.get("reason", ""),
            )
            if quote.status == QuoteStatus.ACCEPTED:
                quote_invoice_after_commit(quote)  # billed on acceptance: drafted after commit
        return self._answer(request, quote)

    @extend_schema(request=QuoteDecisionSerializer, responses=QuoteSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: Any = None) -> Response:
        """Accept a sent quote by its day: its work order (and ticket) is created."""
        return self._decision(request, quote_services.quote_accept)

    @extend_schema(request=QuoteDecisionSerializer, responses=QuoteSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: Any = None) -> Response:
        """Reject a sent quote, saying why."""
        return self._decision(request, quote_services.quote_reject)


def register(router: DefaultRouter) -> None:
    router.register("quotes", QuoteViewSet, basename="quote")
