"""The payments page of finance (``/finance/payments/``): the payments received, what each
paid and what is left of it, held as the customer's credit; a form to record a payment
(spread over one chosen invoice, or the customer's oldest open ones); and a payment's page to
allocate what is left of it to an open invoice of its customer, whose state then follows."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _

from pacta.accounts.access import ADD, VIEW, Audience, audience_of, may
from pacta.billing import selectors, services
from pacta.billing.models import InvoiceKind, InvoiceState, PaymentMethod
from pacta.customers import selectors as customer_selectors
from pacta.domain.errors import PactaError
from pacta.web.refusals import amount_given, day_given, refusal_fields

app_name = "payments"
PAYMENT, ALLOCATION = "billing.payment", "billing.paymentallocation"
OPEN = (InvoiceState.ISSUED, InvoiceState.PARTLY_PAID)
#: The fields of the forms that show their refusals next to them.
RECORD_FIELDS = ("customer", "received_on", "amount", "currency", "method", "reference", "invoice")
ALLOCATE_FIELDS = ("invoice", "amount")


def _reader(request: HttpRequest) -> Audience:
    reader = audience_of(request.user)
    if not (reader.is_office and may(reader, PAYMENT, VIEW)):
        raise PermissionDenied
    return reader


def open_invoices(reader: Audience, **where: Any) -> list[dict[str, Any]]:
    """The issued invoices still owed (oldest due first), each with what it still owes."""
    invoices = (
        selectors.invoice_list(audience=reader)
        .filter(kind=InvoiceKind.INVOICE, state__in=OPEN, **where)
        .order_by("due_date", "number", "pk")[:200]
    )
    return [{"invoice": i, "outstanding": services.invoice_outstanding(i)} for i in invoices]


def _record(request: HttpRequest, reader: Audience) -> tuple[Any, dict[str, list[str]]]:
    """Record the payment the form describes: (payment, {}) or (None, errors by field)."""
    data = request.POST
    errors: dict[str, list[str]] = {}
    customer = (
        customer_selectors.customer_list(audience=reader)
        .filter(pk=data.get("customer") or None)
        .first()
    )
    if customer is None:
        errors["customer"] = [_("Choose the customer who paid.")]
    received_on = day_given(data.get("received_on"))
    if received_on is None:
        errors["received_on"] = [_("Give the day the money was received (YYYY-MM-DD).")]
    amount = amount_given(data.get("amount"))
    if amount is None:
        errors["amount"] = [_("Give the amount received, e.g. 181.50.")]
    invoices = None
    if data.get("invoice"):
        invoice = (
            selectors.invoice_list(audience=reader)
            .filter(kind=InvoiceKind.INVOICE, pk=data.get("invoice"))
            .first()
        )
        if invoice is None:
            errors["invoice"] = [_("Choose one of the open invoices, or none.")]
        invoices = [invoice]
    if errors:
        return None, errors
    try:
        payment = services.payment_record(
            actor=request.user,
            customer=customer,
            amount=amount,
            currency=(data.get("currency") or "").strip().upper(),
            received_on=received_on,  # type: ignore[arg-type]
            method=data.get("method") or "",
            reference=(data.get("reference") or "").strip(),
            invoices=invoices,
        )
    except PactaError as error:
        return None, refusal_fields(error, RECORD_FIELDS)
    return payment, {}


def _offered(request: HttpRequest, reader: Audience) -> dict[str, str]:
    """The form's values: those sent back, or (``?invoice=``) what pays that invoice."""
    if request.method == "POST":
        return {name: request.POST.get(name, "") for name in RECORD_FIELDS}
    values = {"received_on": timezone.localdate().isoformat(), "method": PaymentMethod.TRANSFER}
    invoice = (
        selectors.invoice_list(audience=reader)
        .filter(kind=InvoiceKind.INVOICE, state__in=OPEN, pk=request.GET.get("invoice") or None)
        .first()
    )
    if invoice is not None:
        values |= {
            "customer": str(invoice.customer_id),
            "invoice": str(invoice.pk),
            "amount": str(services.invoice_outstanding(invoice)),
            "currency": invoice.currency,
            "reference": invoice.number or "",
        }
    return values


def _shown(request: HttpRequest) -> dict[str, Any]:
    """Which payments the list shows (``?customer=&since=&until=``, each optional): the
    queryset filter and the values to show back in the filter form."""
    where: dict[str, Any] = {}
    values = {
        name: (request.GET.get(name) or "").strip() for name in ("customer", "since", "until")
    }
    if values["customer"].isdigit():
        where["customer_id"] = int(values["customer"])
    since, until = day_given(values["since"]), day_given(values["until"])
    if since is not None:
        where["received_on__gte"] = since
    if until is not None:
        where["received_on__lte"] = until
    return {"where": where, "values": values}


@login_required
def payment_list_page(request: HttpRequest) -> HttpResponse:
    """The payments, newest first, and (finance) the form that records one."""
    reader = _reader(request)
    may_record = may(reader, PAYMENT, ADD)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        if not may_record:
            raise PermissionDenied
        payment, errors = _record(request, reader)
        if payment is not None:
            messages.success(
                request,
                _(
                    "Payment of %(amount)s %(currency)s from %(customer)s recorded: %(allocated)s "
                    "allocated, %(left)s held as credit."
                )
                % {
                    "amount": payment.amount,
                    "currency": payment.currency,
                    "customer": payment.customer.legal_name,
                    "allocated": payment.allocated,
                    "left": payment.amount - payment.allocated,
                },
            )
            return redirect("web:payments:list")
    shown = _shown(request)
    payments = selectors.payment_list(audience=reader).filter(**shown["where"])
    payments = payments.order_by("-received_on", "-pk")[:100]
    context = {
        "rows": [{"payment": p, "left": p.amount - p.allocated} for p in payments],
        "shown": shown["values"],
        "may_record": may_record,
        "errors": errors,
        "values": _offered(request, reader),
        "customers": customer_selectors.customer_list(audience=reader).order_by("legal_name"),
        "methods": PaymentMethod.choices,
        "open_invoices": open_invoices(reader) if may_record else [],
    }
    return render(request, "finance/payments.html", context, status=400 if errors else 200)


def _allocate(request: HttpRequest, reader: Audience, payment: Any) -> dict[str, list[str]]:
    """Allocate what the form says of ``payment``; the errors by field ({} when done)."""
    invoice = (
        selectors.invoice_list(audience=reader)
        .filter(kind=InvoiceKind.INVOICE, pk=request.POST.get("invoice") or None)
        .first()
    )
    amount = amount_given(request.POST.get("amount"))
    errors: dict[str, list[str]] = {}
    if invoice is None:
        errors["invoice"] = [_("Choose the invoice this payment pays.")]
    if amount is None:
        errors["amount"] = [_("Give the amount to allocate, e.g. 18.50.")]
    if errors:
        return errors
    try:
        services.payment_allocate(
            actor=request.user,
            payment=payment,
            invoice=invoice,
            amount=amount,  # type: ignore[arg-type]
        )
    except PactaError as error:
        return refusal_fields(error, ALLOCATE_FIELDS)
    invoice.refresh_from_db()  # type: ignore[union-attr]
    messages.success(
        request,
        _("%(amount)s %(currency)s allocated to %(number)s, which is now %(state)s.")
        % {
            "amount": amount,
            "currency": payment.currency,
            "number": invoice.number,  # type: ignore[union-attr]
            "state": invoice.get_state_display(),  # type: ignore[union-attr]
        },
    )
    return {}


@login_required
def payment_page(request: HttpRequest, payment_id: int) -> HttpResponse:
    """One payment: the invoices it paid and (finance) the form that allocates what is left."""
    reader = _reader(request)
    payment = get_object_or_404(selectors.payment_list(audience=reader), pk=payment_id)
    may_allocate = may(reader, ALLOCATION, ADD)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        if not may_allocate:
            raise PermissionDenied
        errors = _allocate(request, reader, payment)
        if not errors:
            return redirect("web:payments:payment", payment.pk)
        payment.refresh_from_db()
    left = payment.amount - payment.allocated
    allocations = (
        selectors.payment_allocation_list(audience=reader)
        .filter(payment=payment)
        .order_by("allocated_at", "pk")
    )
    context = {
        "payment": payment,
        "left": left,
        "allocations": allocations,
        "may_allocate": may_allocate and left > 0,
        "open_invoices": open_invoices(reader, customer=payment.customer_id),
        "errors": errors,
        "values": {
            "invoice": request.POST.get("invoice", ""),
            "amount": request.POST.get("amount", str(left)),
        },
    }
    return render(request, "finance/payment.html", context, status=400 if errors else 200)


urlpatterns = [
    path("", payment_list_page, name="list"),
    path("<int:payment_id>/", payment_page, name="payment"),
]
