"""Invoicing arithmetic: billing periods with their share, invoice figures, numbers, credit
notes and payment states. Pure: no Django, "today" is passed in.

Rounding happens at the two named points of the conventions only: each line's net amount is
rounded half-up to the currency's minor unit, then the tax of each tax rate is computed once
on the sum of its rounded lines and rounded again. Totals are sums of rounded figures, so the
lines always add up to the invoice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from pacta.domain.errors import Conflict, InvalidInput
from pacta.domain.money import quantum_of
from pacta.domain.periods import period_of
from pacta.domain.text import gettext_noop

ZERO = Decimal(0)
HUNDRED = Decimal(100)
#: Precision of a period's share (the model stores six decimals).
SHARE_QUANTUM = Decimal("0.000001")


class PeriodNotEnded(Conflict):
    code = "period_not_ended"
    default_detail = gettext_noop("The billing period has not ended yet: it cannot be invoiced.")


class CreditNoteTooLarge(InvalidInput):
    code = "credit_note_too_large"
    default_detail = gettext_noop("A credit note cannot credit more than is left on its invoice.")


# --- billing periods --------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class BillingPeriod:
    """Days ``starts_on`` to ``ends_on`` (inclusive); ``share`` of a full period's fee."""

    starts_on: dt.date
    ends_on: dt.date
    length: str
    share: Decimal


def billing_periods(
    *,
    contract_starts_on: dt.date,
    contract_ends_on: dt.date | None,
    length: str,
    until: dt.date,
) -> list[BillingPeriod]:
    """The billing periods of a contract that start on or before ``until``, aligned to the
    contract's first day; a period cut short by the contract's end is prorated by its days."""
    periods: list[BillingPeriod] = []
    day = contract_starts_on
    last = until if contract_ends_on is None else min(until, contract_ends_on)
    while day <= last:
        full = period_of(starts_on=contract_starts_on, length=length, day=day)
        ends_on = full.ends_before - dt.timedelta(days=1)
        if contract_ends_on is not None and contract_ends_on < ends_on:
            ends_on = contract_ends_on
        share = period_share(full.starts_on, full.ends_before, day, ends_on)
        periods.append(BillingPeriod(day, ends_on, length, share))
        day = ends_on + dt.timedelta(days=1)
    return periods


def period_share(
    full_starts_on: dt.date, full_ends_before: dt.date, starts_on: dt.date, ends_on: dt.date
) -> Decimal:
    """The share of a full period covered by ``starts_on``–``ends_on`` (inclusive), by days."""
    full_days = (full_ends_before - full_starts_on).days
    days = (ends_on - starts_on).days + 1
    if days >= full_days:
        return Decimal(1)
    return (Decimal(days) / Decimal(full_days)).quantize(SHARE_QUANTUM, rounding=ROUND_HALF_UP)


def period_check_ended(*, ends_on: dt.date, today: dt.date) -> None:
    """Refuses a period whose last day is today or later."""
    if ends_on >= today:
        raise PeriodNotEnded(params={"ends_on": ends_on.isoformat()})


# --- invoice figures --------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class LineSource:
    """What one invoice line bills, before rounding: ``source`` names where it came from
    (``("fee", version id)``, ``("charge", charge line id)``, ``("credit", credit id)``…)."""

    kind: str
    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    amount: Decimal
    tax_percent: Decimal
    source: tuple[str, Any] = ("", None)
    words: tuple[Any, ...] = ()


@dataclass(frozen=True, slots=True)
class FigureLine:
    position: int
    kind: str
    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    net_amount: Decimal
    tax_percent: Decimal
    source: tuple[str, Any]
    words: tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class TaxTotal:
    tax_percent: Decimal
    base: Decimal
    tax: Decimal


@dataclass(frozen=True, slots=True)
class InvoiceFigures:
    currency: str
    lines: tuple[FigureLine, ...]
    tax_totals: tuple[TaxTotal, ...]
    net_total: Decimal
    tax_total: Decimal
    gross_total: Decimal


def round_money(amount: Decimal, currency: str) -> Decimal:
    """Half-up to the currency's minor unit."""
    return amount.quantize(quantum_of(currency), rounding=ROUND_HALF_UP)


def fee_amount(fee: Decimal, share: Decimal) -> Decimal:
    """The fee of a period: the full fee times its share (not rounded: a line rounds it)."""
    return fee if share == 1 else fee * share


def tax_totals(lines: Iterable[tuple[Decimal, Decimal]], currency: str) -> tuple[TaxTotal, ...]:
    """Per tax rate, the sum of the rounded net amounts and its tax rounded once; in order of
    rate. ``lines`` are (net amount rounded, tax percent)."""
    bases: dict[Decimal, Decimal] = {}
    for net, percent in lines:
        bases[percent] = bases.get(percent, ZERO) + net
    return tuple(
        TaxTotal(percent, base, round_money(base * percent / HUNDRED, currency))
        for percent, base in sorted(bases.items())
    )


def invoice_figures(sources: Sequence[LineSource], currency: str) -> InvoiceFigures:
    """The lines (numbered from 1, each rounded), the tax totals and the totals of an
    invoice made of ``sources``."""
    lines = tuple(
        FigureLine(
            position=position,
            kind=item.kind,
            description=item.description,
            quantity=item.quantity,
            unit=item.unit,
            unit_price=item.unit_price,
            net_amount=round_money(item.amount, currency),
            tax_percent=item.tax_percent,
            source=item.source,
            words=item.words,
        )
        for position, item in enumerate(sources, start=1)
    )
    totals = tax_totals(((line.net_amount, line.tax_percent) for line in lines), currency)
    net = sum((t.base for t in totals), ZERO)
    tax = sum((t.tax for t in totals), ZERO)
    return InvoiceFigures(currency, lines, totals, net, tax, net + tax)


# --- numbers ----------------------------------------------------------------------------------
def invoice_number(*, series: str, year: int, sequence: int) -> str:
    """The printed number: series, year and the gapless sequence (``F2026-00042``)."""
    if sequence < 1:
        raise InvalidInput.on("sequence", gettext_noop("A number in a series starts at 1."))
    return f"{series}{year}-{sequence:05d}"


# --- credit notes -----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class CreditableLine:
    """A line of an issued invoice: its net amount and what earlier credit notes took off it
    (a negative or zero amount)."""

    line_id: Any
    net_amount: Decimal
    credited: Decimal


def credit_note_amounts(
    lines: Sequence[CreditableLine], requested: Sequence[tuple[Any, Decimal | None]]
) -> list[tuple[CreditableLine, Decimal]]:
    """For each requested (line id, net amount to credit; None = all that is left), the line
    and the negative amount its credit-note line carries. Refuses an unknown line, an amount
    of zero or below, or more than is left on a line."""
    by_id = {line.line_id: line for line in lines}
    result: list[tuple[CreditableLine, Decimal]] = []
    if not requested:
        raise InvalidInput.on("lines", gettext_noop("Name at least one line to credit."))
    seen: set[Any] = set()
    for line_id, amount in requested:
        line = by_id.get(line_id)
        if line is None or line_id in seen:
            raise InvalidInput(
                gettext_noop("Line %(line)s is not a line of this invoice, or is named twice."),
                fields={"lines": [gettext_noop("Unknown or repeated line.")]},
                params={"line": line_id},
            )
        seen.add(line_id)
        left = line.net_amount + line.credited
        wanted = left if amount is None else amount
        if amount is not None and amount <= ZERO:
            raise InvalidInput.on("amount", gettext_noop("A credited amount is above zero."))
        if (left >= ZERO and wanted > left) or (left < ZERO and wanted != left):
            raise CreditNoteTooLarge(
                gettext_noop("Line %(line)s has %(left)s left to credit, not %(amount)s."),
                fields={"amount": [gettext_noop("More than is left on the line.")]},
                params={"line": line_id, "left": f"{left:f}", "amount": f"{wanted:f}"},
            )
        if wanted != ZERO:
            result.append((line, -wanted))
    if not result:
        raise CreditNoteTooLarge(gettext_noop("Nothing is left to credit on these lines."))
    return result


def credit_note_check_total(
    *, invoice_gross: Decimal, credited_gross: Decimal, new: Decimal
) -> None:
    """Refuses a credit note (``new``, negative) that would credit more than the invoice's
    total minus what earlier credit notes credited (negative)."""
    if invoice_gross + credited_gross + new < ZERO:
        raise CreditNoteTooLarge(
            gettext_noop("The invoice has %(left)s left to credit, not %(amount)s."),
            fields={"lines": [gettext_noop("Larger than the invoice.")]},
            params={"left": f"{invoice_gross + credited_gross:f}", "amount": f"{-new:f}"},
        )


# --- payments ---------------------------------------------------------------------------------
def payment_state(*, gross_total: Decimal, paid_total: Decimal) -> str:
    """``issued`` (nothing paid), ``partly_paid`` or ``paid`` (all, or more)."""
    if paid_total <= ZERO:
        return "issued"
    if paid_total < gross_total:
        return "partly_paid"
    return "paid"


def allocate_oldest_first(
    amount: Decimal, outstanding: Sequence[tuple[Any, Decimal]]
) -> tuple[list[tuple[Any, Decimal]], Decimal]:
    """Spread ``amount`` over (invoice id, amount outstanding) in the given order (oldest
    first); returns the allocations and what is left over (held as the customer's credit)."""
    left = amount
    allocations: list[tuple[Any, Decimal]] = []
    for invoice_id, due in outstanding:
        if left <= ZERO:
            break
        if due <= ZERO:
            continue
        part = min(left, due)
        allocations.append((invoice_id, part))
        left -= part
    return allocations, left


# --- bank statements --------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class OpenInvoice:
    invoice_id: Any
    number: str
    currency: str
    outstanding: Decimal


def _squeezed(text: str) -> str:
    return "".join(ch for ch in text.upper() if ch.isalnum())


def match_bank_line(
    *, reference: str, amount: Decimal, currency: str, invoices: Sequence[OpenInvoice]
) -> Any:
    """The invoice a bank movement pays: the one open invoice whose number its reference
    names (spaces, dashes and case aside) and whose outstanding amount it equals, in the same
    currency; None otherwise (the line is left for a person)."""
    if amount <= ZERO:
        return None
    text = _squeezed(reference)
    named = [i for i in invoices if i.number and _squeezed(i.number) in text]
    if len(named) != 1:
        return None
    invoice = named[0]
    if invoice.currency != currency or invoice.outstanding != amount:
        return None
    return invoice.invoice_id
