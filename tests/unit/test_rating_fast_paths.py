"""The rating's fast paths give the slow path's results, to the last digit and trace.

The slow path is a rating that has nothing to reuse: terms built afresh for every work order
(no prepared plans, timelines, line templates or lines kept from earlier ratings) and the
pure-Python splitting instead of the C accelerator. The fast path is one terms object rating
a whole batch, every cache warm from the work orders before, with the accelerator where it is
built. Both must give equal results, compared by their ``repr`` (so a Decimal's exponent, an
order of lines or a phrase's parameters count too).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
import sysconfig
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import pairwise
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pacta.domain.entitlement import Allowance, AllowanceKind, Balances
from pacta.domain.errors import FieldErrors, InvalidInput
from pacta.domain.public_holidays import public_holidays
from pacta.domain.rating import (
    ContractTerms,
    Coverage,
    PartUsed,
    PriceLine,
    PriceList,
    RatingResult,
    ScopeLine,
    Site,
    SurchargeRule,
    TimeEntry,
    TimeKind,
    Travel,
    TravelRule,
    Warranty,
    WorkRecord,
    engine,
    rate_work_order,
)
from pacta.domain.rating import timeline as timeline_module
from pacta.domain.rating.timeline import instant_us
from tests.unit.rating_fixtures import PRICES as FIXTURE_PRICES
from tests.unit.rating_fixtures import D

PERIOD = dt.date(2026, 3, 1)
ALLOWANCES = (
    Allowance(
        "BANK",
        AllowanceKind.PREPAID_HOURS,
        D(10),
        label="Prepaid hours",
        allows_overage=True,
        overage_unit_price=D("70.00"),
        service_codes=frozenset({"REP"}),
    ),
    Allowance("BANK2", AllowanceKind.PREPAID_HOURS, D(4), service_codes=frozenset({"CALL"})),
    Allowance("VISITS", AllowanceKind.INCLUDED_VISITS, D(3), label="Included visits"),
    Allowance("SITECAP", AllowanceKind.SITE_VISIT_CAP, D(2)),
    Allowance("HOURCAP", AllowanceKind.SITE_HOUR_CAP, D(5), label="Site hours"),
    Allowance("PARTS", AllowanceKind.PARTS_ALLOWANCE, D(100), product_codes=frozenset({"FLT-1"})),
)
RULES = (
    SurchargeRule("evening", D("1.25"), window=("18:00", "22:00")),
    SurchargeRule("night", D("2.00"), window=("22:00", "08:00")),
    SurchargeRule("weekend", D("1.50"), weekdays=frozenset({"sat", "sun"})),
    SurchargeRule("public holiday", D("2.50"), on_holidays=True),
    SurchargeRule("emergency", D("1.25"), emergency=True, cumulative=True),
    SurchargeRule(
        "summer",
        D("1.10"),
        seasons=((dt.date(2026, 6, 15), dt.date(2026, 8, 31)),),
        cumulative=True,
        service_codes=frozenset({"MNT"}),
    ),
    SurchargeRule("pad", D("1.75"), outside_access=True),
    SurchargeRule("discount", D("0.8"), window=("12:00", "13:30"), cumulative=True),
)
PRICES = PriceList(
    "HVAC 2026",
    "EUR",
    (
        *FIXTURE_PRICES.lines,
        PriceLine("REP", "Repair labour", D("84.5050"), dt.date(2026, 9, 1), D("21")),
        PriceLine("CALL", "Emergency call-out", D("125.00"), dt.date(2026, 11, 1), D("21")),
        PriceLine("LATE", "Late service", D("50.00"), dt.date(2026, 6, 1), D("21")),
    ),
)
SCOPE = (
    ScopeLine("REP", Coverage.BILLABLE),
    ScopeLine("MNT", Coverage.INCLUDED),
    ScopeLine("INS", Coverage.EXCLUDED),
    ScopeLine("CALL", Coverage.BILLABLE, minimum_minutes=60, increment_minutes=15),
    ScopeLine("LATE", Coverage.BILLABLE, increment_minutes=30),
)
TRAVEL = (
    TravelRule("Zone 2 call-out", D("35.00"), zone_code="Z2"),
    TravelRule("Mileage", D("0.45"), per_km=True),
)
ACCESS = {"mon": [("07:00", "19:00")], "tue": [("07:00", "19:00")], "sat": [("09:00", "12:00")]}
SITES = (
    Site("madrid", "Europe/Madrid", zone_code="Z2", holidays=public_holidays("ES", "MD")),
    Site("pad", "Europe/Madrid", holidays=public_holidays("ES"), access_hours=ACCESS),
    Site("ny", "America/New_York", holidays=public_holidays("US")),
    Site("lord-howe", "Australia/Lord_Howe"),
    Site("santiago", "America/Santiago"),
    Site("utc", "UTC", zone_code="Z2"),
)
SERVICES = ("REP", "MNT", "INS", "CALL", "LATE", "NOPE")
YEAR_MINUTES = 366 * 24 * 60
START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def terms_of(variant: int) -> ContractTerms:
    """One of the terms the tests rate under: which rules and allowances, by the bits given."""
    return ContractTerms(
        "C-2026-014",
        3,
        dt.date(2026, 1, 1),
        SCOPE,
        PRICES,
        surcharges=tuple(r for i, r in enumerate(RULES) if variant >> i & 1),
        travel_rules=TRAVEL,
        allowances=tuple(a for i, a in enumerate(ALLOWANCES) if variant >> (i + 4) & 1),
    )


def fresh(terms: ContractTerms) -> ContractTerms:
    """Equal terms with nothing kept from earlier ratings."""
    return dataclasses.replace(terms)


@contextmanager
def slow_path() -> Iterator[None]:
    """Rate without the C accelerator (the pure-Python splitting)."""
    saved = engine.accelerator
    engine.accelerator = None
    try:
        yield
    finally:
        engine.accelerator = saved


def outcome(work: WorkRecord, terms: ContractTerms, balances: Balances) -> str:
    try:
        result: RatingResult = rate_work_order(work, terms, balances)
    except InvalidInput as error:
        return f"refused {error.code} {sorted(error.fields.items())!r}"
    return repr(result)


@st.composite
def entries(draw: st.DrawFn) -> tuple[TimeEntry, ...]:
    count = draw(st.integers(min_value=0, max_value=5))
    zone = draw(st.sampled_from([dt.UTC, ZoneInfo("Europe/Madrid"), ZoneInfo("Asia/Tokyo")]))
    minute = draw(st.integers(min_value=0, max_value=YEAR_MINUTES))
    made = []
    for _ in range(count):
        length = draw(st.integers(min_value=-5, max_value=12 * 60))
        seconds = draw(st.sampled_from([0, 0, 0, 1, 59]))
        micro = draw(st.sampled_from([0, 0, 0, 1, 999_999]))
        start = START + dt.timedelta(minutes=minute)
        end = start + dt.timedelta(minutes=length, seconds=seconds, microseconds=micro)
        technician = draw(st.sampled_from(["T1", "T1", "T2"]))
        kind = draw(st.sampled_from([TimeKind.WORK, TimeKind.WORK, TimeKind.TRAVEL]))
        made.append(TimeEntry(technician, start.astimezone(zone), end.astimezone(zone), kind))
        minute += max(length, 0) + draw(st.integers(min_value=-30, max_value=16 * 60))
    return tuple(made)


@st.composite
def work_orders(draw: st.DrawFn, number: int) -> WorkRecord:
    time = draw(entries())
    warranty = draw(
        st.none()
        | st.builds(
            Warranty,
            until_on=st.dates(dt.date(2026, 1, 1), dt.date(2027, 1, 1)),
            covers_labour=st.booleans(),
            covers_parts=st.booleans(),
        )
    )
    parts = draw(
        st.lists(
            st.builds(
                PartUsed,
                st.sampled_from(["FLT-1", "CMP-9", "FLT-1"]),
                st.integers(min_value=0, max_value=4).map(D),
            ),
            max_size=2,
        )
    )
    travel = draw(
        st.none()
        | st.builds(Travel, zone_code=st.sampled_from(["", "Z2"]))
        | st.builds(Travel, distance_km=st.sampled_from([D("12.5"), D(40)]))
    )
    return WorkRecord(
        f"WO-{number}",
        draw(st.sampled_from(SERVICES)),
        draw(st.sampled_from(SITES)),
        time_entries=time,
        parts=tuple(parts),
        travel=travel,
        emergency=draw(st.booleans()),
        warranty=warranty,
        is_visit=draw(st.booleans()),
        approved=draw(st.booleans()),
        performed_on=dt.date(2026, 5, 4),
    )


@st.composite
def batches(draw: st.DrawFn) -> list[WorkRecord]:
    size = draw(st.integers(min_value=1, max_value=12))
    return [draw(work_orders(number)) for number in range(size)]


remainders = st.fixed_dictionaries(
    {
        ("BANK", ""): st.sampled_from([D(0), D("0.5"), D("3.25"), D(10)]),
        ("BANK2", ""): st.sampled_from([D(0), D(2)]),
        ("VISITS", ""): st.sampled_from([D(0), D(1), D(3)]),
        ("SITECAP", "madrid"): st.sampled_from([D(0), D(2)]),
        ("HOURCAP", "madrid"): st.sampled_from([D(0), D("1.5"), D(5)]),
        ("PARTS", ""): st.sampled_from([D(0), D("20.00"), D(100)]),
    }
)


@settings(max_examples=300, deadline=None)
@given(
    batch=batches(),
    variant=st.integers(min_value=0, max_value=(1 << 10) - 1),
    remaining=remainders,
)
def test_warm_terms_and_the_accelerator_rate_as_a_cold_pure_python_rating(
    batch, variant, remaining
):
    terms = terms_of(variant)
    balances = Balances(PERIOD, remaining)
    with slow_path():
        expected = [outcome(work, fresh(terms), balances) for work in batch]
    # twice over the same terms: the second round finds everything the first one kept
    for _round in range(2):
        assert [outcome(work, terms, balances) for work in batch] == expected


@settings(max_examples=100, deadline=None)
@given(batch=batches(), variant=st.integers(min_value=0, max_value=(1 << 10) - 1))
def test_versions_of_the_terms_rate_as_each_version_alone(batch, variant):
    first = terms_of(variant)
    second = dataclasses.replace(
        terms_of(variant ^ 0b1011), version_number=4, effective_on=dt.date(2026, 6, 1)
    )
    balances = Balances(PERIOD, {("BANK", ""): D(3)})
    with slow_path():
        expected = [outcome(work, [fresh(first), fresh(second)], balances) for work in batch]
    assert [outcome(work, [first, second], balances) for work in batch] == expected


# --- the pieces: local days, and the C accelerator against its Python definition -------------

ZONES = [
    ZoneInfo(name)
    for name in (
        "Europe/Madrid",
        "America/Santiago",
        "Australia/Lord_Howe",
        "Asia/Kolkata",
        "America/St_Johns",
        "Pacific/Apia",
        "Africa/Casablanca",
        "UTC",
    )
]
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@settings(max_examples=1500, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    at=st.one_of(
        st.integers(min_value=-(10**16), max_value=10**17),  # 1653 .. 5138
        st.integers(min_value=1_735_000_000, max_value=1_800_000_000).map(lambda s: s * 10**6),
        st.integers(min_value=1_735_000_000 * 10**6, max_value=1_800_000_000 * 10**6),
    ),
)
def test_the_local_day_of_an_instant_is_the_one_fromtimestamp_reads(zone, at):
    assert (
        timeline_module.local_day(zone, at)
        == dt.datetime.fromtimestamp(at // 1_000_000, zone).date()
    )


needs_c = pytest.mark.skipif(engine.accelerator is None, reason="built only where a C compiler is")


def test_the_rating_accelerator_is_built_wherever_a_compiler_is():
    compiler = sysconfig.get_config_var("CC")
    if compiler and shutil.which(compiler.split()[0]):
        assert engine.accelerator is not None, "pacta/domain/_timeline.c did not build"


@needs_c
@settings(max_examples=600, deadline=None)
@given(time=entries())
def test_reading_the_entries_in_c_is_reading_them_in_python(time):
    work = WorkRecord("WO-1", "REP", SITES[0], time_entries=time)
    errors = FieldErrors()
    slow = engine._spans(work, errors)
    assert engine.accelerator is not None
    fast = engine.accelerator.rating_spans(time, TimeKind.TRAVEL)
    if fast is not None:
        assert not errors
        assert fast == slow
    ordered = all(a.started_at < b.started_at for a, b in pairwise(time))
    if time and not errors and ordered:
        assert fast is not None  # the common case is the C one


@needs_c
def test_c_leaves_odd_entries_to_python():
    assert engine.accelerator is not None
    naive = TimeEntry("T1", dt.datetime(2026, 5, 4, 8), dt.datetime(2026, 5, 4, 9))
    madrid = ZoneInfo("Europe/Madrid")
    at = dt.datetime(2026, 5, 4, 8, tzinfo=madrid)
    hour = dt.timedelta(hours=1)
    for bad in (
        (naive,),
        (TimeEntry("T1", at, at),),
        (TimeEntry("T1", at + hour, at + 2 * hour), TimeEntry("T2", at, at + hour)),
        (TimeEntry("T1", at, at + 2 * hour), TimeEntry("T1", at + hour, at + 3 * hour)),
        tuple(TimeEntry(f"T{i}", at + i * hour, at + (i + 1) * hour) for i in range(17)),
        (),
    ):
        assert engine.accelerator.rating_spans(bad, TimeKind.TRAVEL) is None
    assert engine.accelerator.rating_spans(
        (TimeEntry("T1", at, at + hour, "travel"),),
        TimeKind.TRAVEL,  # type: ignore[arg-type]
    ) == (instant_us(at), instant_us(at + hour), (instant_us(at), instant_us(at + hour), 2))


@st.composite
def timelines(draw: st.DrawFn) -> tuple[list[int], list[int]]:
    low = draw(st.integers(min_value=-(10**12), max_value=10**15))
    gaps = draw(st.lists(st.integers(min_value=1, max_value=10**10), min_size=1, max_size=40))
    starts = [low]
    for gap in gaps:
        starts.append(starts[-1] + gap)
    classes = draw(
        st.lists(st.integers(min_value=0, max_value=9), min_size=len(gaps), max_size=len(gaps))
    )
    return starts, classes


@needs_c
@settings(max_examples=1500, deadline=None)
@given(
    timeline=timelines(),
    cuts=st.lists(st.floats(min_value=0, max_value=1), min_size=2, max_size=40),
    travel=st.lists(st.sampled_from([0, 2]), min_size=20, max_size=20),
    budget=st.one_of(
        st.integers(min_value=0, max_value=10**11), st.sampled_from([0, 1 << 62, 1 << 70])
    ),
)
def test_splitting_in_c_is_splitting_in_python(timeline, cuts, travel, budget):
    starts, classes = timeline
    low, high = starts[0], starts[-1]
    instants = sorted({low + int((high - low) * cut) for cut in cuts})
    flat: list[int] = []
    for n, (start, end) in enumerate(pairwise(instants)):
        if n % 3 != 2:  # leave gaps between some spans
            flat.extend((start, end, travel[n % 20]))
    assert engine.accelerator is not None
    fast = engine.accelerator.rating_split(tuple(flat), starts, classes, budget)
    slow = timeline_module.split(tuple(flat), starts, classes, budget)
    if budget >= 1 << 63:
        assert fast is None  # past 64 bits: Python's
    else:
        assert fast == slow
        assert fast is not None
        assert list(fast[0]) == list(slow[0])


@needs_c
@settings(max_examples=1000, deadline=None)
@given(
    timeline=timelines(),
    cuts=st.lists(st.floats(min_value=0, max_value=1), min_size=2, max_size=30),
    budget=st.integers(min_value=0, max_value=10**11),
    ids=st.lists(
        st.lists(st.integers(min_value=0, max_value=6), min_size=1, max_size=2).map(tuple),
        min_size=60,
        max_size=60,
    ),
)
def test_grouping_in_c_is_grouping_in_python(timeline, cuts, budget, ids):
    starts, classes = timeline
    low, high = starts[0], starts[-1]
    instants = sorted({low + int((high - low) * cut) for cut in cuts})
    flat = tuple(
        value
        for n, (start, end) in enumerate(pairwise(instants))
        for value in (start, end, 2 * (n % 2))
    )
    keys = timeline_module.split(flat, starts, classes, budget)[0]
    of_plan = {key: (ids[key % 60], False) for key in keys}
    where = SimpleNamespace(starts=starts, classes=classes)
    slow = engine._group(flat, where, None, "REP", PRICES, None, budget, of_plan, None)  # type: ignore[arg-type]
    assert engine.accelerator is not None
    fast = engine.accelerator.rating_group(flat, starts, classes, budget, of_plan)
    assert fast == slow
    assert fast is not None
    assert list(fast[0]) == list(slow[0])
    if keys:
        first = next(iter(keys))
        unknown = {key: found for key, found in of_plan.items() if key != first}
        assert engine.accelerator.rating_group(flat, starts, classes, budget, unknown) is None
        no_price = {**of_plan, first: (ids[0], True)}
        assert engine.accelerator.rating_group(flat, starts, classes, budget, no_price) is None
