"""Background tasks of the outbox (run by `manage.py db_worker`)."""

from __future__ import annotations

from django_tasks import task

from pacta.comms.services import message_send


@task()
def send_message(message_id: int) -> None:
    """Send one queued message (doing nothing if it was sent already)."""
    message_send(message_id=message_id)


@task()
def send_messages(message_ids: list[int]) -> None:
    """Send the messages queued together (each one not sent already)."""
    for message_id in message_ids:
        message_send(message_id=message_id)
