"""SLA clocks: what the acceptance file does not cover — changes of priority and policy, risk,
the next instant the risk changes, and refused event logs."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from pacta.domain.calendar import BusinessCalendar
from pacta.domain.errors import InvalidInput
from pacta.domain.sla import (
    RESOLUTION,
    RESPONSE,
    SlaEvent,
    SlaPolicy,
    SlaTerms,
    TargetKind,
    evaluate_clocks,
)

UTC = dt.UTC
MADRID = ZoneInfo("Europe/Madrid")
H = dt.timedelta(hours=1)
M = dt.timedelta(minutes=1)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
OFFICE = BusinessCalendar("UTC", {d: [("10:00", "18:00")] for d in WEEKDAYS})
ALWAYS = BusinessCalendar("UTC", {d: [("00:00", "24:00")] for d in (*WEEKDAYS, "sat", "sun")})
POLICY = SlaPolicy(
    "standard",
    {
        "low": {"response": 8 * H, "resolution": 24 * H},
        "high": {"response": 1 * H, "resolution": 4 * H},
        "critical": {"response": 30 * M, "resolution": 2 * H},
    },
)
TERMS = SlaTerms(POLICY, OFFICE)


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


def events(*items):
    return [
        SlaEvent(at(t), kind, **extra)
        for t, kind, *rest in items
        for extra in (rest[0] if rest else {},)
    ]


def test_a_priority_change_keeps_the_time_used_and_changes_the_budget():
    log = events(
        ("2026-03-09T10:00", "open", {"priority": "low"}),
        ("2026-03-09T11:00", "respond"),
        ("2026-03-09T12:00", "priority", {"priority": "high"}),
    )
    clocks = evaluate_clocks(log, terms=TERMS, now=at("2026-03-09T12:30"))
    resolution = clocks.clock("resolution")
    assert (resolution.used, resolution.budget, resolution.state) == (150 * M, 4 * H, "pending")
    assert resolution.due_at == at("2026-03-09T14:00")
    assert clocks.priority == "high"
    assert [step.kind for step in clocks.history] == ["open", "respond", "priority"]
    assert clocks.history[-1].note == "low → high"


def test_a_budget_that_shrinks_below_the_time_used_was_breached_when_it_ran_out():
    log = events(
        ("2026-03-09T10:00", "open", {"priority": "low"}),
        ("2026-03-09T10:10", "respond"),
        ("2026-03-09T13:00", "priority", {"priority": "critical"}),
    )
    resolution = evaluate_clocks(log, terms=TERMS, now=at("2026-03-09T13:00")).clock("resolution")
    assert (resolution.state, resolution.risk) == ("breached", "breached")
    assert resolution.due_at == at("2026-03-09T12:00")
    assert resolution.breached_by == H


def test_a_policy_change_keeps_the_time_used_and_runs_on_the_new_calendar():
    gold = SlaTerms(SlaPolicy("gold", {"high": {"response": H, "resolution": 6 * H}}), ALWAYS)
    log = events(
        ("2026-03-13T16:00", "open", {"priority": "high"}),
        ("2026-03-13T16:05", "respond"),
        ("2026-03-13T17:00", "policy", {"terms": gold}),
    )
    resolution = evaluate_clocks(log, terms=TERMS, now=at("2026-03-13T19:00")).clock("resolution")
    # one hour on the office calendar, then two on the 24-hour one (Friday evening counts now)
    assert (resolution.used, resolution.budget) == (3 * H, 6 * H)
    assert resolution.due_at == at("2026-03-13T22:00")


def test_a_pause_over_the_weekend_does_not_push_the_deadline_by_the_weekend():
    log = events(
        ("2026-03-13T16:00", "open", {"priority": "high"}),
        ("2026-03-13T16:30", "respond"),
        ("2026-03-13T17:00", "pause"),
        ("2026-03-16T11:00", "resume"),
    )
    clocks = evaluate_clocks(log, terms=TERMS, now=at("2026-03-16T11:00"))
    assert clocks.paused == 2 * H  # Friday 17-18 and Monday 10-11: business time only
    assert clocks.clock("resolution").due_at == at("2026-03-16T14:00")


def test_risk_levels_follow_the_share_of_the_budget_used():
    log = events(("2026-03-09T10:00", "open", {"priority": "high"}))
    for now, risk in (
        ("10:44", "ok"),
        ("10:45", "warning"),
        ("10:54", "critical"),
        ("11:00", "critical"),
        ("11:01", "breached"),
    ):
        clocks = evaluate_clocks(log, terms=TERMS, now=at(f"2026-03-09T{now}"))
        assert (clocks.clock("response").risk, clocks.risk) == (risk, risk), now


def test_the_next_risk_change_is_the_next_threshold_in_business_time():
    log = events(("2026-03-09T17:30", "open", {"priority": "high"}))
    clocks = evaluate_clocks(log, terms=TERMS, now=at("2026-03-09T17:30"))
    assert clocks.risk == "ok"
    assert clocks.risk_changes_at == at("2026-03-10T10:15")  # 45 business minutes
    assert clocks.next_due_at == at("2026-03-10T10:30")
    later = evaluate_clocks(log, terms=TERMS, now=at("2026-03-10T10:30"))
    assert later.risk == "critical"
    # exactly at the due instant it is not breached yet; the first business moment after is
    assert later.risk_changes_at == at("2026-03-10T10:30") + dt.timedelta(microseconds=1)
    paused = evaluate_clocks(
        [*log, SlaEvent(at("2026-03-09T17:40"), "pause")], terms=TERMS, now=at("2026-03-10T12:00")
    )
    assert paused.risk_changes_at is None  # nothing changes while paused


def test_a_resolution_breached_stays_breached_after_a_reopen():
    log = events(
        ("2026-03-09T10:00", "open", {"priority": "critical"}),
        ("2026-03-09T10:10", "respond"),
        ("2026-03-09T13:00", "resolve"),
        ("2026-03-10T10:00", "reopen"),
    )
    resolution = evaluate_clocks(log, terms=TERMS, now=at("2026-03-10T10:00")).clock("resolution")
    assert (resolution.state, resolution.breached_by, resolution.completed_at) == (
        "breached",
        H,
        None,
    )


def test_a_policy_may_add_a_target_with_its_own_milestone():
    on_site = TargetKind("on_site", "arrive")
    policy = SlaPolicy(
        "field",
        {"high": {"response": H, "resolution": 8 * H, "on_site": 4 * H}},
        kinds=(RESPONSE, RESOLUTION, on_site),
    )
    log = [
        SlaEvent(at("2026-03-09T10:00"), "open", priority="high"),
        SlaEvent(at("2026-03-09T12:00"), "arrive"),
    ]
    with pytest.raises(InvalidInput):  # "arrive" is not an event the core knows
        evaluate_clocks(log, terms=SlaTerms(policy, OFFICE), now=at("2026-03-09T12:00"))
    clocks = evaluate_clocks(log[:1], terms=SlaTerms(policy, OFFICE), now=at("2026-03-09T12:00"))
    assert clocks.clock("on_site").remaining == 2 * H


@pytest.mark.parametrize(
    ("log", "field"),
    [
        ([("2026-03-09T10:00", "respond")], "events"),
        (
            [("2026-03-09T10:00", "open", {"priority": "high"}), ("2026-03-09T09:00", "resolve")],
            "events[1]",
        ),
        (
            [("2026-03-09T10:00", "open", {"priority": "high"}), ("2026-03-09T11:00", "resume")],
            "events[1]",
        ),
        (
            [("2026-03-09T10:00", "open", {"priority": "high"}), ("2026-03-09T11:00", "reopen")],
            "events[1]",
        ),
        (
            [
                ("2026-03-09T10:00", "open", {"priority": "high"}),
                ("2026-03-09T11:00", "pause"),
                ("2026-03-09T11:30", "pause"),
            ],
            "events[2]",
        ),
        (
            [
                ("2026-03-09T10:00", "open", {"priority": "high"}),
                ("2026-03-09T11:00", "resolve"),
                ("2026-03-09T11:30", "respond"),
            ],
            "events[2]",
        ),
        (
            [
                ("2026-03-09T10:00", "open", {"priority": "high"}),
                ("2026-03-09T11:00", "open", {"priority": "high"}),
            ],
            "events[1]",
        ),
        ([("2026-03-09T10:00", "open")], "events[0]"),
    ],
)
def test_bad_event_logs_are_refused_naming_the_event(log, field):
    with pytest.raises(InvalidInput) as refused:
        evaluate_clocks(events(*log), terms=TERMS, now=at("2026-03-10T10:00"))
    assert field in refused.value.fields


def test_a_priority_without_targets_runs_no_clock():
    log = events(("2026-03-09T10:00", "open", {"priority": "normal"}))
    clocks = evaluate_clocks(log, terms=TERMS, now=at("2026-03-10T10:00"))
    assert (clocks.clocks, clocks.risk, clocks.next_due_at, clocks.risk_changes_at) == (
        (),
        "met",
        None,
        None,
    )
    raised = evaluate_clocks(
        [*log, SlaEvent(at("2026-03-09T11:00"), "priority", priority="high")],
        terms=TERMS,
        now=at("2026-03-09T11:30"),
    )
    assert raised.clock("resolution").used == 90 * M  # every clock runs from the opening


def test_now_before_the_last_event_is_refused():
    log = events(("2026-03-09T10:00", "open", {"priority": "high"}))
    with pytest.raises(InvalidInput) as refused:
        evaluate_clocks(log, terms=TERMS, now=at("2026-03-09T09:00"))
    assert list(refused.value.fields) == ["now"]


def test_events_in_one_zone_across_the_autumn_change_are_ordered_by_real_time():
    first = dt.datetime(2026, 10, 25, 2, 30, tzinfo=MADRID)  # 02:30 CEST, before the change
    second = dt.datetime(2026, 10, 25, 2, 10, fold=1, tzinfo=MADRID)  # 02:10 CET, 40 min later
    log = [SlaEvent(first, "open", priority="high"), SlaEvent(second, "respond")]
    clocks = evaluate_clocks(log, terms=SlaTerms(POLICY, ALWAYS), now=second)
    assert clocks.clock("response").used == 40 * M


@pytest.mark.parametrize(
    ("targets", "thresholds", "field"),
    [
        ({}, (75, 90), "targets"),
        ({"high": {"response": dt.timedelta(0)}}, (75, 90), "targets.high.response"),
        ({"high": {"response": -H}}, (75, 90), "targets.high.response"),
        ({"high": {"answer": H}}, (75, 90), "targets.high.answer"),
        ({"high": {"response": H}}, (90, 75), "warning_percent"),
    ],
)
def test_bad_policies_are_refused_naming_the_field(targets, thresholds, field):
    with pytest.raises(InvalidInput) as refused:
        SlaPolicy("bad", targets, warning_percent=thresholds[0], critical_percent=thresholds[1])
    assert field in refused.value.fields


# --- what a change of status means for the clocks ------------------------------------------------
from pacta.domain.tickets import escalated, sla_events_for  # noqa: E402

PAUSING = {"waiting"}


@pytest.mark.parametrize(
    ("old", "new", "made"),
    [
        ("new", "assigned", []),
        ("assigned", "waiting", ["pause"]),
        ("waiting", "in_progress", ["resume"]),
        ("waiting", "resolved", ["resolve"]),
        ("in_progress", "closed", ["resolve"]),
        ("resolved", "closed", []),
        ("resolved", "in_progress", ["reopen"]),
        ("closed", "waiting", ["reopen", "pause"]),
        ("cancelled", "new", ["reopen"]),
        ("waiting", "waiting", []),
    ],
)
def test_status_changes_become_sla_events(old, new, made):
    assert sla_events_for(old, new, PAUSING) == made


def test_a_policy_decides_which_statuses_pause():
    assert sla_events_for("new", "assigned", {"assigned", "waiting"}) == ["pause"]
    assert sla_events_for("assigned", "waiting", {"assigned", "waiting"}) == []


def test_escalation_climbs_one_step_and_stops_at_the_top():
    assert [escalated(p) for p in ("low", "normal", "high", "critical")] == [
        "normal",
        "high",
        "critical",
        "critical",
    ]


def test_a_met_targets_due_instant_is_counted_from_when_it_was_met_and_stays_put():
    log = events(
        ("2026-03-09T10:00", "open", {"priority": "high"}), ("2026-03-09T10:20", "respond")
    )
    early = evaluate_clocks(log, terms=TERMS, now=at("2026-03-09T10:20"))
    late = evaluate_clocks(log, terms=TERMS, now=at("2026-03-12T15:00"))
    assert early.clock("response").due_at == late.clock("response").due_at == at("2026-03-09T11:00")
    assert late.clock("response").state == "met"
