"""`manage.py invoice_run --until DATE`: close every contract period ended by DATE into an
invoice draft, with a progress bar on stderr. Safe to run again, or on two machines at once:
each period is invoiced exactly once."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from pacta.billing.services import invoice_run
from pacta.domain.errors import PactaError

BAR = 30


class Command(BaseCommand):
    help = _("Invoice every contract period that ended by a day (drafts, to review and issue).")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--until",
            required=True,
            type=dt.date.fromisoformat,
            help=_("The last day of the periods to invoice (YYYY-MM-DD), already past."),
        )

    def _progress(self, done: int, total: int) -> None:
        filled = BAR * done // total if total else BAR
        self.stderr.write(
            f"\r[{'#' * filled}{'.' * (BAR - filled)}] {done}/{total}",
            ending="\n" if done >= total else "",
        )
        self.stderr.flush()

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            run = invoice_run(actor=None, until=options["until"], progress=self._progress)
        except PactaError as error:
            raise CommandError(error.message_in(_)) from None
        self.stdout.write(
            _(
                "Invoice run through %(until)s: %(periods)d periods closed, %(lines)d lines "
                "written, %(skipped)d already invoiced, %(errors)d refused."
            )
            % {
                "until": run.through.isoformat(),
                "periods": run.periods,
                "lines": run.lines,
                "skipped": run.skipped,
                "errors": len(run.errors),
            }
        )
        for error in run.errors:
            self.stderr.write(
                _("Contract %(contract)s, period from %(starts_on)s: %(detail)s") % error
            )
