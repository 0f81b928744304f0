"""The disputes page of finance (``/finance/disputes/``): the open disputes (invoice, line,
customer, the customer's reason, raised when and by whom) and the decided ones, with the
dispute rate of the invoices listed; a dispute's page resolves it: credit the line (a credit
note, issued at once, of an amount or all that is left) or reject it, saying why either way."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _

from pacta.accounts.access import CHANGE, VIEW, Audience, audience_of, may
from pacta.billing import selectors, services
from pacta.billing.models import DisputeState, InvoiceKind
from pacta.domain.errors import PactaError
from pacta.web.refusals import amount_given, refusal_fields

app_name = "disputes"
DISPUTE = "billing.dispute"
#: Refusals of the resolution form shown next to its fields.
RESOLVE_FIELDS = ("decision", "amount", "reason")


def _reader(request: HttpRequest) -> Audience:
    reader = audience_of(request.user)
    if not (reader.is_office and may(reader, DISPUTE, VIEW)):
        raise PermissionDenied
    return reader


def _disputes(reader: Audience) -> QuerySet[Any]:
    return selectors.dispute_list(audience=reader).select_related(
        "line__invoice__customer", "raised_by", "resolved_by", "credit_note"
    )


def percent(rate: Decimal) -> Decimal:
    """A rate (a fraction) as a percentage, half-up to one decimal."""
    return (rate * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@login_required
def dispute_list_page(request: HttpRequest) -> HttpResponse:
    """Open disputes, oldest first; the decided ones, latest first; ``?invoice=`` one's only."""
    reader = _reader(request)
    disputes = _disputes(reader)
    invoices = selectors.invoice_list(audience=reader).filter(kind=InvoiceKind.INVOICE)
    invoice = None
    if request.GET.get("invoice", "").isdigit():
        invoice = get_object_or_404(invoices, pk=request.GET["invoice"])
        disputes = disputes.filter(line__invoice=invoice)
    open_disputes = list(disputes.filter(state=DisputeState.OPEN).order_by("raised_at", "pk"))
    decided = list(disputes.exclude(state=DisputeState.OPEN).order_by("-resolved_at", "-pk")[:100])
    listed = {d.line.invoice_id for d in open_disputes + decided}
    if invoice is not None:
        listed.add(invoice.pk)
    context = {
        "invoice": invoice,
        "open": open_disputes,
        "decided": decided,
        "listed_count": len(listed),
        "listed_rate": percent(services.dispute_rate(invoices.filter(pk__in=listed))),
        "all_rate": percent(services.dispute_rate(invoices)),
        "may_resolve": may(reader, DISPUTE, CHANGE),
    }
    return render(request, "finance/disputes.html", context)


def _resolve(request: HttpRequest, dispute: Any) -> dict[str, list[str]]:
    """Resolve ``dispute`` as the form says; the errors by field ({} when done)."""
    data = request.POST
    decision = data.get("decision")
    errors: dict[str, list[str]] = {}
    if decision not in ("credit", "reject"):
        errors["decision"] = [_("Choose: credit the line, or reject the dispute.")]
    amount = None
    if decision == "credit" and (data.get("amount") or "").strip():
        amount = amount_given(data.get("amount"))
        if amount is None:
            errors["amount"] = [_("Give the net amount to credit, e.g. 50.00, or leave it empty.")]
    if errors:
        return errors
    try:
        resolved = services.dispute_resolve(
            actor=request.user,
            dispute=dispute,
            credit=decision == "credit",
            amount=amount,
            reason=data.get("reason") or "",
        )
    except PactaError as error:
        return refusal_fields(error, RESOLVE_FIELDS)
    number = resolved.line.invoice.number
    if resolved.credit_note is not None:
        note = resolved.credit_note
        text = _("Dispute of %(number)s credited: credit note %(note)s of %(total)s %(currency)s.")
        values = {"note": note.number, "total": note.gross_total, "currency": note.currency}
    else:
        text, values = _("Dispute of %(number)s rejected."), {}
    messages.success(request, text % {"number": number, **values})
    return {}


@login_required
def dispute_page(request: HttpRequest, dispute_id: int) -> HttpResponse:
    """One dispute: the line, the customer's reason, and (open) the form that resolves it."""
    reader = _reader(request)
    dispute = get_object_or_404(_disputes(reader), pk=dispute_id)
    may_resolve = may(reader, DISPUTE, CHANGE)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        if not may_resolve:
            raise PermissionDenied
        errors = _resolve(request, dispute)
        if not errors:
            return redirect("web:disputes:list")
    context = {
        "dispute": dispute,
        "may_resolve": may_resolve and dispute.state == DisputeState.OPEN,
        "errors": errors,
        "values": {name: request.POST.get(name, "") for name in RESOLVE_FIELDS},
    }
    return render(request, "finance/dispute.html", context, status=400 if errors else 200)


urlpatterns = [
    path("", dispute_list_page, name="list"),
    path("<int:dispute_id>/", dispute_page, name="dispute"),
]
