"""`manage.py outbox_flush`: try the messages of the outbox that are due.

Run it every minute from the scheduler (cron) with ``--enqueue``: that minute's flush is queued
for the workers (`manage.py db_worker`) and runs once however many times it is queued. Without
``--enqueue`` it flushes right here. A message that failed is due again later after each
failure, and is given up after MAX_ATTEMPTS failures.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from pacta.comms.services import outbox_flush
from pacta.comms.tasks import flush_slot, outbox_flush_task


class Command(BaseCommand):
    help = _("Send the messages of the outbox that are due (failed ones are retried later).")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help=_("Queue this minute's flush for the task workers instead of running it here."),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["enqueue"]:
            slot = flush_slot()
            outbox_flush_task.enqueue(slot)
            self.stdout.write(_("Queued the outbox flush of %(slot)s.") % {"slot": slot})
            return
        report = outbox_flush()
        self.stdout.write(_("%(sent)d of %(due)d messages due were sent.") % report)
