"""Properties of rating: lines sum to the total, splitting an entry changes nothing, no float."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from collections.abc import Mapping
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from pacta.domain.entitlement import Allowance, AllowanceKind
from pacta.domain.money import money_sum
from pacta.domain.rating import ChargeType, PartUsed, TimeEntry, price_amount, rate_work_order
from tests.unit.rating_fixtures import (
    EMERGENCY,
    HOLIDAY,
    MADRID,
    NIGHT,
    WEEKEND,
    D,
    balances,
    summary,
    terms,
    work,
)

YEAR_US = 366 * 86_400 * 1_000_000
START = dt.datetime(2026, 1, 1, tzinfo=MADRID)
BANK = Allowance(
    "BANK", AllowanceKind.PREPAID_HOURS, D(10), allows_overage=True, overage_unit_price=D(70)
)
TERMS = terms(surcharges=(NIGHT, HOLIDAY, WEEKEND, EMERGENCY), allowances=(BANK,))

instants = st.integers(min_value=0, max_value=YEAR_US)
durations = st.integers(min_value=2, max_value=10 * 3600 * 1_000_000)


def moment(offset_us: int) -> dt.datetime:
    return (START.astimezone(dt.UTC) + dt.timedelta(microseconds=offset_us)).astimezone(MADRID)


def no_floats(value: object, path: str = "result") -> list[str]:
    """Every place under ``value`` that holds a float."""
    if isinstance(value, float):
        return [path]
    if isinstance(value, str | bytes | int | Decimal | dt.date | dt.datetime | enum.Enum):
        return []
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [
            hit
            for f in dataclasses.fields(value)
            for hit in no_floats(getattr(value, f.name), f"{path}.{f.name}")
        ]
    if isinstance(value, Mapping):
        return [
            hit
            for key, item in value.items()
            for hit in no_floats(key, f"{path}[key]") + no_floats(item, f"{path}[{key!r}]")
        ]
    if isinstance(value, list | tuple | set | frozenset):
        return [hit for i, item in enumerate(value) for hit in no_floats(item, f"{path}[{i}]")]
    return [f"{path}: unexpected {type(value).__name__}"]


def test_the_float_walker_finds_a_float():
    assert no_floats({"a": (1, [D(1), 0.5])}) == ["result['a'][1][1]"]


@settings(max_examples=150, deadline=None)
@given(
    start=instants,
    duration=durations,
    cut=st.floats(min_value=0, max_value=1, exclude_min=True, exclude_max=True),
    emergency=st.booleans(),
    bank=st.sampled_from(["0", "0.5", "3", "10"]),
)
def test_splitting_an_entry_in_two_at_any_instant_never_changes_the_lines(
    start, duration, cut, emergency, bank
):
    begin, end = moment(start), moment(start + duration)
    middle = moment(start + max(1, min(duration - 1, int(duration * cut))))
    whole = work("REP", TimeEntry("T1", begin, end), emergency=emergency)
    halves = work(
        "REP", TimeEntry("T1", begin, middle), TimeEntry("T1", middle, end), emergency=emergency
    )
    one = rate_work_order(whole, TERMS, balances(BANK=bank))
    two = rate_work_order(halves, TERMS, balances(BANK=bank))
    assert summary(one) == summary(two)
    assert one.total == two.total
    assert one.balances == two.balances


@settings(max_examples=150, deadline=None)
@given(
    entries=st.lists(st.tuples(instants, durations), min_size=1, max_size=6),
    service=st.sampled_from(["REP", "MNT", "INS", "CALL"]),
    filters=st.integers(min_value=0, max_value=5),
    emergency=st.booleans(),
    bank=st.sampled_from(["0", "2.5", "40"]),
)
def test_lines_sum_to_the_total_and_hold_no_float(entries, service, filters, emergency, bank):
    time = tuple(TimeEntry(f"T{i}", moment(s), moment(s + d)) for i, (s, d) in enumerate(entries))
    parts = (PartUsed("FLT-1", D(filters)),) if filters else ()
    result = rate_work_order(
        work(service, *time, parts=parts, emergency=emergency), TERMS, balances(BANK=bank)
    )
    currency = TERMS.currency
    billed = [line.amount for line in result.lines if line.charge_type != "needs_approval"]
    waiting = [line.amount for line in result.lines if line.charge_type == "needs_approval"]
    assert money_sum(billed, currency) == result.total
    assert money_sum(waiting, currency) == result.awaiting_approval
    for line in result.lines:
        assert line.amount.is_rounded()
        if line.charge_type is not ChargeType.INCLUDED:
            expected = price_amount(
                line.quantity, line.unit_price.amount, line.multiplier, D("0.01")
            )
            assert line.amount.amount == expected
    assert no_floats(result) == []
