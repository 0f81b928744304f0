"""The contractor-statement pages of finance (``/finance/contractor-statements/``): the
statements made, filtered by contractor and state, a form to draft one for a contractor and a
period that has ended, and each statement with its payable lines (work the customer accepted),
the work still awaiting acceptance, and (a draft) the button that issues it.

Drafting and issuing call :mod:`pacta.billing.services.contractors`; a refusal is shown as the
service words it (the SEPA page's habit). A contractor's own users read theirs at
``/contractor/statements/``, not here.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from pacta.accounts.access import ADD, CHANGE, Audience, may
from pacta.accounts.selectors import contractor_list
from pacta.billing import selectors
from pacta.billing.contractor_csv import contractor_statement_csv, statement_filename
from pacta.billing.services.contractors import (
    contractor_statement_create,
    contractor_statement_issue,
)
from pacta.domain.errors import PactaError
from pacta.web.finance import finance_reader

app_name = "contractor_statements"
STATEMENT = "billing.contractorstatement"
STATES = ("draft", "issued")


def _draft(request: HttpRequest, reader: Audience) -> Any:
    """Draft the statement the form asks for; the statement, or None (the refusal is shown)."""
    contractor = (
        contractor_list(audience=reader).filter(pk=request.POST.get("contractor") or None).first()
    )
    if contractor is None:
        messages.error(request, _("Choose the contractor."))
        return None
    try:
        starts_on = dt.date.fromisoformat(request.POST.get("starts_on", ""))
        ends_on = dt.date.fromisoformat(request.POST.get("ends_on", ""))
    except ValueError:
        messages.error(request, _("Give the first and the last day of the period (YYYY-MM-DD)."))
        return None
    try:
        statement = contractor_statement_create(
            actor=request.user,
            contractor=contractor,
            starts_on=starts_on,
            ends_on=ends_on,
            now=timezone.now(),
            reason=request.POST.get("reason", ""),
        )
    except PactaError as error:
        messages.error(request, error.message_in(_))
        return None
    messages.success(
        request,
        _("Draft statement %(number)s for %(contractor)s, %(starts)s–%(ends)s.")
        % {
            "number": statement.pk,
            "contractor": contractor.name,
            "starts": starts_on.isoformat(),
            "ends": ends_on.isoformat(),
        },
    )
    return statement


def _last_month() -> tuple[dt.date, dt.date]:
    last = timezone.localdate().replace(day=1) - dt.timedelta(days=1)
    return last.replace(day=1), last


@login_required
def statement_list(request: HttpRequest) -> HttpResponse:
    """The statements, newest period first, filtered by contractor and state; and (finance)
    the form that drafts the next one."""
    reader = finance_reader(request, STATEMENT)
    may_draft = may(reader, STATEMENT, ADD)
    if request.method == "POST":
        if not may_draft:
            raise PermissionDenied
        statement = _draft(request, reader)
        if statement is not None:
            return redirect("web:contractor_statements:statement", statement.pk)
        return redirect("web:contractor_statements:statements")
    contractors = contractor_list(audience=reader).order_by("name")
    statements = selectors.contractor_statement_list(audience=reader)
    chosen = request.GET.get("contractor", "")
    if chosen.isdigit():
        statements = statements.filter(contractor_id=int(chosen))
    state = request.GET.get("state", "")
    if state in STATES:
        statements = statements.filter(issued_at__isnull=state == "draft")
    starts_on, ends_on = _last_month()
    context = {
        "statements": statements[:100],
        "contractors": contractors,
        "chosen": chosen,
        "state": state,
        "states": [("draft", _("draft")), ("issued", _("issued"))],
        "may_draft": may_draft,
        "starts_on": starts_on.isoformat(),
        "ends_on": ends_on.isoformat(),
    }
    return render(request, "finance/contractor_statements.html", context)


def totals_sentence(statement: Any, awaiting: int) -> str:
    """What the statement pays and what it leaves waiting, e.g. "Pay 4,200.00 EUR for 2
    accepted work orders; 2 awaiting acceptance." (the amount grouped as the language does)."""
    accepted = len(statement.lines.all())
    total = formats.number_format(statement.total, 2, use_l10n=True, force_grouping=True)
    pay = ngettext(
        "Pay %(total)s %(currency)s for %(count)d accepted work order",
        "Pay %(total)s %(currency)s for %(count)d accepted work orders",
        accepted,
    ) % {"total": total, "currency": statement.currency, "count": accepted}
    waiting = ngettext(
        "%(count)d awaiting acceptance", "%(count)d awaiting acceptance", awaiting
    ) % {"count": awaiting}
    return _("%(pay)s; %(awaiting)s.") % {"pay": pay, "awaiting": waiting}


def _issue(request: HttpRequest, statement: Any) -> None:
    if request.POST.get("confirm") != "yes":
        messages.error(request, _("Tick the box to confirm that the statement is checked."))
        return
    try:
        contractor_statement_issue(
            actor=request.user,
            statement=statement,
            now=timezone.now(),
            reason=request.POST.get("reason", ""),
        )
    except PactaError as error:
        messages.error(request, error.message_in(_))
        return
    messages.success(request, _("Statement %(number)s issued.") % {"number": statement.pk})


@login_required
def statement_page(request: HttpRequest, statement_id: int) -> HttpResponse:
    """One statement: its payable lines, the work awaiting acceptance, its totals; a draft can
    be issued (POST, with a reason and a tick to confirm)."""
    reader = finance_reader(request, STATEMENT)
    statement = get_object_or_404(
        selectors.contractor_statement_list(audience=reader), pk=statement_id
    )
    if request.method == "POST":
        if not may(reader, STATEMENT, CHANGE):
            raise PermissionDenied
        _issue(request, statement)
        return redirect("web:contractor_statements:statement", statement.pk)
    awaiting = selectors.contractor_statement_awaiting(statement)
    context = {
        "statement": statement,
        "lines": statement.lines.all(),
        "awaiting": awaiting,
        "totals": totals_sentence(statement, len(awaiting)),
        "may_issue": may(reader, STATEMENT, CHANGE) and statement.issued_at is None,
    }
    return render(request, "finance/contractor_statement.html", context)


@login_required
def statement_csv(request: HttpRequest, statement_id: int) -> HttpResponse:
    """The statement as CSV: payable lines, the work awaiting acceptance, the total."""
    reader = finance_reader(request, STATEMENT)
    statement = get_object_or_404(
        selectors.contractor_statement_list(audience=reader), pk=statement_id
    )
    return csv_response(statement)


def csv_response(statement: Any) -> HttpResponse:
    response = HttpResponse(contractor_statement_csv(statement), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{statement_filename(statement)}"'
    return response


urlpatterns = [
    path("", statement_list, name="statements"),
    path("<int:statement_id>/statement.csv", statement_csv, name="statement-csv"),
    path("<int:statement_id>/", statement_page, name="statement"),
]
