"""``manage.py demo_load``: load the demo data set (what is missing of it) and list its users."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from pacta.demo.loader import LoadReport, demo_load


def _moment(text: str) -> dt.datetime:
    """An ISO date-time; without an offset it is read in the company's time zone."""
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise CommandError(
            _("--now takes an ISO date and time, e.g. 2026-11-23T10:00 or 2026-11-23T10:00+01:00.")
        ) from None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def format_table(headers: Iterable[str], rows: Iterable[Iterable[Any]]) -> list[str]:
    """Rows as aligned text columns (numbers right-aligned), with a rule under the headers."""
    header = [str(h) for h in headers]
    body = [[str(cell) for cell in row] for row in rows]
    numeric = [bool(body) and all(row[i].isdigit() for row in body) for i in range(len(header))]
    widths = [max([len(header[i]), *(len(row[i]) for row in body)]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        return "  ".join(
            cell.rjust(widths[i]) if numeric[i] else cell.ljust(widths[i])
            for i, cell in enumerate(cells)
        ).rstrip()

    return [line(header), line(["-" * width for width in widths]), *(line(row) for row in body)]


class Command(BaseCommand):
    help = "Load pacta's demo data (running it again creates nothing twice) and list its users."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--now",
            type=_moment,
            default=None,
            help="Load as if it were this moment (ISO date and time); default: now.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        report = demo_load(now=options["now"])
        for text in self.summary(report):
            self.stdout.write(text)

    def summary(self, report: LoadReport) -> list[str]:
        if report.created_total:
            title = ngettext(
                "Demo data (year %(year)s): %(created)d record created, %(existing)d already "
                "there.",
                "Demo data (year %(year)s): %(created)d records created, %(existing)d already "
                "there.",
                report.created_total,
            )
        else:
            title = _(
                "Demo data (year %(year)s): nothing created, all %(existing)d records already "
                "there."
            )
        lines = [
            title
            % {
                "year": report.year,
                "created": report.created_total,
                "existing": report.existing_total,
            },
            "",
            *format_table(
                (
                    pgettext("demo summary column", "record"),
                    pgettext("demo summary column", "created"),
                    pgettext("demo summary column", "already there"),
                ),
                report.rows(),
            ),
            "",
            _("Demo users:"),
            *format_table(
                (
                    pgettext("demo users column", "user"),
                    pgettext("demo users column", "role"),
                    pgettext("demo users column", "name"),
                    pgettext("demo users column", "password"),
                ),
                ((u.username, u.role, u.name, u.password) for u in report.users),
            ),
        ]
        return lines
