"""A ticket's SLA over real HTTP: the clocks on the ticket, the actions that move them, the
history that explains them, the event log, the rescue actions, and who may do what.

The calls run at the real "now", long after the Monday these tickets open on (2026-03-02), so an
event is dated with ``at`` and a clock still running when a call is made has run ever since: it
is breached, its due instant is the one at which its budget ran out, and the time it used is the
business time between its last start and the instant the call evaluated it (``sla_evaluated_at``
or ``evaluated_at`` in the answer), measured on the ticket's calendar.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from django.utils import timezone

from pacta.audit.models import AuditEntry
from pacta.service.models import RescueAction, Ticket, TicketEvent
from pacta.sla.selectors import sla_calendar
from tests.support import make
from tests.support.fixtures import ids_of, results
from tests.support.make import at
from tests.support.state import row, table_counts

pytestmark = pytest.mark.django_db(transaction=True)

H = timedelta(hours=1)
MIN = timedelta(minutes=1)
ZERO = timedelta(0)
ACTIONS = ("respond", "pause", "resume", "resolve", "reopen")


@pytest.fixture
def world():
    """A customer's site under a contract with make.calendar() (Mon-Fri 08:00-18:00 Madrid)
    and make.sla_policy() (high: 1 h response, 4 h resolution)."""
    customer = make.customer()
    site, service = make.site(customer), make.service()
    cal, pol = make.calendar(), make.sla_policy()
    contract = make.contract(
        customer, sites=[site], scope=[(service, "included")], calendar=cal, sla_policy=pol
    )
    return {
        "customer": customer,
        "site": site,
        "service": service,
        "cal": cal,
        "pol": pol,
        "contract": contract,
    }


def open_ticket(world: dict[str, Any], priority: str = "high", when: str = "2026-03-02 09:00"):
    """A ticket opened on Monday 2 March 2026 at 09:00 Madrid unless told."""
    return make.ticket(
        world["site"],
        world["service"],
        contract=world["contract"],
        priority=priority,
        opened_at=at(when),
    )


def iso(text: str) -> str:
    """'2026-03-02 09:30' (Madrid) as an ISO instant for a request body."""
    return at(text).isoformat()


def moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def seconds(duration: timedelta) -> int:
    return duration // timedelta(seconds=1)


def clock(
    name: str,
    budget: timedelta,
    used: timedelta,
    *,
    state: str,
    risk: str,
    due_at: datetime,
    completed_at: datetime | None = None,
) -> dict[str, Any]:
    """A clock as the API shows it (durations as whole seconds)."""
    return {
        "name": name,
        "budget_seconds": seconds(budget),
        "used_seconds": seconds(used),
        "remaining_seconds": seconds(max(budget - used, ZERO)),
        "state": state,
        "risk": risk,
        "due_at": due_at,
        "breached_by_seconds": seconds(max(used - budget, ZERO)),
        "completed_at": completed_at,
        "breaches": int(used > budget),
    }


def clocks_of(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The answer's clocks, with their instants read back as datetimes."""
    return [
        {**c, "due_at": moment(c["due_at"]), "completed_at": moment(c["completed_at"])}
        for c in body["clocks"]
    ]


def business(world: dict[str, Any], start: datetime, end: datetime | None) -> timedelta:
    """Business time between two instants on the contract's calendar."""
    assert end is not None
    return sla_calendar(world["cal"]).between(start, end)


def later(world: dict[str, Any], start: datetime | None, duration: timedelta) -> datetime:
    """The instant ``duration`` of business time after ``start`` on the contract's calendar."""
    assert start is not None
    return sla_calendar(world["cal"]).add(start, duration)


# --- the actions, step by step --------------------------------------------------------------
def test_respond_pause_resume_and_resolve_move_the_clocks_exactly(api, world):
    ticket = open_ticket(world)  # high, Monday 09:00: response due 10:00, resolution due 13:00
    dispatcher = make.user("dispatcher")
    client = api(dispatcher)

    opened = client.get(f"/tickets/{ticket.pk}/").json()
    assert (opened["sla_policy"], opened["sla_calendar"]) == (world["pol"].pk, world["cal"].pk)
    assert opened["sla_risk"] == "ok"
    assert moment(opened["sla_next_due_at"]) == at("2026-03-02 10:00")
    assert moment(opened["sla_evaluated_at"]) == at("2026-03-02 09:01")
    assert clocks_of(opened) == [
        clock("response", H, MIN, state="pending", risk="ok", due_at=at("2026-03-02 10:00")),
        clock("resolution", 4 * H, MIN, state="pending", risk="ok", due_at=at("2026-03-02 13:00")),
    ]

    # The first response at 09:15 meets the response target.
    responded = client.post(
        f"/tickets/{ticket.pk}/respond/", {"at": iso("2026-03-02 09:15"), "reason": "Called back"}
    )
    assert responded.status_code == 200, responded.text
    body = responded.json()
    now = moment(body["sla_evaluated_at"])
    assert body["status"] == "new"
    assert clocks_of(body) == [
        clock(
            "response",
            H,
            15 * MIN,
            state="met",
            risk="met",
            due_at=at("2026-03-02 10:00"),  # counted from 09:15, when it was met
            completed_at=at("2026-03-02 09:15"),
        ),
        # Still running ever since: its four hours ran out at 13:00 that Monday.
        clock(
            "resolution",
            4 * H,
            business(world, at("2026-03-02 09:00"), now),
            state="breached",
            risk="breached",
            due_at=at("2026-03-02 13:00"),
        ),
    ]
    assert (body["sla_risk"], body["sla_next_due_at"]) == ("breached", None)

    # Waiting on the customer from 09:30: the resolution clock stops at 30 minutes used.
    paused = client.post(f"/tickets/{ticket.pk}/pause/", {"at": iso("2026-03-02 09:30")})
    assert paused.status_code == 200, paused.text
    body = paused.json()
    now = moment(body["sla_evaluated_at"])
    assert body["status"] == "waiting"
    assert clocks_of(body)[1] == clock(
        "resolution",
        4 * H,
        30 * MIN,
        state="pending",
        risk="ok",
        due_at=later(world, now, 3 * H + 30 * MIN),
    )

    # Work goes on at 11:30: the two paused hours do not count, so it was due at 15:00.
    resumed = client.post(f"/tickets/{ticket.pk}/resume/", {"at": iso("2026-03-02 11:30")})
    assert resumed.status_code == 200, resumed.text
    body = resumed.json()
    now = moment(body["sla_evaluated_at"])
    assert body["status"] == "in_progress"
    assert clocks_of(body)[1] == clock(
        "resolution",
        4 * H,
        30 * MIN + business(world, at("2026-03-02 11:30"), now),
        state="breached",
        risk="breached",
        due_at=at("2026-03-02 15:00"),
    )

    # Resolved at 14:00: 30 min + 2 h 30 used of 4 h, the target is met.
    resolved = client.post(
        f"/tickets/{ticket.pk}/resolve/", {"at": iso("2026-03-02 14:00"), "reason": "Fixed"}
    )
    assert resolved.status_code == 200, resolved.text
    body = resolved.json()
    now = moment(body["sla_evaluated_at"])
    assert (body["status"], body["sla_risk"], body["sla_next_due_at"]) == ("resolved", "met", None)
    assert clocks_of(body) == [
        clock(
            "response",
            H,
            15 * MIN,
            state="met",
            risk="met",
            due_at=at("2026-03-02 10:00"),  # counted from 09:15, when it was met
            completed_at=at("2026-03-02 09:15"),
        ),
        clock(
            "resolution",
            4 * H,
            3 * H,
            state="met",
            risk="met",
            due_at=at("2026-03-02 15:00"),  # counted from 14:00, when it was met
            completed_at=at("2026-03-02 14:00"),
        ),
    ]
    assert client.get(f"/tickets/{ticket.pk}/").json() == body

    events = list(
        TicketEvent.objects.filter(ticket=ticket)
        .order_by("at", "id")
        .values_list("kind", "status", "actor_id", "reason")
    )
    assert events == [
        ("open", "new", None, ""),
        ("respond", "", dispatcher.pk, "Called back"),
        ("status", "waiting", dispatcher.pk, ""),
        ("pause", "waiting", dispatcher.pk, ""),
        ("status", "in_progress", dispatcher.pk, ""),
        ("resume", "in_progress", dispatcher.pk, ""),
        ("status", "resolved", dispatcher.pk, "Fixed"),
        ("resolve", "resolved", dispatcher.pk, "Fixed"),
    ]
    statuses = AuditEntry.objects.filter(
        entity_type="service.ticket", entity_id=str(ticket.pk), action="update"
    ).order_by("id")
    assert [(e.actor_id, e.after["status"], e.reason) for e in statuses] == [
        (dispatcher.pk, "waiting", ""),
        (dispatcher.pk, "in_progress", ""),
        (dispatcher.pk, "resolved", "Fixed"),
    ]


def test_the_sla_endpoint_explains_each_step_and_the_pause(api, world):
    ticket = open_ticket(world)
    client = api(make.user("manager"))
    for action, when in (
        ("respond", "09:15"),
        ("pause", "09:30"),
        ("resume", "11:30"),
        ("resolve", "14:00"),
    ):
        response = client.post(f"/tickets/{ticket.pk}/{action}/", {"at": iso(f"2026-03-02 {when}")})
        assert response.status_code == 200, response.text

    started = timezone.now()
    answer = client.get(f"/tickets/{ticket.pk}/sla/")

    assert answer.status_code == 200, answer.text
    body = answer.json()
    now = moment(body["evaluated_at"])
    assert started <= now <= timezone.now()
    assert {key: body[key] for key in body if key not in ("clocks", "history")} == {
        "evaluated_at": body["evaluated_at"],
        "sla_policy": world["pol"].pk,
        "sla_calendar": world["cal"].pk,
        "risk": "met",
        "paused_seconds": 2 * 3600,
        "next_due_at": None,
        "risk_changes_at": None,
    }
    assert clocks_of(body) == [
        clock(
            "response",
            H,
            15 * MIN,
            state="met",
            risk="met",
            due_at=at("2026-03-02 10:00"),  # counted from 09:15, when it was met
            completed_at=at("2026-03-02 09:15"),
        ),
        clock(
            "resolution",
            4 * H,
            3 * H,
            state="met",
            risk="met",
            due_at=at("2026-03-02 15:00"),  # counted from 14:00, when it was met
            completed_at=at("2026-03-02 14:00"),
        ),
    ]
    history = [{**step, "at": moment(step["at"])} for step in body["history"]]
    assert history == [
        {
            "at": at("2026-03-02 09:00"),
            "event": "open",
            "note": "",
            "used": {"response": 0, "resolution": 0},
        },
        {
            "at": at("2026-03-02 09:15"),
            "event": "respond",
            "note": "",
            "used": {"response": 900, "resolution": 900},
        },
        {
            "at": at("2026-03-02 09:30"),
            "event": "pause",
            "note": "",
            "used": {"response": 900, "resolution": 1800},
        },
        {
            "at": at("2026-03-02 11:30"),
            "event": "resume",
            "note": "",
            "used": {"response": 900, "resolution": 1800},
        },
        {
            "at": at("2026-03-02 14:00"),
            "event": "resolve",
            "note": "",
            "used": {"response": 900, "resolution": 3 * 3600},
        },
    ]


def test_reopening_runs_the_resolution_clock_again_with_the_time_it_had(api, world):
    ticket = open_ticket(world)
    client = api(make.user("dispatcher"))
    for action, when in (("respond", "09:15"), ("resolve", "11:00")):
        response = client.post(f"/tickets/{ticket.pk}/{action}/", {"at": iso(f"2026-03-02 {when}")})
        assert response.status_code == 200, response.text

    reopened = client.post(
        f"/tickets/{ticket.pk}/reopen/",
        {"at": iso("2026-03-02 15:00"), "reason": "Customer says it fails again"},
    )

    assert reopened.status_code == 200, reopened.text
    body = reopened.json()
    now = moment(body["sla_evaluated_at"])
    assert body["status"] == "in_progress"
    # 2 h used before 11:00, two more from 15:00: the four hours ran out at 17:00.
    assert clocks_of(body)[1] == clock(
        "resolution",
        4 * H,
        2 * H + business(world, at("2026-03-02 15:00"), now),
        state="breached",
        risk="breached",
        due_at=at("2026-03-02 17:00"),
    )
    steps = client.get(f"/tickets/{ticket.pk}/sla/").json()["history"]
    assert [(s["event"], s["used"]) for s in steps[-2:]] == [
        ("resolve", {"response": 900, "resolution": 7200}),
        ("reopen", {"response": 900, "resolution": 7200}),
    ]


def test_a_status_change_pauses_the_clocks_like_a_pause(api, world):
    ticket = open_ticket(world)
    client = api(make.user("dispatcher"))

    waiting = client.post(
        f"/tickets/{ticket.pk}/status/",
        {"status": "waiting", "reason": "Waiting for the key", "at": iso("2026-03-02 09:20")},
    )

    assert waiting.status_code == 200, waiting.text
    body = waiting.json()
    now = moment(body["sla_evaluated_at"])
    assert body["status"] == "waiting"
    assert clocks_of(body) == [
        clock(
            "response",
            H,
            20 * MIN,
            state="pending",
            risk="ok",
            due_at=later(world, now, 40 * MIN),
        ),
        clock(
            "resolution",
            4 * H,
            20 * MIN,
            state="pending",
            risk="ok",
            due_at=later(world, now, 3 * H + 40 * MIN),
        ),
    ]
    assert TicketEvent.objects.filter(ticket=ticket).latest("id").reason == "Waiting for the key"


def test_a_priority_change_keeps_the_time_used_and_takes_the_new_targets(api, world):
    ticket = open_ticket(world)
    client = api(make.user("dispatcher"))

    raised = client.post(
        f"/tickets/{ticket.pk}/priority/",
        {"priority": "critical", "reason": "The server room", "at": iso("2026-03-02 09:10")},
    )

    assert raised.status_code == 200, raised.text
    body = raised.json()
    now = moment(body["sla_evaluated_at"])
    assert body["priority"] == "critical"
    used = business(world, at("2026-03-02 09:00"), now)
    # critical: 30 min to respond, 2 h to resolve, counted from the opening at 09:00
    assert clocks_of(body) == [
        clock(
            "response",
            30 * MIN,
            used,
            state="breached",
            risk="breached",
            due_at=at("2026-03-02 09:30"),
        ),
        clock(
            "resolution",
            2 * H,
            used,
            state="breached",
            risk="breached",
            due_at=at("2026-03-02 11:00"),
        ),
    ]
    step = client.get(f"/tickets/{ticket.pk}/sla/").json()["history"][1]
    assert step == {
        "at": "2026-03-02T09:10:00+01:00",
        "event": "priority",
        "note": "high → critical",
        "used": {"response": 600, "resolution": 600},
    }
    entry = AuditEntry.objects.filter(entity_type="service.ticket", action="update").get()
    assert (entry.before["priority"], entry.after["priority"], entry.reason) == (
        "high",
        "critical",
        "The server room",
    )


def test_another_sla_policy_keeps_the_time_used(api, world):
    ticket = open_ticket(world)
    gold = make.sla_policy(name="Gold", targets={"high": (2 * H, 8 * H), "normal": (4 * H, 16 * H)})
    client = api(make.user("manager"))

    changed = client.post(
        f"/tickets/{ticket.pk}/sla-policy/",
        {"sla_policy": gold.pk, "reason": "Upgraded to gold", "at": iso("2026-03-02 09:30")},
    )

    assert changed.status_code == 200, changed.text
    body = changed.json()
    now = moment(body["sla_evaluated_at"])
    assert (body["sla_policy"], body["sla_calendar"]) == (gold.pk, world["cal"].pk)
    used = business(world, at("2026-03-02 09:00"), now)
    assert clocks_of(body) == [
        clock(
            "response",
            2 * H,
            used,
            state="breached",
            risk="breached",
            due_at=at("2026-03-02 11:00"),
        ),
        clock(
            "resolution",
            8 * H,
            used,
            state="breached",
            risk="breached",
            due_at=at("2026-03-02 17:00"),
        ),
    ]
    step = client.get(f"/tickets/{ticket.pk}/sla/").json()["history"][1]
    assert (step["event"], step["note"], step["used"]) == (
        "policy",
        f"{world['pol'].name} → Gold",
        {"response": 1800, "resolution": 1800},
    )
    assert row(ticket)["sla_policy_id"] == gold.pk


def test_another_calendar_counts_the_time_left_on_its_own_hours(api, world):
    ticket = open_ticket(world, priority="normal")  # 4 h to respond, 16 h to resolve
    round_the_clock = make.calendar(
        windows=[{"weekday": day, "starts": "00:00", "ends": "24:00"} for day in range(7)]
    )
    client = api(make.user("manager"))

    changed = client.post(
        f"/tickets/{ticket.pk}/sla-policy/",
        {
            "sla_policy": world["pol"].pk,
            "calendar": round_the_clock.pk,
            "reason": "Round the clock from now on",
            "at": iso("2026-03-02 17:00"),
        },
    )

    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert (body["sla_policy"], body["sla_calendar"]) == (world["pol"].pk, round_the_clock.pk)
    # 8 office hours used by 17:00; the response's 4 ran out at 13:00 on office hours, the
    # resolution's 8 left ran on round the clock until 01:00 on Tuesday.
    assert [(c["name"], c["state"], moment(c["due_at"])) for c in body["clocks"]] == [
        ("response", "breached", at("2026-03-02 13:00")),
        ("resolution", "breached", at("2026-03-03 01:00")),
    ]
    step = client.get(f"/tickets/{ticket.pk}/sla/").json()["history"][-1]
    assert (step["event"], step["used"]) == (
        "policy",
        {"response": 8 * 3600, "resolution": 8 * 3600},
    )


# --- refusals: their codes, and nothing changed ------------------------------------------------
def test_a_second_first_response_is_refused_and_changes_nothing(api, world):
    ticket = open_ticket(world)
    client = api(make.user("dispatcher"))
    assert client.post(f"/tickets/{ticket.pk}/respond/", {}).status_code == 200
    before, counts = row(ticket), table_counts()

    again = client.post(f"/tickets/{ticket.pk}/respond/", {"reason": "Called again"})

    assert again.status_code == 409, again.text
    assert again.json() == {
        "code": "already_responded",
        "detail": "The first response to this ticket is already recorded.",
        "fields": {},
    }
    assert (row(ticket), table_counts()) == (before, counts)


def test_a_done_ticket_takes_no_first_response_and_an_open_one_is_not_reopened(api, world):
    done, still_open = open_ticket(world), open_ticket(world)
    client = api(make.user("dispatcher"))
    resolved = client.post(f"/tickets/{done.pk}/resolve/", {"at": iso("2026-03-02 10:00")})
    assert resolved.status_code == 200, resolved.text
    before = (row(done), row(still_open))
    counts = table_counts()

    responded = client.post(f"/tickets/{done.pk}/respond/", {})
    reopened = client.post(f"/tickets/{still_open.pk}/reopen/", {})

    assert (responded.status_code, responded.json()["code"]) == (409, "ticket_done")
    assert responded.json()["detail"] == "This ticket is resolved: reopen it first."
    assert (reopened.status_code, reopened.json()) == (
        409,
        {
            "code": "not_done",
            "detail": "Only a resolved, closed or cancelled ticket is reopened.",
            "fields": {},
        },
    )
    assert ((row(done), row(still_open)), table_counts()) == (before, counts)


def test_a_resolved_ticket_is_neither_paused_nor_resumed_but_reopened(api, world):
    """Pausing or resuming a resolved ticket must not reopen it behind the caller's back: like
    a first response, it is refused until the ticket is reopened (409 ticket_done).

    FAILS until ticket_status_change-based ticket_pause/ticket_resume refuse a done ticket: today
    they move resolved -> waiting / in progress, which records a reopening (and a pause)."""
    ticket = open_ticket(world)
    client = api(make.user("dispatcher"))
    resolved = client.post(f"/tickets/{ticket.pk}/resolve/", {"at": iso("2026-03-02 10:00")})
    assert resolved.status_code == 200, resolved.text
    before, counts = row(ticket), table_counts()

    for action in ("pause", "resume"):
        response = client.post(f"/tickets/{ticket.pk}/{action}/", {})
        assert (response.status_code, response.json().get("code")) == (409, "ticket_done"), action
    assert (row(ticket), table_counts()) == (before, counts)


def test_a_policy_without_pausing_statuses_refuses_a_pause(api, world):
    strict = make.sla_policy(pausing_statuses=[])
    contract = make.contract(
        world["customer"],
        sites=[world["site"]],
        scope=[(world["service"], "included")],
        calendar=world["cal"],
        sla_policy=strict,
    )
    ticket = make.ticket(world["site"], world["service"], contract=contract, priority="high")
    client = api(make.user("dispatcher"))
    before, counts = row(ticket), table_counts()

    paused = client.post(f"/tickets/{ticket.pk}/pause/", {})

    assert (paused.status_code, paused.json()["code"]) == (409, "no_pausing_status")
    assert (row(ticket), table_counts()) == (before, counts)


def test_an_event_in_the_future_or_before_the_last_one_is_refused_on_at(api, world):
    ticket = open_ticket(world)
    client = api(make.user("dispatcher"))
    paused = client.post(f"/tickets/{ticket.pk}/pause/", {"at": iso("2026-03-02 11:00")})
    assert paused.status_code == 200, paused.text
    before, counts = row(ticket), table_counts()
    future = (timezone.now() + H).isoformat()

    refused = {
        "future respond": client.post(f"/tickets/{ticket.pk}/respond/", {"at": future}),
        "future resume": client.post(f"/tickets/{ticket.pk}/resume/", {"at": future}),
        "earlier resume": client.post(
            f"/tickets/{ticket.pk}/resume/", {"at": iso("2026-03-02 10:59")}
        ),
        "earlier priority": client.post(
            f"/tickets/{ticket.pk}/priority/",
            {"priority": "critical", "reason": "Urgent", "at": iso("2026-03-02 10:00")},
        ),
        "not an instant": client.post(f"/tickets/{ticket.pk}/respond/", {"at": "Monday"}),
    }

    for name, response in refused.items():
        assert response.status_code == 400, (name, response.text)
        assert list(response.json()["fields"]) == ["at"], name
    assert refused["future respond"].json()["fields"] == {
        "at": ["An event cannot happen in the future."]
    }
    assert refused["earlier resume"].json()["fields"] == {
        "at": [
            "The ticket's last event is at 2026-03-02 11:00:00; a new one cannot come before it."
        ]
    }
    assert (row(ticket), table_counts()) == (before, counts)


def test_bad_bodies_are_refused_naming_the_field(api, world):
    ticket = open_ticket(world)
    client = api(make.user("dispatcher"))
    before, counts = row(ticket), table_counts()

    for path, body, field in (
        ("status", {"status": "lost", "reason": "?"}, "status"),
        ("status", {"reason": "no status"}, "status"),
        ("priority", {"priority": "urgent", "reason": "Boss"}, "priority"),
        ("priority", {"priority": "critical"}, "reason"),
        ("priority", {"priority": "critical", "reason": "   "}, "reason"),
        ("sla-policy", {"sla_policy": world["pol"].pk}, "reason"),
        ("sla-policy", {"sla_policy": 999999, "reason": "Gold"}, "sla_policy"),
        ("sla-policy", {"reason": "Gold"}, "sla_policy"),
        (
            "sla-policy",
            {"sla_policy": world["pol"].pk, "calendar": 999999, "reason": "x"},
            "calendar",
        ),
    ):
        response = client.post(f"/tickets/{ticket.pk}/{path}/", body)
        assert response.status_code == 400, (path, body, response.text)
        assert list(response.json()["fields"]) == [field], (path, body)
    missing_reason = client.post(f"/tickets/{ticket.pk}/priority/", {"priority": "critical"})
    assert missing_reason.json()["fields"] == {
        "reason": ["Say why: a reason is required for this change."]
    }
    assert (row(ticket), table_counts()) == (before, counts)


def test_a_ticket_without_an_sla_needs_a_calendar_for_a_policy(api, world):
    ticket = make.ticket(world["site"], world["service"])  # no contract: no SLA
    client = api(make.user("manager"))
    before, counts = row(ticket), table_counts()

    refused = client.post(
        f"/tickets/{ticket.pk}/sla-policy/", {"sla_policy": world["pol"].pk, "reason": "SLA"}
    )

    assert refused.status_code == 400, refused.text
    assert refused.json()["fields"] == {
        "calendar": ["Give the SLA policy and the business calendar the clocks run on."]
    }
    assert (row(ticket), table_counts()) == (before, counts)
    sla = client.get(f"/tickets/{ticket.pk}/sla/").json()
    assert {key: sla[key] for key in sla if key != "evaluated_at"} == {
        "sla_policy": None,
        "sla_calendar": None,
        "risk": "",
        "paused_seconds": 0,
        "next_due_at": None,
        "risk_changes_at": None,
        "clocks": [],
        "history": [],
    }
    assert client.get(f"/tickets/{ticket.pk}/").json()["clocks"] == []


# --- who may do what -------------------------------------------------------------------------
def test_only_roles_that_change_tickets_move_their_clocks(api, world):
    ticket = open_ticket(world)
    technician = make.user("technician")
    make.work_order(ticket, technician)
    users = {
        "customer": make.user("customer", customer=world["customer"]),
        "technician": technician,  # its own work order's ticket: it sees it, moves nothing
        "finance": make.user("finance"),
        "contractor": make.user("contractor", contractor=make.contractor()),
    }
    clients = {role: api(user) for role, user in users.items()}
    before, counts = row(ticket), table_counts()

    for role, client in clients.items():
        for action in ACTIONS:
            response = client.post(f"/tickets/{ticket.pk}/{action}/", {})
            assert response.status_code == 403, (role, action, response.text)
        for action, body in (
            ("update", {"message": "On our way"}),
            ("status", {"status": "waiting"}),
            ("priority", {"priority": "critical", "reason": "Hurry"}),
            ("sla-policy", {"sla_policy": world["pol"].pk, "reason": "Terms"}),
        ):
            response = client.post(f"/tickets/{ticket.pk}/{action}/", body)
            assert response.status_code == 403, (role, action, response.text)
    assert (row(ticket), table_counts()) == (before, counts)

    for role in ("admin", "manager", "dispatcher"):
        ticket = open_ticket(world)
        response = api(make.user(role)).post(f"/tickets/{ticket.pk}/respond/", {})
        assert response.status_code == 200, (role, response.text)


def test_the_sla_and_the_events_are_read_by_whoever_sees_the_ticket(api, world):
    ticket = open_ticket(world)
    elsewhere = make.ticket(make.site(make.customer()), world["service"])
    technician, stranger = make.user("technician"), make.user("technician")
    make.work_order(ticket, technician)
    customer_user = make.user("customer", customer=world["customer"])

    for user in (customer_user, technician, make.user("finance"), make.user("dispatcher")):
        client = api(user)
        for path in ("sla", "events"):
            response = client.get(f"/tickets/{ticket.pk}/{path}/")
            assert response.status_code == 200, (user.role, path, response.text)
    for user, unseen in ((customer_user, elsewhere), (stranger, ticket)):
        client = api(user)
        for path in ("sla", "events"):
            response = client.get(f"/tickets/{unseen.pk}/{path}/")
            assert (response.status_code, response.json()["code"]) == (404, "not_found")
    contractor = api(make.user("contractor", contractor=make.contractor()))
    assert contractor.get(f"/tickets/{ticket.pk}/sla/").status_code == 403
    assert contractor.get(f"/tickets/{ticket.pk}/events/").status_code == 403


def test_the_event_log_lists_what_happened_in_order(api, world):
    ticket = open_ticket(world)
    dispatcher = make.user("dispatcher")
    client = api(dispatcher)
    raised = client.post(
        f"/tickets/{ticket.pk}/priority/",
        {"priority": "critical", "reason": "Hospital", "at": iso("2026-03-02 09:05")},
    )
    assert raised.status_code == 200, raised.text
    paused = client.post(f"/tickets/{ticket.pk}/pause/", {"at": iso("2026-03-02 09:10")})
    assert paused.status_code == 200, paused.text

    log = client.get(f"/tickets/{ticket.pk}/events/")

    assert log.status_code == 200, log.text
    rows = [{key: value for key, value in e.items() if key != "id"} for e in log.json()]
    assert rows == [
        {
            "at": "2026-03-02T09:00:00+01:00",
            "kind": "open",
            "priority": "high",
            "status": "new",
            "sla_policy": world["pol"].pk,
            "sla_calendar": world["cal"].pk,
            "by": None,
            "reason": "",
        },
        {
            "at": "2026-03-02T09:05:00+01:00",
            "kind": "priority",
            "priority": "critical",
            "status": "",
            "sla_policy": None,
            "sla_calendar": None,
            "by": dispatcher.pk,
            "reason": "Hospital",
        },
        {
            "at": "2026-03-02T09:10:00+01:00",
            "kind": "status",
            "priority": "",
            "status": "waiting",
            "sla_policy": None,
            "sla_calendar": None,
            "by": dispatcher.pk,
            "reason": "",
        },
        {
            "at": "2026-03-02T09:10:00+01:00",
            "kind": "pause",
            "priority": "",
            "status": "waiting",
            "sla_policy": None,
            "sla_calendar": None,
            "by": dispatcher.pk,
            "reason": "",
        },
    ]


def test_tickets_filter_by_their_risk_and_sort_by_their_next_deadline(api, world):
    tuesday = open_ticket(world, when="2026-03-03 09:00")  # response due Tuesday 10:00
    monday = open_ticket(world)  # response due Monday 10:00
    late = open_ticket(world)
    client = api(make.user("dispatcher"))
    assert client.post(f"/tickets/{late.pk}/respond/", {}).status_code == 200

    assert ids_of(client.get("/tickets/", params={"sla_risk": "breached"})) == {late.pk}
    assert ids_of(client.get("/tickets/", params={"sla_risk": "ok"})) == {monday.pk, tuesday.pk}
    soonest = results(
        client.get("/tickets/", params={"sla_risk": "ok", "ordering": "sla_next_due_at"})
    )
    assert [(t["id"], moment(t["sla_next_due_at"])) for t in soonest] == [
        (monday.pk, at("2026-03-02 10:00")),
        (tuesday.pk, at("2026-03-03 10:00")),
    ]


# --- rescue actions -------------------------------------------------------------------------
def test_a_breach_raises_rescue_actions_that_the_office_reads(api, world):
    ticket = open_ticket(world)
    dispatcher = make.user("dispatcher", email="dispatch@example.com")
    client = api(dispatcher)
    assert (
        client.post(f"/tickets/{ticket.pk}/respond/", {"at": iso("2026-03-02 09:15")}).status_code
        == 200
    )

    listed = results(client.get("/rescue-actions/", params={"ticket": ticket.pk}))

    notify = RescueAction.objects.get(ticket=ticket, kind="notify")
    reassign = RescueAction.objects.get(ticket=ticket, kind="reassign")
    evaluated = row(ticket)["sla_evaluated_at"]
    expected = [
        {
            "id": reassign.pk,
            "ticket": ticket.pk,
            "clock": "resolution",
            "level": "breached",
            "kind": "reassign",
            "episode": 0,
            "created_at": timezone.localtime(evaluated).isoformat(),
            "detail": {"technician": None, "why": "No team covers the region —."},
            "handled_at": None,
            "handled_by": None,
        },
        {
            "id": notify.pk,
            "ticket": ticket.pk,
            "clock": "resolution",
            "level": "breached",
            "kind": "notify",
            "episode": 0,
            "created_at": timezone.localtime(evaluated).isoformat(),
            "detail": {"sent_to": [dispatcher.username]},
            "handled_at": None,
            "handled_by": None,
        },
    ]
    assert listed == expected
    assert client.get(f"/rescue-actions/{notify.pk}/").json() == expected[1]
    assert ids_of(client.get("/rescue-actions/", params={"kind": "notify"})) == {notify.pk}
    assert ids_of(client.get("/rescue-actions/", params={"level": "warning"})) == set()
    assert ids_of(client.get("/rescue-actions/", params={"handled": "false"})) == {
        notify.pk,
        reassign.pk,
    }
    assert ids_of(client.get("/rescue-actions/", params={"handled": "true"})) == set()

    counts = table_counts()
    assert client.post("/rescue-actions/", {}).status_code == 405
    assert client.patch(f"/rescue-actions/{notify.pk}/", {"handled_at": None}).status_code == 405
    assert client.delete(f"/rescue-actions/{notify.pk}/").status_code == 405
    assert table_counts() == counts


def test_rescue_actions_are_for_the_office_only(api, world):
    ticket = open_ticket(world)
    assert (
        api(make.user("dispatcher")).post(f"/tickets/{ticket.pk}/respond/", {}).status_code == 200
    )
    action = RescueAction.objects.filter(ticket=ticket).first()
    assert action is not None
    technician = make.user("technician")
    make.work_order(ticket, technician)

    for role in ("admin", "manager", "dispatcher", "finance"):
        client = api(make.user(role))
        assert ids_of(client.get("/rescue-actions/")) == set(
            RescueAction.objects.values_list("pk", flat=True)
        ), role
        assert client.get(f"/rescue-actions/{action.pk}/").status_code == 200, role
    for role, user in (
        ("technician", technician),
        ("contractor", make.user("contractor", contractor=make.contractor())),
        ("customer", make.user("customer", customer=world["customer"])),
    ):
        client = api(user)
        assert client.get("/rescue-actions/").status_code == 403, role
        assert client.get(f"/rescue-actions/{action.pk}/").status_code == 403, role


def test_a_ticket_opened_over_the_api_shows_its_clocks_at_once(api, world):
    client = api(make.user("dispatcher"))

    opened = client.post(
        "/tickets/",
        {
            "site": world["site"].pk,
            "service": world["service"].pk,
            "contract": world["contract"].pk,
            "priority": "high",
            "channel": "dispatcher",
            "subject": "Lift stuck",
            "opened_at": iso("2026-03-02 09:00"),
            "reason": "Phone call",
            # read-only: ignored
            "sla_risk": "met",
            "clocks": [],
            "sla_policy": None,
        },
    )

    assert opened.status_code == 201, opened.text
    body = opened.json()
    ticket = Ticket.objects.get(pk=body["id"])
    assert (body["sla_policy"], body["sla_calendar"]) == (world["pol"].pk, world["cal"].pk)
    assert body["sla_risk"] == "breached"
    assert [c["name"] for c in body["clocks"]] == ["response", "resolution"]
    assert moment(body["sla_evaluated_at"]) == row(ticket)["sla_evaluated_at"]


# --- the schema ---------------------------------------------------------------------------------
def test_the_schema_documents_each_action_with_its_body_and_answer(live_server):
    schema = httpx.get(
        f"{live_server.url}/api/schema/", params={"format": "json"}, timeout=60
    ).json()
    paths = schema["paths"]

    def ref(content: dict[str, Any]) -> str:
        return content["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]

    bodies = {
        "respond": "TicketMoveRequest",
        "update": "TicketPostUpdateRequest",
        "pause": "TicketMoveRequest",
        "resume": "TicketMoveRequest",
        "resolve": "TicketMoveRequest",
        "reopen": "TicketMoveRequest",
        "status": "TicketStatusChangeRequest",
        "priority": "TicketPriorityChangeRequest",
        "sla-policy": "TicketSlaPolicyChangeRequest",
    }
    for action, body in bodies.items():
        operations = paths[f"/api/v1/tickets/{{id}}/{action}/"]
        assert set(operations) == {"post"}, action
        assert ref(operations["post"]["requestBody"]["content"]) == body, action
        assert ref(operations["post"]["responses"]["200"]["content"]) == "Ticket", action
    sla = paths["/api/v1/tickets/{id}/sla/"]
    assert set(sla) == {"get"}
    assert ref(sla["get"]["responses"]["200"]["content"]) == "TicketSla"
    events = paths["/api/v1/tickets/{id}/events/"]["get"]["responses"]["200"]["content"]
    assert events["application/json"]["schema"]["items"]["$ref"].endswith("/TicketEvent")
    assert set(paths["/api/v1/rescue-actions/"]) == {"get"}
    assert set(paths["/api/v1/rescue-actions/{id}/"]) == {"get"}
    listed = {p["name"] for p in paths["/api/v1/rescue-actions/"]["get"]["parameters"]}
    assert {"ticket", "clock", "level", "kind", "handled"} <= listed
    clock = schema["components"]["schemas"]["TicketSlaClock"]["properties"]
    assert set(clock) == {
        "name",
        "budget_seconds",
        "used_seconds",
        "remaining_seconds",
        "state",
        "risk",
        "due_at",
        "breached_by_seconds",
        "completed_at",
        "breaches",
    }
    assert clock["used_seconds"]["type"] == "integer"
