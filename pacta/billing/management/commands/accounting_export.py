"""`manage.py accounting_export --format contaplus|csv|xero|qbo --from DAY --to DAY --out FILE`:
the issued invoices (and for ContaPlus the receipts) of the days from DAY to DAY as a file an
accounting program imports. It only reads: run again, it writes the same bytes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from pacta.accounts.access import SYSTEM
from pacta.billing.exports import FORMATS, accounting_export
from pacta.domain.errors import PactaError

#: the options a refusal may name (the API's parameters of the same name)
OPTIONS = ("format", "from", "to")


class Command(BaseCommand):
    help = _("Export the issued invoices and receipts of a date range for accounting.")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--format",
            required=True,
            help=_("One of: %(formats)s.") % {"formats": ", ".join(FORMATS)},
        )
        parser.add_argument(
            "--from", dest="starts_on", required=True, help=_("The first day (YYYY-MM-DD).")
        )
        parser.add_argument(
            "--to", dest="ends_on", required=True, help=_("The last day (YYYY-MM-DD), included.")
        )
        parser.add_argument("--out", required=True, help=_("The file to write."))

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            exported = accounting_export(
                audience=SYSTEM,
                format=options["format"],
                starts_on=options["starts_on"],
                ends_on=options["ends_on"],
            )
        except PactaError as error:
            named = ", ".join(f"--{name}" for name in error.fields if name in OPTIONS)
            text = error.message_in(_)
            raise CommandError(f"{named}: {text}" if named else text) from None
        out = Path(options["out"])
        try:
            out.write_bytes(exported.content)
        except OSError as error:
            raise CommandError(f"--out: {error.strerror}: {out}") from None
        self.stdout.write(
            _("%(bytes)d bytes written to %(file)s.")
            % {"bytes": len(exported.content), "file": str(out)}
        )
