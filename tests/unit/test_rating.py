"""Rating a work order: surcharges split at their boundaries in local time, minimum charges,
effective dating, coverage, travel and parts — exact amounts and traces."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from pacta.domain.errors import InvalidInput
from pacta.domain.rating import (
    ChargeType,
    PartUsed,
    Site,
    SurchargeRule,
    Travel,
    TravelRule,
    Warranty,
    rate_work_order,
)
from tests.unit.rating_fixtures import (
    EMERGENCY,
    HOLIDAY,
    NIGHT,
    D,
    at,
    balances,
    entry,
    summary,
    terms,
    work,
)


def test_an_evening_job_is_split_at_the_night_window():
    result = rate_work_order(
        work("REP", entry("2026-03-10T20:00", "2026-03-10T23:30")), terms(), balances()
    )
    assert summary(result) == [
        ("billable", "REP", "2.000000", "80.00", "1", "160.00"),
        ("surcharge", "REP", "1.500000", "80.00", "2.00", "240.00"),
    ]
    assert str(result.total) == "400.00 EUR"
    night = result.lines[1]
    assert night.trace.words == (
        "night 22:00–06:00 ×2.00, contract C-2026-014 v3, price list 'HVAC 2026' line "
        "'Repair labour'"
    )
    assert night.trace.surcharges == ("night",)
    assert night.trace.price_line_effective_on == dt.date(2026, 1, 1)
    assert night.trace.phrases[0].template == "%(rule)s %(start)s–%(end)s ×%(multiplier)s"
    assert night.tax_rate == D("21")


def test_on_a_public_holiday_the_highest_multiplier_wins_and_cumulative_ones_multiply():
    job = entry("2026-05-01T20:00", "2026-05-01T23:30")  # Labour Day, a Friday
    plain = rate_work_order(work("REP", job), terms(surcharges=(NIGHT, HOLIDAY)), balances())
    assert summary(plain) == [("surcharge", "REP", "3.500000", "90.00", "2.50", "787.50")]
    assert plain.lines[0].trace.surcharges == ("public holiday",)
    urgent = rate_work_order(
        work("REP", job, emergency=True),
        terms(surcharges=(NIGHT, HOLIDAY, EMERGENCY)),
        balances(),
    )
    assert summary(urgent) == [("surcharge", "REP", "3.500000", "90.00", "3.1250", "984.38")]
    assert urgent.lines[0].trace.surcharges == ("public holiday", "emergency")
    # the emergency rule needs an emergency: without one the night is only ×2.50
    calm = rate_work_order(
        work("REP", job), terms(surcharges=(NIGHT, HOLIDAY, EMERGENCY)), balances()
    )
    assert summary(calm) == summary(plain)


def test_a_night_over_the_autumn_change_is_an_hour_longer_and_the_spring_one_shorter():
    autumn = rate_work_order(
        work("REP", entry("2026-10-24T22:00", "2026-10-25T06:00")), terms(), balances()
    )
    assert summary(autumn) == [("surcharge", "REP", "9.000000", "90.00", "2.00", "1620.00")]
    spring = rate_work_order(
        work("REP", entry("2026-03-28T22:00", "2026-03-29T06:00")), terms(), balances()
    )
    assert summary(spring) == [("surcharge", "REP", "7.000000", "90.00", "2.00", "1260.00")]


def test_weekday_rules_read_the_local_date_of_each_minute():
    rules = (SurchargeRule("weekend", D("1.50"), weekdays=frozenset({"sat", "sun"})),)
    # Friday 23:00 to Saturday 01:00: the hour after midnight is the weekend's
    result = rate_work_order(
        work("REP", entry("2026-03-06T23:00", "2026-03-07T01:00")),
        terms(surcharges=rules),
        balances(),
    )
    assert summary(result) == [
        ("billable", "REP", "1.000000", "80.00", "1", "80.00"),
        ("surcharge", "REP", "1.000000", "80.00", "1.50", "120.00"),
    ]


def test_a_season_applies_to_its_dates_and_its_services_only():
    summer = SurchargeRule(
        "summer peak",
        D("1.20"),
        seasons=((dt.date(2026, 7, 1), dt.date(2026, 8, 31)),),
        service_codes=frozenset({"MNT"}),
    )
    t = terms(surcharges=(summer,))
    july = entry("2026-07-01T10:00", "2026-07-01T12:00")
    assert summary(rate_work_order(work("INS", july, approved=True), t, balances())) == [
        ("billable", "INS", "2.000000", "100.00", "1", "200.00")
    ]
    june = rate_work_order(
        work("INS", entry("2026-06-30T10:00", "2026-06-30T12:00"), approved=True), t, balances()
    )
    assert summary(june)[0][-1] == "200.00"
    maintenance = rate_work_order(work("MNT", july, is_visit=False), t, balances())
    assert summary(maintenance) == [
        ("included", "MNT", "2.000000", "60.00", "1", "0"),
        ("surcharge", "MNT", "2.000000", "60.00", "0.20", "24.00"),
    ]


def test_work_outside_the_site_access_hours_is_surcharged():
    pad = Site(
        "pad-7",
        "Europe/Madrid",
        access_hours={d: [("07:00", "17:00")] for d in ("mon", "tue", "wed", "thu", "fri")},
    )
    outside = SurchargeRule("outside access hours", D("1.50"), outside_access=True)
    result = rate_work_order(
        work("REP", entry("2026-03-10T16:00", "2026-03-10T18:00"), site=pad),
        terms(surcharges=(outside,)),
        balances(),
    )
    assert summary(result) == [
        ("billable", "REP", "1.000000", "80.00", "1", "80.00"),
        ("surcharge", "REP", "1.000000", "80.00", "1.50", "120.00"),
    ]
    assert result.lines[1].trace.words.startswith("outside access hours ×1.50, ")


def test_a_rate_change_on_the_15th_prices_the_14th_old_and_the_16th_new():
    result = rate_work_order(
        work(
            "REP",
            entry("2026-03-14T10:00", "2026-03-14T12:00"),
            entry("2026-03-16T10:00", "2026-03-16T12:00"),
        ),
        terms(surcharges=()),
        balances(),
    )
    assert summary(result) == [
        ("billable", "REP", "2.000000", "80.00", "1", "160.00"),
        ("billable", "REP", "2.000000", "90.00", "1", "180.00"),
    ]
    assert [line.trace.price_line_effective_on for line in result.lines] == [
        dt.date(2026, 1, 1),
        dt.date(2026, 3, 15),
    ]
    # and a time entry across the midnight of the change is split there
    across = rate_work_order(
        work("REP", entry("2026-03-14T23:00", "2026-03-15T01:00")), terms(surcharges=()), balances()
    )
    assert summary(across) == [
        ("billable", "REP", "1.000000", "80.00", "1", "80.00"),
        ("billable", "REP", "1.000000", "90.00", "1", "90.00"),
    ]


def test_the_version_in_force_on_the_day_of_the_work_rates_it():
    v3 = terms()
    v4 = dataclasses.replace(v3, version_number=4, effective_on=dt.date(2026, 4, 1), surcharges=())
    march = rate_work_order(
        work("REP", entry("2026-03-31T21:00", "2026-03-31T23:00")), [v3, v4], balances()
    )
    april = rate_work_order(
        work("REP", entry("2026-04-01T21:00", "2026-04-01T23:00")), [v3, v4], balances()
    )
    assert (march.version_number, str(march.total.amount)) == (3, "270.00")
    assert (april.version_number, str(april.total.amount)) == (4, "180.00")
    assert "contract C-2026-014 v4" in april.lines[0].trace.words
    with pytest.raises(InvalidInput) as refused:
        rate_work_order(
            work("REP", entry("2025-12-31T10:00", "2025-12-31T11:00")), [v3, v4], balances()
        )
    assert refused.value.code == "no_terms_in_force"


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        ("10:00", "10:20", [("billable", "CALL", "1.000000", "120.00", "1", "120.00")]),
        ("10:00", "11:00", [("billable", "CALL", "1.000000", "120.00", "1", "120.00")]),
        ("10:00", "11:01", [("billable", "CALL", "1.250000", "120.00", "1", "150.00")]),
        ("10:00", "11:15", [("billable", "CALL", "1.250000", "120.00", "1", "150.00")]),
        (
            "21:30",
            "22:40",  # 70 minutes: charged 75, the extra 5 on the last minute's (night) line
            [
                ("billable", "CALL", "0.500000", "120.00", "1", "60.00"),
                ("surcharge", "CALL", "0.750000", "120.00", "2.00", "180.00"),
            ],
        ),
    ],
)
def test_a_minimum_charge_then_quarter_hours(start, end, expected):
    result = rate_work_order(
        work("CALL", entry(f"2026-03-10T{start}", f"2026-03-10T{end}")), terms(), balances()
    )
    assert summary(result) == expected
    padded = end not in ("11:00", "11:15")  # a whole number of increments needs none
    assert ("minimum 60 min, then by 15 min" in result.lines[-1].trace.words) is padded


def test_travel_time_is_a_travel_line_and_travel_fees_go_by_zone_or_km():
    t = terms(
        travel_rules=(
            TravelRule("Zone 2 call-out", D("35.00"), zone_code="Z2"),
            TravelRule("Mileage", D("0.45"), per_km=True),
        )
    )
    result = rate_work_order(
        work(
            "REP",
            entry("2026-03-10T09:00", "2026-03-10T09:30", kind="travel"),
            entry("2026-03-10T09:30", "2026-03-10T10:30"),
            travel=Travel(),
        ),
        t,
        balances(),
    )
    assert summary(result) == [
        ("travel", "REP", "0.500000", "80.00", "1", "40.00"),
        ("billable", "REP", "1.000000", "80.00", "1", "80.00"),
        ("travel", "Z2", "1", "35.00", "1", "35.00"),
    ]
    assert (
        result.lines[2].trace.words == "zone Z2, travel 'Zone 2 call-out', contract C-2026-014 v3"
    )
    km = rate_work_order(
        work(
            "REP",
            entry("2026-03-10T09:30", "2026-03-10T10:30"),
            travel=Travel(distance_km=D("42.5")),
        ),
        t,
        balances(),
    )
    assert summary(km)[-1] == ("travel", "km", "42.5", "0.45", "1", "19.13")


def test_out_of_scope_work_needs_approval_and_is_not_billed_until_approved():
    job = entry("2026-03-10T10:00", "2026-03-10T12:00")
    parts = (PartUsed("FLT-1", D(2)),)
    pending = rate_work_order(work("INS", job, parts=parts), terms(), balances())
    assert summary(pending) == [
        ("needs_approval", "INS", "2.000000", "100.00", "1", "200.00"),
        ("needs_approval", "FLT-1", "2", "12.50", "1", "25.00"),
    ]
    assert (str(pending.total.amount), str(pending.awaiting_approval.amount)) == ("0", "225.00")
    assert pending.lines[0].trace.words.startswith("out of scope: needs approval, ")
    approved = rate_work_order(work("INS", job, parts=parts, approved=True), terms(), balances())
    assert [line.charge_type for line in approved.lines] == [ChargeType.BILLABLE, ChargeType.PARTS]
    assert str(approved.total.amount) == "225.00"


def test_warranty_covers_labour_or_parts_as_its_terms_say():
    job = entry("2026-03-10T10:00", "2026-03-10T12:00")
    parts = (PartUsed("FLT-1", D(2)),)
    labour = Warranty(dt.date(2026, 12, 31), covers_labour=True, covers_parts=False)
    result = rate_work_order(work("REP", job, parts=parts, warranty=labour), terms(), balances())
    assert summary(result) == [
        ("included", "REP", "2.000000", "80.00", "1", "0"),
        ("parts", "FLT-1", "2", "12.50", "1", "25.00"),
    ]
    assert result.lines[0].trace.words.startswith("under warranty until 2026-12-31, ")
    both = Warranty(dt.date(2026, 12, 31))
    covered = rate_work_order(work("REP", job, parts=parts, warranty=both), terms(), balances())
    assert [line.charge_type.value for line in covered.lines] == ["included", "included"]
    assert covered.total.amount == 0
    expired = Warranty(dt.date(2026, 3, 9))
    billed = rate_work_order(work("REP", job, parts=parts, warranty=expired), terms(), balances())
    assert str(billed.total.amount) == "185.00"


# --- bad input -------------------------------------------------------------------------------
def refusal(call) -> dict[str, list[str]]:
    with pytest.raises(InvalidInput) as refused:
        call()
    return refused.value.fields


def test_overlapping_entries_of_one_technician_are_refused_but_two_technicians_may_overlap():
    a = entry("2026-03-10T10:00", "2026-03-10T12:00")
    b = entry("2026-03-10T11:00", "2026-03-10T13:00")
    assert refusal(lambda: rate_work_order(work("REP", a, b), terms(), balances())) == {
        "time_entries[1]": ["Overlaps another time entry of the same technician."]
    }
    other = entry("2026-03-10T11:00", "2026-03-10T13:00", technician="T2")
    assert str(rate_work_order(work("REP", a, other), terms(), balances()).total.amount) == "320.00"
    touching = entry("2026-03-10T12:00", "2026-03-10T13:00")
    assert (
        str(rate_work_order(work("REP", a, touching), terms(), balances()).total.amount) == "240.00"
    )


def test_bad_work_records_are_refused_naming_each_field():
    bad = work(
        "REP",
        entry("2026-03-10T12:00", "2026-03-10T10:00"),
        parts=(PartUsed("FLT-1", D(-1)), PartUsed("NOPE", D(1))),
        travel=Travel(distance_km=D(-3)),
        performed_on=dt.date(2026, 3, 10),
    )
    assert refusal(lambda: rate_work_order(bad, terms(), balances())) == {
        "time_entries[0].ended_at": ["A time entry must end after it starts."],
        "parts[0].quantity": ["A quantity cannot be negative."],
        "parts[1].product_code": ["This part has no price in force in the price list."],
        "travel.distance_km": ["A distance cannot be negative."],
    }
    unknown = work("XYZ", entry("2026-03-10T10:00", "2026-03-10T11:00"))
    assert refusal(lambda: rate_work_order(unknown, terms(), balances())) == {
        "service_code": ["The contract's terms do not know this service."]
    }
    naive = work("REP", entry("2026-03-10T10:00", "2026-03-10T11:00"))
    naive_entry = dataclasses.replace(naive.time_entries[0], started_at=dt.datetime(2026, 3, 10, 9))
    naive = dataclasses.replace(naive, time_entries=(naive_entry,))
    assert refusal(lambda: rate_work_order(naive, terms(), balances())) == {
        "time_entries[0]": ["Give aware dates and times."]
    }


def test_bad_surcharge_rules_are_refused_when_the_terms_are_built():
    rules = (
        SurchargeRule("empty", D("2"), window=("22:00", "22:00")),
        SurchargeRule("free", D("0")),
        SurchargeRule("negative", D("-1.5")),
        SurchargeRule("ghost", D("2"), service_codes=frozenset({"GHOST"})),
    )
    assert refusal(lambda: terms(surcharges=rules)) == {
        "surcharges[0].window": ["A surcharge window needs a length."],
        "surcharges[1].multiplier": ["A multiplier must be more than 0."],
        "surcharges[2].multiplier": ["A multiplier must be more than 0."],
        "surcharges[3].service_codes": ["No scope line or price line has this service."],
    }
    assert refusal(lambda: terms(surcharges=(SurchargeRule("f", 2.0),))) == {  # type: ignore[arg-type]
        "surcharges[0].multiplier": ["A float cannot hold money; use Decimal."]
    }


def test_a_job_without_time_is_dated_by_its_day():
    job = work("REP", parts=(PartUsed("FLT-1", D(1)),), performed_on=dt.date(2026, 3, 10))
    assert summary(rate_work_order(job, terms(), balances())) == [
        ("parts", "FLT-1", "1", "12.50", "1", "12.50")
    ]
    assert refusal(lambda: rate_work_order(work("REP"), terms(), balances())) == {
        "performed_on": ["A work order with no time entries needs its day (performed_on)."]
    }


def test_entries_in_another_zone_are_read_in_the_site_time():
    utc = dt.UTC
    job = work(
        "REP",
        dataclasses.replace(
            entry("2026-03-10T20:00", "2026-03-10T23:30"),
            started_at=at("2026-03-10T20:00").astimezone(utc),
            ended_at=at("2026-03-10T23:30").astimezone(utc),
        ),
    )
    assert str(rate_work_order(job, terms(), balances()).total.amount) == "400.00"
