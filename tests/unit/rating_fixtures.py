"""Terms, sites and work records shared by the rating tests (built as the app's mappers would)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from pacta.domain.entitlement import Allowance, Balances
from pacta.domain.public_holidays import public_holidays
from pacta.domain.rating import (
    ContractTerms,
    Coverage,
    PriceLine,
    PriceList,
    ScopeLine,
    Site,
    SurchargeRule,
    TimeEntry,
    TimeKind,
    WorkRecord,
)
from pacta.domain.sla import BREACHED, Clock, TicketClocks

D = Decimal
MADRID = ZoneInfo("Europe/Madrid")
PERIOD = dt.date(2026, 3, 1)
NIGHT = SurchargeRule("night", D("2.00"), window=("22:00", "06:00"))
HOLIDAY = SurchargeRule("public holiday", D("2.50"), on_holidays=True)
WEEKEND = SurchargeRule("weekend", D("1.50"), weekdays=frozenset({"sat", "sun"}))
EMERGENCY = SurchargeRule("emergency", D("1.25"), emergency=True, cumulative=True)
PRICES = PriceList(
    "HVAC 2026",
    "EUR",
    (
        PriceLine("REP", "Repair labour", D("80.00"), dt.date(2026, 1, 1), D("21")),
        PriceLine("REP", "Repair labour", D("90.00"), dt.date(2026, 3, 15), D("21")),
        PriceLine("MNT", "Maintenance visit", D("60.00"), dt.date(2026, 1, 1), D("21")),
        PriceLine("INS", "Installation", D("100.00"), dt.date(2026, 1, 1), D("21")),
        PriceLine("CALL", "Emergency call-out", D("120.00"), dt.date(2026, 1, 1), D("21")),
        PriceLine("FLT-1", "Filter F7", D("12.50"), dt.date(2026, 1, 1), D("21"), "each", True),
        PriceLine("CMP-9", "Compressor", D("410.00"), dt.date(2026, 1, 1), D("21"), "each", True),
    ),
)
SCOPE = (
    ScopeLine("REP", Coverage.BILLABLE),
    ScopeLine("MNT", Coverage.INCLUDED),
    ScopeLine("INS", Coverage.EXCLUDED),
    ScopeLine("CALL", Coverage.BILLABLE, minimum_minutes=60, increment_minutes=15),
)
SITE = Site("site-1", "Europe/Madrid", zone_code="Z2", holidays=public_holidays("ES", "MD"))


def terms(
    *,
    surcharges: tuple[SurchargeRule, ...] = (NIGHT,),
    allowances: tuple[Allowance, ...] = (),
    **extra: object,
) -> ContractTerms:
    return ContractTerms(
        "C-2026-014",
        3,
        dt.date(2026, 1, 1),
        SCOPE,
        PRICES,
        surcharges=surcharges,
        allowances=allowances,
        **extra,  # type: ignore[arg-type]
    )


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=MADRID)


def entry(start: str, end: str, technician: str = "T1", kind: str = "work") -> TimeEntry:
    return TimeEntry(technician, at(start), at(end), TimeKind(kind))


def work(service: str, *entries: TimeEntry, **extra: object) -> WorkRecord:
    fields: dict[str, object] = {"site": SITE, **extra}
    return WorkRecord(
        str(fields.pop("work_order_id", "WO-1")),
        service,
        time_entries=entries,
        **fields,  # type: ignore[arg-type]
    )


def balances(**remaining: str) -> Balances:
    return Balances(
        PERIOD,
        {tuple(key.split("@")) if "@" in key else (key, ""): D(v) for key, v in remaining.items()},  # type: ignore[misc]
    )


def summary(result: object) -> list[tuple[str, str, str, str, str, str]]:
    """(type, code, quantity, unit price, multiplier, amount) of each line, as strings."""
    return [
        (
            line.charge_type.value,
            line.code,
            str(line.quantity),
            str(line.unit_price.amount),
            str(line.multiplier),
            str(line.amount.amount),
        )
        for line in result.lines  # type: ignore[attr-defined]
    ]


HOUR = dt.timedelta(hours=1)


def clocks(*states: tuple[str, str]) -> TicketClocks:
    """A resolved ticket's clocks in the states given: (clock name, met or breached)."""
    return TicketClocks(
        clocks=tuple(
            Clock(name, 4 * HOUR, 5 * HOUR, dt.timedelta(0), state, state, None, HOUR, None)
            for name, state in states
        ),
        paused=dt.timedelta(0),
        priority="high",
        is_paused=False,
        is_resolved=True,
        risk=BREACHED,
        next_due_at=None,
        risk_changes_at=None,
    )
