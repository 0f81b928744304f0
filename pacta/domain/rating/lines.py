"""Charge lines, their trace, and the pricing kernel.

A line's amount is ``quantity × unit price × multiplier`` rounded half-up to the currency's
minor unit, once per line (:func:`price_amount`). Lines whose amount is not that product say so
in their trace: *included* lines show the list price they would have cost and amount to zero;
an allowance line (a parts allowance) amounts to minus what it covers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from pacta.domain.entitlement import Balances, LedgerEntry
from pacta.domain.money import Money

HOUR_QUANTUM = Decimal("0.000001")
US_PER_HOUR = Decimal(3_600_000_000)


class ChargeType(StrEnum):
    INCLUDED = "included"
    BILLABLE = "billable"
    SURCHARGE = "surcharge"
    TRAVEL = "travel"
    PARTS = "parts"
    CREDIT = "credit"
    #: out of scope: never billed until a manager approves it or a quote is accepted
    NEEDS_APPROVAL = "needs_approval"


@dataclass(frozen=True)
class Phrase:
    """Customer-facing words: an English template marked for translation, and its values."""

    template: str
    params: Mapping[str, object] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return self.template % self.params if self.params else self.template


@dataclass(frozen=True)
class Trace:
    """What produced a line, as data (for the app to store) and as words (for people)."""

    contract_number: str
    version_number: int
    coverage: str = ""
    price_list: str = ""
    price_line: str = ""
    price_line_effective_on: dt.date | None = None
    surcharges: tuple[str, ...] = ()
    allowance_code: str = ""
    phrases: tuple[Phrase, ...] = ()

    @property
    def words(self) -> str:
        """The phrases in English, joined (the app joins its translations the same way)."""
        return ", ".join(phrase.text for phrase in self.phrases)


@dataclass(frozen=True)
class ChargeLine:
    charge_type: ChargeType
    code: str
    label: str
    quantity: Decimal
    unit: str
    unit_price: Money
    multiplier: Decimal
    amount: Money
    tax_rate: Decimal
    trace: Trace


@dataclass(frozen=True)
class RatingResult:
    """The lines of one work order, what they total, and what the rating drew.

    ``total`` sums every line but those needing approval, whose would-be amount is
    ``awaiting_approval``. ``draws`` are the ledger entries to append; ``balances`` are the
    balances after them.
    """

    work_order_id: str
    contract_number: str
    version_number: int
    rated_on: dt.date
    lines: tuple[ChargeLine, ...]
    total: Money
    awaiting_approval: Money
    draws: tuple[LedgerEntry, ...]
    balances: Balances


def price_amount(
    quantity: Decimal, unit_price: Decimal, multiplier: Decimal, quantum: Decimal
) -> Decimal:
    """The pricing kernel: ``quantity × unit_price × multiplier``, half-up to ``quantum``."""
    return (quantity * unit_price * multiplier).quantize(quantum, ROUND_HALF_UP)


def price_amounts(rows: list[tuple[Decimal, Decimal, Decimal]], quantum: Decimal) -> list[Decimal]:
    """:func:`price_amount` over many rows at once (no call per row)."""
    up = ROUND_HALF_UP
    return [(q * p * m).quantize(quantum, up) for q, p, m in rows]


def hours_of(microseconds: int) -> Decimal:
    """A duration in hours, to six decimals (3.6 ms), half-up.

    A millionth of an hour is 3,600 µs, so the rounding is done exactly in integers; a
    negative duration (rounding away from zero, keeping a negative zero) takes the Decimal way.
    """
    if microseconds < 0:
        return (Decimal(microseconds) / US_PER_HOUR).quantize(HOUR_QUANTUM, ROUND_HALF_UP)
    units, rest = divmod(microseconds, 3600)
    return Decimal(units + 1 if rest >= 1800 else units).scaleb(-6)
