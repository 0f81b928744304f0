"""Accounting exports: the issued invoices (and, for ContaPlus, the receipts) of a date range as
a file an accounting program imports.

``accounting_export(audience=…, format=…, starts_on=…, ends_on=…)`` reads the range through the
selectors (plain values, :mod:`pacta.domain.accounting`) and hands them to the writer of the
format; the writers never query. Formats (:data:`FORMATS`): ``contaplus`` (XDiario journal),
``csv`` (one row per invoice line), ``xero`` and ``qbo`` (their invoice-import CSVs). The
accounts, tax names and date formats come from the settings ``PACTA_CONTAPLUS``,
``PACTA_XERO`` and ``PACTA_QBO`` (what is not set keeps the defaults below). Nothing is
written to the database: an export is a read, run again it gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from pacta.accounts.access import Audience
from pacta.billing import selectors
from pacta.billing.errors import ExportCurrencyRefused, ExportFormatUnknown, ExportRangeRefused
from pacta.billing.exports import contaplus, generic, qbo, xero
from pacta.domain.accounting import AccountPlan, journal

#: the formats written (the `format` of the command and the API)
FORMATS = ("contaplus", "csv", "xero", "qbo")

XERO_DEFAULTS: dict[str, Any] = {"account_code": "200", "tax_types": {}, "date_format": "%d/%m/%Y"}
QBO_DEFAULTS: dict[str, Any] = {"item": "Services", "tax_codes": {}, "date_format": "%d/%m/%Y"}


@dataclass(frozen=True)
class ExportFile:
    content: bytes
    content_type: str
    filename: str


def _config(name: str, defaults: Mapping[str, Any]) -> dict[str, Any]:
    return {**defaults, **(getattr(settings, name, None) or {})}


def account_plan() -> AccountPlan:
    """The chart of accounts of the ContaPlus journal, from ``PACTA_CONTAPLUS`` (a key not set
    keeps :class:`AccountPlan`'s default)."""
    config = _config("PACTA_CONTAPLUS", {})
    given: dict[str, Any] = {
        key: int(config[key]) if key == "digits" else str(config[key])
        for key in ("digits", "customer", "revenue", "vat", "bank")
        if key in config
    }
    accounts = config.get("customer_accounts") or {}
    given["customer_accounts"] = {int(k): str(v) for k, v in accounts.items()}
    for key in ("revenue_by_rate", "vat_by_rate"):
        given[key] = {Decimal(str(k)): str(v) for k, v in (config.get(key) or {}).items()}
    return AccountPlan(**given)


def export_request(*, format: Any, starts_on: Any, ends_on: Any) -> tuple[str, dt.date, dt.date]:
    """The format and the range of an export asked for from outside (text or dates), checked:
    an unknown format, a missing or malformed date, or a first day after the last is refused
    naming the parameter (``format``, ``from``, ``to``)."""
    chosen = str(format or "").strip().lower()
    if chosen not in FORMATS:
        message = _("Unknown export format “%(format)s”: choose one of %(formats)s.") % {
            "format": chosen,
            "formats": ", ".join(FORMATS),
        }
        raise ExportFormatUnknown(message, fields={"format": [message]})
    days: dict[str, dt.date] = {}
    for name, value in (("from", starts_on), ("to", ends_on)):
        if isinstance(value, dt.date):
            days[name] = value
            continue
        try:
            days[name] = dt.date.fromisoformat(str(value or "").strip())
        except ValueError:
            message = _("Give the day as YYYY-MM-DD.")
            raise ExportRangeRefused(message, fields={name: [message]}) from None
    if days["from"] > days["to"]:
        message = _("The first day (%(from)s) is after the last (%(to)s).") % {
            "from": days["from"].isoformat(),
            "to": days["to"].isoformat(),
        }
        raise ExportRangeRefused(message, fields={"from": [message]})
    return chosen, days["from"], days["to"]


def _euros_only(currencies: Mapping[str, str]) -> None:
    others = {document: currency for document, currency in currencies.items() if currency != "EUR"}
    if others:
        listed = ", ".join(f"{document} ({currency})" for document, currency in others.items())
        message = _("A ContaPlus journal is in euros; these are not: %(documents)s.") % {
            "documents": listed
        }
        raise ExportCurrencyRefused(message, fields={"format": [message]})


def _contaplus(audience: Audience, starts_on: dt.date, ends_on: dt.date) -> bytes:
    invoices = selectors.invoice_list_for_export(
        audience=audience, starts_on=starts_on, ends_on=ends_on
    )
    receipts = selectors.payment_list_for_export(
        audience=audience, starts_on=starts_on, ends_on=ends_on
    )
    currencies = {invoice.number: invoice.currency for invoice in invoices}
    currencies |= {
        str(_("payment %(id)s") % {"id": r.payment_id}): r.amount.currency for r in receipts
    }
    _euros_only(currencies)
    entries = journal(invoices, receipts, account_plan())
    first = int(_config("PACTA_CONTAPLUS", {}).get("first_entry", 1))
    return contaplus.write(entries, first=first)


def accounting_export(
    *, audience: Audience, format: Any, starts_on: Any, ends_on: Any
) -> ExportFile:
    """The export file of the range (days inclusive) in ``format``, of what the audience may
    see; the format and days are checked by :func:`export_request` (text or dates). A range
    without invoices gives a file without rows (CSV: the header only)."""
    format, starts_on, ends_on = export_request(format=format, starts_on=starts_on, ends_on=ends_on)
    filename = f"accounting-{format}-{starts_on.isoformat()}-{ends_on.isoformat()}"
    if format == "contaplus":
        content = _contaplus(audience, starts_on, ends_on)
        return ExportFile(content, contaplus.CONTENT_TYPE, f"{filename}.{contaplus.EXTENSION}")
    invoices = selectors.invoice_list_for_export(
        audience=audience, starts_on=starts_on, ends_on=ends_on
    )
    if format == "csv":
        content = generic.write(invoices)
    elif format == "xero":
        content = xero.write(invoices, _config("PACTA_XERO", XERO_DEFAULTS))
    else:
        content = qbo.write(invoices, _config("PACTA_QBO", QBO_DEFAULTS))
    return ExportFile(content, generic.CONTENT_TYPE, f"{filename}.{generic.EXTENSION}")
