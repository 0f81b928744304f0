"""Reading tickets, work orders, time entries and parts used (always through what the reader may
see)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Prefetch, Q, QuerySet
from django.db.models.functions import Trim, Upper
from django.utils import timezone
from django.utils.translation import gettext as _

from pacta.accounts.access import Audience, visible
from pacta.accounts.roles import EXTERNAL_ROLES
from pacta.contracts.selectors import contract_for_intake, contract_list_of_site
from pacta.domain import tickets as vocabulary
from pacta.domain.errors import PactaError
from pacta.domain.lifecycle import ContractStatus
from pacta.domain.terms import version_in_force
from pacta.service.errors import (
    ContractAmbiguous,
    ContractNotActive,
    ServiceNotInScope,
    SiteNotCovered,
)
from pacta.service.models import (
    ChecklistItem,
    Expense,
    Inspection,
    InspectionReading,
    PartUsed,
    Photo,
    PlanOccurrence,
    PreventivePlan,
    Quote,
    QuoteLine,
    QuoteStatus,
    RescueAction,
    Signature,
    StepApproval,
    Ticket,
    TicketComment,
    TicketEvent,
    TicketStatus,
    TimeEntry,
    WorkOrder,
    WorkOrderStatus,
)
from pacta.service.models.work import work_order_reference as work_order_reference
from pacta.sla import selectors as sla_selectors

#: Tickets no one works on any more.
TICKET_DONE = (TicketStatus.RESOLVED, TicketStatus.CLOSED, TicketStatus.CANCELLED)


def ticket_list(*, audience: Audience) -> QuerySet[Ticket]:
    return visible(
        Ticket.objects.select_related("customer", "site", "service", "created_by"), audience
    )


def ticket_list_with_clocks(*, audience: Audience) -> QuerySet[Ticket]:
    """The tickets the audience may see, each with its stored SLA clocks."""
    clocks = sla_selectors.ticket_clock_list(audience=audience)
    return ticket_list(audience=audience).prefetch_related(Prefetch("clocks", queryset=clocks))


def ticket_event_list(*, audience: Audience) -> QuerySet[TicketEvent]:
    """What happened to the tickets the audience may see, oldest first per ticket."""
    return visible(TicketEvent.objects.select_related("actor"), audience)


def ticket_event_list_of(ticket: Ticket, *, audience: Audience) -> QuerySet[TicketEvent]:
    """One ticket's event log, in the order it happened."""
    return ticket_event_list(audience=audience).filter(ticket=ticket).order_by("at", "id")


def rescue_action_list(*, audience: Audience) -> QuerySet[RescueAction]:
    return visible(RescueAction.objects.select_related("ticket", "handled_by"), audience)


def rescue_action_list_of(ticket: Ticket, *, audience: Audience) -> QuerySet[RescueAction]:
    """The rescue actions raised for one ticket, oldest first."""
    return rescue_action_list(audience=audience).filter(ticket=ticket).order_by("created_at", "id")


def ticket_comment_list(*, audience: Audience) -> QuerySet[TicketComment]:
    """The comments the audience may read: outside the office (customers), the public ones."""
    found = visible(TicketComment.objects.select_related("author", "contact"), audience)
    if audience.role in EXTERNAL_ROLES:
        found = found.filter(is_public=True)
    return found


def ticket_comment_list_of(ticket: Ticket, *, audience: Audience) -> QuerySet[TicketComment]:
    """One ticket's comments the audience may read, oldest first."""
    return ticket_comment_list(audience=audience).filter(ticket=ticket).order_by("at", "id")


def ticket_list_open(*, audience: Audience) -> QuerySet[Ticket]:
    """The tickets still to be worked on (neither resolved, closed nor cancelled)."""
    return ticket_list(audience=audience).exclude(status__in=TICKET_DONE)


def work_order_list(*, audience: Audience) -> QuerySet[WorkOrder]:
    return visible(WorkOrder.objects.select_related("ticket", "technician", "contractor"), audience)


#: Work orders with nothing left to do on site.
WORK_ORDER_DONE = (
    WorkOrderStatus.COMPLETED,
    WorkOrderStatus.ACCEPTED,
    WorkOrderStatus.DISPUTED,
    WorkOrderStatus.CANCELLED,
)


def work_order_list_open(*, audience: Audience) -> QuerySet[WorkOrder]:
    """Work orders still to be done (scheduled, en route or on site), soonest first."""
    return (
        work_order_list(audience=audience)
        .exclude(status__in=WORK_ORDER_DONE)
        .select_related("ticket__site", "ticket__customer")
        .order_by("scheduled_start_at", "id")
    )


def work_order_list_for_technician(*, technician: Any, on: dt.date) -> QuerySet[WorkOrder]:
    """The technician's work orders scheduled on the local day ``on`` ("my jobs today"): those
    starting that day, and those started earlier and still running into it. Cancelled work
    orders are not on anyone's day; earliest first."""
    zone = timezone.get_current_timezone()
    day_starts_at = dt.datetime.combine(on, dt.time.min, tzinfo=zone)
    day_ends_at = dt.datetime.combine(on + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    starts_that_day = Q(scheduled_start_at__gte=day_starts_at, scheduled_start_at__lt=day_ends_at)
    runs_into_it = Q(scheduled_start_at__lt=day_starts_at, scheduled_end_at__gt=day_starts_at)
    return (
        WorkOrder.objects.filter(technician=technician)
        .filter(starts_that_day | runs_into_it)
        .exclude(status=WorkOrderStatus.CANCELLED)
        .select_related("ticket", "ticket__customer", "ticket__site", "ticket__service")
        .order_by("scheduled_start_at", "id")
    )


def time_entry_list(*, audience: Audience) -> QuerySet[TimeEntry]:
    return visible(TimeEntry.objects.select_related("work_order", "technician"), audience)


def part_used_list(*, audience: Audience) -> QuerySet[PartUsed]:
    return visible(PartUsed.objects.select_related("work_order", "product"), audience)


def ticket_list_board(
    *, audience: Audience, zone_codes: Collection[str] | None = None, customer: Any = None
) -> QuerySet[Ticket]:
    """The open tickets with SLA clocks, for the dispatch board, with what a row shows read in
    three queries whatever the number of rows: customer, site, calendar and policy joined; the
    clocks, and the open work orders (with their technician, soonest first) as
    ``open_work_orders``, prefetched.

    ``zone_codes`` keeps the tickets of sites in those regions (compared ignoring case and
    surrounding spaces, as teams cover regions); ``customer`` those of one customer.
    """
    tickets = (
        ticket_list_open(audience=audience)
        .filter(pk__in=Ticket.objects.filter(clocks__isnull=False).values("pk"))
        .select_related("sla_calendar", "sla_policy")
        .prefetch_related(
            Prefetch("clocks", queryset=sla_selectors.ticket_clock_list(audience=audience)),
            Prefetch(
                "work_orders",
                queryset=visible(WorkOrder.objects.select_related("technician"), audience)
                .exclude(status__in=WORK_ORDER_DONE)
                .order_by("scheduled_start_at", "id"),
                to_attr="open_work_orders",
            ),
        )
    )
    if zone_codes is not None:
        wanted = {str(code).strip().upper() for code in zone_codes}
        tickets = tickets.alias(board_zone=Upper(Trim("site__zone_code"))).filter(
            board_zone__in=wanted
        )
    if customer is not None:
        tickets = tickets.filter(customer=customer)
    return tickets


def ticket_list_sla_due(
    now: dt.datetime, *, after: tuple[dt.datetime, int] | None = None
) -> QuerySet[Ticket]:
    """Open tickets whose SLA risk changes by ``now``, in the order of that instant (then id),
    from after the key ``after`` (keyset paging over the index the sweep reads)."""
    due = Ticket.objects.filter(sla_risk_changes_at__lte=now).exclude(status__in=vocabulary.DONE)
    if after is not None:
        changes_at, pk = after
        due = due.filter(
            Q(sla_risk_changes_at__gt=changes_at) | Q(sla_risk_changes_at=changes_at, pk__gt=pk)
        )
    return due.order_by("sla_risk_changes_at", "pk")


def ticket_pausing_statuses(ticket: Ticket) -> frozenset[str]:
    """The statuses that pause this ticket's clocks (its policy's, or "waiting")."""
    if ticket.sla_policy is None:
        return frozenset(vocabulary.DEFAULT_PAUSING)
    return frozenset(ticket.sla_policy.pausing_statuses)


#: The work a rating prices: done, whether or not the customer has accepted it yet.
RATEABLE_STATUSES = frozenset({WorkOrderStatus.COMPLETED, WorkOrderStatus.ACCEPTED})


def work_order_locked(pk: Any) -> WorkOrder:
    """A work order locked for the caller's transaction, with what rating it reads."""
    return (
        WorkOrder.objects.select_for_update(of=("self",))
        .select_related("ticket__contract", "ticket__site", "ticket__service", "ticket__equipment")
        .get(pk=pk)
    )


# --- inspections (issue 5) ----------------------------------------------------------------------
def inspection_list(*, audience: Audience) -> QuerySet[Inspection]:
    """Inspections on the work orders the audience may see, with their template."""
    return visible(
        Inspection.objects.select_related("work_order", "template", "equipment"), audience
    )


def inspection_reading_list(*, audience: Audience) -> QuerySet[InspectionReading]:
    return visible(
        InspectionReading.objects.select_related("inspection", "parameter", "read_by"), audience
    )


def inspection_locked(pk: Any) -> Inspection:
    """An inspection locked for the caller's transaction, with its work order."""
    return (
        Inspection.objects.select_for_update(of=("self",))
        .select_related("work_order__ticket", "template")
        .get(pk=pk)
    )


# --- the visit on the phone (issue 5) -----------------------------------------------------------
def checklist_item_list(*, audience: Audience) -> QuerySet[ChecklistItem]:
    return visible(
        ChecklistItem.objects.select_related("work_order", "done_by", "decided_by"), audience
    )


def checklist_item_list_pending(*, audience: Audience) -> QuerySet[ChecklistItem]:
    """Steps outside the contracted scope waiting for a manager's decision, oldest ask first,
    with their work order's ticket, customer and site."""
    return (
        checklist_item_list(audience=audience)
        .filter(approval=StepApproval.PENDING)
        .select_related(
            "work_order__ticket__customer",
            "work_order__ticket__site",
            "work_order__technician",
            "requires_service",
            "approval_requested_by",
        )
        .order_by("approval_requested_at", "id")
    )


def photo_list(*, audience: Audience) -> QuerySet[Photo]:
    return visible(Photo.objects.select_related("work_order", "uploaded_by"), audience)


def signature_list(*, audience: Audience) -> QuerySet[Signature]:
    return visible(Signature.objects.select_related("work_order"), audience)


def expense_list(*, audience: Audience) -> QuerySet[Expense]:
    return visible(Expense.objects.select_related("work_order", "receipt"), audience)


def work_order_visit_get(pk: Any, *, audience: Audience) -> WorkOrder:
    """One work order as the phone shows it: ticket, customer, site, service, contract and
    equipment joined; checklist, time, parts, photos and expenses prefetched (each as the
    audience may see it). Raises ``WorkOrder.DoesNotExist`` for a work order it may not see."""
    return (
        work_order_list(audience=audience)
        .select_related(
            "ticket__customer",
            "ticket__site",
            "ticket__service",
            "ticket__contract",
            "ticket__equipment",
        )
        .prefetch_related(
            Prefetch(
                "checklist_items",
                queryset=checklist_item_list(audience=audience).order_by("position", "id"),
            ),
            Prefetch("time_entries", queryset=time_entry_list(audience=audience)),
            Prefetch("parts_used", queryset=part_used_list(audience=audience)),
            Prefetch("photos", queryset=photo_list(audience=audience)),
            Prefetch("expenses", queryset=expense_list(audience=audience)),
        )
        .get(pk=pk)
    )


# --- intake (issue 5): what a site may ask for ----------------------------------------------------
@dataclass(frozen=True)
class ServiceOffer:
    """A service that may be requested at a site: under which contract, and how it is covered
    (``included`` in the fee or ``billable``)."""

    service: Any
    contract: Any
    coverage: str


@dataclass(frozen=True)
class IntakeVerdict:
    """What intake makes of a request: the contract it falls under (given, or the one live
    contract of the site covering the service), and the refusal, if any."""

    contract: Any
    refusal: PactaError | None


def contract_live_version(contract: Any, on: dt.date) -> Any | None:
    """The terms of ``contract`` in force on the local day ``on`` if the contract is live then
    (active, started, not ended); None otherwise."""
    if contract.status != ContractStatus.ACTIVE.value:
        return None
    if contract.starts_on > on or (contract.ends_on is not None and contract.ends_on < on):
        return None
    return version_in_force(contract.versions.all(), on)


def _covers_equipment(contract: Any, equipment: Any) -> bool:
    """A contract that lists equipment covers only that equipment; one that lists none covers
    the site as a whole, whatever is installed there."""
    if equipment is None:
        return True
    listed = {unit.pk for unit in contract.equipment.all()}
    return not listed or equipment.pk in listed


def _coverage(version: Any, service_id: Any) -> str | None:
    """How the terms cover a service (included or billable); None when out of scope."""
    for line in version.scope_lines.all():
        if line.service_id == service_id and line.coverage != "excluded":
            return str(line.coverage)
    return None


def site_local_date(site: Any, at: dt.datetime) -> dt.date:
    return timezone.localtime(at, timezone=ZoneInfo(site.time_zone)).date()


def services_open_for(
    site: Any, equipment: Any = None, *, on: dt.date | None = None
) -> list[ServiceOffer]:
    """The services that may be requested at ``site`` (for ``equipment`` when given) on the
    site's local day ``on`` (today unless told): those in the scope of a live contract covering
    the site and the equipment, and still active in the catalog; by name, then contract."""
    on = on or site_local_date(site, timezone.now())
    offers = []
    for contract in contract_list_of_site(site):
        version = contract_live_version(contract, on)
        if version is None or not _covers_equipment(contract, equipment):
            continue
        for line in version.scope_lines.all():
            if line.coverage != "excluded" and line.service.is_active:
                offers.append(ServiceOffer(line.service, contract, str(line.coverage)))
    return sorted(offers, key=lambda o: (o.service.name, o.service.code, o.contract.number))


def _judge(
    contract: Any, *, site: Any, service: Any, equipment: Any, on: dt.date
) -> PactaError | None:
    number = {"number": contract.number}
    if not contract.sites.filter(pk=site.pk).exists():
        return SiteNotCovered.on(
            "site", _("Contract %(number)s does not cover this site.") % number
        )
    if not _covers_equipment(contract, equipment):
        return SiteNotCovered.on(
            "equipment", _("Contract %(number)s does not cover this equipment.") % number
        )
    version = contract_live_version(contract, on)
    if version is None:
        return ContractNotActive.on(
            "contract",
            _(
                "Contract %(number)s is not in force on %(day)s: it must be renewed or "
                "reactivated before it takes requests."
            )
            % {**number, "day": on.isoformat()},
        )
    if _coverage(version, service.pk) is None:
        return ServiceNotInScope.on(
            "service",
            _("%(service)s is not in the scope of contract %(number)s.")
            % {**number, "service": service.name},
        )
    return None


def intake_verdict(
    *, site: Any, service: Any, equipment: Any = None, contract: Any = None, at: dt.datetime
) -> IntakeVerdict:
    """Judge a request opened at ``at``: under ``contract`` when given, else under the one live
    contract of the site that covers the equipment and has the service in scope."""
    on = site_local_date(site, at)
    if contract is not None:
        contract = contract_for_intake(contract)
        return IntakeVerdict(
            contract, _judge(contract, site=site, service=service, equipment=equipment, on=on)
        )
    contracts = list(contract_list_of_site(site))
    if not contracts:
        return IntakeVerdict(None, SiteNotCovered.on("site", _("No contract covers this site.")))
    live = [c for c in contracts if contract_live_version(c, on) is not None]
    if not live:
        return IntakeVerdict(
            None,
            ContractNotActive.on(
                "contract",
                _(
                    "No contract of this site is in force on %(day)s: it must be renewed or "
                    "reactivated before it takes requests."
                )
                % {"day": on.isoformat()},
            ),
        )
    live = [c for c in live if _covers_equipment(c, equipment)]
    if not live:
        return IntakeVerdict(
            None,
            SiteNotCovered.on("equipment", _("No contract in force covers this equipment.")),
        )
    if service is None:  # nothing named: what is there to ask for?
        return IntakeVerdict(
            None,
            ServiceNotInScope.on(
                "service", _("No service is in the scope of the contracts in force here.")
            ),
        )
    fitting = [c for c in live if _coverage(contract_live_version(c, on), service.pk)]
    if not fitting:
        return IntakeVerdict(
            None,
            ServiceNotInScope.on(
                "service",
                _("%(service)s is not in the scope of any contract in force for this site.")
                % {"service": service.name},
            ),
        )
    if len(fitting) > 1:
        return IntakeVerdict(
            None,
            ContractAmbiguous.on(
                "contract",
                _("Contracts %(numbers)s all cover this request: choose one.")
                % {"numbers": ", ".join(c.number for c in fitting)},
            ),
        )
    return IntakeVerdict(fitting[0], None)


# --- quotes and preventive plans (issue 5) ------------------------------------------------------
def quote_list(*, audience: Audience) -> QuerySet[Quote]:
    """The quotes ``audience`` sees: the office every one, a customer those sent to it (a draft
    is the office's until it is sent)."""
    quotes = Quote.objects.select_related(
        "customer", "site", "ticket", "contract", "price_list", "work_order"
    ).prefetch_related("lines")
    if not audience.is_office:
        quotes = quotes.exclude(status=QuoteStatus.DRAFT)
    return visible(quotes, audience)


def quote_line_list(*, audience: Audience) -> QuerySet[QuoteLine]:
    lines = QuoteLine.objects.select_related("quote", "service", "product")
    if not audience.is_office:
        lines = lines.exclude(quote__status=QuoteStatus.DRAFT)
    return visible(lines, audience)


def quote_locked(pk: Any) -> Quote:
    """A quote locked for a decision or a change (the row, not its relations)."""
    return (
        Quote.objects.select_for_update(of=("self",)).select_related("customer", "site").get(pk=pk)
    )


def preventive_plan_list(*, audience: Audience) -> QuerySet[PreventivePlan]:
    return visible(
        PreventivePlan.objects.select_related("contract", "site", "equipment", "service"), audience
    )


def plan_occurrence_list(*, audience: Audience) -> QuerySet[PlanOccurrence]:
    return visible(PlanOccurrence.objects.select_related("plan", "ticket", "work_order"), audience)
