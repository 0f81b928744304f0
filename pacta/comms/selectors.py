"""Reading the outbox, and composing messages from their templates."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.template import Context, Template
from django.template.loader import render_to_string
from django.utils import translation

from pacta.accounts.access import Audience, visible
from pacta.comms.models import MessageTemplate, OutboundMessage


def outbound_message_list(*, audience: Audience) -> QuerySet[OutboundMessage]:
    return visible(OutboundMessage.objects.all(), audience)


def outbound_message_list_about(record: object) -> QuerySet[OutboundMessage]:
    """The messages queued about one record (a ticket's e-mails, newest first)."""
    meta = record._meta  # type: ignore[attr-defined]
    return OutboundMessage.objects.filter(
        entity_type=meta.label_lower,
        entity_id=str(record.pk),  # type: ignore[attr-defined]
    )


@dataclass(frozen=True)
class Composed:
    """The subject and body of one e-mail, in its reader's language."""

    subject: str
    body: str
    language: str


def message_template_find(
    *, event: str, language: str, contract_id: int | None = None
) -> MessageTemplate | None:
    """The template an event's e-mail is written from: the contract's own in the reader's
    language, else the general one in that language; None when neither exists (the built-in
    wording applies)."""
    candidates = MessageTemplate.objects.filter(event=event, language=language, is_active=True)
    if contract_id is not None:
        own = candidates.filter(contract_id=contract_id).first()
        if own is not None:
            return own
    return candidates.filter(contract=None).first()


def message_compose(
    *,
    event: str,
    language: str,
    context: Mapping[str, Any],
    contract_id: int | None = None,
) -> Composed:
    """The e-mail of ``event`` for a reader of ``language``, from the contract's template, the
    general one, or the built-in wording (``comms/messages/<event>.subject.txt`` and
    ``.body.txt``, translated), rendered over ``context``. E-mails are plain text: nothing is
    HTML-escaped; the subject is one line."""
    language = language or settings.LANGUAGE_CODE
    with translation.override(language):
        template = message_template_find(event=event, language=language, contract_id=contract_id)
        if template is not None:
            subject = Template(template.subject).render(Context(context, autoescape=False))
            body = Template(template.body).render(Context(context, autoescape=False))
        else:
            subject = render_to_string(f"comms/messages/{event}.subject.txt", dict(context))
            body = render_to_string(f"comms/messages/{event}.body.txt", dict(context))
    return Composed(subject=" ".join(subject.split()), body=body.strip() + "\n", language=language)


def outbound_message_answered(message_ids: Any) -> OutboundMessage | None:
    """The message we sent that an e-mail answers (its In-Reply-To or References), if any."""
    return (
        OutboundMessage.objects.filter(message_id__in=list(message_ids))
        .exclude(message_id="")
        .order_by("-id")
        .first()
    )
