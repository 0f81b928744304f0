"""Tickets: opened for a site under a contract, and kept consistent with them.

Opening a ticket also starts its SLA clocks (:mod:`pacta.service.services.clocks`); a change of
status or priority goes through the clocks' events, so an update that carries one is turned
into those events.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from functools import partial
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pacta.accounts.roles import Role
from pacta.audit.services import (
    Actor,
    RecordWriter,
    actor_user,
    record_create,
    record_delete,
    record_update,
    require_reason,
    stored_values,
)
from pacta.contracts.selectors import routing_team
from pacta.customers.selectors import customer_descendant_ids
from pacta.domain.errors import FieldErrors, InvalidInput, PactaError
from pacta.service import selectors
from pacta.service.errors import OverrideRefused, TicketHasWork
from pacta.service.models import Channel, Ticket, TicketOverride, TicketStatus
from pacta.service.services import clocks, notices

#: Who may open a ticket the contract does not allow (with a reason).
OVERRIDE_ROLES = frozenset({Role.DISPATCHER, Role.MANAGER, Role.ADMIN})
#: How far past "now" a ticket's opening may lie (clocks of phones and PCs drift).
OPENED_AT_TOLERANCE = dt.timedelta(minutes=5)


# --- tickets ------------------------------------------------------------------------------------
def ticket_check(
    ticket: Ticket, m2m: Mapping[str, list[Any]] | None = None, *, now: dt.datetime | None = None
) -> None:
    now = now or timezone.now()
    stored = stored_values(ticket, "customer_id", "site_id", "service_id", "contract_id")
    if stored:
        moved = [
            name
            for name in ("customer", "site")
            if getattr(ticket, f"{name}_id") != stored[f"{name}_id"]
        ]
        if moved and ticket.work_orders.exists():
            raise TicketHasWork(
                _("This ticket has work orders; it stays with its customer and its site."),
                fields={
                    name: [
                        _("A ticket with work orders cannot move to another customer.")
                        if name == "customer"
                        else _("A ticket with work orders cannot move to another site.")
                    ]
                    for name in moved
                },
            )

    errors = FieldErrors()
    if ticket.pk is None and ticket.status != TicketStatus.NEW:
        errors.add("status", _("A ticket opens as new; change its status once it is open."))
    family = customer_descendant_ids(ticket.customer)
    if ticket.site.customer_id not in family:
        errors.add(
            "site", _("This site belongs neither to the customer nor to one of its children.")
        )
    contract = ticket.contract
    if contract is not None:
        if contract.customer_id not in family and ticket.customer_id not in customer_descendant_ids(
            contract.customer
        ):
            errors.add(
                "contract",
                _("Contract %(number)s is another customer's.") % {"number": contract.number},
            )
        elif (
            # A new ticket's coverage is judged by the intake rules (which an override passes);
            # a ticket moved to another contract or site must be covered there.
            stored
            and (ticket.contract_id, ticket.site_id) != (stored["contract_id"], stored["site_id"])
            and not contract.sites.filter(pk=ticket.site_id).exists()
        ):
            errors.add(
                "contract",
                _("Contract %(number)s does not cover this site.") % {"number": contract.number},
            )
    equipment = ticket.equipment
    if equipment is not None and equipment.site_id != ticket.site_id:
        errors.add("equipment", _("This equipment is not at the ticket's site."))
    # A service is checked when it is chosen: a ticket keeps a service the catalog later retires.
    if ticket.service_id != stored.get("service_id") and not ticket.service.is_active:
        errors.add("service", _("This service is no longer active in the catalog."))
    if ticket.opened_at > now + OPENED_AT_TOLERANCE:
        errors.add("opened_at", _("A ticket cannot be opened in the future."))
    errors.raise_if_any()


def ticket_open(
    *, actor: Actor, values: Mapping[str, Any], reason: str = "", now: dt.datetime | None = None
) -> Ticket:
    """Open a ticket: for the site's customer unless told, opened now unless told (an imported
    ticket carries its past opening), created by ``actor``, status new; its SLA terms are those
    of the contract version in force when it was opened, and its clocks start.

    Every channel opens tickets here, so the intake rules hold everywhere: the ticket falls
    under a live contract covering the site (and the equipment) with the service in scope —
    the contract given, or the site's one such contract. Otherwise it is refused
    (``contract_not_active``, ``site_not_covered``, ``service_not_in_scope``), unless a
    dispatcher, a manager or an admin opens it anyway with ``override`` (billable or quote) and
    a ``reason``, which are recorded: under the contract given, or outside any contract when
    none is given (then none is looked for). An override the contract given does not need is
    not recorded. The contract's routing names its team, and the customer's
    confirmation e-mail is queued (once, sent after commit).
    """
    now = now or timezone.now()
    values = dict(values)
    site = values.get("site")
    if values.get("customer") is None and hasattr(site, "customer"):
        values["customer"] = site.customer
    if values.get("opened_at") is None:
        values["opened_at"] = now
    values.setdefault("status", TicketStatus.NEW)
    values["created_by"] = actor_user(actor)
    override = values.pop("override", None) or TicketOverride.NONE
    for name in ("override_reason", "overridden_by"):
        values.pop(name, None)
    if values.get("channel") == Channel.PLAN and actor is not None:
        # Planned visits run no SLA clocks: only the plans' own run opens them.
        raise InvalidInput.on("channel", _("Only a preventive plan opens its visits' tickets."))
    if override not in TicketOverride.values:
        raise InvalidInput.on("override", _("Choose billable or quote."))
    if override and not may_override(actor):
        raise OverrideRefused(
            _("Only a dispatcher or a manager may open a ticket outside the contract."),
            fields={"override": [_("You may not open a ticket outside the contract.")]},
        )
    with transaction.atomic():
        ticket = record_create(
            Ticket,
            actor=actor,
            values=values,
            reason=reason,
            check=partial(_open_check, now=now, actor=actor, override=override, reason=reason),
            now=now,
        )
        clocks.ticket_sla_start(ticket=ticket, actor=actor, now=now)
        notices.ticket_opened_notice(ticket=ticket, response_due_at=_response_due(ticket), now=now)
        if ticket.override == TicketOverride.QUOTE:
            _quote_drafted(ticket, actor=actor, reason=reason, now=now)
    return ticket


def _quote_drafted(ticket: Ticket, *, actor: Actor, reason: str, now: dt.datetime) -> None:
    """A ticket opened "to be quoted" gets its draft quote at once — one of its service, priced
    from the customer's price list — for the office to complete and send. A quote that cannot
    be priced is left for the office to draft by hand: the ticket stands."""
    from pacta.service.services.quotes import quote_create  # a quote opens tickets in turn

    try:
        with transaction.atomic():
            quote_create(
                actor=actor,
                values={
                    "ticket": ticket,
                    "title": ticket.subject[:200],
                    "lines": [{"service": ticket.service, "quantity": Decimal(1)}],
                },
                reason=reason,
                now=now,
            )
    except PactaError:
        return


def _open_check(
    ticket: Ticket,
    m2m: Mapping[str, list[Any]] | None = None,
    *,
    now: dt.datetime,
    actor: Actor,
    override: str,
    reason: str,
) -> None:
    """A new ticket's own check, then the intake rules: the contract it falls under, and its
    team, or its override; the refusal when the contract does not allow the request."""
    ticket_check(ticket, m2m, now=now)
    if override and ticket.contract_id is None:
        # Asked to open outside any contract: no contract is looked for.
        _record_override(ticket, actor=actor, override=override, reason=reason)
        return
    verdict = selectors.intake_verdict(
        site=ticket.site,
        service=ticket.service,
        equipment=ticket.equipment,
        contract=ticket.contract,
        at=ticket.opened_at,
    )
    if verdict.refusal is None:
        ticket.contract = verdict.contract
        if ticket.team_id is None:
            ticket.team = routing_team(
                verdict.contract,
                service_id=ticket.service_id,
                priority=ticket.priority,
                region=ticket.site.zone_code,
            )
        return  # within the contract: an override is not needed, and not recorded
    if not override:
        raise verdict.refusal
    _record_override(ticket, actor=actor, override=override, reason=reason)


def _record_override(ticket: Ticket, *, actor: Actor, override: str, reason: str) -> None:
    ticket.override = override
    ticket.override_reason = require_reason(reason)
    ticket.overridden_by = actor_user(actor)


def may_override(actor: Actor) -> bool:
    """Whether ``actor`` may open a ticket the contract does not allow: a dispatcher, a
    manager, an admin, or the system itself (imports, the demo loader)."""
    return actor is None or getattr(actor, "role", None) in OVERRIDE_ROLES


def _response_due(ticket: Ticket) -> dt.datetime | None:
    clock = next((c for c in ticket.clocks.all() if c.name == "response"), None)
    return clock.due_at if clock is not None else None


def ticket_update(
    *,
    actor: Actor,
    ticket: Ticket,
    values: Mapping[str, Any],
    reason: str = "",
    now: dt.datetime | None = None,
) -> Ticket:
    """Change a ticket. A new status or priority is recorded as the clocks' events."""
    now = now or timezone.now()
    values = dict(values)
    for name in ("override", "override_reason", "overridden_by"):
        if name in values and values.pop(name) != getattr(ticket, name):
            raise InvalidInput.on(
                name, _("How a ticket is opened outside its contract is decided at the opening.")
            )
    status, priority = values.pop("status", None), values.pop("priority", None)
    with transaction.atomic():
        if values:
            ticket = record_update(
                ticket,
                actor=actor,
                values=values,
                reason=reason,
                check=partial(ticket_check, now=now),
                now=now,
            )
        if priority is not None and priority != ticket.priority:
            ticket = clocks.ticket_priority_change(
                actor=actor, ticket=ticket, priority=priority, reason=reason, now=now
            )
        if status is not None and status != ticket.status:
            ticket = clocks.ticket_status_change(
                actor=actor, ticket=ticket, status=status, reason=reason, now=now
            )
    return ticket


def ticket_delete(*, actor: Actor, ticket: Ticket, reason: str = "") -> None:
    record_delete(ticket, actor=actor, reason=reason)


TICKET = RecordWriter(
    param="ticket",
    create=ticket_open,
    update=ticket_update,
    delete=ticket_delete,
    check=ticket_check,
)
