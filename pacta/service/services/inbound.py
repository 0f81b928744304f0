"""Opening tickets from e-mail: the inbound endpoint and ``mail_poll`` both hand the raw message
to :func:`inbound_email_receive`.

1. The message is kept as received (``comms.InboundMessage``, once per Message-ID: a message
   delivered twice is handled once), its attachments in Django's storage.
2. No usable sender → refused (``no_sender``); nobody to answer.
3. A reply — its In-Reply-To or References name a message we sent about a ticket, or its
   subject carries the ticket's token (``[T-000123]`` as our subjects do, or ``[#T-123]``) —
   from the ticket's customer adds a comment to that ticket.
4. Otherwise the sender's address finds the contact (else a customer's own address); an
   unknown address is refused (``unknown_sender``).
5. The site: one whose name the subject or the text mentions, else the customer's only site,
   else the first (by name) where the service may be requested. The service: one whose code
   stands in the subject as a word (``HVAC-REP``), else the first service *included* in the
   site's live contracts, else the first billable one. Then :func:`ticket_open` (channel
   e-mail, the contact as the requester) judges it as it judges every channel: a refusal
   (``contract_not_active``, ``service_not_in_scope``, ``site_not_covered``) is stored on the
   message.
6. A refused sender (other than no sender) gets a polite reply in its language (the
   ``intake_refused`` template) saying why and what to do, queued once per message.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from pacta.accounts.access import SYSTEM
from pacta.catalog.selectors import service_list
from pacta.comms.inbound import ParsedEmail, email_parse
from pacta.comms.selectors import message_compose, outbound_message_answered
from pacta.comms.services import inbound_message_settle, inbound_message_store, message_queue
from pacta.customers.selectors import (
    contact_list,
    customer_descendant_ids,
    customer_list,
    site_list,
)
from pacta.domain.errors import PactaError
from pacta.service import selectors
from pacta.service.errors import SiteNotCovered
from pacta.service.models import Channel, Ticket
from pacta.service.services.comments import ticket_comment_create
from pacta.service.services.tickets import ticket_open

#: The refusals of intake an e-mail's sender is told about.
INTAKE_CODES = frozenset(
    {"contract_not_active", "service_not_in_scope", "site_not_covered", "contract_ambiguous"}
)
#: What became of a message (comms.InboundOutcome).
OPENED, APPENDED, REFUSED = "opened", "appended", "refused"
_TOKEN = re.compile(r"\[#?T-0*(\d+)\]", re.IGNORECASE)


def inbound_email_receive(*, raw: bytes, now: dt.datetime | None = None) -> Any:
    """Handle one e-mail as received; the stored message with its outcome."""
    now = now or timezone.now()
    parsed = email_parse(raw)
    with transaction.atomic():
        message, created = inbound_message_store(parsed=parsed, raw=raw, now=now)
        if not created:
            return message
        if not parsed.from_email:
            return inbound_message_settle(
                message,
                outcome=REFUSED,
                code="no_sender",
                detail=_("The message names no sender: nobody to answer."),
            )
        contact, customer = _sender(parsed.from_email)
        ticket = _answered_ticket(parsed)
        if ticket is not None and customer is not None and _belongs(ticket, customer):
            ticket_comment_create(
                actor=None,
                ticket=ticket,
                body=parsed.text if parsed.text.strip() else "—",
                contact=contact,
                inbound=message,
                now=now,
            )
            return inbound_message_settle(message, outcome=APPENDED, contact=contact, ticket=ticket)
        language = _language(contact, customer, parsed)
        if customer is None:
            return _refuse(message, parsed, "unknown_sender", language, contact=None, now=now)
        with translation.override(language):
            try:
                ticket = _open(parsed, contact, customer, now=now)
            except PactaError as refused:
                if refused.code not in INTAKE_CODES:
                    raise
                return _refuse(
                    message,
                    parsed,
                    refused.code,
                    language,
                    contact=contact,
                    detail=refused.message,
                    now=now,
                )
        return inbound_message_settle(message, outcome=OPENED, contact=contact, ticket=ticket)


def _sender(address: str) -> tuple[Any, Any]:
    """(contact, customer) the address belongs to: an active contact's, else a customer's own
    billing address; (None, None) when unknown. The oldest record wins if several share it."""
    contact = (
        contact_list(audience=SYSTEM)
        .filter(email__iexact=address, is_active=True)
        .order_by("id")
        .first()
    )
    if contact is not None:
        return contact, contact.customer
    customer = customer_list(audience=SYSTEM).filter(email__iexact=address).order_by("id").first()
    return None, customer


def _answered_ticket(parsed: ParsedEmail) -> Ticket | None:
    sent = outbound_message_answered(parsed.in_reply_to) if parsed.in_reply_to else None
    pk: Any = None
    if sent is not None and sent.entity_type == "service.ticket":
        pk = sent.entity_id
    else:
        token = _TOKEN.search(parsed.subject)
        pk = token.group(1) if token else None
    if pk is None:
        return None
    return selectors.ticket_list(audience=SYSTEM).filter(pk=pk).first()


def _belongs(ticket: Ticket, customer: Any) -> bool:
    """A reply counts from the ticket's customer, or from a customer it pays for or that pays
    for it (a group's office writing about a member's site)."""
    return ticket.customer_id in customer_descendant_ids(customer) or customer.pk in (
        customer_descendant_ids(ticket.customer)
    )


def _language(contact: Any, customer: Any, parsed: ParsedEmail) -> str:
    languages = {code for code, _name in settings.LANGUAGES}
    for candidate in (
        getattr(contact, "language", ""),
        getattr(customer, "language", ""),
        parsed.language,
    ):
        if candidate in languages:
            return str(candidate)
    return str(settings.LANGUAGE_CODE)


def _mentions(name: str, text: str) -> bool:
    return bool(name) and name.casefold() in text.casefold()


def _open(parsed: ParsedEmail, contact: Any, customer: Any, *, now: dt.datetime) -> Ticket:
    family = customer_descendant_ids(customer)
    sites = list(site_list(audience=SYSTEM).filter(customer_id__in=family).order_by("name", "id"))
    words = f"{parsed.subject}\n{parsed.text}"
    named = [site for site in sites if _mentions(site.name, words)]
    coded = _coded_service(parsed.subject)
    site = named[0] if named else None
    if site is None and len(sites) == 1:
        site = sites[0]
    if site is None:
        site = next((s for s in sites if _offer(s, coded, now) is not None), None)
    if site is None and sites:
        site = sites[0]
    if site is None:
        raise SiteNotCovered.on("site", _("No contract covers this site."))
    service = coded or _offer(site, None, now)
    if service is None:
        # Nothing may be requested there: the verdict says why (no contract, none in force).
        verdict = selectors.intake_verdict(site=site, service=None, at=now)
        assert verdict.refusal is not None
        raise verdict.refusal
    return ticket_open(
        actor=None,
        values={
            "customer": customer,
            "site": site,
            "service": service,
            "contact": contact,
            "channel": Channel.EMAIL,
            "subject": (parsed.subject or _("(no subject)"))[:200],
            "description": parsed.text,
            "opened_at": now,
        },
        now=now,
    )


def _coded_service(subject: str) -> Any:
    """The active service whose code stands in the subject as a word, if any."""
    tokens = {token.upper() for token in re.findall(r"[A-Za-z0-9][A-Za-z0-9_.-]*", subject)}
    if not tokens:
        return None
    candidates = service_list(audience=SYSTEM).filter(is_active=True).order_by("code")
    return next((s for s in candidates if s.code.upper() in tokens), None)


def _offer(site: Any, service: Any, now: dt.datetime) -> Any:
    """The service asked for if the site may ask for it, else (when none is named) the first
    service included in its live contracts, else the first billable one; None if none."""
    offers = selectors.services_open_for(site, on=selectors.site_local_date(site, now))
    if service is not None:
        return next((o.service for o in offers if o.service.pk == service.pk), None)
    included = [o for o in offers if o.coverage == "included"]
    chosen = (included or offers)[:1]
    return chosen[0].service if chosen else None


def _refuse(
    message: Any,
    parsed: ParsedEmail,
    code: str,
    language: str,
    *,
    contact: Any,
    detail: str = "",
    now: dt.datetime,
) -> Any:
    """Store the refusal, and answer the sender politely in its language (once)."""
    composed = message_compose(
        event="intake_refused",
        language=language,
        context={
            "code": code,
            "detail": detail,
            "contact_name": contact.name if contact is not None else parsed.from_name,
            "original_subject": parsed.subject,
        },
    )
    message_queue(
        key=f"inbound:{message.pk}:refused",
        to_email=parsed.from_email,
        subject=composed.subject,
        body=composed.body,
        language=composed.language,
        about=message,
        in_reply_to=parsed.message_id,
        now=now,
    )
    if not detail:
        with translation.override(language):
            detail = _("The sender's address belongs to no contact or customer of ours.")
    return inbound_message_settle(
        message, outcome=REFUSED, code=code, detail=detail, contact=contact
    )
