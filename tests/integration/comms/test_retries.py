"""Failed sends are retried later after each failure by the periodic outbox flush, which takes
only the messages that are due, and are given up after MAX_ATTEMPTS failures until a person
starts them again."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command

from pacta.audit.models import AuditEntry, PeriodicRun
from pacta.comms.errors import MessageAlreadySent
from pacta.comms.models import MAX_ATTEMPTS, OutboundMessage
from pacta.comms.services import message_queue, message_retry, message_send, outbox_flush
from pacta.comms.tasks import outbox_flush_task
from tests.support import make
from tests.support.state import row

pytestmark = pytest.mark.django_db(transaction=True)

T0 = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


def closed_port() -> int:
    """A port on this machine where nothing listens (so SMTP connections are refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp_down(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = closed_port()
    settings.EMAIL_TIMEOUT = 5
    return settings


def queued(now=T0):
    message = message_queue(
        key="retry-me", to_email="ana@pacta.test", subject="Hello", body="x", now=now
    )
    assert message is not None
    return message


def test_a_failed_send_is_tried_again_later_after_each_failure_then_given_up(smtp_down):
    message = queued()
    assert row(message)["next_attempt_at"] == T0  # due as soon as it is queued

    assert message_send(message_id=message.pk, now=T0) is False  # what the task does
    stored = row(message)
    assert stored["attempts"] == 1
    assert stored["last_error"].startswith("ConnectionRefusedError: ")
    assert stored["next_attempt_at"] == T0 + MINUTE
    assert OutboundMessage.objects.get().state == "retrying"

    # Not due yet: the flush leaves it alone.
    assert outbox_flush(now=T0 + timedelta(seconds=59)) == {"due": 0, "sent": 0}
    assert row(message)["attempts"] == 1

    # Due at each delay: 1, 5, 30 minutes, then 2 hours; the fifth failure gives up.
    moment = T0 + MINUTE
    for attempts, delay in ((2, 5), (3, 30), (4, 120)):
        assert outbox_flush(now=moment) == {"due": 1, "sent": 0}
        assert (row(message)["attempts"], row(message)["next_attempt_at"]) == (
            attempts,
            moment + delay * MINUTE,
        )
        moment += delay * MINUTE
    assert outbox_flush(now=moment) == {"due": 1, "sent": 0}
    stored = row(message)
    assert (stored["attempts"], stored["next_attempt_at"], stored["sent_at"]) == (
        MAX_ATTEMPTS,
        None,
        None,
    )
    assert OutboundMessage.objects.get().state == "given_up"
    assert outbox_flush(now=moment + timedelta(days=30)) == {"due": 0, "sent": 0}
    assert mail.outbox == []


def test_a_given_up_message_is_started_again_by_a_person_and_sent(smtp_down, settings):
    message = queued()
    OutboundMessage.objects.filter(pk=message.pk).update(
        attempts=MAX_ATTEMPTS, next_attempt_at=None, last_error="SMTPServerDisconnected: gone"
    )
    dispatcher = make.user("dispatcher")

    message_retry(actor=dispatcher, message=message, reason="Mail server repaired")

    stored = row(message)
    assert stored["attempts"] == 0
    assert stored["last_error"] == "SMTPServerDisconnected: gone"  # kept to read
    entry = AuditEntry.objects.get(entity_type="comms.outboundmessage")
    assert (entry.actor_id, entry.reason, entry.before["attempts"], entry.after["attempts"]) == (
        dispatcher.pk,
        "Mail server repaired",
        MAX_ATTEMPTS,
        0,
    )
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert outbox_flush(now=stored["next_attempt_at"]) == {"due": 1, "sent": 1}
    assert [m.to for m in mail.outbox] == [["ana@pacta.test"]]
    sent = row(message)
    assert (sent["attempts"], sent["next_attempt_at"]) == (1, None)
    assert sent["sent_at"] == stored["next_attempt_at"]

    with pytest.raises(MessageAlreadySent):
        message_retry(actor=dispatcher, message=message)
    assert AuditEntry.objects.filter(entity_type="comms.outboundmessage").count() == 1


def test_a_flush_skips_what_another_flush_tried_meanwhile(smtp_down):
    message = queued()
    assert message_send(message_id=message.pk, now=T0, due_only=True) is False  # fails once
    # A second flush that listed the message at T0 finds it no longer due: not tried twice.
    assert message_send(message_id=message.pk, now=T0, due_only=True) is False
    assert row(message)["attempts"] == 1


def test_the_scheduled_flush_runs_once_per_minute_however_often_it_is_queued():
    message = queued(now=T0)
    out = StringIO()
    call_command("outbox_flush", "--enqueue", stdout=out)
    slot = out.getvalue().removeprefix("Queued the outbox flush of ").strip().rstrip(".")
    outbox_flush_task.enqueue(slot)  # the same minute, queued again (a second scheduler)
    # The queueing itself enqueued the immediate send too; the worker runs everything.
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)

    (run,) = PeriodicRun.objects.filter(job="outbox_flush")
    assert (run.slot, run.finished_at is not None) == (slot, True)
    assert row(message)["sent_at"] is not None
    assert [m.to for m in mail.outbox] == [["ana@pacta.test"]]
