"""The bank statements page of finance (``/finance/bank-statements/``): upload a statement
CSV, which is imported whole or not at all (a refusal names the file, its columns or every
bad row, and writes nothing); each statement's page lists its movements, matched (to which
payment and invoice) or waiting for a person, who assigns one to an invoice or sets it aside
as no customer payment, saying why."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from pacta.accounts.access import ADD, CHANGE, VIEW, Audience, audience_of, may
from pacta.audit.selectors import audit_entry_list_for
from pacta.billing import selectors, services
from pacta.billing.models import BankLineState, InvoiceKind
from pacta.domain.errors import PactaError
from pacta.web.payments import open_invoices
from pacta.web.refusals import refusal_fields

app_name = "bank_statements"
STATEMENT, LINE = "billing.bankstatement", "billing.bankstatementline"
#: Refusals of a movement's form shown next to its fields.
RESOLVE_FIELDS = ("invoice", "reason")


def _reader(request: HttpRequest) -> Audience:
    reader = audience_of(request.user)
    if not (reader.is_office and may(reader, STATEMENT, VIEW)):
        raise PermissionDenied
    return reader


def _import_problems(error: PactaError) -> list[str]:
    """What is wrong with the file: the refusal, then each bad row or column named."""
    problems = [error.message_in(_)]
    for name, found in error.fields.items():
        for message in found:
            if message not in problems:
                problems.append(message if name in ("file", "columns") else f"{name}: {message}")
    return problems


def _import(request: HttpRequest) -> tuple[Any, list[str]]:
    """Import the uploaded file: (statement, []) or (None, what is wrong with it)."""
    upload = request.FILES.get("file")
    if upload is None:
        return None, [_("Choose the statement's CSV file.")]
    try:
        statement = services.bank_statement_import(
            actor=request.user, file_name=upload.name or "", content=upload.read()
        )
    except PactaError as error:
        return None, _import_problems(error)
    lines = statement.lines.all()
    count, waiting = len(lines), sum(1 for line in lines if line.state == BankLineState.UNMATCHED)
    messages.success(
        request,
        ngettext(
            "%(file)s imported: %(count)d movement, %(matched)d matched, %(waiting)d waiting "
            "for a person.",
            "%(file)s imported: %(count)d movements, %(matched)d matched, %(waiting)d waiting "
            "for a person.",
            count,
        )
        % {
            "file": statement.file_name,
            "count": count,
            "matched": count - waiting,
            "waiting": waiting,
        },
    )
    return statement, []


@login_required
def statement_list_page(request: HttpRequest) -> HttpResponse:
    """The statements imported, newest first, and (finance) the upload of the next one."""
    reader = _reader(request)
    may_import = may(reader, STATEMENT, ADD)
    problems: list[str] = []
    if request.method == "POST":
        if not may_import:
            raise PermissionDenied
        statement, problems = _import(request)
        if statement is not None:
            return redirect("web:bank_statements:statement", statement.pk)
    statements = (
        selectors.bank_statement_list(audience=reader)
        .annotate(
            count=Count("lines"),
            waiting=Count("lines", filter=Q(lines__state=BankLineState.UNMATCHED)),
        )
        .order_by("-imported_at", "-pk")[:50]
    )
    context = {"statements": statements, "may_import": may_import, "problems": problems}
    return render(request, "finance/bank_statements.html", context, status=400 if problems else 200)


def _rows(reader: Audience, statement: Any, refused: dict[int, Any]) -> list[dict[str, Any]]:
    """Each movement with the payment it became (and the invoices that paid), why it was set
    aside, and, while it waits, the invoices it may pay in its currency."""
    lines = (
        selectors.bank_statement_line_list(audience=reader)
        .filter(statement=statement)
        .select_related("payment__customer")
        .prefetch_related("payment__allocations__invoice")
        .order_by("row")
    )
    rows = []
    choices: dict[str, list[dict[str, Any]]] = {}
    for line in lines:
        row: dict[str, Any] = {"line": line, "errors": refused.get(line.pk, {}), "values": {}}
        payment = getattr(line, "payment", None)
        if payment is not None:
            row["payment"] = payment
            row["allocations"] = list(payment.allocations.all())
            row["left"] = payment.amount - payment.allocated
        elif line.state == BankLineState.IGNORED:
            entry = audit_entry_list_for(line).order_by("-at", "-pk").first()
            row["reason"] = entry.reason if entry else ""
        else:
            if line.currency not in choices:
                choices[line.currency] = open_invoices(reader, currency=line.currency)
            row["invoices"] = choices[line.currency]
        rows.append(row)
    return rows


def _resolve(request: HttpRequest, reader: Audience, line: Any) -> dict[str, list[str]]:
    """Settle ``line`` as the form says; the errors by field ({} when done)."""
    if "dismiss" in request.POST:
        reason = (request.POST.get("reason") or "").strip()
        if not reason:
            return {"reason": [_("Say why this movement is no customer payment.")]}
        try:
            services.bank_line_resolve(actor=request.user, line=line, ignore=True, reason=reason)
        except PactaError as error:
            return refusal_fields(error, RESOLVE_FIELDS)
        messages.success(
            request, _("Row %(row)d set aside: no customer payment.") % {"row": line.row}
        )
        return {}
    invoice = (
        selectors.invoice_list(audience=reader)
        .filter(kind=InvoiceKind.INVOICE, pk=request.POST.get("invoice") or None)
        .first()
    )
    if invoice is None:
        return {"invoice": [_("Choose the invoice this movement pays.")]}
    try:
        services.bank_line_resolve(actor=request.user, line=line, invoice=invoice)
    except PactaError as error:
        return refusal_fields(error, RESOLVE_FIELDS)
    invoice.refresh_from_db()
    messages.success(
        request,
        _("Row %(row)d pays %(number)s, which is now %(state)s.")
        % {"row": line.row, "number": invoice.number, "state": invoice.get_state_display()},
    )
    return {}


@login_required
def statement_page(request: HttpRequest, statement_id: int) -> HttpResponse:
    """One statement's movements; (finance) settle those waiting."""
    reader = _reader(request)
    statement = get_object_or_404(selectors.bank_statement_list(audience=reader), pk=statement_id)
    may_resolve = may(reader, LINE, CHANGE)
    refused: dict[int, Any] = {}
    if request.method == "POST":
        if not may_resolve:
            raise PermissionDenied
        line = get_object_or_404(
            selectors.bank_statement_line_list(audience=reader).filter(statement=statement),
            pk=request.POST.get("line") or None,
        )
        errors = _resolve(request, reader, line)
        if not errors:
            return redirect("web:bank_statements:statement", statement.pk)
        refused[line.pk] = errors
    rows = _rows(reader, statement, refused)
    for row in rows:
        if row["line"].pk in refused:
            row["values"] = {
                "invoice": request.POST.get("invoice", ""),
                "reason": request.POST.get("reason", ""),
            }
    context = {"statement": statement, "rows": rows, "may_resolve": may_resolve}
    return render(request, "finance/bank_statement.html", context, status=400 if refused else 200)


urlpatterns = [
    path("", statement_list_page, name="list"),
    path("<int:statement_id>/", statement_page, name="statement"),
]
