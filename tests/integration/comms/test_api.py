"""/api/v1/outbound-messages/ over real HTTP: the outbox, read-only, for the office roles that
dispatch (admin, manager, dispatcher)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from pacta.comms.models import OutboundMessage
from pacta.service.models import RescueAction
from pacta.service.services import ticket_respond
from tests.support import make
from tests.support.fixtures import ids_of, results
from tests.support.make import at
from tests.support.state import table_counts

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def breached():
    """A high ticket answered at 09:15 on Monday 2 March 2026 and never resolved: evaluated
    now, its resolution (due 13:00 that day) is breached, and the two dispatchers with an
    e-mail address are told (one in Spanish, in New York time)."""
    customer = make.customer()
    site, service = make.site(customer), make.service()
    contract = make.contract(
        customer,
        sites=[site],
        scope=[(service, "included")],
        calendar=make.calendar(),
        sla_policy=make.sla_policy(),
    )
    ana = make.user("dispatcher", email="ana@example.com")
    luis = make.user(
        "dispatcher", email="luis@example.com", language="es", time_zone="America/New_York"
    )
    make.user("dispatcher")  # no address: not told
    ticket = make.ticket(site, service, contract=contract, priority="high")
    ticket = ticket_respond(actor=None, ticket=ticket, at=at("2026-03-02 09:15"))
    return {"ticket": ticket, "ana": ana, "luis": luis}


def test_the_office_reads_the_messages_a_breach_sent(api, breached):
    ticket, ana, luis = breached["ticket"], breached["ana"], breached["luis"]
    notify = RescueAction.objects.get(ticket=ticket, kind="notify")
    client = api(make.user("manager"))

    listed = results(
        client.get(
            "/outbound-messages/",
            params={"entity_type": "service.ticket", "entity_id": ticket.pk, "ordering": "id"},
        )
    )

    queued_at = timezone.localtime(notify.created_at).isoformat()
    to_ana = OutboundMessage.objects.get(to_email="ana@example.com")
    to_luis = OutboundMessage.objects.get(to_email="luis@example.com")
    assert [m["id"] for m in listed] == sorted([to_ana.pk, to_luis.pk])
    by_address = {m["to_email"]: m for m in listed}
    assert by_address["ana@example.com"] == {
        "id": to_ana.pk,
        "key": f"rescue:{notify.pk}:{ana.pk}",
        "to_email": "ana@example.com",
        "subject": f"[pacta] {ticket.reference}: resolution breached (due 2026-03-02 13:00)",
        "body": to_ana.body,
        "language": "en",
        "entity_type": "service.ticket",
        "entity_id": str(ticket.pk),
        "created_at": queued_at,
        "sent_at": None,
        "attempts": 0,
        "last_error": "",
    }
    assert to_ana.body.startswith(f"Ticket {ticket.reference} — Unit not cooling\n")
    assert "Due: 2026-03-02 13:00; business time left: 0:00.\n" in to_ana.body
    # Luis reads Spanish, in New York: 13:00 in Madrid is 07:00 there.
    luis_message = by_address["luis@example.com"]
    assert (luis_message["key"], luis_message["language"]) == (
        f"rescue:{notify.pk}:{luis.pk}",
        "es",
    )
    assert "2026-03-02 07:00" in luis_message["subject"]
    assert client.get(f"/outbound-messages/{to_ana.pk}/").json() == by_address["ana@example.com"]


def test_messages_filter_by_what_they_are_about_and_whether_they_went(api, breached):
    client = api(make.user("dispatcher"))
    every = set(OutboundMessage.objects.values_list("pk", flat=True))
    assert len(every) == 2

    assert ids_of(client.get("/outbound-messages/", params={"sent": "false"})) == every
    assert ids_of(client.get("/outbound-messages/", params={"sent": "true"})) == set()
    assert ids_of(client.get("/outbound-messages/", params={"language": "es"})) == {
        OutboundMessage.objects.get(language="es").pk
    }
    assert ids_of(client.get("/outbound-messages/", params={"search": "ana@"})) == {
        OutboundMessage.objects.get(to_email="ana@example.com").pk
    }
    assert ids_of(client.get("/outbound-messages/", params={"entity_id": "0"})) == set()


def test_the_outbox_is_read_only_and_for_dispatching_roles_only(api, breached):
    message = OutboundMessage.objects.order_by("id").first()
    assert message is not None

    for role in ("admin", "manager", "dispatcher"):
        client = api(make.user(role))
        assert client.get("/outbound-messages/").status_code == 200, role
        assert client.get(f"/outbound-messages/{message.pk}/").status_code == 200, role
        counts = table_counts()
        assert client.post("/outbound-messages/", {"to_email": "x@example.com"}).status_code == 405
        assert (
            client.patch(f"/outbound-messages/{message.pk}/", {"subject": "x"}).status_code == 405
        )
        assert client.delete(f"/outbound-messages/{message.pk}/").status_code == 405
        assert table_counts() == counts, role

    ticket = breached["ticket"]
    technician = make.user("technician")
    make.work_order(ticket, technician)
    for role, user in (
        ("finance", make.user("finance")),
        ("technician", technician),
        ("contractor", make.user("contractor", contractor=make.contractor())),
        ("customer", make.user("customer", customer=ticket.customer)),
    ):
        client = api(user)
        assert client.get("/outbound-messages/").status_code == 403, role
        assert client.get(f"/outbound-messages/{message.pk}/").status_code == 403, role
    assert api().get("/outbound-messages/").status_code == 401
