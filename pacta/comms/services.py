"""Queueing and sending messages, and writing the templates they are composed from.

A message is queued once per key, inside the writing transaction (many at once in one write);
it is sent after commit by a task, and sending twice sends once. A send that fails is tried
again by the periodic outbox flush, later after each failure (:data:`RETRY_DELAYS`), until
:data:`MAX_ATTEMPTS` failures: then it is given up and waits for a person ("retry now")."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.mail import EmailMessage, make_msgid
from django.db import transaction
from django.db.models import Q
from django.template import Context, Template
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from pacta.audit.services import (
    Action,
    Actor,
    RecordWriter,
    change_record,
    is_duplicate,
    record_create,
    record_delete,
    record_update,
    records_insert_new,
    snapshot,
)
from pacta.comms.errors import MessageAlreadySent
from pacta.comms.models import MAX_ATTEMPTS, InboundMessage, MessageTemplate, OutboundMessage
from pacta.domain.errors import FieldErrors

#: How long the outbox waits before trying a failed message again: after the first failure,
#: the second, ... (the last delay repeats until MAX_ATTEMPTS failures).
RETRY_DELAYS = (
    dt.timedelta(minutes=1),
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=30),
    dt.timedelta(hours=2),
)

__all__ = ["MAX_ATTEMPTS", "RETRY_DELAYS"]


def message_queue(
    *,
    key: str,
    to_email: str,
    subject: str,
    body: str,
    language: str = "",
    about: Any = None,
    in_reply_to: str = "",
    attachments: Iterable[Mapping[str, str]] = (),
    now: dt.datetime | None = None,
) -> OutboundMessage | None:
    """Queue a message unless one with ``key`` exists; the new message, or None."""
    message = outbound_message(
        key=key,
        to_email=to_email,
        subject=subject,
        body=body,
        language=language,
        about=about,
        in_reply_to=in_reply_to,
        attachments=attachments,
    )
    queued = messages_queue(messages=[message], now=now)
    return queued[0] if queued else None


def outbound_message(
    *,
    key: str,
    to_email: str,
    subject: str,
    body: str,
    language: str = "",
    about: Any = None,
    in_reply_to: str = "",
    attachments: Iterable[Mapping[str, str]] = (),
) -> OutboundMessage:
    """A message to queue with :func:`messages_queue` (not saved yet). It gets its Message-ID
    now, so a reply's In-Reply-To finds it; ``attachments`` are files already in Django's
    storage (``{"name", "path", "content_type"}``)."""
    return OutboundMessage(
        key=key[:200],
        to_email=to_email,
        subject=subject[:300],
        body=body,
        language=language,
        entity_type=about._meta.label_lower if about is not None else "",
        entity_id=str(about.pk) if about is not None else "",
        message_id=make_msgid(domain=_sender_domain()),
        in_reply_to=in_reply_to,
        attachments=[dict(attachment) for attachment in attachments],
    )


def _sender_domain() -> str:
    """The domain of our own address, for Message-IDs (``pacta <noreply@example.org>``)."""
    address = settings.DEFAULT_FROM_EMAIL.rsplit("<", 1)[-1].rstrip(">").strip()
    return address.rpartition("@")[2] or "localhost"


def _email(message: OutboundMessage) -> EmailMessage:
    headers = {"Message-ID": message.message_id} if message.message_id else {}
    if message.in_reply_to:
        headers["In-Reply-To"] = message.in_reply_to
        headers["References"] = message.in_reply_to
    email = EmailMessage(
        message.subject,
        message.body,
        settings.DEFAULT_FROM_EMAIL,
        [message.to_email],
        headers=headers,
    )
    for attachment in message.attachments:
        with default_storage.open(attachment["path"], "rb") as file:
            email.attach(attachment["name"], file.read(), attachment.get("content_type"))
    return email


def messages_queue(
    *, messages: Iterable[OutboundMessage], now: dt.datetime | None = None
) -> list[OutboundMessage]:
    """Queue each message unless one with its key exists, in one write; the messages queued
    now. They are sent after commit by one task.

    The unique key is the guard: a message whose key is taken (queued before, or by another
    worker at this very moment) is skipped by the insert, and only the rows it inserted are
    reported and sent (sending one twice would send it once anyway)."""
    now = now or timezone.now()
    wanted: dict[str, OutboundMessage] = {}
    for message in messages:
        message.created_at = now
        message.next_attempt_at = now
        wanted.setdefault(message.key, message)
    if not wanted:
        return []
    with transaction.atomic(savepoint=False):  # the caller's transaction when there is one
        queued = records_insert_new(OutboundMessage, list(wanted.values()), key=["key"])
    if queued:
        from pacta.comms.tasks import send_messages

        ids = [message.pk for message in queued]
        transaction.on_commit(lambda: send_messages.enqueue(ids))
    return queued


def retry_delay(attempts: int) -> dt.timedelta:
    """How long to wait after the ``attempts``-th failure before trying again."""
    return RETRY_DELAYS[min(attempts, len(RETRY_DELAYS)) - 1]


def _due(now: dt.datetime) -> Q:
    return Q(sent_at=None, attempts__lt=MAX_ATTEMPTS) & (
        Q(next_attempt_at=None) | Q(next_attempt_at__lte=now)
    )


def message_send(
    *, message_id: int, now: dt.datetime | None = None, due_only: bool = False
) -> bool:
    """Send one queued message; True if it was sent now, False if sent before, not due (with
    ``due_only``: another flush tried it meanwhile) or failed. A failure is counted and the
    next attempt put off (:func:`retry_delay`), or the message given up after MAX_ATTEMPTS."""
    now = now or timezone.now()
    with transaction.atomic():
        waiting = OutboundMessage.objects.select_for_update().filter(pk=message_id)
        message = waiting.filter(_due(now) if due_only else Q(sent_at=None)).first()
        if message is None:
            return False
        try:
            _email(message).send(fail_silently=False)
        except Exception as error:
            message.attempts += 1
            message.last_error = f"{type(error).__name__}: {error}"[:2000]
            message.next_attempt_at = (
                now + retry_delay(message.attempts) if message.attempts < MAX_ATTEMPTS else None
            )
            message.save(update_fields=["attempts", "last_error", "next_attempt_at"])
            return False
        message.attempts += 1
        message.sent_at = now
        message.next_attempt_at = None
        message.save(update_fields=["attempts", "sent_at", "next_attempt_at"])
        return True


def outbox_due(*, now: dt.datetime) -> list[int]:
    """The messages the flush should try at ``now``: not sent, not given up, and either never
    tried or past their next attempt; oldest first."""
    return list(
        OutboundMessage.objects.filter(_due(now))
        .order_by("created_at", "id")
        .values_list("pk", flat=True)
    )


def outbox_flush(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Try every message that is due (see :func:`outbox_due`); how many were tried and sent."""
    now = now or timezone.now()
    due = outbox_due(now=now)
    sent = sum(message_send(message_id=pk, now=now, due_only=True) for pk in due)
    return {"due": len(due), "sent": sent}


def message_retry(*, actor: Actor, message: OutboundMessage, reason: str = "") -> OutboundMessage:
    """Start a given-up (or waiting) message again: its failures are forgotten and it is due
    now (the error of its last try stays to read). A sent message is not sent again."""
    now = timezone.now()
    with transaction.atomic():
        current = OutboundMessage.objects.select_for_update().get(pk=message.pk)
        if current.sent_at is not None:
            raise MessageAlreadySent(_("This message was sent already."))
        before = snapshot(current)
        current.attempts = 0
        current.next_attempt_at = now
        current.save(update_fields=["attempts", "next_attempt_at"])
        change_record(
            actor=actor,
            action=Action.UPDATE,
            instance=current,
            before=before,
            after=snapshot(current),
            reason=reason or "retry",
            now=now,
        )
    return current


# --- message templates --------------------------------------------------------------------------
def text_templates_check(
    errors: FieldErrors, record: Any, names: Iterable[str], *, autoescape: bool = False
) -> None:
    """Each named text of ``record`` must be a Django template that renders (over an empty
    context): a syntax error, an unknown tag or filter is put on its field."""
    for name in names:
        text = getattr(record, name) or ""
        try:
            Template(text).render(Context({}, autoescape=autoescape))
        except Exception as error:  # a template error of any kind names the field
            errors.add(
                name,
                _("This text is not a template that renders: %(error)s") % {"error": error},
            )


def language_check(errors: FieldErrors, language: str) -> None:
    """A text written in one of pacta's languages, or an error on ``language``."""
    if language not in {code for code, _name in settings.LANGUAGES}:
        errors.add(
            "language",
            _("%(language)s is not one of pacta's languages (%(languages)s).")
            % {
                "language": language,
                "languages": ", ".join(code for code, _name in settings.LANGUAGES),
            },
        )


def message_template_check(
    template: MessageTemplate, m2m: Mapping[str, list[Any]] | None = None
) -> None:
    errors = FieldErrors()
    language_check(errors, template.language)
    if "\n" in (template.subject or "").strip():
        errors.add("subject", _("A subject is one line."))
    text_templates_check(errors, template, ("subject", "body"))
    if is_duplicate(
        template,
        event=template.event,
        language=template.language,
        contract_id=template.contract_id,
    ):
        errors.add(
            "language",
            _("This event already has a template in this language for this contract.")
            if template.contract_id
            else _("This event already has a general template in this language."),
        )
    errors.raise_if_any()


def message_template_create(
    *, actor: Actor, values: Mapping[str, Any], reason: str = ""
) -> MessageTemplate:
    return record_create(
        MessageTemplate, actor=actor, values=values, reason=reason, check=message_template_check
    )


def message_template_update(
    *, actor: Actor, message_template: MessageTemplate, values: Mapping[str, Any], reason: str = ""
) -> MessageTemplate:
    return record_update(
        message_template,
        actor=actor,
        values=values,
        reason=reason,
        check=message_template_check,
    )


def message_template_delete(
    *, actor: Actor, message_template: MessageTemplate, reason: str = ""
) -> None:
    record_delete(message_template, actor=actor, reason=reason)


MESSAGE_TEMPLATE = RecordWriter(
    param="message_template",
    create=message_template_create,
    update=message_template_update,
    delete=message_template_delete,
    check=message_template_check,
)


# --- inbound e-mail (issue 5) -------------------------------------------------------------------
def inbound_message_store(
    *, parsed: Any, raw: bytes, now: dt.datetime | None = None
) -> tuple[InboundMessage, bool]:
    """Keep an e-mail as received, its attachments in Django's storage; (message, created).
    A message delivered again (same Message-ID) is the one stored the first time."""
    now = now or timezone.now()
    with transaction.atomic():
        found = InboundMessage.objects.select_for_update().filter(message_id=parsed.message_id)
        if found.exists():
            return found.get(), False
        folder = (
            f"inbound/{now:%Y/%m}/{hashlib.sha256(parsed.message_id.encode()).hexdigest()[:16]}"
        )
        files = []
        for attachment in parsed.attachments:
            name = get_valid_filename(attachment.name) or "attachment"
            path = default_storage.save(f"{folder}/{name}", ContentFile(attachment.data))
            files.append(
                {
                    "name": attachment.name,
                    "path": path,
                    "content_type": attachment.content_type,
                    "size": len(attachment.data),
                }
            )
        message = InboundMessage.objects.create(
            message_id=parsed.message_id,
            from_email=parsed.from_email,
            subject=parsed.subject,
            in_reply_to=" ".join(parsed.in_reply_to)[:250],
            received_at=now,
            raw=raw,
            body=parsed.text,
            attachments=files,
        )
        return message, True


def inbound_message_settle(
    message: InboundMessage,
    *,
    outcome: str,
    code: str = "",
    detail: str = "",
    contact: Any = None,
    ticket: Any = None,
) -> InboundMessage:
    """Record what became of an e-mail: a ticket opened, a comment added, or refused (why)."""
    message.outcome, message.code, message.detail = outcome, code, detail
    message.contact, message.ticket = contact, ticket
    message.save(update_fields=["outcome", "code", "detail", "contact", "ticket"])
    return message
