"""The customer's invoices in the portal (``/portal/invoices/``): its issued invoices and
credit notes with what is still owed, each invoice's lines with where they came from, its PDF,
and a dispute of one line with a reason (finance then credits it or rejects it, saying why).
A customer user sees only its own customer's issued documents; drafts never show."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _

from pacta.accounts.access import Audience, audience_of
from pacta.accounts.roles import Role
from pacta.billing import selectors, services
from pacta.billing.models import DisputeState
from pacta.billing.rendering import invoice_rows
from pacta.domain.errors import PactaError
from pacta.web.finance import statement_response

app_name = "portal_invoices"


def _customer(request: HttpRequest) -> Audience:
    reader = audience_of(request.user)
    if reader.role != Role.CUSTOMER:
        raise PermissionDenied
    return reader


@login_required
def invoice_list_page(request: HttpRequest) -> HttpResponse:
    reader = _customer(request)
    invoices = selectors.invoice_list(audience=reader).order_by("-issue_date", "-pk")
    rows = [
        {"invoice": invoice, "outstanding": services.invoice_outstanding(invoice)}
        for invoice in invoices[:200]
    ]
    return render(request, "portal_invoices/list.html", {"rows": rows})


def _dispute(request: HttpRequest, reader: Audience, invoice: Any) -> None:
    line = selectors.invoice_line_list(audience=reader).filter(
        invoice=invoice, pk=request.POST.get("line")
    )
    found = line.first()
    if found is None:
        messages.error(request, _("Choose a line of this invoice to dispute."))
        return
    try:
        services.dispute_raise(
            actor=request.user, line=found, reason=request.POST.get("reason", "").strip()
        )
    except PactaError as error:
        messages.error(request, error.message_in(_))
        return
    messages.success(
        request,
        _("Line %(line)s is disputed: finance answers you on this page.")
        % {"line": found.position},
    )


@login_required
def invoice_page(request: HttpRequest, invoice_id: int) -> HttpResponse:
    reader = _customer(request)
    invoice = get_object_or_404(selectors.invoice_list(audience=reader), pk=invoice_id)
    if request.method == "POST":
        _dispute(request, reader, invoice)
        return redirect("web:portal_invoices:invoice", invoice.pk)
    disputes: dict[int, list[Any]] = {}
    for dispute in selectors.dispute_list(audience=reader).filter(line__invoice=invoice):
        disputes.setdefault(dispute.line_id, []).append(dispute)
    rows = [
        {
            **row,
            "disputes": sorted(disputes.get(row["line"].pk, []), key=lambda d: d.raised_at),
            "open": any(d.state == DisputeState.OPEN for d in disputes.get(row["line"].pk, [])),
        }
        for row in invoice_rows(invoice)
    ]
    context = {
        "invoice": invoice,
        "lines": rows,
        "tax_totals": invoice.tax_totals.order_by("tax_percent"),
        "outstanding": services.invoice_outstanding(invoice),
        "may_dispute": invoice.kind == "invoice",
    }
    return render(request, "portal_invoices/invoice.html", context)


@login_required
def invoice_statement(request: HttpRequest, invoice_id: int, kind: str) -> HttpResponse:
    reader = _customer(request)
    invoice = get_object_or_404(selectors.invoice_list(audience=reader), pk=invoice_id)
    return statement_response(invoice, kind)


urlpatterns = [
    path("", invoice_list_page, name="list"),
    path("<int:invoice_id>/", invoice_page, name="invoice"),
    path("<int:invoice_id>/statement.<str:kind>", invoice_statement, name="statement"),
]
