"""../shared/acceptance/sla/clocks.toml: a ticket's SLA clocks through its events."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from pacta.domain.calendar import BusinessCalendar
from pacta.domain.sla import SlaEvent, SlaPolicy, SlaTerms, evaluate_clocks
from tests.acceptance.conftest import load

DATA = load("sla/clocks.toml")
POLICY = SlaPolicy(
    "acceptance",
    {
        priority: {
            "response": dt.timedelta(seconds=response),
            "resolution": dt.timedelta(seconds=resolution),
        }
        for priority, (response, resolution) in DATA["targets"].items()
    },
)
CASES = [pytest.param(case, id=case["name"]) for case in DATA["cases"]]


def observed(case: dict) -> dict:
    spec = DATA["calendars"][case["calendar"]]
    zone = ZoneInfo(spec["timezone"])
    hours = {day: [tuple(window) for window in windows] for day, windows in spec["hours"].items()}
    terms = SlaTerms(POLICY, BusinessCalendar(spec["timezone"], hours, spec["closed"]))
    events = [
        SlaEvent(
            at.replace(tzinfo=zone), kind, priority=case["priority"] if kind == "open" else None
        )
        for at, kind in case["events"]
    ]
    now = case.get("evaluate_at", case["events"][-1][0]).replace(tzinfo=zone)
    clocks = evaluate_clocks(events, terms=terms, now=now)
    seen: dict = {"paused_seconds": clocks.paused.total_seconds()}
    for name in ("response", "resolution"):
        clock = clocks.clock(name)
        seen[name] = clock.state
        seen[f"{name}_due"] = clock.due_at.astimezone(zone).replace(tzinfo=None)
        seen[f"{name}_breached_by_seconds"] = clock.breached_by.total_seconds()
        seen[f"{name}_used_seconds"] = clock.used.total_seconds()
    return seen


def test_the_file_has_cases():
    assert len(CASES) == 18


@pytest.mark.parametrize("case", CASES)
def test_clocks(case):
    seen = observed(case)
    assert {key: seen[key] for key in case["expected"]} == case["expected"]
