"""SLA clocks: what the acceptance file does not cover — changes of priority and policy, risk,
the next instant the risk changes, and refused event logs."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pacta.domain.calendar import BusinessCalendar
from pacta.domain.errors import InvalidInput
from pacta.domain.sla import (
    RESOLUTION,
    RESPONSE,
    UPDATES,
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


def at(text: str, zone: dt.tzinfo = UTC) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=zone)


def events(*items, zone: dt.tzinfo = UTC):
    return [
        SlaEvent(at(t, zone), kind, **extra)
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
    clocks = evaluate_clocks(log, terms=TERMS, now=at("2026-03-10T10:00"))
    resolution = clocks.clock("resolution")
    assert (resolution.state, resolution.breached_by, resolution.completed_at) == (
        "breached",
        H,
        None,
    )
    # a one-shot target is breached once, however often the ticket reopens
    assert (resolution.breaches, resolution.cycle, clocks.clock("response").breaches) == (1, 0, 0)


def test_a_policy_may_add_a_target_with_its_own_milestone():
    on_site = TargetKind("on_site", completed_by=frozenset({"arrive"}))
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


# --- the update target: the customer hears from us at least every so much business time ---------
#: Split shifts in Madrid, Monday to Friday: 08:00-14:00 and 15:00-18:00.
SPLIT = BusinessCalendar(
    "Europe/Madrid", {d: [("08:00", "14:00"), ("15:00", "18:00")] for d in WEEKDAYS}
)
UPDATING = SlaPolicy(
    "updating",
    {
        "high": {"response": H, "resolution": 16 * H, "update": 2 * H},
        "critical": {"response": 30 * M, "resolution": 8 * H, "update": H},
        "low": {"response": 8 * H, "resolution": 40 * H},
    },
)
UPDATING_TERMS = SlaTerms(UPDATING, SPLIT)


def madrid(text: str) -> dt.datetime:
    return at(text, MADRID)


def log_in_madrid(*items):
    return events(*items, zone=MADRID)


#: Friday 13 March 2026 to Tuesday 17: answered, updated, paused over the weekend, an update
#: missed on Monday morning, resolved, reopened.
STORY = log_in_madrid(
    ("2026-03-13T12:30", "open", {"priority": "high"}),
    ("2026-03-13T13:00", "respond"),
    ("2026-03-13T15:45", "update"),
    ("2026-03-13T16:30", "pause"),
    ("2026-03-16T09:00", "resume"),
    ("2026-03-16T11:00", "update"),
    ("2026-03-16T12:45", "resolve"),
    ("2026-03-17T09:00", "reopen"),
)


def story_until(text: str):
    """The story's events up to ``text`` (Madrid), evaluated then."""
    now = madrid(text)
    return evaluate_clocks([e for e in STORY if e.at <= now], terms=UPDATING_TERMS, now=now)


def test_the_first_response_starts_the_first_update_cycle_from_zero():
    clocks = story_until("2026-03-13T13:00")
    update = clocks.clock("update")
    # two hours from 13:00: one before lunch, one after it
    assert (update.used, update.remaining, update.due_at) == (
        0 * H,
        2 * H,
        madrid("2026-03-13T16:00"),
    )
    assert (update.state, update.risk, update.breaches, update.cycle) == ("pending", "ok", 0, 1)
    assert clocks.next_due_at == madrid("2026-03-13T16:00")  # before the resolution's


def test_a_pause_inside_a_cycle_does_not_count_and_the_weekend_is_closed():
    clocks = story_until("2026-03-16T09:00")
    update = clocks.clock("update")
    # the cycle began with the update at 15:45 on Friday; paused at 16:30 until Monday 09:00
    assert (update.used, update.remaining, update.due_at) == (
        45 * M,
        75 * M,
        madrid("2026-03-16T10:15"),
    )
    assert (update.state, update.risk, update.breaches, update.cycle) == ("pending", "ok", 0, 2)
    assert clocks.paused == 150 * M  # Friday 16:30-18:00 and Monday 08:00-09:00
    assert clocks.risk_changes_at == madrid("2026-03-16T09:45")  # 75% of two hours used
    assert clocks.next_due_at == madrid("2026-03-16T10:15")


def test_a_missed_update_is_breached_when_the_cycle_runs_out():
    update = story_until("2026-03-16T10:45").clock("update")
    assert (update.state, update.risk, update.due_at) == (
        "breached",
        "breached",
        madrid("2026-03-16T10:15"),
    )
    assert (update.used, update.remaining, update.breached_by, update.breaches) == (
        150 * M,
        0 * H,
        30 * M,
        1,
    )


def test_a_missed_update_stays_a_fact_while_the_next_cycle_runs():
    clocks = story_until("2026-03-16T12:00")
    update = clocks.clock("update")
    # the cycle from Friday 15:45 to Monday 11:00 used 2:45 of its two hours
    assert (update.state, update.breaches, update.breached_by) == ("breached", 1, 45 * M)
    # the current cycle, from 11:00: an hour used, on track
    assert (update.used, update.remaining, update.due_at, update.risk) == (
        H,
        H,
        madrid("2026-03-16T13:00"),
        "ok",
    )
    assert update.cycle == 3
    assert clocks.risk == "ok"  # the ticket is on track now: the breach is history
    assert clocks.risk_changes_at == madrid("2026-03-16T12:30")
    assert clocks.next_due_at == madrid("2026-03-16T13:00")
    resolution = clocks.clock("resolution")
    # updates do not touch the other targets: 3 hours on Friday, 3 on Monday morning
    assert (resolution.used, resolution.breaches) == (6 * H, 0)


def test_resolving_stops_the_updates_and_reopening_starts_a_new_cycle():
    resolved = story_until("2026-03-16T12:45")
    update = resolved.clock("update")
    assert (update.state, update.risk, update.completed_at) == (
        "breached",
        "breached",
        madrid("2026-03-16T12:45"),
    )
    assert (update.used, update.due_at, update.breaches) == (
        105 * M,
        madrid("2026-03-16T13:00"),
        1,
    )
    assert resolved.risk_changes_at is None
    reopened = story_until("2026-03-17T10:00")
    update = reopened.clock("update")
    assert (update.used, update.due_at, update.completed_at, update.cycle) == (
        H,
        madrid("2026-03-17T11:00"),
        None,
        4,
    )
    assert (update.state, update.risk, update.breaches) == ("breached", "ok", 1)
    assert reopened.clock("resolution").used == 7 * H + 45 * M


def test_the_history_shows_each_cycle_starting_from_zero():
    clocks = story_until("2026-03-17T10:00")
    assert [(step.kind, step.used["update"]) for step in clocks.history] == [
        ("open", 0 * H),
        ("respond", 0 * H),
        ("update", 0 * H),
        ("pause", 45 * M),
        ("resume", 45 * M),
        ("update", 0 * H),
        ("resolve", 105 * M),
        ("reopen", 0 * H),
    ]


def test_a_cycle_is_judged_on_the_budget_in_force_when_it_ends():
    log = log_in_madrid(
        ("2026-03-09T09:00", "open", {"priority": "high"}),
        ("2026-03-09T09:10", "respond"),
        ("2026-03-09T10:40", "priority", {"priority": "critical"}),  # 1:30 used of 2 h, now 1 h
        ("2026-03-09T11:00", "update"),
    )
    update = evaluate_clocks(log, terms=UPDATING_TERMS, now=madrid("2026-03-09T11:30")).clock(
        "update"
    )
    assert (update.state, update.breaches, update.breached_by) == ("breached", 1, 50 * M)
    assert (update.used, update.budget, update.due_at) == (30 * M, H, madrid("2026-03-09T12:00"))


def test_a_priority_without_an_update_target_has_no_update_clock():
    log = log_in_madrid(("2026-03-09T09:00", "open", {"priority": "low"}))
    clocks = evaluate_clocks(log, terms=UPDATING_TERMS, now=madrid("2026-03-09T12:00"))
    assert [clock.name for clock in clocks.clocks] == ["response", "resolution"]


def test_an_update_to_a_resolved_ticket_is_refused():
    log = log_in_madrid(
        ("2026-03-09T09:00", "open", {"priority": "high"}),
        ("2026-03-09T10:00", "resolve"),
        ("2026-03-09T10:30", "update"),
    )
    with pytest.raises(InvalidInput) as refused:
        evaluate_clocks(log, terms=UPDATING_TERMS, now=madrid("2026-03-09T11:00"))
    assert list(refused.value.fields) == ["events[2]"]


def test_the_update_target_is_a_standard_kind_told_by_its_events_not_its_name():
    assert UPDATES.restarts_on == {"respond", "update", "reopen"}
    assert UPDATES.completed_by == {"resolve"}
    assert UPDATING.kinds == (RESPONSE, RESOLUTION, UPDATES)
    # any kind restarting on an event is recurring: a "visit" target renewed by each arrival
    visits = TargetKind("visit", restarts_on=frozenset({"update"}))
    policy = SlaPolicy("visits", {"high": {"visit": H}}, kinds=(visits,))
    log = log_in_madrid(
        ("2026-03-09T09:00", "open", {"priority": "high"}),
        ("2026-03-09T11:00", "update"),
        ("2026-03-09T11:30", "update"),
    )
    clocks = evaluate_clocks(log, terms=SlaTerms(policy, SPLIT), now=madrid("2026-03-09T12:00"))
    visit = clocks.clock("visit")
    assert (visit.breaches, visit.breached_by, visit.used, visit.cycle) == (1, H, 30 * M, 2)


@st.composite
def update_story(draw):
    """An opening on some day of March 2026 (the spring change of time included), then the
    first response and updates each a number of business minutes after the last, and "now"
    a number of business minutes after the last of them."""
    opened = draw(
        st.datetimes(min_value=dt.datetime(2026, 3, 2), max_value=dt.datetime(2026, 3, 31))
    ).replace(tzinfo=MADRID, microsecond=0)
    gaps = draw(st.lists(st.integers(min_value=1, max_value=300), min_size=2, max_size=8))
    moments = [opened]
    for gap in gaps:
        moments.append(SPLIT.add(moments[-1], gap * M))
    kinds = ["open", "respond", *["update"] * (len(gaps) - 2)]
    log = [SlaEvent(moments[0], "open", priority="high")]
    log += [SlaEvent(moment, kind) for moment, kind in zip(moments[1:-1], kinds[1:], strict=True)]
    return log, moments[-1], gaps


@settings(max_examples=300, deadline=None)
@given(update_story())
def test_every_cycle_longer_than_the_budget_is_one_breach(story):
    log, now, gaps = story
    clocks = evaluate_clocks(log, terms=UPDATING_TERMS, now=now)
    update, response = clocks.clock("update"), clocks.clock("response")
    budget = 120  # minutes
    assert update.breaches == sum(gap > budget for gap in gaps)
    assert update.breached_by == max(max(gaps) - budget, 0) * M
    assert update.state == ("breached" if update.breaches else "pending")
    assert (update.used, update.cycle) == (gaps[-1] * M, len(gaps) - 1)
    last = log[-1].at
    assert update.due_at == (
        SPLIT.add(last, budget * M)
        if gaps[-1] > budget
        else SPLIT.add(now, (budget - gaps[-1]) * M)
    )
    # a one-shot target is breached at most once: the first response came gaps[0] after opening
    assert (response.breaches, response.state) == ((1, "breached") if gaps[0] > 60 else (0, "met"))


def next_change(now: dt.datetime, used: int, budget: int) -> dt.datetime | None:
    """When a clock that used ``used`` of ``budget`` minutes at ``now`` changes level: 75% and
    90% used, then the first microsecond past the budget."""
    if used > budget:
        return None
    for mark in (budget * 75 // 100, budget * 90 // 100):
        if used < mark:
            return SPLIT.add(now, (mark - used) * M)
    return SPLIT.add(now, (budget - used) * M + dt.timedelta(microseconds=1))


@settings(max_examples=200, deadline=None)
@given(update_story())
def test_the_risk_changes_at_the_next_threshold_of_the_current_cycle(story):
    log, now, gaps = story
    clocks = evaluate_clocks(log, terms=UPDATING_TERMS, now=now)
    # the update clock from the last update, the resolution from the opening (the response met)
    changes = [next_change(now, gaps[-1], 120), next_change(now, sum(gaps), 16 * 60)]
    expected = min(
        (c for c in changes if c is not None), key=lambda c: c.astimezone(UTC), default=None
    )
    assert clocks.risk_changes_at == expected
