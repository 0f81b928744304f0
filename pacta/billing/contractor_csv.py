"""A contractor statement as a CSV file, for finance to send and the contractor to book: one
row per payable line (work the customer accepted), one per work order still awaiting the
customer's acceptance (listed, not paid), then the total. Read from what the statement stored
and from the work orders' states now; it writes nothing."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.utils.translation import gettext as _

from pacta.billing.selectors import contractor_statement_awaiting


def contractor_statement_csv(statement: Any) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        [
            _("Work order"),
            _("Description"),
            _("Quantity"),
            _("Unit price"),
            _("Amount"),
            _("Currency"),
            _("State"),
        ]
    )
    for line in statement.lines.select_related("work_order").order_by("work_order_id"):
        writer.writerow(
            [
                line.work_order.reference,
                line.description,
                f"{line.quantity.normalize():f}",
                f"{line.unit_price.normalize():f}",
                f"{line.amount:.2f}",
                statement.currency,
                _("payable"),
            ]
        )
    for work_order in contractor_statement_awaiting(statement):
        writer.writerow(
            [
                work_order.reference,
                work_order.ticket.subject,
                "",
                "",
                "",
                statement.currency,
                _("awaiting acceptance (%(state)s)") % {"state": work_order.get_status_display()},
            ]
        )
    writer.writerow([_("Total"), "", "", "", f"{statement.total:.2f}", statement.currency, ""])
    return out.getvalue()


def statement_filename(statement: Any) -> str:
    return f"contractor-statement-{statement.pk}-{statement.starts_on:%Y-%m-%d}.csv"
