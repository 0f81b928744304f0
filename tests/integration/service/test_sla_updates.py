"""The customer-update target end to end: the update action over real HTTP, the clocks, history
and event log it moves, the sweep rescuing each cycle on its own, and refusals that change
nothing.

The policy here gives a high ticket one hour to the first response, eight to the resolution,
and two hours of business time between two updates to the customer, on make.calendar()
(Monday to Friday, 08:00-18:00 in Madrid).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from pacta.accounts.access import SYSTEM
from pacta.service.models import RescueAction, TicketEvent
from pacta.service.selectors import ticket_list_board
from pacta.service.services import sla_sweep, ticket_pause, ticket_post_update, ticket_respond
from pacta.sla.models import TicketClock
from pacta.sla.services import sla_policy_create
from pacta.web.board import board_rows
from tests.support import make
from tests.support.make import at
from tests.support.state import row, table_counts

from .test_sla_api import iso, moment, seconds

pytestmark = pytest.mark.django_db(transaction=True)

H = timedelta(hours=1)
M = timedelta(minutes=1)


def updating_policy() -> Any:
    return sla_policy_create(
        actor=None,
        values={
            "name": f"Updates every two hours {make.n()}",
            "pausing_statuses": ["waiting"],
            "targets": [
                {"priority": "high", "kind": "response", "duration": H},
                {"priority": "high", "kind": "resolution", "duration": 8 * H},
                {"priority": "high", "kind": "update", "duration": 2 * H},
            ],
        },
    )


@pytest.fixture
def world():
    customer = make.customer()
    site, service = make.site(customer), make.service()
    contract = make.contract(
        customer,
        sites=[site],
        scope=[(service, "included")],
        calendar=make.calendar(),
        sla_policy=updating_policy(),
    )
    return {"customer": customer, "site": site, "service": service, "contract": contract}


def open_ticket(world: dict[str, Any], when: str = "2026-03-02 09:00") -> Any:
    return make.ticket(
        world["site"],
        world["service"],
        contract=world["contract"],
        priority="high",
        opened_at=at(when),
    )


# --- the action, over HTTP ----------------------------------------------------------------------
def test_updates_end_each_cycle_and_a_missed_one_stays_breached(api, world):
    ticket = open_ticket(world)  # Monday 2 March 2026, 09:00
    dispatcher = make.user("dispatcher")
    client = api(dispatcher)

    for path, body in (
        ("respond", {"at": iso("2026-03-02 09:30")}),
        ("update", {"at": iso("2026-03-02 11:00"), "message": "Technician on the way."}),
        ("update", {"at": iso("2026-03-02 14:00"), "message": "  Part ordered; back at 15:00. "}),
        ("resolve", {"at": iso("2026-03-02 15:00")}),
    ):
        response = client.post(f"/tickets/{ticket.pk}/{path}/", body)
        assert response.status_code == 200, (path, response.text)

    body = response.json()
    clocks = {c["name"]: c for c in body["clocks"]}
    assert [c["name"] for c in body["clocks"]] == ["response", "resolution", "update"]
    # cycles: 09:00-09:30 (from the opening to the response), 09:30-11:00, 11:00-14:00 (three
    # hours: one past the budget), 14:00-15:00 (stopped by the resolution)
    assert {k: v for k, v in clocks["update"].items() if k not in ("due_at", "completed_at")} == {
        "name": "update",
        "budget_seconds": seconds(2 * H),
        "used_seconds": seconds(H),
        "remaining_seconds": seconds(H),
        "state": "breached",
        "risk": "breached",
        "breached_by_seconds": seconds(H),
        "breaches": 1,
    }
    assert (moment(clocks["update"]["due_at"]), moment(clocks["update"]["completed_at"])) == (
        at("2026-03-02 16:00"),
        at("2026-03-02 15:00"),
    )
    assert [(c["state"], c["breaches"], c["used_seconds"]) for c in body["clocks"][:2]] == [
        ("met", 0, seconds(30 * M)),
        ("met", 0, seconds(6 * H)),
    ]
    assert (body["sla_risk"], body["sla_next_due_at"]) == ("breached", None)
    stored = TicketClock.objects.get(ticket=ticket, name="update")
    assert (stored.state, stored.breaches, stored.breached_by, stored.used) == (
        "breached",
        1,
        H,
        H,
    )

    history = client.get(f"/tickets/{ticket.pk}/sla/").json()["history"]
    assert [(step["event"], step["used"]["update"]) for step in history] == [
        ("open", 0),
        ("respond", 0),
        ("update", 0),
        ("update", 0),
        ("resolve", seconds(H)),
    ]
    assert [step["used"]["resolution"] for step in history] == [
        0,
        seconds(30 * M),
        seconds(2 * H),
        seconds(5 * H),
        seconds(6 * H),
    ]
    events = client.get(f"/tickets/{ticket.pk}/events/").json()
    assert [(e["kind"], e["reason"], e["by"]) for e in events if e["kind"] == "update"] == [
        ("update", "Technician on the way.", dispatcher.pk),
        ("update", "Part ordered; back at 15:00.", dispatcher.pk),
    ]


def test_each_update_cycle_is_rescued_on_its_own(api, world):
    """The calls run at the real "now", long after these events: each cycle left running by a
    backdated event is past its budget when evaluated, and raises its own actions."""
    ticket = open_ticket(world)
    client = api(make.user("dispatcher"))
    for path, body in (
        ("respond", {"at": iso("2026-03-02 09:30")}),
        ("update", {"at": iso("2026-03-02 11:00"), "message": "On the way."}),
    ):
        assert client.post(f"/tickets/{ticket.pk}/{path}/", body).status_code == 200

    raised = sorted(
        RescueAction.objects.filter(ticket=ticket, clock="update").values_list(
            "level", "kind", "episode"
        )
    )
    # the cycle after the response (episode 1), then the one after the update (episode 2)
    assert raised == [
        ("breached", "notify", 1),
        ("breached", "notify", 2),
        ("breached", "reassign", 1),
        ("breached", "reassign", 2),
    ]


# --- refusals -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"message": ""}, {"message": ["Say what the customer was told."]}),
        ({"message": "   "}, {"message": ["Say what the customer was told."]}),
        ({}, {"message": ["This field is required."]}),
        (
            {"message": "Later", "at": "tomorrow"},
            {
                "at": [
                    "Datetime has wrong format. Use one of these formats instead: "
                    "YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."
                ]
            },
        ),
    ],
)
def test_an_update_without_a_message_is_refused_on_its_field(api, world, body, fields):
    ticket = open_ticket(world)
    client = api(make.user("dispatcher"))
    before, counts = row(ticket), table_counts()

    response = client.post(f"/tickets/{ticket.pk}/update/", body)

    assert response.status_code == 400, response.text
    assert response.json()["fields"] == fields
    assert (row(ticket), table_counts()) == (before, counts)


def test_a_resolved_ticket_takes_no_update_until_it_is_reopened(api, world):
    ticket = open_ticket(world)
    client = api(make.user("dispatcher"))
    resolved = client.post(f"/tickets/{ticket.pk}/resolve/", {"at": iso("2026-03-02 10:00")})
    assert resolved.status_code == 200, resolved.text
    before, counts = row(ticket), table_counts()

    refused = client.post(f"/tickets/{ticket.pk}/update/", {"message": "Still on it."})

    assert refused.status_code == 409, refused.text
    assert refused.json() == {
        "code": "ticket_done",
        "detail": "This ticket is resolved: reopen it first.",
        "fields": {"status": ["This ticket is resolved: reopen it first."]},
    }
    assert (row(ticket), table_counts()) == (before, counts)
    assert client.post(f"/tickets/{ticket.pk}/reopen/", {}).status_code == 200
    again = client.post(f"/tickets/{ticket.pk}/update/", {"message": "Back on it."})
    assert again.status_code == 200, again.text
    assert TicketEvent.objects.filter(ticket=ticket, kind="update").count() == 1


def test_an_update_before_the_last_event_is_refused_on_at(api, world):
    ticket = open_ticket(world)
    client = api(make.user("dispatcher"))
    assert (
        client.post(f"/tickets/{ticket.pk}/respond/", {"at": iso("2026-03-02 10:00")}).status_code
        == 200
    )
    before, counts = row(ticket), table_counts()

    refused = client.post(
        f"/tickets/{ticket.pk}/update/", {"message": "Late", "at": iso("2026-03-02 09:30")}
    )

    assert refused.status_code == 400, refused.text
    assert list(refused.json()["fields"]) == ["at"]
    assert (row(ticket), table_counts()) == (before, counts)


# --- the sweep ----------------------------------------------------------------------------------
def test_the_sweep_warns_once_per_cycle_at_the_threshold_of_the_current_cycle(world):
    ticket = open_ticket(world, "2026-03-09 09:00")
    ticket = ticket_respond(
        actor=None, ticket=ticket, at=at("2026-03-09 09:10"), now=at("2026-03-09 09:10")
    )
    # 75% of the two hours of the cycle that began at 09:10
    assert row(ticket)["sla_risk_changes_at"] == at("2026-03-09 10:40")
    assert sla_sweep(now=at("2026-03-09 10:39")) == {"checked": 0, "raised": 0}

    assert sla_sweep(now=at("2026-03-09 10:40")) == {"checked": 1, "raised": 1}
    assert row(ticket)["sla_risk"] == "warning"

    ticket = ticket_post_update(
        actor=None, ticket=ticket, message="On the way.", now=at("2026-03-09 11:00")
    )
    assert (row(ticket)["sla_risk"], row(ticket)["sla_risk_changes_at"]) == (
        "ok",
        at("2026-03-09 12:30"),
    )
    assert sla_sweep(now=at("2026-03-09 12:30")) == {"checked": 1, "raised": 1}
    assert sla_sweep(now=at("2026-03-09 12:30")) == {"checked": 0, "raised": 0}

    assert sorted(
        RescueAction.objects.filter(ticket=ticket).values_list("clock", "level", "kind", "episode")
    ) == [("update", "warning", "notify", 1), ("update", "warning", "notify", 2)]
    stored = TicketClock.objects.get(ticket=ticket, name="update")
    assert (stored.used, stored.risk, stored.breaches, stored.due_at) == (
        90 * M,
        "warning",
        0,
        at("2026-03-09 13:00"),
    )


# --- the dispatch board -------------------------------------------------------------------------
def test_a_paused_ticket_shows_the_time_left_in_its_current_update_cycle(world):
    ticket = open_ticket(world, "2026-03-09 09:00")
    for move, when, extra in (
        (ticket_respond, "09:10", {}),
        (ticket_post_update, "12:00", {"message": "Part on its way."}),  # 2:50 since 09:10
        (ticket_pause, "12:30", {}),
    ):
        when_at = at(f"2026-03-09 {when}")
        ticket = move(actor=None, ticket=ticket, at=when_at, now=when_at, **extra)

    (shown,) = board_rows(ticket_list_board(audience=SYSTEM), now=at("2026-03-10 10:00"))

    # the update clock is breached (once, by 50 minutes) but its current cycle used 30 minutes
    # of its two hours: that, not the resolution's 4:30, is the least time left
    assert (shown.risk, shown.target, shown.remaining_text) == ("paused", "update", "1:30")
    update = TicketClock.objects.get(ticket=ticket, name="update")
    assert (update.state, update.breached_by, update.breaches) == ("breached", 50 * M, 1)
