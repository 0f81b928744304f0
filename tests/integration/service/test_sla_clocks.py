"""A ticket's SLA through the services: terms at opening, events, stored clocks, refusals."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from pacta.contracts.services import contract_amend
from pacta.domain.errors import Conflict, InvalidInput
from pacta.service.models import Ticket, TicketEvent
from pacta.service.services import (
    ticket_clocks_evaluate,
    ticket_pause,
    ticket_priority_change,
    ticket_reopen,
    ticket_resolve,
    ticket_respond,
    ticket_resume,
    ticket_sla_policy_change,
    ticket_status_change,
    ticket_update,
)
from pacta.sla.models import TicketClock
from tests.support import make
from tests.support.state import row, table_counts

pytestmark = pytest.mark.django_db

MADRID = ZoneInfo("Europe/Madrid")
H = timedelta(hours=1)


def at(text: str) -> datetime:
    return make.at(text)  # Madrid wall clock


@pytest.fixture
def world():
    customer = make.customer()
    site = make.site(customer, zone_code="MAD-NORTE")
    service = make.service()
    calendar = make.calendar()  # Mon-Fri 08:00-18:00 Madrid
    policy = make.sla_policy()  # high: 1 h / 4 h
    contract = make.contract(
        customer,
        sites=[site],
        scope=[(service, "included")],
        calendar=calendar,
        sla_policy=policy,
        starts_on=date(2026, 1, 1),
    )
    return {
        "site": site,
        "service": service,
        "contract": contract,
        "policy": policy,
        "cal": calendar,
    }


def open_ticket(world, when="2026-03-09 09:00", priority="high"):
    return make.ticket(
        world["site"],
        world["service"],
        contract=world["contract"],
        priority=priority,
        opened_at=at(when),
    )


def clocks_of(ticket):
    return {c.name: c for c in TicketClock.objects.filter(ticket=ticket)}


def test_opening_starts_the_clocks_on_the_terms_in_force(world):
    ticket = open_ticket(world)  # Monday 09:00
    stored = row(ticket)
    assert (stored["sla_policy_id"], stored["sla_calendar_id"]) == (
        world["policy"].pk,
        world["cal"].pk,
    )
    clocks = clocks_of(ticket)
    assert (clocks["response"].due_at, clocks["resolution"].due_at) == (
        at("2026-03-09 10:00"),
        at("2026-03-09 13:00"),
    )
    assert {c.state for c in clocks.values()} == {"pending"}
    assert stored["sla_next_due_at"] == at("2026-03-09 10:00")
    assert stored["sla_risk"] == "ok"
    # the next change of risk: 75% of the response's hour, at 09:45
    assert stored["sla_risk_changes_at"] == at("2026-03-09 09:45")
    opening = TicketEvent.objects.get(ticket=ticket)
    assert (opening.kind, opening.priority, opening.sla_policy_id) == (
        "open",
        "high",
        world["policy"].pk,
    )


def test_a_ticket_without_a_contract_has_no_clocks(world):
    ticket = make.ticket(world["site"], world["service"], opened_at=at("2026-03-09 09:00"))
    assert (clocks_of(ticket), row(ticket)["sla_risk"], row(ticket)["sla_next_due_at"]) == (
        {},
        "",
        None,
    )


def test_a_ticket_takes_the_terms_in_force_when_it_was_opened(world):
    faster = make.sla_policy({"high": (timedelta(minutes=15), H)})
    contract_amend(
        actor=None,
        values={
            "contract": world["contract"],
            "effective_on": date(2026, 6, 1),
            "sla_policy": faster,
            "calendar": world["cal"],
        },
        reason="Gold tier from June",
        now=at("2026-03-01 12:00"),
    )
    before = open_ticket(world, when="2026-05-29 09:00")  # an imported ticket of May
    after = open_ticket(world, when="2026-06-01 09:00")
    assert (row(before)["sla_policy_id"], row(after)["sla_policy_id"]) == (
        world["policy"].pk,
        faster.pk,
    )
    assert clocks_of(after)["response"].due_at == at("2026-06-01 09:15")


def test_waiting_on_the_customer_pauses_and_resuming_counts_on(world):
    ticket = open_ticket(world)
    ticket_respond(actor=None, ticket=ticket, at=at("2026-03-09 09:20"), now=at("2026-03-09 09:20"))
    ticket_pause(actor=None, ticket=ticket, at=at("2026-03-09 09:30"), now=at("2026-03-09 09:30"))
    assert row(ticket)["status"] == "waiting"
    assert row(ticket)["sla_risk_changes_at"] is None  # nothing moves while paused
    ticket_resume(actor=None, ticket=ticket, at=at("2026-03-09 11:30"), now=at("2026-03-09 11:30"))
    clocks = clocks_of(ticket)
    assert clocks["response"].state == "met"
    assert (clocks["resolution"].used, clocks["resolution"].due_at) == (
        timedelta(minutes=30),
        at("2026-03-09 15:00"),
    )
    evaluated = ticket_clocks_evaluate(Ticket.objects.get(pk=ticket.pk), now=at("2026-03-09 11:30"))
    assert evaluated.paused == 2 * H
    assert [s.kind for s in evaluated.history] == ["open", "respond", "pause", "resume"]


def test_resolving_stops_and_reopening_starts_the_resolution_clock_again(world):
    ticket = open_ticket(world)
    ticket_resolve(actor=None, ticket=ticket, at=at("2026-03-09 10:00"), now=at("2026-03-09 10:00"))
    assert clocks_of(ticket)["resolution"].state == "met"
    assert row(ticket)["sla_risk_changes_at"] is None
    ticket_reopen(actor=None, ticket=ticket, at=at("2026-03-10 09:00"), now=at("2026-03-10 09:00"))
    resolution = clocks_of(ticket)["resolution"]
    assert (resolution.state, resolution.used, resolution.due_at) == (
        "pending",
        H,
        at("2026-03-10 12:00"),
    )


def test_a_priority_change_keeps_the_time_used_and_needs_a_reason(world):
    ticket = open_ticket(world, priority="normal")  # 4 h / 16 h
    counts = table_counts()
    with pytest.raises(InvalidInput) as refused:
        ticket_priority_change(
            actor=None, ticket=ticket, priority="high", reason="", now=at("2026-03-09 10:00")
        )
    assert list(refused.value.fields) == ["reason"]
    assert table_counts() == counts
    ticket_priority_change(
        actor=None,
        ticket=ticket,
        priority="high",
        reason="Hospital ward",
        at=at("2026-03-09 10:00"),
        now=at("2026-03-09 10:00"),
    )
    response = clocks_of(ticket)["response"]
    assert (response.budget, response.used, response.due_at) == (H, H, at("2026-03-09 10:00"))
    assert row(ticket)["priority"] == "high"


def test_an_update_carrying_a_status_is_recorded_as_the_clocks_events(world):
    ticket = open_ticket(world)
    ticket_update(
        actor=None,
        ticket=ticket,
        values={"status": "waiting"},
        reason="Parts",
        now=at("2026-03-09 09:30"),
    )
    kinds = list(TicketEvent.objects.filter(ticket=ticket).values_list("kind", flat=True))
    assert kinds == ["open", "status", "pause"]


def test_a_policy_change_keeps_the_time_used(world):
    ticket = open_ticket(world)
    gold = make.sla_policy({"high": (timedelta(minutes=30), 2 * H)})
    ticket_sla_policy_change(
        actor=None,
        ticket=ticket,
        policy=gold,
        reason="Upgraded to gold",
        at=at("2026-03-09 10:00"),
        now=at("2026-03-09 10:00"),
    )
    resolution = clocks_of(ticket)["resolution"]
    assert (resolution.budget, resolution.used, resolution.due_at) == (
        2 * H,
        H,
        at("2026-03-09 11:00"),
    )
    assert row(ticket)["sla_policy_id"] == gold.pk


def test_the_site_may_run_the_clocks_in_its_own_zone(world):
    from pacta.customers.services import site_update

    site_update(
        actor=None,
        site=world["site"],
        values={"time_zone": "Europe/Moscow", "sla_in_site_time_zone": True},
    )
    ticket = open_ticket(world, when="2026-03-09 07:00")  # 09:00 in Moscow
    response = clocks_of(ticket)["response"]
    assert response.due_at.astimezone(ZoneInfo("Europe/Moscow")).strftime("%H:%M") == "10:00"


@pytest.mark.parametrize(
    ("call", "code"),
    [
        (lambda t, now: ticket_respond(actor=None, ticket=t, now=now), "already_responded"),
        (lambda t, now: ticket_reopen(actor=None, ticket=t, now=now), "not_done"),
    ],
)
def test_refused_events_change_nothing(world, call, code):
    ticket = open_ticket(world)
    ticket_respond(actor=None, ticket=ticket, at=at("2026-03-09 09:10"), now=at("2026-03-09 09:10"))
    counts, before = table_counts(), row(ticket)
    with pytest.raises(Conflict) as refused:
        call(ticket, at("2026-03-09 09:30"))
    assert refused.value.code == code
    assert (table_counts(), row(ticket)) == (counts, before)


def test_events_keep_their_order_and_stay_in_the_past(world):
    ticket = open_ticket(world)
    counts = table_counts()
    with pytest.raises(InvalidInput) as early:
        ticket_status_change(
            actor=None,
            ticket=ticket,
            status="waiting",
            at=at("2026-03-09 08:00"),
            now=at("2026-03-09 10:00"),
        )
    with pytest.raises(InvalidInput) as late:
        ticket_status_change(
            actor=None,
            ticket=ticket,
            status="waiting",
            at=at("2026-03-09 12:00"),
            now=at("2026-03-09 10:00"),
        )
    with pytest.raises(InvalidInput) as unknown:
        ticket_status_change(
            actor=None, ticket=ticket, status="sleeping", now=at("2026-03-09 10:00")
        )
    assert (list(early.value.fields), list(late.value.fields), list(unknown.value.fields)) == (
        ["at"],
        ["at"],
        ["status"],
    )
    assert table_counts() == counts
