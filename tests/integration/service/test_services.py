"""Tickets, work orders, time entries and parts used through their services: rules, refusals,
who may do what, audit.

No contracts or equipment here (see test_with_contracts.py for those).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from pacta.accounts.access import audience_of
from pacta.audit.models import AuditEntry
from pacta.catalog.services import product_update, service_update
from pacta.domain.errors import Conflict, Forbidden, InvalidInput
from pacta.service import selectors
from pacta.service.models import PartUsed, Ticket, TimeEntry, WorkOrder
from pacta.service.services import (
    PART_USED,
    TICKET,
    TIME_ENTRY,
    WORK_ORDER,
    part_used_create,
    part_used_delete,
    part_used_update,
    ticket_delete,
    ticket_open,
    ticket_update,
    time_entry_create,
    time_entry_delete,
    time_entry_update,
    work_order_create,
    work_order_delete,
    work_order_update,
)
from tests.support import make
from tests.support.make import at
from tests.support.state import row, table_counts

pytestmark = pytest.mark.django_db

NOW = at("2026-03-02 10:00")


@pytest.fixture
def place():
    """A customer with a site, and a service of the catalog."""
    customer = make.customer()
    return customer, make.site(customer), make.service()


def new_ticket(site, service, **values):
    return {
        "site": site,
        "service": service,
        "channel": "dispatcher",
        "subject": "Boiler leaking",
        **values,
    }


def audit_log(instance):
    return list(
        AuditEntry.objects.filter(
            entity_type=instance._meta.label_lower, entity_id=str(instance.pk)
        )
        .order_by("id")
        .values_list("action", "actor_id", "reason")
    )


# --- tickets ------------------------------------------------------------------------------------
def test_a_ticket_opens_for_the_sites_customer_now_as_new_and_by_its_actor(place):
    customer, site, service = place
    dispatcher = make.user("dispatcher")

    ticket = ticket_open(
        actor=dispatcher, values=new_ticket(site, service), reason="Phone call", now=NOW
    )

    stored = row(ticket)
    assert {k: v for k, v in stored.items() if k != "id"} == {
        "customer_id": customer.pk,
        "contract_id": None,
        "site_id": site.pk,
        "equipment_id": None,
        "service_id": service.pk,
        "priority": "normal",
        "channel": "dispatcher",
        "status": "new",
        "subject": "Boiler leaking",
        "description": "",
        "opened_at": NOW,
        "created_by_id": dispatcher.pk,
        # no contract, so no SLA: no terms, no clocks, evaluated once at the opening
        "sla_policy_id": None,
        "sla_calendar_id": None,
        "sla_risk": "",
        "sla_next_due_at": None,
        "sla_risk_changes_at": None,
        "sla_evaluated_at": NOW,
        "contact_id": None,
        "team_id": None,
        "override": "",
        "override_reason": "",
        "overridden_by_id": None,
    }
    assert ticket.reference == f"T-{ticket.pk:06d}"
    assert audit_log(ticket) == [("create", dispatcher.pk, "Phone call")]
    entry = AuditEntry.objects.get(entity_type="service.ticket")
    assert (entry.at, entry.after["customer_id"], entry.after["created_by_id"]) == (
        NOW,
        customer.pk,
        dispatcher.pk,
    )


def test_the_record_writer_opens_a_ticket_with_the_adapters_call(place):
    customer, site, service = place
    before = timezone.now()
    ticket = TICKET.create_record(actor=None, values=new_ticket(site, service), reason="Import")
    after = timezone.now()
    stored = row(ticket)
    assert (stored["customer_id"], stored["status"], stored["created_by_id"]) == (
        customer.pk,
        "new",
        None,
    )
    assert before <= stored["opened_at"] <= after


def test_a_parent_customer_opens_a_ticket_at_a_childs_site():
    group = make.customer(legal_name="Group")
    child = make.customer(legal_name="Child", parent=group)
    child_site = make.site(child)
    ticket = ticket_open(
        actor=None, values=new_ticket(child_site, make.service(), customer=group), now=NOW
    )
    assert (row(ticket)["customer_id"], row(ticket)["site_id"]) == (group.pk, child_site.pk)


@pytest.mark.parametrize("whose", ["a stranger", "the parent"])
def test_a_site_outside_the_customers_family_is_refused_on_the_site(whose):
    group = make.customer(legal_name="Group")
    child = make.customer(legal_name="Child", parent=group)
    site = make.site(make.customer() if whose == "a stranger" else group)
    service = make.service()
    counts = table_counts()

    with pytest.raises(InvalidInput) as refused:
        ticket_open(actor=None, values=new_ticket(site, service, customer=child), now=NOW)

    assert refused.value.fields == {
        "site": ["This site belongs neither to the customer nor to one of its children."]
    }
    assert table_counts() == counts


def test_an_inactive_service_is_refused_on_the_service(place):
    _customer, site, _service = place
    retired = make.service(is_active=False)
    counts = table_counts()
    with pytest.raises(InvalidInput) as refused:
        ticket_open(actor=None, values=new_ticket(site, retired), now=NOW)
    assert refused.value.fields == {"service": ["This service is no longer active in the catalog."]}
    assert table_counts() == counts


def test_a_ticket_keeps_a_service_the_catalog_retires_later(place):
    _customer, site, service = place
    ticket = make.ticket(site, service)
    service_update(actor=None, service=service, values={"is_active": False})

    ticket_update(
        actor=None, ticket=ticket, values={"priority": "high"}, reason="Escalated", now=NOW
    )

    assert (row(ticket)["priority"], row(ticket)["service_id"]) == ("high", service.pk)


def test_opened_at_may_be_past_or_up_to_five_minutes_ahead_but_not_later(place):
    _customer, site, service = place
    imported = ticket_open(
        actor=None, values=new_ticket(site, service, opened_at=at("2025-11-20 16:45")), now=NOW
    )
    assert row(imported)["opened_at"] == at("2025-11-20 16:45")
    drifting = ticket_open(
        actor=None,
        values=new_ticket(site, service, opened_at=NOW + timedelta(minutes=5)),
        now=NOW,
    )
    assert row(drifting)["opened_at"] == NOW + timedelta(minutes=5)

    counts = table_counts()
    with pytest.raises(InvalidInput) as refused:
        ticket_open(
            actor=None,
            values=new_ticket(site, service, opened_at=NOW + timedelta(minutes=5, seconds=1)),
            now=NOW,
        )
    assert refused.value.fields == {"opened_at": ["A ticket cannot be opened in the future."]}
    assert table_counts() == counts


def test_a_ticket_opens_as_new_only(place):
    _customer, site, service = place
    counts = table_counts()
    with pytest.raises(InvalidInput) as refused:
        ticket_open(actor=None, values=new_ticket(site, service, status="closed"), now=NOW)
    assert refused.value.fields == {
        "status": ["A ticket opens as new; change its status once it is open."]
    }
    assert table_counts() == counts


def test_an_update_runs_the_same_checks(place):
    _customer, site, service = place
    ticket = make.ticket(site, service)
    before = row(ticket)
    with pytest.raises(InvalidInput) as refused:
        ticket_update(actor=None, ticket=ticket, values={"site": make.site(make.customer())})
    assert list(refused.value.fields) == ["site"]
    assert row(ticket) == before


def test_a_ticket_without_work_moves_to_another_site_and_customer(place):
    _customer, site, service = place
    ticket = make.ticket(site, service)
    other = make.customer()
    other_site = make.site(other)

    ticket_update(
        actor=None, ticket=ticket, values={"customer": other, "site": other_site}, reason="Typo"
    )

    assert (row(ticket)["customer_id"], row(ticket)["site_id"]) == (other.pk, other_site.pk)
    entry = AuditEntry.objects.filter(entity_type="service.ticket").latest("id")
    assert (entry.action, entry.before["site_id"], entry.after["site_id"], entry.reason) == (
        "update",
        site.pk,
        other_site.pk,
        "Typo",
    )


@pytest.mark.parametrize("moving", [("site",), ("customer", "site")])
def test_a_ticket_with_work_stays_with_its_customer_and_site(place, moving):
    customer, site, service = place
    ticket = make.ticket(site, service)
    make.work_order(ticket)
    other = make.customer()
    values = {"site": make.site(customer if moving == ("site",) else other)}
    if "customer" in moving:
        values["customer"] = other
    before, counts = row(ticket), table_counts()

    with pytest.raises(Conflict) as refused:
        ticket_update(actor=None, ticket=ticket, values=values)

    assert refused.value.code == "ticket_has_work"
    messages = {
        "customer": ["A ticket with work orders cannot move to another customer."],
        "site": ["A ticket with work orders cannot move to another site."],
    }
    assert refused.value.fields == {name: messages[name] for name in moving}
    assert (row(ticket), table_counts()) == (before, counts)


def test_a_ticket_with_work_still_changes_its_other_fields(place):
    _customer, site, service = place
    ticket = make.ticket(site, service)
    make.work_order(ticket)
    ticket_update(actor=None, ticket=ticket, values={"site": site, "status": "in_progress"})
    assert row(ticket)["status"] == "in_progress"


def test_a_ticket_with_work_orders_cannot_be_deleted(place):
    _customer, site, service = place
    ticket = make.ticket(site, service)
    make.work_order(ticket)
    counts = table_counts()
    with pytest.raises(Conflict) as refused:
        ticket_delete(actor=None, ticket=ticket)
    assert refused.value.code == "in_use"
    assert "work orders" in refused.value.detail
    assert table_counts() == counts


def test_deleting_a_ticket_is_audited(place):
    _customer, site, service = place
    manager = make.user("manager")
    ticket = make.ticket(site, service, subject="Opened twice")
    pk = ticket.pk
    ticket_delete(actor=manager, ticket=ticket, reason="Duplicate")
    assert not Ticket.objects.filter(pk=pk).exists()
    entry = AuditEntry.objects.filter(entity_type="service.ticket").latest("id")
    assert (
        entry.action,
        entry.entity_id,
        entry.actor_id,
        entry.before["subject"],
        entry.after,
    ) == (
        "delete",
        str(pk),
        manager.pk,
        "Opened twice",
        None,
    )


# --- work orders --------------------------------------------------------------------------------
@pytest.fixture
def ticket(place):
    _customer, site, service = place
    return make.ticket(site, service)


def test_a_work_order_goes_to_the_technicians_company_unless_told(ticket):
    company = make.contractor()
    theirs = make.user("technician", contractor=company)
    ours = make.user("technician")

    assert row(make.work_order(ticket, theirs))["contractor_id"] == company.pk
    assert row(make.work_order(ticket, ours))["contractor_id"] is None
    assert row(make.work_order(ticket, theirs, contractor=None))["contractor_id"] == company.pk
    unassigned = make.work_order(ticket, contractor=company)
    assert (row(unassigned)["technician_id"], row(unassigned)["contractor_id"]) == (
        None,
        company.pk,
    )


def test_a_work_order_is_created_and_audited(ticket):
    dispatcher = make.user("dispatcher")
    technician = make.user("technician")
    work_order = work_order_create(
        actor=dispatcher,
        values={
            "ticket": ticket,
            "technician": technician,
            "scheduled_start_at": at("2026-03-03 09:00"),
            "scheduled_end_at": at("2026-03-03 11:00"),
            "notes": "Bring the ladder",
        },
        reason="Dispatched",
    )
    assert {k: v for k, v in row(work_order).items() if k != "id"} == {
        "ticket_id": ticket.pk,
        "technician_id": technician.pk,
        "contractor_id": None,
        "scheduled_start_at": at("2026-03-03 09:00"),
        "scheduled_end_at": at("2026-03-03 11:00"),
        "status": "scheduled",
        "travel_km": None,
        "notes": "Bring the ladder",
        "en_route_at": None,
        "arrived_at": None,
        "completed_at": None,
        "customer_decided_at": None,
        "customer_decided_by_id": None,
        "customer_decided_via": "",
        "dispute_reason": "",
        "timer_kind": "",
        "timer_started_at": None,
    }
    assert work_order.reference == f"WO-{work_order.pk:06d}"
    assert audit_log(work_order) == [("create", dispatcher.pk, "Dispatched")]


@pytest.mark.parametrize(
    "who", ["a dispatcher", "an inactive technician", "a contractor user", "a customer user"]
)
def test_a_work_order_goes_to_an_active_technician_only(ticket, who):
    company = make.contractor()
    user = {
        "a dispatcher": lambda: make.user("dispatcher"),
        "an inactive technician": lambda: make.user("technician", is_active=False),
        "a contractor user": lambda: make.user("contractor", contractor=company),
        "a customer user": lambda: make.user("customer", customer=ticket.customer),
    }[who]()
    counts = table_counts()
    with pytest.raises(InvalidInput) as refused:
        make.work_order(ticket, user)
    assert refused.value.fields == {"technician": ["Work orders go to active technicians only."]}
    assert table_counts() == counts


def test_the_contractor_must_be_the_technicians_company(ticket):
    ours = make.user("technician", first_name="Ana", last_name="Gil")
    company = make.contractor(name="Frío Norte")
    theirs = make.user("technician", username="luis", contractor=company)
    another = make.contractor()
    counts = table_counts()

    with pytest.raises(InvalidInput) as refused:
        make.work_order(ticket, theirs, contractor=another)
    assert refused.value.fields == {"contractor": ["luis works for Frío Norte."]}

    with pytest.raises(InvalidInput) as refused:
        make.work_order(ticket, ours, contractor=company)
    assert refused.value.fields == {
        "contractor": [f"Ana Gil ({ours.username}) works for us, not for a contractor."]
    }
    assert table_counts() == counts


def test_the_scheduled_end_must_follow_the_start(ticket):
    counts = table_counts()
    with pytest.raises(InvalidInput) as refused:
        make.work_order(
            ticket,
            scheduled_start_at=at("2026-03-03 09:00"),
            scheduled_end_at=at("2026-03-03 09:00"),
        )
    assert refused.value.fields == {
        "scheduled_end_at": ["The scheduled end must be after the scheduled start."]
    }
    assert table_counts() == counts


@pytest.mark.parametrize(("status", "shown"), [("closed", "closed"), ("cancelled", "cancelled")])
def test_a_closed_or_cancelled_ticket_takes_no_new_work_order(ticket, status, shown):
    ticket_update(actor=None, ticket=ticket, values={"status": status})
    counts = table_counts()
    with pytest.raises(InvalidInput) as refused:
        make.work_order(ticket)
    assert refused.value.fields == {
        "ticket": [f"Ticket {ticket.reference} is {shown}: it takes no new work orders."]
    }
    assert table_counts() == counts


def test_a_work_order_on_a_ticket_closed_later_is_still_updated(ticket):
    work_order = make.work_order(ticket)
    ticket_update(actor=None, ticket=ticket, values={"status": "closed"})
    work_order_update(actor=None, work_order=work_order, values={"status": "completed"})
    assert row(work_order)["status"] == "completed"


def test_the_office_reassigns_and_the_company_follows_the_technician(ticket):
    company = make.contractor()
    ours, theirs = make.user("technician"), make.user("technician", contractor=company)
    work_order = make.work_order(ticket, ours)
    dispatcher = make.user("dispatcher")

    work_order_update(
        actor=dispatcher, work_order=work_order, values={"technician": theirs}, reason="Busy"
    )

    assert (row(work_order)["technician_id"], row(work_order)["contractor_id"]) == (
        theirs.pk,
        company.pk,
    )
    entry = AuditEntry.objects.filter(entity_type="service.workorder").latest("id")
    assert (entry.action, entry.before["technician_id"], entry.after["contractor_id"]) == (
        "update",
        ours.pk,
        company.pk,
    )


def test_a_technician_updates_status_and_notes_of_its_work_order(ticket):
    technician = make.user("technician")
    work_order = make.work_order(ticket, technician)
    work_order_update(
        actor=technician,
        work_order=work_order,
        values={"status": "on_site", "notes": "Valve replaced", "technician": technician},
    )
    assert (row(work_order)["status"], row(work_order)["notes"]) == ("on_site", "Valve replaced")


@pytest.mark.parametrize("actor_role", ["technician", "contractor"])
@pytest.mark.parametrize("changing", ["ticket", "technician", "contractor"])
def test_technicians_and_contractors_may_not_reassign_a_work_order(place, actor_role, changing):
    _customer, site, service = place
    company = make.contractor()
    technician = make.user("technician", contractor=company)
    actor = (
        technician if actor_role == "technician" else make.user("contractor", contractor=company)
    )
    ticket = make.ticket(site, service)
    work_order = make.work_order(ticket, technician)
    other_company = make.contractor()
    value = {
        "ticket": make.ticket(site, service),
        "technician": make.user("technician", contractor=company),
        "contractor": other_company,
    }[changing]
    before, counts = row(work_order), table_counts()

    with pytest.raises(Forbidden) as refused:
        work_order_update(actor=actor, work_order=work_order, values={changing: value})

    assert refused.value.code == "reassign_refused"
    assert refused.value.fields == {changing: ["Only office staff can change this."]}
    assert (row(work_order), table_counts()) == (before, counts)


def test_a_technician_may_not_unassign_itself(ticket):
    technician = make.user("technician")
    work_order = make.work_order(ticket, technician)
    before = row(work_order)
    with pytest.raises(Forbidden) as refused:
        work_order_update(actor=technician, work_order=work_order, values={"technician": None})
    assert refused.value.fields == {"technician": ["Only office staff can change this."]}
    assert row(work_order) == before


def test_a_work_order_is_deleted_with_an_audit_row_unless_time_was_logged(ticket):
    technician = make.user("technician")
    empty, worked = make.work_order(ticket, technician), make.work_order(ticket, technician)
    make.time_entry(worked)
    pk = empty.pk
    work_order_delete(actor=None, work_order=empty, reason="Not needed")
    assert not WorkOrder.objects.filter(pk=pk).exists()
    assert audit_log(WorkOrder(pk=pk))[-1] == ("delete", None, "Not needed")

    counts = table_counts()
    with pytest.raises(Conflict) as refused:
        work_order_delete(actor=None, work_order=worked)
    assert refused.value.code == "in_use"
    assert table_counts() == counts


def test_the_work_order_writer_takes_the_record_by_its_name(ticket):
    work_order = WORK_ORDER.create_record(actor=None, values={"ticket": ticket}, reason="")
    WORK_ORDER.update_record(work_order, actor=None, values={"notes": "Call first"}, reason="")
    assert row(work_order)["notes"] == "Call first"
    WORK_ORDER.delete_record(work_order, actor=None, reason="")
    assert not WorkOrder.objects.filter(pk=work_order.pk).exists()


# --- time entries -------------------------------------------------------------------------------
@pytest.fixture
def technician():
    return make.user("technician")


@pytest.fixture
def work_order(ticket, technician):
    return make.work_order(ticket, technician)


def test_time_is_logged_for_the_work_orders_technician_unless_told(work_order, technician):
    actor = make.user("dispatcher")
    entry = time_entry_create(
        actor=actor,
        values={
            "work_order": work_order,
            "started_at": at("2026-03-03 09:00"),
            "ended_at": at("2026-03-03 10:15"),
            "kind": "travel",
            "note": "Traffic",
        },
        reason="From the paper sheet",
    )
    assert {k: v for k, v in row(entry).items() if k != "id"} == {
        "work_order_id": work_order.pk,
        "technician_id": technician.pk,
        "started_at": at("2026-03-03 09:00"),
        "ended_at": at("2026-03-03 10:15"),
        "kind": "travel",
        "note": "Traffic",
    }
    assert audit_log(entry) == [("create", actor.pk, "From the paper sheet")]

    time_entry_update(
        actor=actor, time_entry=entry, values={"ended_at": at("2026-03-03 10:30")}, reason="Fix"
    )
    time_entry_delete(actor=actor, time_entry=entry, reason="Wrong day")
    assert not TimeEntry.objects.filter(pk=entry.pk).exists()
    assert audit_log(entry) == [
        ("create", actor.pk, "From the paper sheet"),
        ("update", actor.pk, "Fix"),
        ("delete", actor.pk, "Wrong day"),
    ]


def test_a_time_entry_needs_a_technician(ticket):
    unassigned = make.work_order(ticket)
    counts = table_counts()
    with pytest.raises(InvalidInput) as refused:
        make.time_entry(unassigned)
    assert list(refused.value.fields) == ["technician"]
    assert table_counts() == counts


@pytest.mark.parametrize("ends", ["2026-03-03 09:00", "2026-03-03 08:59"])
def test_a_time_entry_ends_after_it_starts(work_order, ends):
    counts = table_counts()
    with pytest.raises(InvalidInput) as refused:
        make.time_entry(work_order, started_at=at("2026-03-03 09:00"), ended_at=at(ends))
    assert refused.value.fields == {"ended_at": ["A time entry must end after it starts."]}
    assert table_counts() == counts


def test_a_time_entry_covers_at_most_24_hours(work_order):
    whole_day = make.time_entry(
        work_order, started_at=at("2026-03-03 08:00"), ended_at=at("2026-03-04 08:00")
    )
    assert row(whole_day)["ended_at"] == at("2026-03-04 08:00")

    counts = table_counts()
    with pytest.raises(InvalidInput) as refused:
        make.time_entry(
            work_order, started_at=at("2026-03-05 08:00"), ended_at=at("2026-03-06 08:01")
        )
    assert refused.value.fields == {
        "ended_at": ["A time entry covers at most 24 hours; log longer work as several."]
    }
    assert table_counts() == counts


def test_touching_entries_are_fine_and_an_overlap_names_the_other_entry(work_order):
    make.time_entry(work_order, started_at=at("2026-03-03 09:00"), ended_at=at("2026-03-03 10:00"))
    make.time_entry(work_order, started_at=at("2026-03-03 10:00"), ended_at=at("2026-03-03 11:00"))
    counts = table_counts()

    with pytest.raises(InvalidInput) as refused:
        make.time_entry(
            work_order, started_at=at("2026-03-03 09:30"), ended_at=at("2026-03-03 10:30")
        )

    assert refused.value.fields == {
        "started_at": [
            f"This time overlaps 2026-03-03 09:00–10:00 already logged on {work_order.reference}."
        ]
    }
    assert table_counts() == counts


def test_the_overlap_message_speaks_the_active_time_zone(work_order):
    make.time_entry(work_order, started_at=at("2026-03-03 23:00"), ended_at=at("2026-03-04 00:30"))
    with timezone.override(ZoneInfo("America/New_York")), pytest.raises(InvalidInput) as refused:
        make.time_entry(
            work_order, started_at=at("2026-03-04 00:00"), ended_at=at("2026-03-04 01:00")
        )
    assert refused.value.fields["started_at"] == [
        f"This time overlaps 2026-03-03 17:00–18:30 already logged on {work_order.reference}."
    ]
    with pytest.raises(InvalidInput) as refused:
        make.time_entry(
            work_order, started_at=at("2026-03-04 00:00"), ended_at=at("2026-03-04 01:00")
        )
    assert refused.value.fields["started_at"] == [
        "This time overlaps 2026-03-03 23:00–2026-03-04 00:30 already logged on "
        f"{work_order.reference}."
    ]


def test_overlaps_count_across_work_orders_but_not_across_technicians(ticket, technician):
    first, second = make.work_order(ticket, technician), make.work_order(ticket, technician)
    make.time_entry(first, started_at=at("2026-03-03 09:00"), ended_at=at("2026-03-03 12:00"))
    with pytest.raises(InvalidInput) as refused:
        make.time_entry(second, started_at=at("2026-03-03 11:00"), ended_at=at("2026-03-03 13:00"))
    assert refused.value.fields == {
        "started_at": [
            f"This time overlaps 2026-03-03 09:00–12:00 already logged on {first.reference}."
        ]
    }
    colleague = make.user("technician")
    helped = make.time_entry(
        first,
        technician=colleague,
        started_at=at("2026-03-03 09:00"),
        ended_at=at("2026-03-03 12:00"),
    )
    assert row(helped)["technician_id"] == colleague.pk


def test_an_entry_moved_in_time_does_not_overlap_itself(work_order):
    entry = make.time_entry(
        work_order, started_at=at("2026-03-03 09:00"), ended_at=at("2026-03-03 10:00")
    )
    time_entry_update(actor=None, time_entry=entry, values={"ended_at": at("2026-03-03 10:30")})
    assert row(entry)["ended_at"] == at("2026-03-03 10:30")


@pytest.mark.parametrize("who", ["a dispatcher", "an inactive technician"])
def test_time_is_logged_for_active_technicians_only(work_order, who):
    user = (
        make.user("dispatcher")
        if who == "a dispatcher"
        else make.user("technician", is_active=False)
    )
    counts = table_counts()
    with pytest.raises(InvalidInput) as refused:
        make.time_entry(work_order, technician=user)
    assert refused.value.fields == {"technician": ["Time is logged for active technicians only."]}
    assert table_counts() == counts


def test_a_cancelled_work_order_takes_no_time(work_order):
    work_order_update(actor=None, work_order=work_order, values={"status": "cancelled"})
    counts = table_counts()
    with pytest.raises(InvalidInput) as refused:
        make.time_entry(work_order)
    assert refused.value.fields == {
        "work_order": ["This work order is cancelled: it takes no time entries."]
    }
    assert table_counts() == counts


def test_a_technician_logs_time_for_itself_only(work_order, technician):
    own = time_entry_create(
        actor=technician,
        values={
            "work_order": work_order,
            "started_at": at("2026-03-03 09:00"),
            "ended_at": at("2026-03-03 10:00"),
        },
    )
    assert row(own)["technician_id"] == technician.pk
    colleague = make.user("technician")
    counts = table_counts()

    with pytest.raises(InvalidInput) as refused:
        time_entry_create(
            actor=technician,
            values={
                "work_order": work_order,
                "technician": colleague,
                "started_at": at("2026-03-03 11:00"),
                "ended_at": at("2026-03-03 12:00"),
            },
        )
    assert refused.value.fields == {"technician": ["You log your own time only."]}
    assert table_counts() == counts


def test_a_technician_may_not_change_or_delete_a_colleagues_time(work_order, technician):
    colleague = make.user("technician")
    theirs = make.time_entry(work_order, technician=colleague)
    before, counts = row(theirs), table_counts()

    with pytest.raises(InvalidInput) as refused:
        time_entry_update(actor=technician, time_entry=theirs, values={"note": "Mine"})
    assert refused.value.fields == {"technician": ["You log your own time only."]}
    with pytest.raises(InvalidInput) as refused:
        time_entry_update(actor=technician, time_entry=theirs, values={"technician": technician})
    assert refused.value.fields == {"technician": ["You log your own time only."]}
    with pytest.raises(InvalidInput) as refused:
        time_entry_delete(actor=technician, time_entry=theirs)
    assert refused.value.fields == {"technician": ["You log your own time only."]}
    assert (row(theirs), table_counts()) == (before, counts)


def test_a_contractor_logs_time_for_its_companys_technicians_only(ticket):
    company = make.contractor()
    contractor_user = make.user("contractor", contractor=company)
    theirs = make.user("technician", contractor=company)
    work_order = make.work_order(ticket, theirs)
    logged = time_entry_create(
        actor=contractor_user,
        values={
            "work_order": work_order,
            "started_at": at("2026-03-03 09:00"),
            "ended_at": at("2026-03-03 10:00"),
        },
    )
    assert row(logged)["technician_id"] == theirs.pk

    strangers = (make.user("technician"), make.user("technician", contractor=make.contractor()))
    counts = table_counts()
    for stranger in strangers:
        with pytest.raises(InvalidInput) as refused:
            time_entry_create(
                actor=contractor_user,
                values={
                    "work_order": work_order,
                    "technician": stranger,
                    "started_at": at("2026-03-03 11:00"),
                    "ended_at": at("2026-03-03 12:00"),
                },
            )
        assert refused.value.fields == {
            "technician": ["You log the time of your company's technicians only."]
        }
    assert table_counts() == counts


def test_the_time_entry_writer_takes_the_record_by_its_name(work_order):
    entry = TIME_ENTRY.create_record(
        actor=None,
        values={
            "work_order": work_order,
            "started_at": at("2026-03-03 09:00"),
            "ended_at": at("2026-03-03 10:00"),
        },
    )
    TIME_ENTRY.update_record(entry, actor=None, values={"kind": "travel"})
    assert row(entry)["kind"] == "travel"
    TIME_ENTRY.delete_record(entry, actor=None)
    assert not TimeEntry.objects.filter(pk=entry.pk).exists()


# --- parts used ---------------------------------------------------------------------------------
def test_a_part_used_is_created_updated_and_deleted_with_audit_rows(work_order, technician):
    product = make.product()
    part = part_used_create(
        actor=technician,
        values={"work_order": work_order, "product": product, "quantity": Decimal("1.5")},
        reason="Used on site",
    )
    assert {k: v for k, v in row(part).items() if k != "id"} == {
        "work_order_id": work_order.pk,
        "product_id": product.pk,
        "quantity": Decimal("1.500"),
        "note": "",
    }
    part_used_update(actor=technician, part_used=part, values={"quantity": Decimal("2")})
    assert row(part)["quantity"] == Decimal("2.000")
    part_used_delete(actor=technician, part_used=part, reason="Returned to stock")
    assert not PartUsed.objects.filter(pk=part.pk).exists()
    assert audit_log(part) == [
        ("create", technician.pk, "Used on site"),
        ("update", technician.pk, ""),
        ("delete", technician.pk, "Returned to stock"),
    ]


@pytest.mark.parametrize("quantity", ["0", "-1", "0.0004"])
def test_a_part_quantity_must_be_positive(work_order, quantity):
    product = make.product()
    counts = table_counts()
    with pytest.raises(InvalidInput) as refused:
        make.part_used(work_order, product, quantity=Decimal(quantity))
    assert list(refused.value.fields) == ["quantity"]
    assert table_counts() == counts


def test_an_inactive_product_is_refused_but_kept_on_parts_already_used(work_order):
    retired = make.product(is_active=False)
    counts = table_counts()
    with pytest.raises(InvalidInput) as refused:
        make.part_used(work_order, retired)
    assert refused.value.fields == {"product": ["This product is no longer active in the catalog."]}
    assert table_counts() == counts

    product = make.product()
    part = make.part_used(work_order, product)
    product_update(actor=None, product=product, values={"is_active": False})
    PART_USED.update_record(part, actor=None, values={"note": "Spare"})
    assert row(part)["note"] == "Spare"


def test_a_cancelled_work_order_takes_no_parts(work_order):
    product = make.product()
    work_order_update(actor=None, work_order=work_order, values={"status": "cancelled"})
    counts = table_counts()
    with pytest.raises(InvalidInput) as refused:
        make.part_used(work_order, product)
    assert refused.value.fields == {
        "work_order": ["This work order is cancelled: it takes no parts."]
    }
    assert table_counts() == counts


# --- selectors ----------------------------------------------------------------------------------
def test_my_jobs_today_are_the_technicians_work_orders_of_that_local_day(ticket, technician):
    early = make.work_order(
        ticket,
        technician,
        scheduled_start_at=at("2026-03-03 00:00"),
        scheduled_end_at=at("2026-03-03 01:00"),
    )
    overnight = make.work_order(
        ticket,
        technician,
        scheduled_start_at=at("2026-03-02 22:00"),
        scheduled_end_at=at("2026-03-03 02:00"),
    )
    late = make.work_order(
        ticket,
        technician,
        scheduled_start_at=at("2026-03-03 23:59"),
        scheduled_end_at=at("2026-03-04 01:00"),
    )
    before_midnight = make.work_order(  # the day before, ending as the day starts
        ticket,
        technician,
        scheduled_start_at=at("2026-03-02 22:00"),
        scheduled_end_at=at("2026-03-03 00:00"),
    )
    make.work_order(  # the next day
        ticket,
        technician,
        scheduled_start_at=at("2026-03-04 00:00"),
        scheduled_end_at=at("2026-03-04 01:00"),
    )
    cancelled = make.work_order(ticket, technician, scheduled_start_at=at("2026-03-03 10:00"))
    work_order_update(actor=None, work_order=cancelled, values={"status": "cancelled"})
    make.work_order(ticket, make.user("technician"), scheduled_start_at=at("2026-03-03 10:00"))

    mine = selectors.work_order_list_for_technician(technician=technician, on=date(2026, 3, 3))

    assert [w.pk for w in mine] == [overnight.pk, early.pk, late.pk]
    with timezone.override(ZoneInfo("UTC")):  # Madrid's 00:00 is 23:00 UTC the day before
        utc_day = selectors.work_order_list_for_technician(
            technician=technician, on=date(2026, 3, 2)
        )
        assert [w.pk for w in utc_day] == [overnight.pk, before_midnight.pk, early.pk]


def test_open_tickets_leave_out_resolved_closed_and_cancelled_ones(place):
    _customer, site, service = place
    tickets = {}
    for status in ("new", "in_progress", "waiting", "resolved", "closed", "cancelled"):
        tickets[status] = make.ticket(site, service)
        if status != "new":
            ticket_update(actor=None, ticket=tickets[status], values={"status": status})
    office = audience_of(make.user("dispatcher"))
    assert {t.pk for t in selectors.ticket_list_open(audience=office)} == {
        tickets["new"].pk,
        tickets["in_progress"].pk,
        tickets["waiting"].pk,
    }


def test_a_technician_reads_the_tickets_of_its_work_orders_only(place, technician):
    _customer, site, service = place
    mine, other = make.ticket(site, service), make.ticket(site, service)
    make.work_order(mine, technician)
    make.work_order(mine, technician)  # two work orders: the ticket is listed once
    make.work_order(other, make.user("technician"))
    reader = audience_of(technician)
    assert [t.pk for t in selectors.ticket_list(audience=reader)] == [mine.pk]
