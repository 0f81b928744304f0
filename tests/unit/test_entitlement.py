"""Entitlements: included visits, prepaid hours with overage, site caps, parts allowances, the
ledger's balances and the period-end rollover or expiry."""

from __future__ import annotations

import datetime as dt

from pacta.domain.entitlement import (
    Allowance,
    AllowanceKind,
    Balances,
    LedgerEntry,
    LedgerKind,
    close_period,
    derive_balances,
)
from pacta.domain.rating import PartUsed, rate_work_order
from tests.unit.rating_fixtures import PERIOD, D, balances, entry, summary, terms, work

VISITS = Allowance("VISITS", AllowanceKind.INCLUDED_VISITS, D(3), label="3 visits a month")
BANK = Allowance(
    "BANK",
    AllowanceKind.PREPAID_HOURS,
    D(10),
    label="prepaid hours",
    allows_overage=True,
    overage_unit_price=D("70.00"),
)


def test_three_included_visits_then_the_fourth_is_billable():
    t = terms(allowances=(VISITS,))
    state = balances(VISITS="3")
    rated = []
    for day in (2, 3, 4, 5):
        job = work("MNT", entry(f"2026-03-0{day}T10:00", f"2026-03-0{day}T11:00"))
        result = rate_work_order(job, t, state)
        state = result.balances
        rated.append(result)
    assert [summary(r) for r in rated[:3]] == [
        [("included", "MNT", "1.000000", "60.00", "1", "0")]
    ] * 3
    assert rated[0].lines[0].trace.words == (
        "included in the contract, visit drawn from 3 visits a month, 2 left, "
        "contract C-2026-014 v3, price list 'HVAC 2026' line 'Maintenance visit'"
    )
    assert summary(rated[3]) == [("billable", "MNT", "1.000000", "60.00", "1", "60.00")]
    assert "3 visits a month used up" in rated[3].lines[0].trace.words
    assert [len(r.draws) for r in rated] == [1, 1, 1, 0]
    assert rated[0].draws[0] == LedgerEntry(
        "VISITS", "", LedgerKind.DRAW, D(1), PERIOD, work_order_id="WO-1"
    )
    assert state.of(("VISITS", "")) == 0


def test_a_prepaid_bank_of_ten_hours_with_a_twelve_hour_month_bills_two_hours_overage():
    job = work(
        "REP",
        entry("2026-03-02T08:00", "2026-03-02T14:00"),
        entry("2026-03-03T08:00", "2026-03-03T14:00"),
    )
    result = rate_work_order(job, terms(allowances=(BANK,)), balances(BANK="10"))
    assert summary(result) == [
        ("included", "REP", "10.000000", "80.00", "1", "0"),
        ("billable", "REP", "2.000000", "70.00", "1", "140.00"),
    ]
    assert result.lines[1].trace.words.startswith("overage beyond prepaid hours, ")
    assert [(d.kind, d.quantity) for d in result.draws] == [
        (LedgerKind.DRAW, D("10.000000")),
        (LedgerKind.DRAW, D("2.000000")),
    ]
    assert result.balances.of(("BANK", "")) == D("-2.000000")
    # without overage, the balance stops at zero and the rest is billed at the list price
    strict = Allowance("BANK", AllowanceKind.PREPAID_HOURS, D(10))
    capped = rate_work_order(job, terms(allowances=(strict,)), balances(BANK="10"))
    assert summary(capped)[1] == ("billable", "REP", "2.000000", "80.00", "1", "160.00")
    assert capped.balances.of(("BANK", "")) == 0


def test_the_bank_is_drawn_by_the_minute_in_time_order_and_splits_the_entry_it_runs_out_in():
    job = work(
        "REP",
        entry("2026-03-10T21:00", "2026-03-10T23:00"),  # 1 h normal, 1 h night
    )
    result = rate_work_order(job, terms(allowances=(BANK,)), balances(BANK="1.25"))
    assert summary(result) == [
        ("included", "REP", "1.250000", "80.00", "1", "0"),
        ("surcharge", "REP", "0.250000", "80.00", "1.00", "20.00"),  # night share of covered
        ("surcharge", "REP", "0.750000", "70.00", "2.00", "105.00"),
    ]


def test_site_caps_limit_visits_and_hours_per_site():
    cap = Allowance("SITE-VISITS", AllowanceKind.SITE_VISIT_CAP, D(1))
    t = terms(allowances=(cap,))
    first = rate_work_order(
        work("MNT", entry("2026-03-02T10:00", "2026-03-02T11:00")),
        t,
        balances(**{"SITE-VISITS@site-1": "1"}),
    )
    assert first.lines[0].charge_type.value == "included"
    assert first.draws[0].key == ("SITE-VISITS", "site-1")
    second = rate_work_order(
        work("MNT", entry("2026-03-03T10:00", "2026-03-03T11:00")), t, first.balances
    )
    assert summary(second) == [("billable", "MNT", "1.000000", "60.00", "1", "60.00")]
    hours = Allowance("SITE-HOURS", AllowanceKind.SITE_HOUR_CAP, D(2), label="site cap")
    long_job = work("MNT", entry("2026-03-02T09:00", "2026-03-02T12:00"))
    result = rate_work_order(
        long_job, terms(allowances=(hours,)), balances(**{"SITE-HOURS@site-1": "2"})
    )
    assert summary(result) == [
        ("included", "MNT", "2.000000", "60.00", "1", "0"),
        ("billable", "MNT", "1.000000", "60.00", "1", "60.00"),
    ]
    assert result.balances.of(("SITE-HOURS", "site-1")) == 0


def test_a_parts_allowance_covers_parts_up_to_its_balance():
    allowance = Allowance("PARTS", AllowanceKind.PARTS_ALLOWANCE, D(100), label="parts budget")
    job = work(
        "REP",
        entry("2026-03-10T10:00", "2026-03-10T11:00"),
        parts=(PartUsed("CMP-9", D(1)), PartUsed("FLT-1", D(2))),
    )
    result = rate_work_order(job, terms(allowances=(allowance,)), balances(PARTS="100"))
    assert summary(result) == [
        ("billable", "REP", "1.000000", "80.00", "1", "80.00"),
        ("parts", "CMP-9", "1", "410.00", "1", "410.00"),
        ("parts", "FLT-1", "2", "12.50", "1", "25.00"),
        ("included", "PARTS", "1", "-100", "1", "-100"),
    ]
    assert str(result.total.amount) == "415.00"
    assert result.balances.of(("PARTS", "")) == 0


def test_balances_are_derived_from_the_ledger_and_a_reversal_undoes_its_entry():
    march, april = dt.date(2026, 3, 1), dt.date(2026, 4, 1)
    ledger = [
        LedgerEntry("BANK", "", LedgerKind.GRANT, D(10), march, entry_id="1"),
        LedgerEntry("BANK", "", LedgerKind.DRAW, D("2.5"), march, "WO-1", entry_id="2"),
        LedgerEntry("BANK", "", LedgerKind.DRAW, D("1.5"), march, "WO-2", entry_id="3"),
        LedgerEntry("BANK", "", LedgerKind.REVERSE, D("1.5"), march, "WO-2", "4", reverses="3"),
        LedgerEntry("BANK", "", LedgerKind.DRAW, D(2), march, "WO-2", entry_id="5"),
        LedgerEntry("VISITS", "", LedgerKind.GRANT, D(3), march, entry_id="6"),
        LedgerEntry("BANK", "", LedgerKind.GRANT, D(10), april, entry_id="7"),
    ]
    assert derive_balances(ledger, march) == Balances(
        march, {("BANK", ""): D("5.5"), ("VISITS", ""): D(3)}
    )
    assert derive_balances(reversed(ledger), april).of(("BANK", "")) == D(10)


def test_a_period_end_rolls_over_up_to_the_limit_expires_the_rest_and_grants_anew():
    march, april = dt.date(2026, 3, 1), dt.date(2026, 4, 1)
    rolling = Allowance("BANK", AllowanceKind.PREPAID_HOURS, D(10), rollover_limit=D(4))
    expiring = Allowance("VISITS", AllowanceKind.INCLUDED_VISITS, D(3))
    cap = Allowance("CAP", AllowanceKind.SITE_VISIT_CAP, D(2), rollover_limit=None)
    over = Allowance("OVER", AllowanceKind.PREPAID_HOURS, D(5), allows_overage=True)
    state = Balances(
        march,
        {("BANK", ""): D("5.5"), ("VISITS", ""): D(1), ("CAP", "s1"): D(1), ("OVER", ""): D(-2)},
    )
    entries = close_period(
        (rolling, expiring, cap, over), state, next_period_on=april, site_ids=("s1", "s2")
    )
    assert [
        (e.allowance_code, e.site_id, e.kind.value, e.quantity, e.period_on) for e in entries
    ] == [
        ("BANK", "", "expire", D("5.5"), march),
        ("BANK", "", "rollover", D(4), april),
        ("BANK", "", "grant", D(10), april),
        ("VISITS", "", "expire", D(1), march),
        ("VISITS", "", "grant", D(3), april),
        ("CAP", "s1", "expire", D(1), march),
        ("CAP", "s1", "rollover", D(1), april),
        ("CAP", "s1", "grant", D(2), april),
        ("CAP", "s2", "grant", D(2), april),
        ("OVER", "", "grant", D(2), march),
        ("OVER", "", "grant", D(5), april),
    ]
    after = derive_balances(entries, april)
    assert after.remaining == {
        ("BANK", ""): D(14),
        ("VISITS", ""): D(3),
        ("CAP", "s1"): D(3),
        ("CAP", "s2"): D(2),
        ("OVER", ""): D(5),
    }
    closed = derive_balances(entries, march).remaining
    assert closed == {
        ("BANK", ""): D("-5.5"),
        ("VISITS", ""): D(-1),
        ("CAP", "s1"): D(-1),
        ("OVER", ""): D(2),
    }


def test_balances_never_go_negative_without_overage():
    t = terms(allowances=(VISITS,))
    result = rate_work_order(
        work("MNT", entry("2026-03-02T10:00", "2026-03-02T11:00")), t, balances(VISITS="0")
    )
    assert result.draws == ()
    assert result.balances.of(("VISITS", "")) == 0
