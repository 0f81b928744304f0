"""The e-mails a customer gets as its request moves: the confirmation when a ticket opens, the
technician on the way, the work complete (with the closure report attached, once reports
exist). Each is written from the event's template (the contract's own, the general one, or
the built-in wording) in the reader's language, and queued once per key in the writing
transaction (sent after commit)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from pacta.comms.selectors import message_compose
from pacta.comms.services import message_queue
from pacta.service.models import Ticket, WorkOrder
from pacta.service.services.decision_links import work_order_decision_token


def _reader(ticket: Ticket) -> tuple[str, str, str]:
    """Who hears about a ticket: its contact, else the customer's address; (e-mail, name,
    language)."""
    contact = ticket.contact
    if contact is not None and contact.email:
        return contact.email, contact.name, contact.language or ticket.customer.language
    return ticket.customer.email, "", ticket.customer.language


def _when(moment: dt.datetime | None, zone: str, language: str) -> str:
    if moment is None:
        return ""
    with translation.override(language), timezone.override(zone):
        return date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def _context(ticket: Ticket, **extra: Any) -> dict[str, Any]:
    return {
        "ticket": ticket,
        "customer_name": str(ticket.customer),
        "site_name": ticket.site.name,
        "service_name": ticket.service.name if ticket.service_id else "",
        "contract_number": ticket.contract.number if ticket.contract_id else "",
        **extra,
    }


def _queue(
    *,
    ticket: Ticket,
    event: str,
    key: str,
    about: Any,
    context: Mapping[str, Any],
    attachments: Iterable[Mapping[str, str]] = (),
    now: dt.datetime | None = None,
) -> Any:
    to_email, name, language = _reader(ticket)
    if not to_email:
        return None  # nobody to tell: the ticket's page says so (no message queued)
    composed = message_compose(
        event=event,
        language=language,
        contract_id=ticket.contract_id,
        context={"contact_name": name, **context},
    )
    return message_queue(
        key=key,
        to_email=to_email,
        subject=composed.subject,
        body=composed.body,
        language=composed.language,
        about=about,
        attachments=attachments,
        now=now,
    )


def ticket_opened_notice(
    *, ticket: Ticket, response_due_at: dt.datetime | None = None, now: dt.datetime | None = None
) -> Any:
    """The confirmation of a new ticket (once per ticket)."""
    _, _, language = _reader(ticket)
    return _queue(
        ticket=ticket,
        event="ticket_opened",
        key=f"ticket:{ticket.pk}:opened",
        about=ticket,
        context=_context(
            ticket, response_due=_when(response_due_at, ticket.site.time_zone, language)
        ),
        now=now,
    )


def en_route_notice(
    *, work_order: WorkOrder, arrival_at: dt.datetime | None = None, now: dt.datetime | None = None
) -> Any:
    """The technician is on the way (once per departure)."""
    ticket = work_order.ticket
    _, _, language = _reader(ticket)
    technician = work_order.technician
    departed = work_order.en_route_at or now or timezone.now()
    return _queue(
        ticket=ticket,
        event="en_route",
        key=f"work-order:{work_order.pk}:en-route:{departed.isoformat()}",
        about=ticket,
        context=_context(
            ticket,
            work_order=work_order,
            technician_name=(technician.get_full_name() or technician.username)
            if technician
            else "",
            arrival=_when(arrival_at, ticket.site.time_zone, language),
            access_notes=ticket.site.access_notes,
        ),
        now=now,
    )


def work_closed_notice(
    *,
    work_order: WorkOrder,
    attachments: Iterable[Mapping[str, str]] = (),
    now: dt.datetime | None = None,
) -> Any:
    """The work is complete (once per work order), with its closure report when given and the
    signed link to accept or dispute it without signing in (``decision_link``)."""
    attachments = list(attachments)
    ticket = work_order.ticket
    link = settings.PUBLIC_URL + reverse(
        "web:portal:decision_link", args=[work_order_decision_token(work_order)]
    )
    return _queue(
        ticket=ticket,
        event="work_closed",
        key=f"work-order:{work_order.pk}:closed",
        about=ticket,
        context=_context(
            ticket, work_order=work_order, has_report=bool(attachments), decision_link=link
        ),
        attachments=attachments,
        now=now,
    )


def inspection_report_notice(
    *,
    inspection: Any,
    attachments: Iterable[Mapping[str, str]] = (),
    now: dt.datetime | None = None,
) -> Any:
    """An inspection is finished, with its report (once per inspection)."""
    attachments = list(attachments)
    work_order = inspection.work_order
    ticket = work_order.ticket
    return _queue(
        ticket=ticket,
        event="inspection_report",
        key=f"inspection:{inspection.pk}:report",
        about=ticket,
        context=_context(
            ticket,
            work_order=work_order,
            inspection_name=inspection.template.name,
            passed=inspection.result == "pass",
            has_report=bool(attachments),
        ),
        attachments=attachments,
        now=now,
    )
