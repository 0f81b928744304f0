"""Queueing and sending messages. A message is queued once per key, inside the writing
transaction (many at once in one write); it is sent after commit by a task, and sending twice
sends once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.mail import EmailMessage, make_msgid
from django.db import transaction
from django.utils import timezone

from pacta.comms.models import OutboundMessage

#: A message that failed this many times waits for a person (see the outbox in the back office).
MAX_ATTEMPTS = 5


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
    worker at this very moment) is skipped by the insert, and only the rows found by key that
    were not there before are reported and sent (sending one twice sends it once anyway)."""
    now = now or timezone.now()
    wanted: dict[str, OutboundMessage] = {}
    for message in messages:
        message.created_at = now
        wanted.setdefault(message.key, message)
    if not wanted:
        return []
    with transaction.atomic():
        taken = set(
            OutboundMessage.objects.filter(key__in=list(wanted)).values_list("key", flat=True)
        )
        new = [message for key, message in wanted.items() if key not in taken]
        OutboundMessage.objects.bulk_create(new, ignore_conflicts=True)
        queued = list(OutboundMessage.objects.filter(key__in=[m.key for m in new]).order_by("id"))
    if queued:
        from pacta.comms.tasks import send_messages

        ids = [message.pk for message in queued]
        transaction.on_commit(lambda: send_messages.enqueue(ids))
    return queued


def message_send(*, message_id: int, now: dt.datetime | None = None) -> bool:
    """Send one queued message; True if it was sent now, False if sent before or failed."""
    with transaction.atomic():
        message = (
            OutboundMessage.objects.select_for_update().filter(pk=message_id, sent_at=None).first()
        )
        if message is None:
            return False
        try:
            _email(message).send(fail_silently=False)
        except Exception as error:
            message.attempts += 1
            message.last_error = f"{type(error).__name__}: {error}"[:2000]
            message.save(update_fields=["attempts", "last_error"])
            return False
        message.attempts += 1
        message.sent_at = now or timezone.now()
        message.last_error = ""
        message.save(update_fields=["attempts", "sent_at", "last_error"])
        return True


def outbox_flush(*, now: dt.datetime | None = None) -> int:
    """Send every message still waiting (fewer than MAX_ATTEMPTS failures); how many went."""
    waiting = OutboundMessage.objects.filter(sent_at=None, attempts__lt=MAX_ATTEMPTS).values_list(
        "pk", flat=True
    )
    return sum(message_send(message_id=pk, now=now) for pk in list(waiting))
