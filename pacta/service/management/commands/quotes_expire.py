"""`manage.py quotes_expire`: mark expired the sent quotes whose day has passed.

Run it daily from the scheduler (cron) with ``--enqueue`` to queue the day's run for the
workers (`manage.py db_worker`), where it runs once however many times it is queued; without
``--enqueue`` it runs right here (running it twice changes nothing the second time).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from pacta.service.services.quotes import quotes_expire
from pacta.service.tasks import day_slot, quotes_expire_task


class Command(BaseCommand):
    help = _("Mark expired the sent quotes past their valid-until day.")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help=_("Queue today's run for the task workers instead of running it here."),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["enqueue"]:
            slot = day_slot()
            quotes_expire_task.enqueue(slot)
            self.stdout.write(_("Queued the quote expiry of %(slot)s.") % {"slot": slot})
            return
        count = quotes_expire()
        self.stdout.write(_("Quotes expired: %(count)d.") % {"count": count})
