"""/api/v1/tickets/, /work-orders/, /time-entries/, /parts-used/ over real HTTP: who sees what,
who may do what, bad input.

No contracts or equipment here (see test_with_contracts.py for those).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from pacta.audit.models import AuditEntry
from pacta.service.models import Ticket, WorkOrder
from tests.support import make
from tests.support.fixtures import ids_of, results
from tests.support.state import row, table_counts

pytestmark = pytest.mark.django_db(transaction=True)


def invalid_pk(pk):
    return [f'Invalid pk "{pk}" - object does not exist.']


@pytest.fixture
def world():
    """Two customers with a site each; two technicians of ours and one of a contractor, each
    with a work order (time and a part logged) on its own ticket; a ticket nobody works on."""
    customer, stranger = make.customer(), make.customer()
    site, strange_site = make.site(customer), make.site(stranger)
    service, product = make.service(), make.product()
    company = make.contractor()
    ana, ben = make.user("technician"), make.user("technician")
    carla = make.user("technician", contractor=company)
    tickets = {
        "ana": make.ticket(site, service, subject="Ana's job"),
        "ben": make.ticket(strange_site, service, subject="Ben's job"),
        "carla": make.ticket(site, service, subject="Carla's job"),
        "idle": make.ticket(site, service, subject="Not dispatched yet"),
    }
    make.contract(customer, sites=[site], scope=[(service, "included")])  # what the site may ask
    work_orders = {
        "ana": make.work_order(tickets["ana"], ana),
        "ben": make.work_order(tickets["ben"], ben),
        "carla": make.work_order(tickets["carla"], carla),
    }
    return {
        "customer": customer,
        "stranger": stranger,
        "site": site,
        "strange_site": strange_site,
        "service": service,
        "product": product,
        "company": company,
        "ana": ana,
        "ben": ben,
        "carla": carla,
        "tickets": tickets,
        "work_orders": work_orders,
        "time": {name: make.time_entry(wo) for name, wo in work_orders.items()},
        "parts": {name: make.part_used(wo, product) for name, wo in work_orders.items()},
    }


def test_a_dispatcher_opens_a_ticket_and_schedules_a_work_order(api):
    dispatcher = make.user("dispatcher")
    customer = make.customer()
    site, service = make.site(customer), make.service()
    contract = make.contract(customer, sites=[site], scope=[(service, "billable")])
    company = make.contractor()
    technician = make.user("technician", contractor=company)
    client = api(dispatcher)

    started = timezone.now()
    opened = client.post(
        "/tickets/",
        {
            "site": site.pk,
            "service": service.pk,
            "priority": "high",
            "channel": "dispatcher",
            "subject": "No heating on floor 2",
            "description": "Since Monday morning",
            "reason": "Phone call",
        },
    )

    assert opened.status_code == 201, opened.text
    body = opened.json()
    pk = body["id"]
    opened_at = datetime.fromisoformat(body.pop("opened_at"))
    assert started <= opened_at <= timezone.now()
    # evaluated when it opened: a contract without SLA terms, so no clocks
    assert datetime.fromisoformat(body.pop("sla_evaluated_at")) == opened_at
    assert body == {
        "id": pk,
        "reference": f"T-{pk:06d}",
        "customer": customer.pk,
        "contract": contract.pk,
        "site": site.pk,
        "equipment": None,
        "service": service.pk,
        "priority": "high",
        "channel": "dispatcher",
        "status": "new",
        "subject": "No heating on floor 2",
        "description": "Since Monday morning",
        "created_by": dispatcher.pk,
        "sla_policy": None,
        "sla_calendar": None,
        "sla_risk": "",
        "sla_next_due_at": None,
        "clocks": [],
        "contact": None,
        "team": None,
        "override": "",
        "override_reason": "",
        "overridden_by": None,
    }

    scheduled = client.post(
        "/work-orders/",
        {
            "ticket": pk,
            "technician": technician.pk,
            "scheduled_start_at": "2026-03-03T09:00:00+01:00",
            "scheduled_end_at": "2026-03-03T11:30:00+01:00",
            "notes": "Bring the long ladder",
            "reason": "Dispatched",
        },
    )

    assert scheduled.status_code == 201, scheduled.text
    work_order = scheduled.json()
    wo_pk = work_order["id"]
    assert work_order == {
        "id": wo_pk,
        "reference": f"WO-{wo_pk:06d}",
        "ticket": pk,
        "technician": technician.pk,
        "contractor": company.pk,
        "scheduled_start_at": "2026-03-03T09:00:00+01:00",
        "scheduled_end_at": "2026-03-03T11:30:00+01:00",
        "status": "scheduled",
        "notes": "Bring the long ladder",
    }
    assert client.get(f"/work-orders/{wo_pk}/").json() == work_order
    assert row(WorkOrder(pk=wo_pk))["scheduled_start_at"] == datetime(2026, 3, 3, 8, tzinfo=UTC)

    log = list(
        AuditEntry.objects.filter(entity_type__in=["service.ticket", "service.workorder"])
        .order_by("id")
        .values_list("entity_type", "action", "actor_id", "reason")
    )
    assert log == [
        ("service.ticket", "create", dispatcher.pk, "Phone call"),
        ("service.workorder", "create", dispatcher.pk, "Dispatched"),
    ]


def test_a_naive_time_is_read_in_the_callers_time_zone(api):
    ticket = make.ticket(make.site(make.customer()), make.service())
    client = api(make.user("dispatcher", time_zone="America/New_York"))

    scheduled = client.post(
        "/work-orders/", {"ticket": ticket.pk, "scheduled_start_at": "2026-03-03T09:00:00"}
    )

    assert scheduled.status_code == 201, scheduled.text
    assert scheduled.json()["scheduled_start_at"] == "2026-03-03T09:00:00-05:00"
    stored = row(WorkOrder(pk=scheduled.json()["id"]))
    assert stored["scheduled_start_at"] == datetime(2026, 3, 3, 14, tzinfo=UTC)


def test_bad_ticket_input_answers_400_naming_the_field(api):
    site, service = make.site(make.customer()), make.service()
    retired = make.service(is_active=False)
    client = api(make.user("dispatcher"))
    future = (timezone.now() + timedelta(hours=1)).isoformat()
    counts = table_counts()

    for change, field in (
        ({"service": retired.pk}, "service"),
        ({"opened_at": future}, "opened_at"),
        ({"status": "closed"}, "status"),
        ({"priority": "urgent"}, "priority"),
        ({"channel": ""}, "channel"),
        ({"site": 999999}, "site"),
    ):
        response = client.post(
            "/tickets/",
            {
                "site": site.pk,
                "service": service.pk,
                "channel": "email",
                "subject": "Noise",
                **change,
            },
        )
        assert response.status_code == 400, response.text
        assert response.json()["code"] == "invalid"
        assert list(response.json()["fields"]) == [field], change
    assert table_counts() == counts


def test_a_technician_sees_only_its_work_orders_their_time_parts_and_tickets(api, world):
    client = api(world["ana"])
    mine = world["work_orders"]["ana"]

    assert ids_of(client.get("/work-orders/")) == {mine.pk}
    assert ids_of(client.get("/tickets/")) == {world["tickets"]["ana"].pk}
    assert ids_of(client.get("/time-entries/")) == {world["time"]["ana"].pk}
    assert ids_of(client.get("/parts-used/")) == {world["parts"]["ana"].pk}
    assert client.get(f"/tickets/{world['tickets']['ana'].pk}/").status_code == 200

    for path in (
        f"/work-orders/{world['work_orders']['ben'].pk}/",
        f"/tickets/{world['tickets']['ben'].pk}/",
        f"/tickets/{world['tickets']['idle'].pk}/",
        f"/time-entries/{world['time']['carla'].pk}/",
        f"/parts-used/{world['parts']['ben'].pk}/",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.json()["code"] == "not_found"


def test_a_technician_logs_time_for_itself_but_not_for_another(api, world):
    ana, ben = world["ana"], world["ben"]
    mine = world["work_orders"]["ana"]
    client = api(ana)

    logged = client.post(
        "/time-entries/",
        {
            "work_order": mine.pk,
            "started_at": "2026-03-03T11:00:00+01:00",
            "ended_at": "2026-03-03T12:15:00+01:00",
            "kind": "work",
            "note": "Replaced the valve",
        },
    )

    assert logged.status_code == 201, logged.text
    assert logged.json() == {
        "id": logged.json()["id"],
        "work_order": mine.pk,
        "technician": ana.pk,
        "started_at": "2026-03-03T11:00:00+01:00",
        "ended_at": "2026-03-03T12:15:00+01:00",
        "kind": "work",
        "note": "Replaced the valve",
    }

    counts = table_counts()
    for values, field, message in (
        ({"work_order": mine.pk, "technician": ben.pk}, "technician", invalid_pk(ben.pk)),
        (
            {"work_order": world["work_orders"]["ben"].pk},
            "work_order",
            invalid_pk(world["work_orders"]["ben"].pk),
        ),
    ):
        refused = client.post(
            "/time-entries/",
            {
                "started_at": "2026-03-03T13:00:00+01:00",
                "ended_at": "2026-03-03T14:00:00+01:00",
                **values,
            },
        )
        assert refused.status_code == 400, refused.text
        assert refused.json()["fields"] == {field: message}
    assert table_counts() == counts


def test_an_overlapping_entry_answers_400_on_started_at(api, world):
    mine = world["work_orders"]["ana"]
    client = api(world["ana"])
    counts = table_counts()

    refused = client.post(
        "/time-entries/",
        {
            "work_order": mine.pk,
            "started_at": "2026-03-03T10:00:00+01:00",
            "ended_at": "2026-03-03T11:00:00+01:00",
        },
    )

    assert refused.status_code == 400
    message = f"This time overlaps 2026-03-03 09:00–10:30 already logged on {mine.reference}."
    assert refused.json() == {
        "code": "invalid",
        "detail": message,
        "fields": {"started_at": [message]},
    }
    assert table_counts() == counts


def test_a_technician_updates_its_work_order_but_may_not_reassign_it(api, world):
    ana = world["ana"]
    mine = world["work_orders"]["ana"]
    other_ticket = make.ticket(world["site"], world["service"])
    make.work_order(other_ticket, ana)  # so that Ana sees that ticket too
    client = api(ana)

    updated = client.patch(
        f"/work-orders/{mine.pk}/", {"status": "on_site", "notes": "Arrived at 9:05"}
    )
    assert updated.status_code == 200, updated.text
    assert (updated.json()["status"], updated.json()["notes"]) == ("on_site", "Arrived at 9:05")

    before, counts = row(mine), table_counts()
    for change, field in (
        ({"technician": None}, "technician"),
        ({"ticket": other_ticket.pk}, "ticket"),
    ):
        refused = client.patch(f"/work-orders/{mine.pk}/", change)
        assert refused.status_code == 403, refused.text
        assert refused.json() == {
            "code": "reassign_refused",
            "detail": "Only office staff can reassign a work order.",
            "fields": {field: ["Only office staff can change this."]},
        }
    assert (row(mine), table_counts()) == (before, counts)

    # Creating or deleting work orders is the office's job.
    assert client.post("/work-orders/", {"ticket": other_ticket.pk}).status_code == 403
    assert client.delete(f"/work-orders/{mine.pk}/").status_code == 403
    assert table_counts() == counts


def test_a_contractor_sees_only_its_companys_work_orders_and_no_tickets(api, world):
    contractor_user = make.user("contractor", contractor=world["company"])
    theirs = world["work_orders"]["carla"]
    client = api(contractor_user)

    assert ids_of(client.get("/work-orders/")) == {theirs.pk}
    assert ids_of(client.get("/time-entries/")) == {world["time"]["carla"].pk}
    assert ids_of(client.get("/parts-used/")) == {world["parts"]["carla"].pk}
    for name in ("ana", "ben"):
        response = client.get(f"/work-orders/{world['work_orders'][name].pk}/")
        assert response.status_code == 404
    for path in ("/tickets/", f"/tickets/{world['tickets']['carla'].pk}/"):
        response = client.get(path)
        assert response.status_code == 403, path
        assert response.json()["code"] == "permission_denied"

    logged = client.post(
        "/time-entries/",
        {
            "work_order": theirs.pk,
            "started_at": "2026-03-03T14:00:00+01:00",
            "ended_at": "2026-03-03T15:00:00+01:00",
            "kind": "travel",
        },
    )
    assert logged.status_code == 201, logged.text
    assert logged.json()["technician"] == world["carla"].pk

    updated = client.patch(f"/work-orders/{theirs.pk}/", {"status": "completed"})
    assert updated.status_code == 200, updated.text
    colleague = make.user("technician", contractor=world["company"])
    before = row(theirs)
    refused = client.patch(f"/work-orders/{theirs.pk}/", {"technician": colleague.pk})
    assert refused.status_code == 403
    assert refused.json()["fields"] == {"technician": ["Only office staff can change this."]}
    assert row(theirs) == before


def test_a_customer_user_opens_tickets_for_its_own_sites_only(api, world):
    user = make.user("customer", customer=world["customer"])
    client = api(user)

    opened = client.post(
        "/tickets/",
        {
            "site": world["site"].pk,
            "service": world["service"].pk,
            "channel": "portal",
            "subject": "Lift stuck on floor 3",
        },
    )
    assert opened.status_code == 201, opened.text
    ticket = Ticket.objects.get(pk=opened.json()["id"])
    assert (ticket.customer_id, ticket.created_by_id, ticket.status) == (
        world["customer"].pk,
        user.pk,
        "new",
    )

    counts = table_counts()
    strange_site = world["strange_site"]
    for values in ({}, {"customer": world["customer"].pk}):
        refused = client.post(
            "/tickets/",
            {
                "site": strange_site.pk,
                "service": world["service"].pk,
                "channel": "portal",
                "subject": "Not my site",
                **values,
            },
        )
        assert refused.status_code == 400, refused.text
        assert refused.json()["fields"] == {"site": invalid_pk(strange_site.pk)}
    assert table_counts() == counts


def test_a_customer_user_sees_its_own_tickets_and_work_orders_only(api, world):
    client = api(make.user("customer", customer=world["customer"]))
    tickets = world["tickets"]
    work_orders = world["work_orders"]

    assert ids_of(client.get("/tickets/")) == {
        tickets["ana"].pk,
        tickets["carla"].pk,
        tickets["idle"].pk,
    }
    assert ids_of(client.get("/work-orders/")) == {work_orders["ana"].pk, work_orders["carla"].pk}
    assert ids_of(client.get("/time-entries/")) == {
        world["time"]["ana"].pk,
        world["time"]["carla"].pk,
    }
    for path in (f"/tickets/{tickets['ben'].pk}/", f"/work-orders/{work_orders['ben'].pk}/"):
        assert client.get(path).status_code == 404, path

    counts = table_counts()
    assert client.post("/work-orders/", {"ticket": tickets["idle"].pk}).status_code == 403
    assert client.patch(f"/tickets/{tickets['idle'].pk}/", {"subject": "Mine"}).status_code == 403
    assert table_counts() == counts


def test_finance_reads_everything_but_writes_nothing(api, world):
    client = api(make.user("finance"))
    assert ids_of(client.get("/tickets/")) == {t.pk for t in world["tickets"].values()}
    assert ids_of(client.get("/work-orders/")) == {w.pk for w in world["work_orders"].values()}
    assert ids_of(client.get("/time-entries/")) == {t.pk for t in world["time"].values()}
    assert ids_of(client.get("/parts-used/")) == {p.pk for p in world["parts"].values()}

    work_order = world["work_orders"]["ana"]
    entry = world["time"]["ana"]
    before = (row(world["tickets"]["ana"]), row(work_order), row(entry))
    counts = table_counts()
    for response in (
        client.post(
            "/tickets/",
            {
                "site": world["site"].pk,
                "service": world["service"].pk,
                "channel": "email",
                "subject": "Billing question",
            },
        ),
        client.patch(f"/tickets/{world['tickets']['ana'].pk}/", {"priority": "low"}),
        client.post("/work-orders/", {"ticket": world["tickets"]["idle"].pk}),
        client.patch(f"/work-orders/{work_order.pk}/", {"status": "completed"}),
        client.patch(f"/time-entries/{entry.pk}/", {"note": "Billed"}),
        client.delete(f"/time-entries/{entry.pk}/"),
        client.post(
            "/parts-used/",
            {"work_order": work_order.pk, "product": world["product"].pk, "quantity": "1"},
        ),
        client.delete(f"/parts-used/{world['parts']['ana'].pk}/"),
    ):
        assert response.status_code == 403, response.request.url
        assert response.json()["code"] == "permission_denied"
    assert (row(world["tickets"]["ana"]), row(work_order), row(entry)) == before
    assert table_counts() == counts


def test_a_ticket_with_work_orders_stays_put_and_is_not_deleted(api, world):
    ticket = world["tickets"]["ana"]
    other_site = make.site(world["customer"])
    client = api(make.user("dispatcher"))
    before, counts = row(ticket), table_counts()

    moved = client.patch(f"/tickets/{ticket.pk}/", {"site": other_site.pk})
    assert moved.status_code == 409
    assert moved.json() == {
        "code": "ticket_has_work",
        "detail": "This ticket has work orders; it stays with its customer and its site.",
        "fields": {"site": ["A ticket with work orders cannot move to another site."]},
    }
    deleted = client.delete(f"/tickets/{ticket.pk}/")
    assert deleted.status_code == 409
    assert deleted.json()["code"] == "in_use"
    assert (row(ticket), table_counts()) == (before, counts)

    idle = world["tickets"]["idle"]
    assert client.delete(f"/tickets/{idle.pk}/", params={"reason": "Duplicate"}).status_code == 204
    assert not Ticket.objects.filter(pk=idle.pk).exists()


def test_parts_used_are_logged_with_a_positive_quantity(api, world):
    work_order = world["work_orders"]["ana"]
    client = api(world["ana"])

    added = client.post(
        "/parts-used/",
        {"work_order": work_order.pk, "product": world["product"].pk, "quantity": "0.5"},
    )
    assert added.status_code == 201, added.text
    assert added.json() == {
        "id": added.json()["id"],
        "work_order": work_order.pk,
        "product": world["product"].pk,
        "quantity": "0.500",
        "note": "",
    }

    counts = table_counts()
    refused = client.post(
        "/parts-used/",
        {"work_order": work_order.pk, "product": world["product"].pk, "quantity": "0"},
    )
    assert refused.status_code == 400
    assert list(refused.json()["fields"]) == ["quantity"]
    assert table_counts() == counts


def test_work_orders_and_tickets_filter_by_their_fields(api, world):
    client = api(make.user("dispatcher"))
    assert ids_of(client.get("/work-orders/", params={"technician": world["ben"].pk})) == {
        world["work_orders"]["ben"].pk
    }
    assert ids_of(client.get("/work-orders/", params={"contractor": world["company"].pk})) == {
        world["work_orders"]["carla"].pk
    }
    assert ids_of(client.get("/tickets/", params={"site": world["strange_site"].pk})) == {
        world["tickets"]["ben"].pk
    }
    assert ids_of(client.get("/tickets/", params={"search": "dispatched"})) == {
        world["tickets"]["idle"].pk
    }
    assert [
        e["id"]
        for e in results(
            client.get("/time-entries/", params={"work_order": world["work_orders"]["ana"].pk})
        )
    ] == [world["time"]["ana"].pk]
