"""A ticket's SLA in the back office: its clocks, why they stand where they do, its events,
the rescue actions it called for and the messages they sent; the pages of rescue actions and of
the outbox. Everything here is read-only: the clocks move through the services only."""

from __future__ import annotations

from datetime import timedelta
from html.parser import HTMLParser
from typing import Any

import pytest
from django.test import Client

from pacta.comms.models import OutboundMessage
from pacta.service.models import RescueAction
from pacta.service.services import (
    ticket_pause,
    ticket_priority_change,
    ticket_resolve,
    ticket_respond,
    ticket_resume,
)
from tests.support import make
from tests.support.make import at
from tests.support.state import row, table_counts

pytestmark = pytest.mark.django_db

H = timedelta(hours=1)


class _Tables(HTMLParser):
    """The text of each read-only table of a page (its caption, then its rows of cells), and
    the titles of the page's sections."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[dict[str, Any]] = []
        self.sections: list[str] = []
        self._cell: list[str] | None = None
        self._row: list[str] | None = None
        self._in_table = self._in_caption = self._in_h2 = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = (dict(attrs).get("class") or "").split()
        if tag == "table" and "pacta-history" in classes:
            self._in_table = True
            self.tables.append({"caption": "", "rows": []})
        elif self._in_table and tag == "caption":
            self._in_caption = True
        elif self._in_table and tag == "tr":
            self._row = []
        elif self._in_table and tag in ("td", "th"):
            self._cell = []
        elif tag == "h2":
            self._in_h2 = True
            self.sections.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "table" and self._in_table:
            self._in_table = False
        elif tag == "caption":
            self._in_caption = False
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[-1]["rows"].append(self._row)
            self._row = None
        elif tag == "h2":
            self._in_h2 = False

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        elif self._in_caption:
            self.tables[-1]["caption"] += data
        elif self._in_h2:
            self.sections[-1] += data.strip()


def page(client: Client, ticket: Any) -> _Tables:
    response = client.get(f"/admin/service/ticket/{ticket.pk}/change/")
    assert response.status_code == 200
    parsed = _Tables()
    parsed.feed(response.content.decode())
    return parsed


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def world():
    customer = make.customer()
    site, service = make.site(customer), make.service()
    cal, pol = make.calendar(), make.sla_policy()
    contract = make.contract(
        customer, sites=[site], scope=[(service, "included")], calendar=cal, sla_policy=pol
    )
    return {"site": site, "service": service, "contract": contract, "pol": pol, "cal": cal}


def handled_ticket(world, actor=None):
    """High, opened Monday 09:00; answered 09:15, waiting 09:30-11:30, resolved at 14:00."""
    ticket = make.ticket(
        world["site"], world["service"], contract=world["contract"], priority="high"
    )
    for move, when in (
        (ticket_respond, "09:15"),
        (ticket_pause, "09:30"),
        (ticket_resume, "11:30"),
        (ticket_resolve, "14:00"),
    ):
        moment = at(f"2026-03-02 {when}")
        ticket = move(actor=actor, ticket=ticket, at=moment, now=moment, reason=f"At {when}")
    return ticket


def test_the_ticket_page_shows_its_clocks_and_why_they_stand_there(world):
    dispatcher = make.user("dispatcher")
    ticket = handled_ticket(world, actor=dispatcher)
    counts = table_counts()

    shown = page(signed_in(dispatcher), ticket)

    assert {"SLA clocks", "Clock history", "Events", "Rescue actions", "Messages sent"} <= set(
        shown.sections
    )
    clocks, history, events = shown.tables[:3]
    assert clocks["rows"] == [
        [
            "Target",
            "Budget (h:mm)",
            "Used",
            "Remaining",
            "State",
            "Risk",
            "Due",
            "Met at",
            "Breaches",
        ],
        ["first response", "1:00", "0:15", "0:45", "met", "met", "—", "03/02/2026 9:15 a.m.", "0"],
        ["resolution", "4:00", "3:00", "1:00", "met", "met", "—", "03/02/2026 2 p.m.", "0"],
    ]
    assert clocks["caption"].endswith("; times in Europe/Madrid.")
    assert history["rows"] == [
        ["When", "Event", "First response used", "Resolution used", "Note"],
        ["03/02/2026 9 a.m.", "opened", "0:00", "0:00", ""],
        ["03/02/2026 9:15 a.m.", "first response", "0:15", "0:15", ""],
        ["03/02/2026 9:30 a.m.", "paused", "0:15", "0:30", ""],
        ["03/02/2026 11:30 a.m.", "resumed", "0:15", "0:30", ""],
        ["03/02/2026 2 p.m.", "resolved", "0:15", "3:00", ""],
    ]
    name = str(dispatcher)
    assert events["rows"] == [
        ["When", "Event", "Priority", "Status", "By", "Reason"],
        ["03/02/2026 9 a.m.", "opened", "high", "new", "the system", "—"],
        ["03/02/2026 9:15 a.m.", "first response", "—", "—", name, "At 09:15"],
        ["03/02/2026 9:30 a.m.", "status changed", "—", "waiting on customer", name, "At 09:30"],
        ["03/02/2026 9:30 a.m.", "paused", "—", "waiting on customer", name, "At 09:30"],
        ["03/02/2026 11:30 a.m.", "status changed", "—", "in progress", name, "At 11:30"],
        ["03/02/2026 11:30 a.m.", "resumed", "—", "in progress", name, "At 11:30"],
        ["03/02/2026 2 p.m.", "status changed", "—", "resolved", name, "At 14:00"],
        ["03/02/2026 2 p.m.", "resolved", "—", "resolved", name, "At 14:00"],
    ]
    assert len(shown.tables) == 3  # no rescue action, no message: a sentence says so
    assert table_counts() == counts  # reading the page writes nothing


def test_the_history_shows_each_update_to_the_customer_and_its_cycle(world):
    from pacta.service.services import ticket_post_update
    from pacta.sla.services import sla_target_create

    sla_target_create(
        actor=None,
        values={"policy": world["pol"], "priority": "high", "kind": "update", "duration": 2 * H},
        reason="Customers hear from us every two hours",
    )
    dispatcher = make.user("dispatcher")
    ticket = make.ticket(
        world["site"], world["service"], contract=world["contract"], priority="high"
    )
    for move, when, extra in (
        (ticket_respond, "09:15", {"reason": "Called back"}),
        (ticket_post_update, "10:00", {"message": "Technician booked for 11:00."}),
        (ticket_post_update, "12:30", {"message": "Waiting for a part."}),
        (ticket_resolve, "13:00", {}),
    ):
        moment = at(f"2026-03-02 {when}")
        ticket = move(actor=dispatcher, ticket=ticket, at=moment, now=moment, **extra)

    shown = page(signed_in(dispatcher), ticket)

    clocks, history, events = shown.tables[:3]
    # the update cycles: 09:00-09:15, 09:15-10:00, 10:00-12:30 (half an hour over), 12:30-13:00
    assert clocks["rows"][3] == [
        "customer updates",
        "2:00",
        "0:30",
        "1:30",
        "breached",
        "breached",
        "03/02/2026 2:30 p.m.",
        "03/02/2026 1 p.m.",
        "1",
    ]
    assert history["rows"][0] == [
        "When",
        "Event",
        "First response used",
        "Resolution used",
        "Customer updates used",
        "Note",
    ]
    assert [r[1:] for r in history["rows"][1:]] == [
        ["opened", "0:00", "0:00", "0:00", ""],
        ["first response", "0:15", "0:15", "0:00", ""],
        ["customer update", "0:15", "1:00", "0:00", ""],
        ["customer update", "0:15", "3:30", "0:00", ""],
        ["resolved", "0:15", "4:00", "0:30", ""],
    ]
    updates = [r for r in events["rows"] if r[1] == "customer update"]
    assert [(r[0], r[-1]) for r in updates] == [
        ("03/02/2026 10 a.m.", "Technician booked for 11:00."),
        ("03/02/2026 12:30 p.m.", "Waiting for a part."),
    ]


def test_times_are_shown_in_the_readers_zone_and_priority_changes_are_explained(world):
    reader = make.user("manager", time_zone="Europe/London")
    ticket = make.ticket(
        world["site"], world["service"], contract=world["contract"], priority="high"
    )
    moment = at("2026-03-02 09:20")
    ticket_priority_change(
        actor=None, ticket=ticket, priority="critical", reason="Hospital", at=moment, now=moment
    )

    shown = page(signed_in(reader), ticket)

    history = shown.tables[1]
    assert history["caption"].endswith("; times in Europe/London.")
    assert history["rows"][1:] == [
        ["03/02/2026 8 a.m.", "opened", "0:00", "0:00", ""],
        ["03/02/2026 8:20 a.m.", "priority changed", "0:20", "0:20", "high → critical"],
    ]
    clocks = shown.tables[0]["rows"]
    # critical: 30 min to respond from 09:00 Madrid, 08:00 in London
    assert [(r[0], r[1], r[4], r[6]) for r in clocks[1:]] == [
        ("first response", "0:30", "breached", "03/02/2026 8:30 a.m."),
        ("resolution", "2:00", "breached", "03/02/2026 10 a.m."),
    ]


def test_the_rescue_actions_and_the_messages_they_sent_are_on_the_ticket_page(world):
    dispatcher = make.user("dispatcher", email="dispatch@example.com")
    ticket = make.ticket(
        world["site"], world["service"], contract=world["contract"], priority="high"
    )
    # Answered in time, at 09:15; evaluated now, the resolution is long past due.
    ticket = ticket_respond(actor=dispatcher, ticket=ticket, at=at("2026-03-02 09:15"))
    notify = RescueAction.objects.get(ticket=ticket, kind="notify")
    message = OutboundMessage.objects.get()

    shown = page(signed_in(dispatcher), ticket)

    rescue, messages = shown.tables[3:5]
    raised = rescue["rows"][1][0]
    assert rescue["rows"] == [
        ["Raised at", "Target", "Level", "Action", "Detail", "Handled"],
        [
            raised,
            "resolution",
            "breached",
            "notify the dispatcher and the assignee",
            dispatcher.username,
            "—",
        ],
        [
            raised,
            "resolution",
            "breached",
            "propose another technician",
            "No team covers the region —.",
            "—",
        ],
    ]
    assert messages["rows"] == [
        [
            "Queued at",
            "To",
            "Subject",
            "Sent at",
            "Attempts",
            "State",
            "Next attempt",
            "Last error",
        ],
        [raised, "dispatch@example.com", message.subject, "—", "0", "waiting", raised, "—"],
    ]
    assert message.subject == (
        f"[pacta] {ticket.reference}: resolution breached (due 2026-03-02 13:00)"
    )
    assert message.key == f"rescue:{notify.pk}:{dispatcher.pk}"

    # Finance reads rescue actions but not the outbox: that section is not shown.
    finance = page(signed_in(make.user("finance")), ticket)
    assert "Rescue actions" in finance.sections
    assert "Messages sent" not in finance.sections
    assert len(finance.tables) == 4


def test_a_ticket_without_an_sla_says_so(world):
    ticket = make.ticket(world["site"], world["service"])
    response = signed_in(make.user("dispatcher")).get(f"/admin/service/ticket/{ticket.pk}/change/")
    assert response.status_code == 200
    assert response.content.decode().count("This ticket has no SLA.") == 2


def test_a_new_ticket_page_has_no_sla_sections(world):
    response = signed_in(make.user("dispatcher")).get("/admin/service/ticket/add/")
    assert response.status_code == 200
    parsed = _Tables()
    parsed.feed(response.content.decode())
    assert not {"SLA clocks", "Clock history", "Events"} & set(parsed.sections)


def test_saving_the_ticket_page_still_goes_through_the_services(world):
    dispatcher = make.user("dispatcher")
    ticket = make.ticket(
        world["site"], world["service"], contract=world["contract"], priority="high"
    )
    client = signed_in(dispatcher)
    opened = ticket.opened_at.astimezone(make.MADRID)

    response = client.post(
        f"/admin/service/ticket/{ticket.pk}/change/",
        {
            "subject": "Lift stuck, floor 3",
            "customer": ticket.customer_id,
            "site": ticket.site_id,
            "service": ticket.service_id,
            "contract": ticket.contract_id,
            "equipment": "",
            "priority": "high",
            "channel": "dispatcher",
            "status": "new",
            "opened_at_0": f"{opened:%Y-%m-%d}",
            "opened_at_1": f"{opened:%H:%M:%S}",
            "description": "",
            "reason": "Typo",
            "work_orders-TOTAL_FORMS": "0",
            "work_orders-INITIAL_FORMS": "0",
            "work_orders-MIN_NUM_FORMS": "0",
            "work_orders-MAX_NUM_FORMS": "1000",
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert row(ticket)["subject"] == "Lift stuck, floor 3"


# --- the pages of rescue actions and of the outbox ----------------------------------------------
def test_rescue_actions_and_messages_have_read_only_pages(world):
    make.user("dispatcher", email="dispatch@example.com")
    ticket = make.ticket(
        world["site"], world["service"], contract=world["contract"], priority="high"
    )
    ticket_respond(actor=None, ticket=ticket, at=at("2026-03-02 09:15"))
    action = RescueAction.objects.get(ticket=ticket, kind="reassign")
    message = OutboundMessage.objects.get()
    client = signed_in(make.user("manager"))

    listing = client.get("/admin/service/rescueaction/")
    assert listing.status_code == 200
    assert ticket.reference in listing.content.decode()
    detail = client.get(f"/admin/service/rescueaction/{action.pk}/change/")
    assert detail.status_code == 200
    assert "No team covers the region —." in detail.content.decode()
    outbox = client.get("/admin/comms/outboundmessage/")
    assert outbox.status_code == 200
    assert message.subject in outbox.content.decode()
    assert client.get(f"/admin/comms/outboundmessage/{message.pk}/change/").status_code == 200
    assert client.get("/admin/comms/outboundmessage/?sent=no").status_code == 200

    counts = table_counts()
    for path in (
        f"/admin/service/rescueaction/{action.pk}/change/",
        f"/admin/comms/outboundmessage/{message.pk}/change/",
        f"/admin/service/rescueaction/{action.pk}/delete/",
        "/admin/comms/outboundmessage/add/",
    ):
        assert client.post(path, {"handled_at_0": "2026-03-02"}).status_code == 403, path
    assert table_counts() == counts


def test_finance_reads_rescue_actions_but_not_the_outbox(world):
    client = signed_in(make.user("finance"))
    assert client.get("/admin/service/rescueaction/").status_code == 200
    assert client.get("/admin/comms/outboundmessage/").status_code == 403
