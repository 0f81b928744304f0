"""The customer's tickets in the portal, and the work done for them.

- ``/portal/tickets/`` — the customer's tickets, newest first, with their status and SLA
  clocks as last stored (due at, business time remaining, met / breached / paused);
- ``/portal/tickets/<id>/`` — one ticket: its clocks, what happened (its events), the
  conversation (the customer adds a comment; htmx swaps the list in place), its work orders;
- ``/portal/work-orders/<id>/`` — one work order: what was done, the lines covered by the
  contract and those billed, the reports issued (PDF), and, once the work is completed, the
  buttons to accept it or to dispute it with a reason — through ``work_order_decide``, as the
  API's accept/dispute, rated again after commit.

A record of another customer is not found (404); anyone but a customer's user gets 403.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from pacta.accounts.access import Audience
from pacta.billing.selectors import rating_current_of
from pacta.billing.services import work_order_rate_after_commit
from pacta.customers.selectors import contact_of_user
from pacta.domain.errors import PactaError
from pacta.reports import formats
from pacta.reports import selectors as report_selectors
from pacta.reports.models import ReportKind
from pacta.service import selectors
from pacta.service.models import (
    CustomerDecisionVia,
    Ticket,
    TicketStatus,
    WorkOrder,
    WorkOrderStatus,
)
from pacta.service.services import fieldwork as visit
from pacta.service.services.comments import ticket_comment_create
from pacta.sla.selectors import risk_label, target_label
from pacta.web.board import PAUSED, PAUSED_LABEL, hours_minutes
from pacta.web.charges import line_row
from pacta.web.portal_access import customer_audience
from pacta.web.portal_coverage import KIND_ORDER


@dataclass(frozen=True)
class ClockRow:
    target: str
    state: str  # pending, paused, met, breached
    state_label: str
    due: str
    remaining: str
    evaluated: str


#: A ticket's status as people read it (a status event names the status it moved to).
STATUS_LABELS = dict(TicketStatus.choices)
#: A clock's state as the customer reads it (met and breached as the SLA app names them).
RUNNING_LABEL = gettext_lazy("running")


def _state_label(state: str) -> str:
    if state == "pending":
        return str(RUNNING_LABEL)
    if state == PAUSED:
        return str(PAUSED_LABEL)
    return risk_label(state)


def clock_rows(ticket: Ticket, zone: Any) -> list[ClockRow]:
    """The ticket's stored clocks as the customer reads them: a running clock of a ticket in a
    pausing status is paused; remaining is the business time left when last evaluated."""
    pausing = ticket.status in selectors.ticket_pausing_statuses(ticket)
    rows = []
    for clock in sorted(ticket.clocks.all(), key=lambda clock: KIND_ORDER.get(clock.name, 9)):
        state = PAUSED if clock.state == "pending" and pausing else clock.state
        rows.append(
            ClockRow(
                target=target_label(clock.name),
                state=state,
                state_label=_state_label(state),
                due=formats.short_moment(clock.due_at, zone),
                remaining=hours_minutes(clock.remaining) if clock.state == "pending" else "—",
                evaluated=formats.short_moment(clock.evaluated_at, zone),
            )
        )
    return rows


def refusal_text(refused: PactaError) -> str:
    """A refusal as one line for the page: its field messages, else its detail."""
    return " ".join(m for ms in refused.fields.values() for m in ms) or refused.message_in(_)


def _zone() -> ZoneInfo:
    return ZoneInfo(str(timezone.get_current_timezone()))


def _ticket(reader: Audience, ticket_id: int) -> Ticket:
    ticket = (
        selectors.ticket_list_with_clocks(audience=reader)
        .select_related("sla_policy", "contract")
        .filter(pk=ticket_id)
        .first()
    )
    if ticket is None:
        raise Http404(_("No such ticket."))
    return ticket


def _work_order(reader: Audience, work_order_id: int) -> WorkOrder:
    work_order = (
        selectors.work_order_list(audience=reader)
        .select_related("ticket__site", "ticket__service", "ticket__contract", "ticket__customer")
        .filter(pk=work_order_id)
        .first()
    )
    if work_order is None:
        raise Http404(_("No such work order."))
    return work_order


@login_required
def tickets(request: HttpRequest) -> HttpResponse:
    """The customer's tickets, newest first, each with its SLA clocks."""
    reader = customer_audience(request)
    zone = _zone()
    found = selectors.ticket_list_with_clocks(audience=reader).select_related("sla_policy")
    rows = [(ticket, clock_rows(ticket, zone)) for ticket in found.order_by("-opened_at", "-id")]
    return render(request, "portal/tickets.html", {"rows": rows, "section": "tickets"})


def _ticket_context(reader: Audience, ticket: Ticket, **extra: Any) -> dict[str, Any]:
    zone = _zone()
    return {
        "ticket": ticket,
        "clocks": clock_rows(ticket, zone),
        "events": [
            (formats.short_moment(event.at, zone), event, STATUS_LABELS.get(event.status, ""))
            for event in selectors.ticket_event_list_of(ticket, audience=reader)
        ],
        "comments": [
            (formats.short_moment(comment.at, zone), comment)
            for comment in selectors.ticket_comment_list_of(ticket, audience=reader)
        ],
        "work_orders": [
            (work_order, report_links(work_order, reader, zone))
            for work_order in selectors.work_order_list(audience=reader)
            .filter(ticket=ticket)
            .order_by("scheduled_start_at", "id")
        ],
        "section": "tickets",
        **extra,
    }


@login_required
def ticket(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """One ticket: clocks, events, comments, work orders."""
    reader = customer_audience(request)
    return render(
        request, "portal/ticket.html", _ticket_context(reader, _ticket(reader, ticket_id))
    )


@login_required
@require_POST
def comment(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """Add the customer's comment; htmx gets the conversation back, a plain post the page."""
    reader = customer_audience(request)
    found = _ticket(reader, ticket_id)
    body = request.POST.get("body", "")
    error = ""
    try:
        ticket_comment_create(
            actor=request.user,
            ticket=found,
            body=body,
            contact=contact_of_user(request.user, audience=reader),
        )
    except PactaError as refused:
        error = refusal_text(refused)
    if request.headers.get("HX-Request"):
        context = _ticket_context(reader, found, comment_error=error, typed=body if error else "")
        return render(request, "portal/_comments.html", context, status=400 if error else 200)
    if error:
        context = _ticket_context(reader, found, comment_error=error, typed=body)
        return render(request, "portal/ticket.html", context, status=400)
    return redirect("web:portal:ticket", found.pk)


def report_links(work_order: WorkOrder, reader: Audience, zone: Any) -> list[tuple[str, str, str]]:
    """The reports issued for ``work_order`` the reader may read: (kind, PDF address, issued)."""
    issued = report_selectors.issued_report_list(audience=reader).filter(work_order=work_order)
    return [
        (
            str(report.get_kind_display()),
            reverse("web:reports:closure_pdf", args=[work_order.pk])
            if report.kind == ReportKind.CLOSURE
            else reverse("web:reports:inspection_pdf", args=[report.inspection_id]),
            formats.short_moment(report.issued_at, zone),
        )
        for report in issued.order_by("issued_at", "id")
    ]


# --- a work order, and the customer's decision on it --------------------------------------------
def work_context(work_order: WorkOrder, reader: Audience | None) -> dict[str, Any]:
    """What was done and what it costs: the current rating's lines (covered by the contract at
    zero, or billed) and its total; before it is rated, the time and parts logged. ``reader``
    None (the e-mail link's page): no reports to download."""
    zone = ZoneInfo(work_order.ticket.site.time_zone)
    rating = rating_current_of(work_order)
    context: dict[str, Any] = {
        "work_order": work_order,
        "ticket": work_order.ticket,
        "completed": formats.short_moment(work_order.completed_at, zone),
        "decided": formats.short_moment(work_order.customer_decided_at, zone),
        "may_decide": work_order.status == WorkOrderStatus.COMPLETED,
        "rating": rating,
        "reports": [],
    }
    if rating is not None:
        context["lines"] = [
            line_row(line, rating.currency, zone, []) for line in rating.lines.all()
        ]
        context["total"] = formats.money(rating.total, rating.currency)
    else:
        context["times"] = [
            (
                formats.short_moment(entry.started_at, zone),
                formats.duration(entry.started_at, entry.ended_at),
                entry,
            )
            for entry in work_order.time_entries.order_by("started_at", "id")
        ]
        context["parts"] = [
            (formats.number(part.quantity), part)
            for part in work_order.parts_used.select_related("product").order_by("id")
        ]
    if reader is not None:
        context["reports"] = report_links(work_order, reader, zone)
    return context


@login_required
def work_order(request: HttpRequest, work_order_id: int) -> HttpResponse:
    """One work order: what was done, covered and billable lines, reports, accept / dispute."""
    reader = customer_audience(request)
    found = _work_order(reader, work_order_id)
    context = {**work_context(found, reader), "section": "tickets"}
    return render(request, "portal/work_order.html", context)


def decide_and_rate(work: WorkOrder, *, decide: Any) -> WorkOrder:
    """Run the decision ``decide(work)`` and, when it commits, rate the work again (as the
    API's accept and dispute do)."""
    with transaction.atomic():
        decided = decide(work)
        work_order_rate_after_commit(decided)
    return decided


def _decide(request: HttpRequest, work_order_id: int, *, accept: bool) -> HttpResponse:
    reader = customer_audience(request)
    found = _work_order(reader, work_order_id)
    reason = request.POST.get("reason", "")
    try:
        decide_and_rate(
            found,
            decide=lambda work: visit.work_order_decide(
                actor=request.user,
                work_order=work,
                accept=accept,
                reason=reason,
                via=CustomerDecisionVia.PORTAL,
            ),
        )
    except PactaError as refused:
        error = refusal_text(refused)
        context = {
            **work_context(found, reader),
            "section": "tickets",
            "decision_error": error,
            "typed": reason,
        }
        return render(request, "portal/work_order.html", context, status=400)
    messages.success(
        request,
        (_("You accepted %(reference)s.") if accept else _("You disputed %(reference)s."))
        % {"reference": found.reference},
    )
    return redirect("web:portal:work_order", found.pk)


@login_required
@require_POST
def accept(request: HttpRequest, work_order_id: int) -> HttpResponse:
    return _decide(request, work_order_id, accept=True)


@login_required
@require_POST
def dispute(request: HttpRequest, work_order_id: int) -> HttpResponse:
    return _decide(request, work_order_id, accept=False)
