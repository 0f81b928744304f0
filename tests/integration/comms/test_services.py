"""Queueing messages in bulk: each key once, sent after commit by one task, sending once."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction

from pacta.comms.models import OutboundMessage
from pacta.comms.services import message_queue, messages_queue, outbound_message

pytestmark = pytest.mark.django_db(transaction=True)

NOW = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)


def message(key: str, to: str) -> OutboundMessage:
    return outbound_message(key=key, to_email=to, subject=f"About {key}", body="Hello")


def test_messages_are_queued_once_per_key_and_sent_once_after_commit():
    assert message_queue(key="a", to_email="ana@pacta.test", subject="A", body="x", now=NOW)
    with transaction.atomic():
        queued = messages_queue(
            messages=[
                message("a", "ana@pacta.test"),  # queued before: skipped
                message("b", "luis@pacta.test"),
                message("c", "marta@pacta.test"),
                message("c", "marta@pacta.test"),  # twice in the same call: once
            ],
            now=NOW,
        )
        assert [m.key for m in queued] == ["b", "c"]
        assert all(m.pk is not None and m.created_at == NOW for m in queued)
    assert sorted(OutboundMessage.objects.values_list("key", flat=True)) == ["a", "b", "c"]
    assert messages_queue(messages=[message("b", "luis@pacta.test")], now=NOW) == []
    assert messages_queue(messages=[], now=NOW) == []

    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    assert sorted(m.to[0] for m in mail.outbox) == [
        "ana@pacta.test",
        "luis@pacta.test",
        "marta@pacta.test",
    ]
    assert OutboundMessage.objects.filter(sent_at=None).count() == 0
