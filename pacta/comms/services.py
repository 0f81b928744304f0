"""Queueing and sending messages. A message is queued once per key, inside the writing
transaction; it is sent after commit by a task, and sending twice sends once."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
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
    now: dt.datetime | None = None,
) -> OutboundMessage | None:
    """Queue a message unless one with ``key`` exists; the new message, or None."""
    try:
        with transaction.atomic():
            message = OutboundMessage.objects.create(
                key=key[:200],
                to_email=to_email,
                subject=subject[:300],
                body=body,
                language=language,
                entity_type=about._meta.label_lower if about is not None else "",
                entity_id=str(about.pk) if about is not None else "",
                created_at=now or timezone.now(),
            )
    except IntegrityError:
        return None  # queued before (or by another worker at this very moment)
    from pacta.comms.tasks import send_message

    transaction.on_commit(lambda: send_message.enqueue(message.pk))
    return message


def message_send(*, message_id: int, now: dt.datetime | None = None) -> bool:
    """Send one queued message; True if it was sent now, False if sent before or failed."""
    with transaction.atomic():
        message = (
            OutboundMessage.objects.select_for_update().filter(pk=message_id, sent_at=None).first()
        )
        if message is None:
            return False
        try:
            send_mail(
                message.subject,
                message.body,
                settings.DEFAULT_FROM_EMAIL,
                [message.to_email],
                fail_silently=False,
            )
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
