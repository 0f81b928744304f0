"""A work order's charges: each line of its current rating with its trace in the reader's
language (covered lines at zero, so the customer sees what the fee covered), one-tap Approve /
Reject for the managers on out-of-scope lines (htmx swaps the lines and the totals), and the
credits of the contract's billing period.

Open to those who read credits (the office roles and the customer's own users, see
``entitlements.credit`` in the access table); a work order the reader cannot see is 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pacta.accounts.access import VIEW, Audience, audience_of, may
from pacta.billing.selectors import rating_current_of
from pacta.billing.services import charge_line_decide
from pacta.billing.services.credits import may_approve
from pacta.billing.wording import words_text
from pacta.domain.errors import PactaError
from pacta.entitlements import selectors as credit_selectors
from pacta.reports import formats
from pacta.reports.selectors import UNITS, charge_line_coverage
from pacta.service import selectors as service_selectors

app_name = "charges"
CREDITS = "entitlements.credit"


@dataclass(frozen=True)
class LineRow:
    pk: int
    kind: str
    css: str
    label: str
    quantity: str
    unit_price: str
    multiplier: str
    amount: str
    tax: str
    trace: str
    pending: bool
    decision: str
    errors: tuple[str, ...] = ()


@dataclass(frozen=True)
class CreditRow:
    kind: str
    amount: str
    reason: str
    trace: str
    approved_by: str
    recorded: str
    reversal: bool


def _work_order(request: HttpRequest, work_order_id: int) -> tuple[Any, Audience]:
    reader = audience_of(request.user)
    work_order = get_object_or_404(
        service_selectors.work_order_list(audience=reader).select_related(
            "ticket__contract", "ticket__site"
        ),
        pk=work_order_id,
    )
    if not may(reader, CREDITS, VIEW):
        raise PermissionDenied
    return work_order, reader


def _decision(line: Any, zone: Any) -> str:
    if not line.decided_at:
        return ""
    who = line.decided_by.get_full_name() or line.decided_by.get_username()
    return _("%(who)s on %(when)s: %(reason)s") % {
        "who": who,
        "when": formats.short_moment(line.decided_at, zone),
        "reason": line.decision_reason,
    }


def line_row(line: Any, currency: str, zone: Any, errors: list[str]) -> LineRow:
    kind, css = charge_line_coverage(line)
    return LineRow(
        pk=line.pk,
        kind=kind,
        css=css,
        label=line.label,
        quantity=f"{formats.number(line.quantity)} {UNITS.get(line.unit, line.unit)}",
        unit_price=formats.money(line.unit_price, currency),
        multiplier="×" + formats.number(line.multiplier, 2),
        amount=formats.money(line.amount, currency),
        tax=f"{formats.number(line.tax_rate)} %",
        trace=words_text(line.words),
        pending=line.approval == "pending",
        decision=_decision(line, zone),
        errors=tuple(errors),
    )


def _credit_row(credit: Any, zone: Any) -> CreditRow:
    approver = credit.approved_by
    return CreditRow(
        kind=str(credit.get_kind_display()),
        amount=formats.money(credit.amount, credit.currency),
        reason=credit.reason,
        trace=words_text(credit.words),
        approved_by=(approver.get_full_name() or approver.get_username()) if approver else "—",
        recorded=formats.short_moment(credit.created_at, zone),
        reversal=credit.reverses_id is not None,
    )


def _context(work_order: Any, reader: Audience, errors: dict[int, list[str]]) -> dict[str, Any]:
    zone = ZoneInfo(work_order.ticket.site.time_zone)
    rating = rating_current_of(work_order)
    context: dict[str, Any] = {
        "work_order": work_order,
        "rating": rating,
        "may_decide": reader.role is not None and may_approve(reader.role),
    }
    if rating is None:
        return context
    currency = rating.currency
    contract = rating.contract_version.contract
    credits = credit_selectors.credit_list_of_period(contract=contract, period_on=rating.period_on)
    balance = credit_selectors.credit_balance(contract=contract, period_on=rating.period_on)
    context.update(
        lines=[
            line_row(line, currency, zone, errors.get(line.pk, [])) for line in rating.lines.all()
        ],
        total=formats.money(rating.total, currency),
        awaiting=formats.money(rating.awaiting_approval, currency)
        if rating.awaiting_approval != Decimal(0)
        else "",
        contract=contract,
        period=formats.day(rating.period_on),
        credits=[_credit_row(credit, zone) for credit in credits],
        owed=formats.money(balance.owed, balance.currency),
        written_off=formats.money(balance.written_off, balance.currency),
    )
    return context


@login_required
def work_order_charges(request: HttpRequest, work_order_id: int) -> HttpResponse:
    work_order, reader = _work_order(request, work_order_id)
    return render(request, "charges/work_order.html", _context(work_order, reader, {}))


@login_required
@require_POST
def line_decide(request: HttpRequest, work_order_id: int, line_id: int) -> HttpResponse:
    """Approve or reject a pending line of the work order's current rating (reason required);
    an htmx request gets the lines and totals back, a plain form post the page."""
    work_order, reader = _work_order(request, work_order_id)
    rating = rating_current_of(work_order)
    lines = list(rating.lines.all()) if rating is not None else []
    line = next((line for line in lines if line.pk == line_id), None)
    if line is None:
        raise Http404(_("This line is no longer on the work order's current rating."))
    errors: dict[int, list[str]] = {}
    try:
        charge_line_decide(
            actor=request.user,
            line=line,
            approve=request.POST.get("decision") == "approve",
            reason=request.POST.get("reason", ""),
        )
    except PactaError as error:
        found = [message for messages in error.fields.values() for message in messages]
        errors[line.pk] = found or [error.message_in(_)]
    if request.headers.get("HX-Request"):
        return render(request, "charges/lines.html", _context(work_order, reader, errors))
    if errors:
        return render(request, "charges/work_order.html", _context(work_order, reader, errors))
    return redirect("web:charges:work_order", work_order.pk)


urlpatterns = [
    path("work-orders/<int:work_order_id>/", work_order_charges, name="work_order"),
    path(
        "work-orders/<int:work_order_id>/lines/<int:line_id>/decide/",
        line_decide,
        name="line_decide",
    ),
]
