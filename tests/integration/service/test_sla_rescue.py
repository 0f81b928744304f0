"""The SLA sweep and its rescue actions: raised once, e-mails through the outbox, sent by a real
worker, proposals and escalations — and two workers sweeping at once raising each action once."""

from __future__ import annotations

import threading
from datetime import date, datetime, timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection

from pacta.accounts.services import team_create
from pacta.audit.models import PeriodicRun
from pacta.comms.models import OutboundMessage
from pacta.service.models import RescueAction, Ticket, TicketEvent
from pacta.service.services import sla_sweep, ticket_respond
from pacta.service.tasks import sla_sweep_task, sweep_slot
from tests.support import make
from tests.support.state import row

pytestmark = pytest.mark.django_db(transaction=True)

H = timedelta(hours=1)


def at(text: str) -> datetime:
    return make.at(text)


@pytest.fixture
def world():
    customer = make.customer()
    site = make.site(customer, zone_code="MAD-NORTE")
    service = make.service()
    policy = make.sla_policy(escalate_on="breached")  # high: 1 h / 4 h
    contract = make.contract(
        customer,
        sites=[site],
        scope=[(service, "included")],
        calendar=make.calendar(),
        sla_policy=policy,
        starts_on=date(2026, 1, 1),
    )
    dispatcher = make.user("dispatcher", email="marta@pacta.test", language="es")
    assignee = make.user("technician", email="ana@pacta.test", language="fr")
    spare = make.user("technician", email="luis@pacta.test")
    busy = make.user("technician", email="busy@pacta.test")
    team_create(
        actor=None,
        values={
            "name": "Madrid norte",
            "zone_codes": ["mad-norte"],
            "members": [assignee, spare, busy],
        },
    )
    ticket = make.ticket(
        site, service, contract=contract, priority="high", opened_at=at("2026-03-09 09:00")
    )
    make.work_order(
        ticket,
        assignee,
        scheduled_start_at=at("2026-03-09 09:30"),
        scheduled_end_at=at("2026-03-09 12:00"),
    )
    other = make.ticket(site, service, subject="Another job")
    make.work_order(
        other,
        busy,
        scheduled_start_at=at("2026-03-09 09:30"),
        scheduled_end_at=at("2026-03-09 12:00"),
    )
    return {"ticket": ticket, "dispatcher": dispatcher, "assignee": assignee, "spare": spare}


def actions(ticket):
    return sorted(RescueAction.objects.filter(ticket=ticket).values_list("clock", "level", "kind"))


def test_the_sweep_raises_each_level_once_and_skips_tickets_not_due(world):
    ticket = world["ticket"]
    assert sla_sweep(now=at("2026-03-09 09:40")) == {"checked": 0, "raised": 0}

    report = sla_sweep(now=at("2026-03-09 09:46"))  # 46 min of the response hour: warning
    assert report == {"checked": 1, "raised": 1}
    assert actions(ticket) == [("response", "warning", "notify")]
    assert row(ticket)["sla_risk"] == "warning"
    assert sla_sweep(now=at("2026-03-09 09:46")) == {"checked": 0, "raised": 0}

    sla_sweep(now=at("2026-03-09 09:55"))  # critical: notify and propose
    assert actions(ticket) == [
        ("response", "critical", "notify"),
        ("response", "critical", "reassign"),
        ("response", "warning", "notify"),
    ]
    proposal = RescueAction.objects.get(ticket=ticket, kind="reassign").detail
    # the assignee already has it, "busy" is on another job: the spare technician is proposed
    assert (proposal["technician"], proposal["team"]) == (world["spare"].pk, "Madrid norte")


def test_notifications_go_through_the_outbox_in_each_readers_language(world):
    sla_sweep(now=at("2026-03-09 09:46"))
    messages = {m.to_email: m for m in OutboundMessage.objects.all()}
    assert set(messages) == {"marta@pacta.test", "ana@pacta.test"}
    assert messages["marta@pacta.test"].language == "es"
    assert messages["ana@pacta.test"].language == "fr"
    reference = world["ticket"].reference
    assert messages["ana@pacta.test"].subject == (
        f"[pacta] {reference} : première réponse, alerte (échéance 2026-03-09 10:00)"
    )
    assert messages["marta@pacta.test"].subject.startswith(f"[pacta] {reference}")
    assert "primera respuesta" in messages["marta@pacta.test"].subject
    assert mail.outbox == []  # nothing is sent inside the sweep's transaction

    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    assert sorted(m.to == [m.to[0]] and m.to[0] for m in mail.outbox) == [
        "ana@pacta.test",
        "marta@pacta.test",
    ]
    assert OutboundMessage.objects.filter(sent_at=None).count() == 0
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    assert len(mail.outbox) == 2  # sending twice sends once


def test_a_breach_escalates_where_the_policy_says_so(world):
    ticket = world["ticket"]
    sla_sweep(now=at("2026-03-09 10:05"))  # response overdue
    stored = Ticket.objects.get(pk=ticket.pk)
    assert stored.priority == "critical"
    escalation = TicketEvent.objects.get(ticket=ticket, kind="priority")
    assert (escalation.priority, escalation.actor_id) == ("critical", None)
    assert escalation.reason == "SLA first response breached: the policy raises the priority."
    assert ("response", "breached", "escalate") in actions(ticket)
    # escalating again for the same breach does not happen
    sla_sweep(now=at("2026-03-09 10:30"))
    assert TicketEvent.objects.filter(ticket=ticket, kind="priority").count() == 1


def test_a_response_in_time_stops_the_response_rescue(world):
    ticket = world["ticket"]
    ticket_respond(actor=None, ticket=ticket, at=at("2026-03-09 09:30"), now=at("2026-03-09 09:30"))
    sla_sweep(now=at("2026-03-09 10:30"))
    assert [a for a in actions(ticket) if a[0] == "response"] == []


def test_a_sweep_slot_runs_once_however_often_it_is_queued(world):
    slot = sweep_slot(at("2026-03-09 09:46"))
    assert slot == "2026-03-09T08:46Z"
    first = sla_sweep_task.call(slot)
    second = sla_sweep_task.call(slot)
    assert (first is not None, second) == (True, None)
    assert PeriodicRun.objects.filter(job="sla_sweep", slot=slot).count() == 1


def test_two_workers_sweeping_at_once_raise_each_action_once(world):
    # Many tickets due at once, two threads with their own database connections.
    tickets = [world["ticket"]]
    for i in range(11):
        tickets.append(
            make.ticket(
                world["ticket"].site,
                world["ticket"].service,
                contract=world["ticket"].contract,
                priority="high",
                subject=f"Leak {i}",
                opened_at=at("2026-03-09 09:00"),
            )
        )
    now = at("2026-03-09 09:55")
    reports, errors = [], []
    start = threading.Barrier(2)

    def worker():
        try:
            start.wait()
            reports.append(sla_sweep(now=now, batch=3))
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(r["checked"] for r in reports) >= 12
    # each ticket: response critical notify + reassign (warning was skipped: it is past)
    per_ticket = {t.pk: actions(t) for t in tickets}
    assert all(
        found == [("response", "critical", "notify"), ("response", "critical", "reassign")]
        for found in per_ticket.values()
    ), per_ticket
    assert RescueAction.objects.count() == 24


def test_a_target_answered_late_calls_for_no_more_rescue(world):
    ticket = world["ticket"]
    ticket_respond(actor=None, ticket=ticket, at=at("2026-03-09 10:30"), now=at("2026-03-09 10:30"))
    sla_sweep(now=at("2026-03-09 11:00"))
    assert [a for a in actions(ticket) if a[0] == "response"] == []


def test_a_rescue_action_is_handled_once_and_audited(world):
    from pacta.audit.models import AuditEntry
    from pacta.domain.errors import Conflict
    from pacta.service.services import rescue_action_handle

    sla_sweep(now=at("2026-03-09 09:46"))
    action = RescueAction.objects.get(ticket=world["ticket"])
    handled = rescue_action_handle(
        actor=world["dispatcher"],
        rescue_action=action,
        reason="Called the customer",
        now=at("2026-03-09 09:50"),
    )
    assert (handled.handled_at, handled.handled_by_id) == (
        at("2026-03-09 09:50"),
        world["dispatcher"].pk,
    )
    entry = AuditEntry.objects.filter(entity_type="service.rescueaction").latest("id")
    assert (entry.actor_id, entry.reason) == (world["dispatcher"].pk, "Called the customer")
    with pytest.raises(Conflict) as again:
        rescue_action_handle(actor=world["dispatcher"], rescue_action=action)
    assert again.value.code == "already_handled"
    assert row(action)["handled_at"] == at("2026-03-09 09:50")


def test_the_sweep_pages_through_due_tickets_in_batches_taking_each_once(world):
    ticket = world["ticket"]
    later = [
        make.ticket(
            ticket.site,
            ticket.service,
            contract=ticket.contract,
            priority="high",
            opened_at=at(f"2026-03-09 09:0{minute}"),
        )
        for minute in (2, 4)
    ]
    due = [ticket, *later]
    report = sla_sweep(now=at("2026-03-09 09:52"), batch=1)
    assert report == {"checked": 3, "raised": 3}
    for each in due:
        assert actions(each) == [("response", "warning", "notify")]
        assert row(each)["sla_risk"] == "warning"
    assert sla_sweep(now=at("2026-03-09 09:52"), batch=1) == {"checked": 0, "raised": 0}


def test_the_due_ticket_query_reads_the_sweep_index(world):
    from pacta.service.selectors import ticket_list_sla_due

    query = ticket_list_sla_due(at("2026-03-09 09:52"), after=(at("2026-03-09 09:00"), 1))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # a tiny table: make the planner show its choice
            cursor.execute("SET enable_seqscan = off")
            try:
                plan = query[:200].explain()
            finally:
                cursor.execute("SET enable_seqscan = on")
    else:
        plan = query[:200].explain()
    assert "ticket_sla_next_change" in plan


def _due_ticket(world, opened: str, **values):
    base = world["ticket"]
    return make.ticket(
        base.site,
        base.service,
        contract=base.contract,
        priority="high",
        opened_at=at(opened),
        **values,
    )


def test_one_batch_of_tickets_at_different_levels_raises_exactly_their_actions(world):
    from pacta.audit.models import AuditEntry

    breached = world["ticket"]  # opened 09:00, the assignee's
    critical = _due_ticket(world, "2026-03-09 09:10")
    warning = _due_ticket(world, "2026-03-09 09:17")

    report = sla_sweep(now=at("2026-03-09 10:05"), batch=200)  # one batch of three

    assert report == {"checked": 3, "raised": 6}
    assert actions(warning) == [("response", "warning", "notify")]
    assert actions(critical) == [
        ("response", "critical", "notify"),
        ("response", "critical", "reassign"),
    ]
    # the breach escalates (high -> critical): its clocks keep their time and stay breached
    assert actions(breached) == [
        ("response", "breached", "escalate"),
        ("response", "breached", "notify"),
        ("response", "breached", "reassign"),
    ]
    assert [row(t)["sla_risk"] for t in (warning, critical, breached)] == [
        "warning",
        "critical",
        "breached",
    ]
    assert [row(t)["priority"] for t in (warning, critical, breached)] == [
        "high",
        "high",
        "critical",
    ]
    escalate = RescueAction.objects.get(ticket=breached, kind="escalate")
    assert escalate.detail == {"from": "high", "to": "critical"}
    event = TicketEvent.objects.get(kind="priority")
    assert (event.ticket_id, event.priority, event.at) == (
        breached.pk,
        "critical",
        at("2026-03-09 10:05"),
    )
    entry = AuditEntry.objects.filter(entity_type="service.ticket", action="update").get()
    assert (entry.entity_id, entry.actor_id) == (str(breached.pk), None)
    assert entry.actor_label == "system"
    assert (entry.before["priority"], entry.after["priority"]) == ("high", "critical")
    assert entry.reason == "SLA first response breached: the policy raises the priority."
    # every notification: the dispatcher, and the assignee of the breached ticket
    sent = {
        t.pk: RescueAction.objects.get(ticket=t, kind="notify").detail["sent_to"]
        for t in (warning, critical, breached)
    }
    dispatcher, assignee = world["dispatcher"].username, world["assignee"].username
    assert sent == {
        warning.pk: [dispatcher],
        critical.pk: [dispatcher],
        breached.pk: sorted([dispatcher, assignee]),
    }
    assert sorted(OutboundMessage.objects.values_list("to_email", "entity_id")) == sorted(
        [
            ("marta@pacta.test", str(warning.pk)),
            ("marta@pacta.test", str(critical.pk)),
            ("marta@pacta.test", str(breached.pk)),
            ("ana@pacta.test", str(breached.pk)),
        ]
    )
    proposals = {
        t.pk: RescueAction.objects.get(ticket=t, kind="reassign").detail["technician"]
        for t in (critical, breached)
    }
    assert proposals == {critical.pk: world["spare"].pk, breached.pk: world["spare"].pk}
    # run again: nothing more
    assert sla_sweep(now=at("2026-03-09 10:05")) == {"checked": 0, "raised": 0}
    assert OutboundMessage.objects.count() == 4


def test_a_batch_costs_the_same_queries_whatever_its_number_of_tickets(world):
    from django.test.utils import CaptureQueriesContext

    from pacta.service.services import ticket_resolve

    first = [world["ticket"], *(_due_ticket(world, "2026-03-09 09:00") for _ in range(2))]
    with CaptureQueriesContext(connection) as three:
        assert sla_sweep(now=at("2026-03-09 09:55")) == {"checked": 3, "raised": 6}
    for ticket in first:
        ticket_resolve(actor=None, ticket=ticket, now=at("2026-03-09 09:56"))
    [_due_ticket(world, "2026-03-09 10:00") for _ in range(9)]
    with CaptureQueriesContext(connection) as nine:
        assert sla_sweep(now=at("2026-03-09 10:55")) == {"checked": 9, "raised": 18}
    assert len(nine.captured_queries) == len(three.captured_queries)


def test_a_ticket_whose_clocks_cannot_be_rebuilt_refuses_its_whole_batch(world):
    from pacta.domain.errors import InvalidInput
    from pacta.sla.models import TicketClock
    from tests.support.state import table_counts

    good = world["ticket"]
    broken = _due_ticket(world, "2026-03-09 09:00")
    # a log that no longer starts with the opening (written behind the services' back)
    TicketEvent.objects.create(ticket=broken, at=at("2026-03-09 08:59"), kind="respond")
    counts = table_counts()
    tickets = {t.pk: row(t) for t in (good, broken)}
    clocks = list(TicketClock.objects.order_by("id").values())

    with pytest.raises(InvalidInput):
        sla_sweep(now=at("2026-03-09 09:46"), batch=200)

    assert table_counts() == counts
    assert {t.pk: row(t) for t in (good, broken)} == tickets
    assert list(TicketClock.objects.order_by("id").values()) == clocks
    assert mail.outbox == []
