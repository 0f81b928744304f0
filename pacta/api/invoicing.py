"""/api/v1/ invoicing: billing periods and terms, invoices (their lines, issue, credit notes,
PDF), invoice runs, payments and allocations, bank statements and their lines, disputes.

Every write calls a billing service; an issued invoice refuses changes (409
``invoice_immutable``). A customer sees its own issued invoices only, never drafts.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import MethodNotAllowed
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
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
from pacta.billing import rendering, selectors, services
from pacta.billing.einvoice import SYNTAXES, einvoice_render
from pacta.billing.models import (
    BankStatement,
    BankStatementLine,
    BillingTerms,
    ContractPeriod,
    Dispute,
    Invoice,
    InvoiceLine,
    InvoiceRun,
    InvoiceTaxTotal,
    Payment,
    PaymentAllocation,
    PaymentMethod,
)
from pacta.billing.services.invoices import LINE_COLUMNS
from pacta.customers.models import Customer


# --- shapes ---------------------------------------------------------------------------------------
class ContractPeriodSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = ContractPeriod
        fields = ["id", "contract", "starts_on", "ends_on", "length", "share", "state", "closed_at"]
        read_only_fields = fields


class BillingTermsSerializer(RecordSerializer):
    class Meta:
        model = BillingTerms
        fields = ["id", "contract", "mode", "fee_tax_rate", "reason"]


class InvoiceLineSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = InvoiceLine
        fields = ["id", *LINE_COLUMNS]
        read_only_fields = fields


class InvoiceTaxTotalSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = InvoiceTaxTotal
        fields = ["tax_percent", "base", "tax"]
        read_only_fields = fields


class InvoiceSerializer(RecordSerializer):
    lines = InvoiceLineSerializer(many=True, read_only=True)
    tax_totals = InvoiceTaxTotalSerializer(many=True, read_only=True)

    class Meta:
        model = Invoice
        fields = [
            "id",
            "kind",
            "key",
            "origin",
            "customer",
            "contract",
            "period",
            "corrects",
            "series",
            "number",
            "state",
            "currency",
            "language",
            "issue_date",
            "tax_point_date",
            "due_date",
            "net_total",
            "tax_total",
            "gross_total",
            "paid_total",
            "buyer",
            "notes",
            "created_at",
            "issued_at",
            "run",
            "lines",
            "tax_totals",
            "reason",
        ]
        read_only_fields = [
            name for name in fields if name not in ("notes", "due_date", "tax_point_date", "reason")
        ]


class CreditedLineSerializer(serializers.Serializer):  # type: ignore[type-arg]
    line = serializers.IntegerField(help_text=_("The id of the invoice line to credit."))
    amount = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        required=False,
        allow_null=True,
        help_text=_("Net amount to credit; empty: all that is left of the line."),
    )


class CreditNoteInputSerializer(serializers.Serializer):  # type: ignore[type-arg]
    lines = CreditedLineSerializer(
        many=True, required=False, help_text=_("Leave out to credit the whole invoice.")
    )
    reason = serializers.CharField(help_text=_("Why the invoice is corrected."))


class InvoiceRunSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = InvoiceRun
        fields = [
            "id",
            "through",
            "state",
            "started_at",
            "finished_at",
            "periods",
            "lines",
            "skipped",
            "errors",
        ]
        read_only_fields = [name for name in fields if name != "through"]


class PaymentSerializer(VisibleRelationsMixin, serializers.ModelSerializer):  # type: ignore[type-arg]
    invoices = serializers.PrimaryKeyRelatedField(
        queryset=Invoice.objects.all(),
        many=True,
        required=False,
        write_only=True,
        help_text=_("The invoices it pays, in order; leave out: the oldest open first."),
    )
    customer = serializers.PrimaryKeyRelatedField(queryset=Customer.objects.all())
    method = serializers.ChoiceField(choices=PaymentMethod.choices, default=PaymentMethod.TRANSFER)

    class Meta:
        model = Payment
        fields = [
            "id",
            "customer",
            "received_on",
            "amount",
            "currency",
            "method",
            "reference",
            "allocated",
            "bank_line",
            "created_at",
            "invoices",
        ]
        read_only_fields = ["allocated", "bank_line", "created_at"]


class PaymentAllocationSerializer(VisibleRelationsMixin, serializers.ModelSerializer):  # type: ignore[type-arg]
    payment = serializers.PrimaryKeyRelatedField(queryset=Payment.objects.all())
    invoice = serializers.PrimaryKeyRelatedField(queryset=Invoice.objects.all())

    class Meta:
        model = PaymentAllocation
        fields = ["id", "payment", "invoice", "amount", "allocated_at"]
        read_only_fields = ["allocated_at"]


class BankStatementSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    file = serializers.FileField(write_only=True, help_text=_("The statement as UTF-8 CSV."))

    class Meta:
        model = BankStatement
        fields = ["id", "file_name", "sha256", "imported_at", "file"]
        read_only_fields = ["file_name", "sha256", "imported_at"]


class BankStatementLineSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = BankStatementLine
        fields = [
            "id",
            "statement",
            "row",
            "booked_on",
            "amount",
            "currency",
            "reference",
            "counterparty",
            "counterparty_iban",
            "state",
        ]
        read_only_fields = fields


class BankLineResolveSerializer(VisibleRelationsMixin, serializers.Serializer):  # type: ignore[type-arg]
    invoice = serializers.PrimaryKeyRelatedField(
        queryset=Invoice.objects.all(), required=False, allow_null=True
    )
    ignore = serializers.BooleanField(default=False)
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class DisputeSerializer(VisibleRelationsMixin, serializers.ModelSerializer):  # type: ignore[type-arg]
    line = serializers.PrimaryKeyRelatedField(queryset=InvoiceLine.objects.all())

    class Meta:
        model = Dispute
        fields = [
            "id",
            "line",
            "raised_at",
            "reason",
            "state",
            "resolved_at",
            "resolution",
            "credit_note",
        ]
        read_only_fields = ["raised_at", "state", "resolved_at", "resolution", "credit_note"]


class DisputeResolveSerializer(serializers.Serializer):  # type: ignore[type-arg]
    credit = serializers.BooleanField(help_text=_("Credit the line (true) or reject (false)."))
    amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, allow_null=True
    )
    reason = serializers.CharField()


def _given(serializer_class: Any, request: Request) -> dict[str, Any]:
    given = serializer_class(data=request.data, context={"request": request})
    given.is_valid(raise_exception=True)
    return dict(given.validated_data)


def _created(serializer_class: Any, instance: Any, request: Request) -> Response:
    return Response(
        serializer_class(instance, context={"request": request}).data,
        status=status.HTTP_201_CREATED,
    )


# --- endpoints ------------------------------------------------------------------------------------
class ContractPeriodViewSet(ReadOnlyRecordViewSet):
    serializer_class = ContractPeriodSerializer
    selector = staticmethod(selectors.contract_period_list)
    filterset_fields = ["contract", "state"]


class BillingTermsViewSet(RecordViewSet):
    serializer_class = BillingTermsSerializer
    selector = staticmethod(selectors.billing_terms_list)
    writer = services.BILLING_TERMS
    filterset_fields = ["contract", "mode"]


class InvoiceViewSet(RecordViewSet):
    """Drafts change (notes, due date, date of supply) and may be thrown away; issued invoices
    refuse both (409). Invoices are made by periods, runs and the billing services, not here."""

    serializer_class = InvoiceSerializer
    selector = staticmethod(selectors.invoice_list)
    writer = services.INVOICE
    filterset_fields = ["customer", "contract", "period", "state", "kind", "origin"]
    ordering_fields = ["issue_date", "id"]
    record_actions = {"issue": "change", "credit_note": "change", "pdf": "view", "einvoice": "view"}

    def get_queryset(self) -> Any:
        return super().get_queryset().prefetch_related("lines", "tax_totals")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        raise MethodNotAllowed("POST")

    @extend_schema(request=None, responses=InvoiceSerializer)
    @action(detail=True, methods=["post"])
    def issue(self, request: Request, pk: Any = None) -> Response:
        """Give the draft its number (gapless per series and year) and freeze it."""
        invoice = services.invoice_issue(actor=request.user, invoice=self.get_object())
        fresh = self.get_queryset().get(pk=invoice.pk)
        return Response(InvoiceSerializer(fresh, context={"request": request}).data)

    @extend_schema(request=CreditNoteInputSerializer, responses=InvoiceSerializer)
    @action(detail=True, methods=["post"], url_path="credit-note")
    def credit_note(self, request: Request, pk: Any = None) -> Response:
        """A draft credit note for the whole invoice or some lines (never more than is left)."""
        data = _given(CreditNoteInputSerializer, request)
        lines = data.get("lines")
        note = services.credit_note_create(
            actor=request.user,
            invoice=self.get_object(),
            reason=data["reason"],
            lines=None if lines is None else [(x["line"], x.get("amount")) for x in lines],
        )
        return _created(InvoiceSerializer, self.get_queryset().get(pk=note.pk), request)

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True)
    def pdf(self, request: Request, pk: Any = None) -> HttpResponse:
        """The invoice as a PDF in its customer's language."""
        invoice = self.get_object()
        response = HttpResponse(rendering.invoice_pdf(invoice), content_type="application/pdf")
        response["Content-Disposition"] = (
            f'inline; filename="{rendering.invoice_filename(invoice)}"'
        )
        return response

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "syntax", str, enum=list(SYNTAXES), description=str(_("E-invoice syntax."))
            )
        ],
        responses={
            (200, "application/pdf"): OpenApiTypes.BINARY,
            (200, "application/xml"): OpenApiTypes.BINARY,
        },
    )
    @action(detail=True)
    def einvoice(self, request: Request, pk: Any = None) -> HttpResponse:
        """The issued invoice as an e-invoice: EN 16931's ``facturx`` (PDF/A-3 with CII XML),
        ``cii`` or ``ubl`` (UBL 2.1), or ``facturae`` (Facturae 3.2.2, unsigned), checked
        against its XSD and the EN 16931 arithmetic rules."""
        invoice = self.get_object()
        found = einvoice_render(
            audience=audience(request),
            invoice_id=invoice.pk,
            syntax=request.query_params.get("syntax", ""),
        )
        response = HttpResponse(found.content, content_type=found.content_type)
        response["Content-Disposition"] = f'attachment; filename="{found.filename}"'
        return response


class InvoiceLineViewSet(ReadOnlyRecordViewSet):
    serializer_class = InvoiceLineSerializer
    selector = staticmethod(selectors.invoice_line_list)
    filterset_fields = ["invoice", "kind", "work_order"]


class InvoiceRunViewSet(ReadOnlyRecordViewSet):
    serializer_class = InvoiceRunSerializer
    selector = staticmethod(selectors.invoice_run_list)
    record_actions = {"create": "add"}

    def create(self, request: Request) -> Response:
        """Run now over every period ended by ``through`` (a day already past)."""
        data = _given(InvoiceRunSerializer, request)
        run = services.invoice_run(actor=request.user, until=data["through"])
        return _created(InvoiceRunSerializer, run, request)


class PaymentViewSet(ReadOnlyRecordViewSet):
    serializer_class = PaymentSerializer
    selector = staticmethod(selectors.payment_list)
    filterset_fields = ["customer", "method"]
    record_actions = {"create": "add"}

    def create(self, request: Request) -> Response:
        """Record a payment; it is spread over the given invoices (or the oldest open ones) and
        what is left is held as the customer's credit."""
        data = _given(PaymentSerializer, request)
        payment = services.payment_record(
            actor=request.user,
            customer=data["customer"],
            amount=data["amount"],
            currency=data["currency"],
            received_on=data["received_on"],
            method=data["method"],
            reference=data.get("reference", ""),
            invoices=data.get("invoices"),
        )
        return _created(PaymentSerializer, payment, request)


class PaymentAllocationViewSet(ReadOnlyRecordViewSet):
    serializer_class = PaymentAllocationSerializer
    selector = staticmethod(selectors.payment_allocation_list)
    filterset_fields = ["payment", "invoice"]
    record_actions = {"create": "add"}

    def create(self, request: Request) -> Response:
        """Allocate what is left of a payment to an invoice."""
        data = _given(PaymentAllocationSerializer, request)
        allocation = services.payment_allocate(
            actor=request.user,
            payment=data["payment"],
            invoice=data["invoice"],
            amount=data["amount"],
        )
        return _created(PaymentAllocationSerializer, allocation, request)


class BankStatementViewSet(ReadOnlyRecordViewSet):
    serializer_class = BankStatementSerializer
    selector = staticmethod(selectors.bank_statement_list)
    record_actions = {"create": "add"}
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    def create(self, request: Request) -> Response:
        """Import a bank statement CSV (whole or not at all) and match its movements."""
        data = _given(BankStatementSerializer, request)
        upload = data["file"]
        with transaction.atomic():
            statement = services.bank_statement_import(
                actor=request.user, file_name=upload.name, content=upload.read()
            )
        return _created(BankStatementSerializer, statement, request)


class BankStatementLineViewSet(ReadOnlyRecordViewSet):
    serializer_class = BankStatementLineSerializer
    selector = staticmethod(selectors.bank_statement_line_list)
    filterset_fields = ["statement", "state"]
    record_actions = {"resolve": "change"}

    @extend_schema(request=BankLineResolveSerializer, responses=BankStatementLineSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, pk: Any = None) -> Response:
        """A person settles a movement left unmatched: the invoice it pays, or ignore; the
        reason (why a movement is set aside) is kept in the audit row."""
        data = _given(BankLineResolveSerializer, request)
        line = services.bank_line_resolve(
            actor=request.user,
            line=self.get_object(),
            invoice=data.get("invoice"),
            ignore=data["ignore"],
            reason=data["reason"],
        )
        return Response(BankStatementLineSerializer(line).data)


class DisputeViewSet(ReadOnlyRecordViewSet):
    serializer_class = DisputeSerializer
    selector = staticmethod(selectors.dispute_list)
    filterset_fields = ["state", "line"]
    record_actions = {"create": "add", "resolve": "change"}

    def create(self, request: Request) -> Response:
        """Dispute one line of an issued invoice, with a reason."""
        data = _given(DisputeSerializer, request)
        dispute = services.dispute_raise(
            actor=request.user, line=data["line"], reason=data["reason"]
        )
        return _created(DisputeSerializer, dispute, request)

    @extend_schema(request=DisputeResolveSerializer, responses=DisputeSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, pk: Any = None) -> Response:
        """Credit the disputed line (an issued credit note) or reject it, with a reason."""
        data = _given(DisputeResolveSerializer, request)
        dispute = services.dispute_resolve(
            actor=request.user,
            dispute=self.get_object(),
            credit=data["credit"],
            amount=data.get("amount"),
            reason=data["reason"],
        )
        return Response(DisputeSerializer(dispute, context={"request": request}).data)


def register(router: DefaultRouter) -> None:
    router.register("billing-periods", ContractPeriodViewSet, basename="billing-period")
    router.register("billing-terms", BillingTermsViewSet, basename="billing-terms")
    router.register("invoices", InvoiceViewSet, basename="invoice")
    router.register("invoice-lines", InvoiceLineViewSet, basename="invoice-line")
    router.register("invoice-runs", InvoiceRunViewSet, basename="invoice-run")
    router.register("payments", PaymentViewSet, basename="payment")
    router.register("payment-allocations", PaymentAllocationViewSet, basename="payment-allocation")
    router.register("bank-statements", BankStatementViewSet, basename="bank-statement")
    router.register(
        "bank-statement-lines", BankStatementLineViewSet, basename="bank-statement-line"
    )
    router.register("disputes", DisputeViewSet, basename="dispute")
