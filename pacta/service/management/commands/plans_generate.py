"""`manage.py plans_generate`: generate the preventive visits due ahead as work orders.

Run it daily from the scheduler (cron) with ``--enqueue`` to queue the day's run for the
workers (`manage.py db_worker`), where it runs once however many times it is queued; without
``--enqueue`` it runs right here. Each visit is generated once, however often it runs.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.translation import gettext as _

from pacta.service.services.plans import plans_generate
from pacta.service.tasks import day_slot, plans_generate_task


class Command(BaseCommand):
    help = _("Generate the work orders of the preventive plans' visits ahead of time.")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help=_("Queue today's run for the task workers instead of running it here."),
        )
        parser.add_argument(
            "--horizon-days",
            type=int,
            default=None,
            help=_("How many days ahead to look (each plan's own lead days unless given)."),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["enqueue"]:
            slot = day_slot()
            plans_generate_task.enqueue(slot)
            self.stdout.write(_("Queued the preventive visits of %(slot)s.") % {"slot": slot})
            return
        report = plans_generate(now=timezone.now(), horizon_days=options["horizon_days"])
        self.stdout.write(
            _("Preventive plans: %(generated)d visits generated, %(existing)d already there.")
            % report
        )
