"""Background tasks of the outbox (run by `manage.py db_worker`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django_tasks import task

from pacta.audit.services import periodic_run_claim, periodic_run_finish
from pacta.comms.services import message_send, outbox_flush

FLUSH = "outbox_flush"


def flush_slot(moment: Any = None) -> str:
    """The minute a flush belongs to, e.g. "2026-11-23T10:05Z": one run per slot."""
    return (moment or timezone.now()).astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%MZ")


@task()
def send_message(message_id: int) -> None:
    """Send one queued message (doing nothing if it was sent already)."""
    message_send(message_id=message_id)


@task()
def send_messages(message_ids: list[int]) -> None:
    """Send the messages queued together (each one not sent already)."""
    for message_id in message_ids:
        message_send(message_id=message_id)


@task()
def outbox_flush_task(slot: str) -> dict[str, int] | None:
    """Try the messages due in ``slot``'s minute unless another worker has; its report."""
    run = periodic_run_claim(job=FLUSH, slot=slot)
    if run is None:
        return None
    report = outbox_flush()
    periodic_run_finish(run, report=report)
    return report
