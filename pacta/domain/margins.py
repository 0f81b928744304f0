"""Costs against revenue (issue 6): a work order's cost is its technicians' time at the cost
rate in force on each day of the work, plus the parts it used at the unit cost in force on the
day of the work, plus its expenses; its revenue is what its current rating bills. Time or parts
with no cost in force are counted apart, never as free. Margins roll up per contract, customer
and period. Decimal throughout; the margin's share is rounded half-up to two decimals, the
amounts never."""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

_ZERO = Decimal(0)
_HUNDRED = Decimal(100)
_CENT = Decimal("0.01")
_US_PER_HOUR = Decimal(3_600_000_000)


@dataclass(frozen=True)
class Work:
    """Time one technician spent on a work order on a (local) day, in microseconds."""

    technician_id: int
    day: dt.date
    microseconds: int


@dataclass(frozen=True)
class Part:
    """A quantity of one product used on a work order done on a (local) day."""

    product_id: int
    day: dt.date
    quantity: Decimal


@dataclass(frozen=True)
class Figures:
    """What a work order, or a group of them, cost and brought in."""

    revenue: Decimal
    labour: Decimal
    expenses: Decimal
    unpriced_hours: Decimal  # time of technicians with no cost rate in force: cost unknown
    parts: Decimal = _ZERO
    unpriced_parts: int = 0  # parts used whose product has no unit cost in force: cost unknown

    @property
    def cost(self) -> Decimal:
        return self.labour + self.parts + self.expenses

    @property
    def margin(self) -> Decimal:
        return self.revenue - self.cost

    @property
    def margin_percent(self) -> Decimal | None:
        """The margin's share of the revenue (None without revenue)."""
        if not self.revenue:
            return None
        return (self.margin * _HUNDRED / self.revenue).quantize(_CENT, rounding=ROUND_HALF_UP)

    def __add__(self, other: Figures) -> Figures:
        return Figures(
            self.revenue + other.revenue,
            self.labour + other.labour,
            self.expenses + other.expenses,
            self.unpriced_hours + other.unpriced_hours,
            self.parts + other.parts,
            self.unpriced_parts + other.unpriced_parts,
        )


NOTHING = Figures(_ZERO, _ZERO, _ZERO, _ZERO)


def rate_on(rates: Sequence[tuple[dt.date, Decimal]], day: dt.date) -> Decimal | None:
    """The cost in force on ``day`` of ``rates`` ((effective_on, cost) in date order): an
    hourly cost of a technician, or a unit cost of a product."""
    i = bisect_right([effective_on for effective_on, _cost in rates], day) - 1
    return rates[i][1] if i >= 0 else None


def job_figures(
    *,
    revenue: Decimal,
    work: Iterable[Work],
    expenses: Iterable[Decimal],
    rates: Mapping[int, Sequence[tuple[dt.date, Decimal]]],
    parts: Iterable[Part] = (),
    unit_costs: Mapping[int, Sequence[tuple[dt.date, Decimal]]] | None = None,
) -> Figures:
    """A work order's figures: each technician's time at its rate on that day, each part at
    its product's unit cost on that day."""
    labour = unpriced = _ZERO
    for piece in work:
        hours = Decimal(piece.microseconds) / _US_PER_HOUR
        rate = rate_on(rates.get(piece.technician_id, ()), piece.day)
        if rate is None:
            unpriced += hours
        else:
            labour += hours * rate
    parts_cost, unpriced_parts = _ZERO, 0
    for part in parts:
        unit_cost = rate_on((unit_costs or {}).get(part.product_id, ()), part.day)
        if unit_cost is None:
            unpriced_parts += 1
        else:
            parts_cost += part.quantity * unit_cost
    return Figures(revenue, labour, sum(expenses, _ZERO), unpriced, parts_cost, unpriced_parts)


def roll_up(
    jobs: Iterable[tuple[Figures, object]], key: Callable[[object], str]
) -> list[tuple[str, int, Figures]]:
    """The jobs' figures summed per ``key`` of each job's facts: (key, jobs, figures), by key."""
    groups: dict[str, tuple[int, Figures]] = {}
    for figures, facts in jobs:
        name = key(facts)
        count, total = groups.get(name, (0, NOTHING))
        groups[name] = (count + 1, total + figures)
    return [(name, count, total) for name, (count, total) in sorted(groups.items())]
