"""`manage.py sla_sweep`: rebuild the clocks of tickets whose SLA risk changes by now.

Run it every minute from the scheduler (cron) with ``--enqueue``: the sweep of that minute is
queued for the workers (`manage.py db_worker`), and runs once however many times it is queued.
Without ``--enqueue`` it sweeps right here.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from pacta.service.services import sla_sweep
from pacta.service.tasks import sla_sweep_task, sweep_slot


class Command(BaseCommand):
    help = _("Mark tickets entering warning, critical or breached and raise their rescue actions.")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help=_("Queue this minute's sweep for the task workers instead of running it here."),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["enqueue"]:
            slot = sweep_slot()
            sla_sweep_task.enqueue(slot)
            self.stdout.write(_("Queued the SLA sweep of %(slot)s.") % {"slot": slot})
            return
        report = sla_sweep()
        self.stdout.write(
            _("SLA sweep: %(checked)d tickets checked, %(raised)d rescue actions raised.") % report
        )
