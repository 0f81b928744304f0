"""`manage.py rate_work_orders`: rate the completed work orders (all, or some), in batches.

Idempotent: work that has not changed since it was rated is skipped, so it may run as often as
wished (from cron, or after an import); work corrected since supersedes its rating.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from pacta.accounts.access import SYSTEM
from pacta.billing.services import RatingRun, work_orders_rate
from pacta.billing.services.batch import BATCH
from pacta.domain.errors import PactaError
from pacta.service.selectors import RATEABLE_STATUSES, work_order_list


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(_("--since takes a date such as 2026-03-01.")) from None


class Command(BaseCommand):
    help = _("Rate the completed work orders into charge lines (unchanged ones are skipped).")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--since",
            type=_day,
            help=_(
                "Only work orders completed on or after this date (YYYY-MM-DD; those without "
                "a completion time: scheduled from it)."
            ),
        )
        parser.add_argument("--contract", type=int, help=_("Only the work of this contract (id)."))
        parser.add_argument(
            "--batch", type=int, default=BATCH, help=_("Work orders per transaction.")
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["batch"] < 1:
            raise CommandError(_("--batch must be at least 1."))
        completed = work_order_list(audience=SYSTEM).filter(status__in=RATEABLE_STATUSES)
        if options["since"] is not None:
            start = dt.datetime.combine(
                options["since"], dt.time.min, tzinfo=timezone.get_current_timezone()
            )
            completed = completed.filter(
                Q(completed_at__gte=start)
                | Q(completed_at__isnull=True, scheduled_start_at__gte=start)
            )
        if options["contract"] is not None:
            completed = completed.filter(ticket__contract=options["contract"])

        def progress(run: RatingRun, total: int) -> None:
            self.stdout.write(
                _("%(done)d / %(total)d work orders: %(rated)d rated, %(unchanged)d unchanged")
                % {"done": run.done, "total": total, "rated": run.rated, "unchanged": run.unchanged}
            )

        try:
            run = work_orders_rate(
                actor=None, work_orders=completed, batch=options["batch"], progress=progress
            )
        except PactaError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            _("Rated %(rated)d work orders; %(unchanged)d were unchanged.")
            % {"rated": run.rated, "unchanged": run.unchanged}
        )
