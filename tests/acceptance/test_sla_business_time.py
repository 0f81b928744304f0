"""../shared/acceptance/sla/business_time.toml: business-time arithmetic, case by case."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from pacta.domain.calendar import BusinessCalendar
from tests.acceptance.conftest import load

DATA = load("sla/business_time.toml")


def calendar(name: str) -> tuple[BusinessCalendar, ZoneInfo]:
    spec = DATA["calendars"][name]
    hours = {day: [tuple(window) for window in windows] for day, windows in spec["hours"].items()}
    return BusinessCalendar(spec["timezone"], hours, spec["closed"]), ZoneInfo(spec["timezone"])


ADDS = [pytest.param(case, id=f"add-{i}-{case['calendar']}") for i, case in enumerate(DATA["add"])]
BETWEENS = [
    pytest.param(group["calendar"], *case, id=f"between-{group['calendar']}-{i}")
    for group in DATA["between"]
    for i, case in enumerate(group["cases"])
]


def test_the_file_has_cases():
    assert (len(ADDS), len(BETWEENS)) == (13, 29)


@pytest.mark.parametrize("case", ADDS)
def test_add(case):
    cal, zone = calendar(case["calendar"])
    result = cal.add(case["start"].replace(tzinfo=zone), dt.timedelta(seconds=case["seconds"]))
    assert result.tzinfo is cal.zone
    assert result.replace(tzinfo=None) == case["expected"]


@pytest.mark.parametrize(("name", "start", "end", "seconds"), BETWEENS)
def test_between(name, start, end, seconds):
    cal, zone = calendar(name)
    assert cal.between(start.replace(tzinfo=zone), end.replace(tzinfo=zone)) == dt.timedelta(
        seconds=seconds
    )
