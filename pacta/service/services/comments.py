"""Comments on a ticket: the conversation between the customer and us. One write path for
every channel (the portal, the API, e-mail replies); each comment audited.

A customer's user writes public comments only (what it writes, we read); the office may also
write internal notes the customer never sees. The body is required; a user's
is at most :data:`BODY_LONGEST` characters (an e-mail reply is kept whole)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from pacta.accounts.access import ADD, audience_of, may
from pacta.accounts.roles import EXTERNAL_ROLES
from pacta.audit.services import Actor, actor_user, record_create
from pacta.domain.errors import FieldErrors, Forbidden
from pacta.service.models import Ticket, TicketComment

#: The longest comment accepted, in characters.
BODY_LONGEST = 5000


def ticket_comment_check(*, actor: Actor, body: str, is_public: bool) -> None:
    """Refuse an empty or overlong body, and an internal note by someone outside the office."""
    errors = FieldErrors()
    if not body.strip():
        errors.add("body", _("Write a message."))
    elif actor is not None and len(body) > BODY_LONGEST:  # an e-mail reply is kept whole
        errors.add(
            "body",
            _("A message is at most %(count)s characters long.") % {"count": BODY_LONGEST},
        )
    if not is_public and getattr(actor, "role", None) in EXTERNAL_ROLES:
        errors.add("is_public", _("Only our office writes internal notes."))
    errors.raise_if_any()


def ticket_comment_create(
    *,
    actor: Actor,
    ticket: Ticket,
    body: str,
    is_public: bool = True,
    contact: Any = None,
    inbound: Any = None,
    now: dt.datetime | None = None,
) -> TicketComment:
    """A message on ``ticket`` (audited): from the customer (``contact`` says which of its
    people, when known), or ours, public or internal. The system (``actor`` None: e-mail
    replies) may always write; a user needs the right to add comments."""
    now = now or timezone.now()
    if actor is not None and not may(audience_of(actor), "service.ticketcomment", ADD):
        raise Forbidden(_("You may not comment on tickets."))
    ticket_comment_check(actor=actor, body=body, is_public=is_public)
    return record_create(
        TicketComment,
        actor=actor,
        values={
            "ticket": ticket,
            "at": now,
            "author": actor_user(actor),
            "contact": contact,
            "body": body,
            "is_public": is_public,
            "inbound": inbound,
        },
        reason=_("Comment added"),
        now=now,
    )
