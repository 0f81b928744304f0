"""The service pages of the back office: writes go through the services, refusals land on the
field (of the page or of the inline row), lists show references."""

from __future__ import annotations

import pytest
from django.utils import timezone

from pacta.audit.models import AuditEntry
from pacta.service.models import Ticket
from tests.support import make
from tests.support.make import at
from tests.support.state import row, table_counts

pytestmark = pytest.mark.django_db

TICKET_ADD = "/admin/service/ticket/add/"


def management(prefix, total=0, initial=0):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def ticket_form(site, service, **values):
    return {
        "subject": "Heat pump noisy",
        "customer": "",
        "site": site.pk,
        "service": service.pk,
        "contract": "",
        "equipment": "",
        "priority": "normal",
        "channel": "dispatcher",
        "status": "new",
        "opened_at_0": "",
        "opened_at_1": "",
        "description": "",
        "reason": "Phone call",
        **management("work_orders"),
        **values,
    }


def test_a_dispatcher_opens_a_ticket_for_the_sites_customer(client):
    dispatcher = make.user("dispatcher")
    customer = make.customer()
    site, service = make.site(customer), make.service()
    contract = make.contract(customer, sites=[site], scope=[(service, "included")], ends_on=None)
    client.force_login(dispatcher)
    started = timezone.now()

    response = client.post(TICKET_ADD, ticket_form(site, service))

    assert response.status_code == 302, response.context["adminform"].form.errors
    ticket = Ticket.objects.get()
    assert (
        ticket.customer_id,
        ticket.site_id,
        ticket.created_by_id,
        ticket.status,
        ticket.contract_id,
    ) == (customer.pk, site.pk, dispatcher.pk, "new", contract.pk)
    assert started <= ticket.opened_at <= timezone.now()
    entry = AuditEntry.objects.get(entity_type="service.ticket")
    assert (entry.action, entry.actor_id, entry.reason) == ("create", dispatcher.pk, "Phone call")


def test_another_customers_site_is_refused_on_the_site_field(client):
    customer = make.customer()
    strange_site, service = make.site(make.customer()), make.service()
    client.force_login(make.user("dispatcher"))
    counts = table_counts()

    response = client.post(TICKET_ADD, ticket_form(strange_site, service, customer=customer.pk))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "site": ["This site belongs neither to the customer nor to one of its children."]
    }
    assert table_counts() == counts


def test_an_overlapping_time_entry_is_refused_on_its_inline_row(client):
    technician = make.user("technician")
    ticket = make.ticket(make.site(make.customer()), make.service())
    work_order = make.work_order(ticket, technician)
    make.time_entry(work_order, started_at=at("2026-03-03 09:00"), ended_at=at("2026-03-03 10:00"))
    client.force_login(make.user("dispatcher"))
    before, counts = row(work_order), table_counts()
    start = timezone.localtime(work_order.scheduled_start_at)
    end = timezone.localtime(work_order.scheduled_end_at)

    response = client.post(
        f"/admin/service/workorder/{work_order.pk}/change/",
        {
            "ticket": ticket.pk,
            "status": "on_site",
            "technician": technician.pk,
            "contractor": "",
            "scheduled_start_at_0": f"{start:%Y-%m-%d}",
            "scheduled_start_at_1": f"{start:%H:%M:%S}",
            "scheduled_end_at_0": f"{end:%Y-%m-%d}",
            "scheduled_end_at_1": f"{end:%H:%M:%S}",
            "notes": "",
            "reason": "",
            **management("time_entries", 1),
            "time_entries-0-technician": technician.pk,
            "time_entries-0-started_at_0": "2026-03-03",
            "time_entries-0-started_at_1": "09:30:00",
            "time_entries-0-ended_at_0": "2026-03-03",
            "time_entries-0-ended_at_1": "10:30:00",
            "time_entries-0-kind": "work",
            "time_entries-0-note": "",
            **management("parts_used"),
        },
    )

    assert response.status_code == 200
    inline_errors = [
        inline.formset.errors
        for inline in response.context["inline_admin_formsets"]
        if any(inline.formset.errors)
    ]
    assert inline_errors == [
        [
            {
                "started_at": [
                    "This time overlaps 2026-03-03 09:00–10:00 already logged on "
                    f"{work_order.reference}."
                ]
            }
        ]
    ]
    assert (row(work_order), table_counts()) == (before, counts)


def test_the_lists_show_references_and_find_records_by_them(client):
    ticket = make.ticket(make.site(make.customer()), make.service(), subject="Door jammed")
    work_order = make.work_order(ticket)
    client.force_login(make.user("dispatcher"))

    tickets = client.get("/admin/service/ticket/", {"q": ticket.reference})
    assert tickets.status_code == 200
    assert [t.pk for t in tickets.context["cl"].result_list] == [ticket.pk]
    assert ticket.reference in tickets.content.decode()

    work_orders = client.get("/admin/service/workorder/", {"q": work_order.reference.lower()})
    assert [w.pk for w in work_orders.context["cl"].result_list] == [work_order.pk]
