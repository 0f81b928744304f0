"""/api/v1/ SEPA direct debit: creditor accounts, mandates (revoked, never deleted), batches
(made from due invoices, never changed) with their pain.008 file, and their debits.

Finance and administrators write; managers read (``pacta.accounts.access``). Every write calls
a billing service (:mod:`pacta.billing.services.sepa`).
"""

from __future__ import annotations

from typing import Any

from django.http import FileResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
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
from pacta.billing import selectors, services
from pacta.billing.models import Invoice, SepaBatch, SepaCreditor, SepaDebit, SepaMandate
from pacta.domain.errors import InvalidInput


# --- shapes ---------------------------------------------------------------------------------------
class SepaCreditorSerializer(RecordSerializer):
    iban = serializers.CharField(max_length=50, help_text=_("Spaces and case do not matter."))

    class Meta:
        model = SepaCreditor
        fields = [
            "id",
            "name",
            "creditor_id",
            "iban",
            "bic",
            "pain_version",
            "is_default",
            "reason",
        ]


class SepaMandateSerializer(RecordSerializer):
    iban = serializers.CharField(max_length=50, help_text=_("Spaces and case do not matter."))
    bic = serializers.CharField(max_length=20, required=False, allow_blank=True)

    class Meta:
        model = SepaMandate
        fields = [
            "id",
            "customer",
            "reference",
            "signed_on",
            "debtor_name",
            "iban",
            "bic",
            "recurring",
            "first_collected_on",
            "revoked_on",
            "reason",
        ]
        read_only_fields = ["first_collected_on", "revoked_on"]


class MandateRevokeSerializer(serializers.Serializer):  # type: ignore[type-arg]
    revoked_on = serializers.DateField(required=False, help_text=_("Default: today."))
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class SepaDebitSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = SepaDebit
        fields = ["id", "batch", "invoice", "mandate", "amount", "sequence", "end_to_end_id"]
        read_only_fields = fields


class SepaBatchSerializer(VisibleRelationsMixin, serializers.ModelSerializer):  # type: ignore[type-arg]
    creditor = serializers.PrimaryKeyRelatedField(
        queryset=SepaCreditor.objects.all(),
        required=False,
        help_text=_("Leave out: the default creditor account."),
    )
    invoices = serializers.PrimaryKeyRelatedField(
        queryset=Invoice.objects.all(),
        many=True,
        required=False,
        write_only=True,
        help_text=_("The invoices to collect; leave out: every invoice due by the day."),
    )
    reason = serializers.CharField(write_only=True, required=False, allow_blank=True, default="")
    debits = SepaDebitSerializer(many=True, read_only=True)

    class Meta:
        model = SepaBatch
        fields = [
            "id",
            "creditor",
            "message_id",
            "pain_version",
            "collection_date",
            "count",
            "control_sum",
            "created_at",
            "invoices",
            "reason",
            "debits",
        ]
        read_only_fields = ["message_id", "pain_version", "count", "control_sum", "created_at"]


def _creditor(request: Request, named: SepaCreditor | None) -> SepaCreditor:
    creditor = named or selectors.sepa_creditor_default(audience=audience(request))
    if creditor is None:
        raise InvalidInput.on("creditor", str(_("Name the creditor account that collects.")))
    return creditor


# --- endpoints ------------------------------------------------------------------------------------
class SepaCreditorViewSet(RecordViewSet):
    serializer_class = SepaCreditorSerializer
    selector = staticmethod(selectors.sepa_creditor_list)
    writer = services.SEPA_CREDITOR


class SepaMandateViewSet(RecordViewSet):
    """Mandates are changed while in force and revoked when withdrawn, never deleted."""

    serializer_class = SepaMandateSerializer
    selector = staticmethod(selectors.sepa_mandate_list)
    writer = services.SEPA_MANDATE
    filterset_fields = ["customer", "recurring"]
    record_actions = {"revoke": "change"}

    @extend_schema(request=MandateRevokeSerializer, responses=SepaMandateSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, pk: Any = None) -> Response:
        """The customer withdrew the mandate: it collects nothing from that day on."""
        given = MandateRevokeSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        mandate = services.sepa_mandate_revoke(
            actor=request.user,
            sepa_mandate=self.get_object(),
            revoked_on=given.validated_data.get("revoked_on"),
            reason=given.validated_data["reason"],
        )
        return Response(SepaMandateSerializer(mandate, context={"request": request}).data)


class SepaBatchViewSet(ReadOnlyRecordViewSet):
    serializer_class = SepaBatchSerializer
    selector = staticmethod(selectors.sepa_batch_list)
    filterset_fields = ["creditor", "collection_date"]
    record_actions = {"create": "add", "file": "view"}

    def get_queryset(self) -> Any:
        return super().get_queryset().prefetch_related("debits")

    def create(self, request: Request) -> Response:
        """Collect on ``collection_date`` the given invoices, or every invoice due by then of
        a customer with a mandate in force: one batch and its pain.008 file."""
        given = SepaBatchSerializer(data=request.data, context={"request": request})
        given.is_valid(raise_exception=True)
        data = given.validated_data
        batch = services.sepa_batch_create(
            actor=request.user,
            creditor=_creditor(request, data.get("creditor")),
            collection_on=data["collection_date"],
            invoices=data.get("invoices"),
            reason=data["reason"],
        )
        fresh = self.get_queryset().get(pk=batch.pk)
        return Response(
            SepaBatchSerializer(fresh, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(responses={(200, "application/xml"): OpenApiTypes.BINARY})
    @action(detail=True)
    def file(self, request: Request, pk: Any = None) -> FileResponse:
        """The batch's pain.008 file, as stored when it was made."""
        batch = self.get_object()
        return FileResponse(
            batch.xml.open("rb"),
            as_attachment=True,
            filename=f"{batch.message_id}.xml",
            content_type="application/xml",
        )


class SepaDebitViewSet(ReadOnlyRecordViewSet):
    serializer_class = SepaDebitSerializer
    selector = staticmethod(selectors.sepa_debit_list)
    filterset_fields = ["batch", "invoice", "mandate", "sequence"]


def register(router: DefaultRouter) -> None:
    router.register("sepa-creditors", SepaCreditorViewSet, basename="sepa-creditor")
    router.register("sepa-mandates", SepaMandateViewSet, basename="sepa-mandate")
    router.register("sepa-batches", SepaBatchViewSet, basename="sepa-batch")
    router.register("sepa-debits", SepaDebitViewSet, basename="sepa-debit")
