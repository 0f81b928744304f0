"""Finance pages: run the invoicing over the periods ended by a day, review the drafts it
made, and issue them (each issued invoice then has its number and its PDF); download the
accounting exports of a range."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from pacta.accounts.access import ADD, CHANGE, VIEW, Audience, audience_of, may
from pacta.billing import margins as margin_reading
from pacta.billing import selectors, services, statements
from pacta.billing.exports import accounting_export
from pacta.billing.rendering import invoice_rows
from pacta.domain.errors import PactaError

app_name = "finance"
INVOICE, RUN = "billing.invoice", "billing.invoicerun"
EXPORT = "billing.accountingexport"


def finance_reader(request: HttpRequest, kind: str = INVOICE) -> Audience:
    """The office user asking, if its role may see ``kind`` (the finance pages' guard)."""
    reader = audience_of(request.user)
    if not (reader.is_office and may(reader, kind, VIEW)):
        raise PermissionDenied
    return reader


def _issue(request: HttpRequest, reader: Audience, ids: list[str]) -> None:
    drafts = selectors.invoice_list(audience=reader).filter(state="draft", pk__in=ids)
    issued = 0
    for invoice in drafts.order_by("pk"):
        try:
            services.invoice_issue(actor=request.user, invoice=invoice)
        except PactaError as error:
            messages.error(request, error.message_in(_))
            break
        issued += 1
    if issued:
        messages.success(
            request,
            ngettext("%(count)d invoice issued.", "%(count)d invoices issued.", issued)
            % {"count": issued},
        )


def _run(request: HttpRequest) -> None:
    try:
        until = dt.date.fromisoformat(request.POST.get("until", ""))
    except ValueError:
        messages.error(request, _("Give the last day of the periods to invoice (YYYY-MM-DD)."))
        return
    try:
        run = services.invoice_run(actor=request.user, until=until)
    except PactaError as error:
        messages.error(request, error.message_in(_))
        return
    messages.success(
        request,
        _("Invoice run through %(until)s: %(periods)d periods closed, %(errors)d refused.")
        % {"until": until.isoformat(), "periods": run.periods, "errors": len(run.errors)},
    )


@login_required
def invoicing(request: HttpRequest) -> HttpResponse:
    """Run, then review the drafts and issue those chosen."""
    reader = finance_reader(request)
    if request.method == "POST":
        if "run" in request.POST:
            if not may(reader, RUN, ADD):
                raise PermissionDenied
            _run(request)
        elif "issue" in request.POST:
            if not may(reader, INVOICE, CHANGE):
                raise PermissionDenied
            _issue(request, reader, request.POST.getlist("invoice"))
        return redirect("web:finance:invoicing")
    invoices = selectors.invoice_list(audience=reader)
    context: dict[str, Any] = {
        "drafts": invoices.filter(state="draft").order_by("customer__legal_name", "pk")[:200],
        "issued": invoices.exclude(state="draft").order_by(
            "-issue_date", "-year", "-sequence", "-pk"
        )[:20],
        "runs": selectors.invoice_run_list(audience=reader)[:5],
        "may_run": may(reader, RUN, ADD),
        "may_issue": may(reader, INVOICE, CHANGE),
        "yesterday": (timezone.localdate() - dt.timedelta(days=1)).isoformat(),
        "may_sepa": may(reader, "billing.sepabatch", VIEW),
        "may_contractor_statements": may(reader, "billing.contractorstatement", VIEW),
        **_export_form(reader),
    }
    return render(request, "finance/invoicing.html", context)


@login_required
def invoice_page(request: HttpRequest, invoice_id: int) -> HttpResponse:
    """One invoice: every line with where it came from, the taxes, and (a draft) issue."""
    reader = finance_reader(request)
    invoice = get_object_or_404(selectors.invoice_list(audience=reader), pk=invoice_id)
    if request.method == "POST":
        if not may(reader, INVOICE, CHANGE):
            raise PermissionDenied
        _issue(request, reader, [str(invoice.pk)])
        return redirect("web:finance:invoice", invoice.pk)
    context = {
        "invoice": invoice,
        "lines": invoice_rows(invoice),
        "tax_totals": invoice.tax_totals.order_by("tax_percent"),
        "may_issue": may(reader, INVOICE, CHANGE) and invoice.state == "draft",
    }
    return render(request, "finance/invoice.html", context)


def statement_response(invoice: Any, kind: str) -> HttpResponse:
    """The statement of ``invoice`` as ``kind`` (html, pdf or csv)."""
    name = f"statement-{invoice.number or invoice.pk}"
    if kind == "html":
        return HttpResponse(statements.statement_html(invoice))
    if kind == "pdf":
        response = HttpResponse(statements.statement_pdf(invoice), content_type="application/pdf")
    elif kind == "csv":
        response = HttpResponse(statements.statement_csv(invoice), content_type="text/csv")
    else:
        raise Http404
    response["Content-Disposition"] = f'attachment; filename="{name}.{kind}"'
    return response


@login_required
def invoice_statement(request: HttpRequest, invoice_id: int, kind: str) -> HttpResponse:
    """What the invoice billed, per ticket and work order, and why: to end a dispute."""
    reader = finance_reader(request)
    invoice = get_object_or_404(selectors.invoice_list(audience=reader), pk=invoice_id)
    return statement_response(invoice, kind)


def _margin_query(request: HttpRequest) -> margin_reading.MarginQuery | str:
    """The page's group, sort and days (this month so far unless told), or what is wrong."""
    today = timezone.localdate()
    try:
        return margin_reading.margin_request(
            group=request.GET.get("group", "contract"),
            sort=request.GET.get("sort", "-margin"),
            starts_on=request.GET.get("from") or f"{today:%Y-%m}-01",
            ends_on=request.GET.get("to") or today.isoformat(),
            names=("group", "sort", "from", "to"),
        )
    except PactaError as error:
        return error.message_in(_)


@login_required
def margins_page(request: HttpRequest) -> HttpResponse:
    """Cost against revenue per work order, contract, customer or month, sortable, and as CSV."""
    reader = finance_reader(request, margin_reading.KIND)
    query = _margin_query(request)
    if isinstance(query, str):
        return render(request, "finance/margins.html", {"error": query}, status=400)
    group, sort, starts_on, ends_on = query.group, query.sort, query.starts_on, query.ends_on
    jobs = margin_reading.job_margins(audience=reader, starts_on=starts_on, ends_on=ends_on)
    rows = margin_reading.margin_rows(jobs, group=group, sort=sort)
    if request.GET.get("as") == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(
            [
                _("Group"),
                _("Work orders"),
                _("Revenue"),
                _("Labour"),
                _("Parts"),
                _("Expenses"),
                _("Cost"),
                _("Margin"),
                _("Margin (%)"),
                _("Hours without a cost rate"),
                _("Parts without a cost"),
            ]
        )
        for name, count, figures in rows:
            shown = margin_reading.figures_shown(figures)
            if shown["margin_percent"] is None:
                shown["margin_percent"] = ""
            writer.writerow([name, count, *shown.values()])
        response = HttpResponse(out.getvalue(), content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="margins-{group}.csv"'
        return response
    context = {
        "rows": [(*row, margin_reading.figures_shown(row[2])) for row in rows],
        "group": group,
        "sort": sort,
        "from": starts_on.isoformat(),
        "to": ends_on.isoformat(),
        "groups": [
            ("work_order", _("work order")),
            ("contract", _("contract")),
            ("customer", _("customer")),
            ("period", _("month")),
        ],
    }
    return render(request, "finance/margins.html", context)


def _export_form(reader: Audience) -> dict[str, Any]:
    """The accounting-export form: its formats, and last month as the range offered."""
    if not may(reader, EXPORT, VIEW):
        return {"may_export": False}
    last = timezone.localdate().replace(day=1) - dt.timedelta(days=1)
    return {
        "may_export": True,
        "export_formats": [
            ("contaplus", _("ContaPlus journal (XDiario)")),
            ("csv", _("CSV, one row per invoice line")),
            ("xero", _("Xero invoice import")),
            ("qbo", _("QuickBooks Online invoice import")),
        ],
        "export_from": last.replace(day=1).isoformat(),
        "export_to": last.isoformat(),
    }


@login_required
def accounting_export_page(request: HttpRequest) -> HttpResponse:
    """The accounting export of a range, as a download; a refusal is shown on the invoicing
    page, naming what to correct."""
    reader = finance_reader(request)
    if not may(reader, EXPORT, VIEW):
        raise PermissionDenied
    try:
        exported = accounting_export(
            audience=reader,
            format=request.GET.get("format", ""),
            starts_on=request.GET.get("from", ""),
            ends_on=request.GET.get("to", ""),
        )
    except PactaError as error:
        messages.error(request, error.message_in(_))
        return redirect("web:finance:invoicing")
    response = HttpResponse(exported.content, content_type=exported.content_type)
    response["Content-Disposition"] = f'attachment; filename="{exported.filename}"'
    return response


urlpatterns = [
    path("", invoicing, name="invoicing"),
    path("invoices/<int:invoice_id>/", invoice_page, name="invoice"),
    path(
        "invoices/<int:invoice_id>/statement.<str:kind>",
        invoice_statement,
        name="invoice-statement",
    ),
    path("exports/", accounting_export_page, name="accounting-export"),
    path("margins/", margins_page, name="margins"),
]
