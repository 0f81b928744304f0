"""The customer portal: the contracts and what they cover, the tickets with their SLA clocks,
comments, work orders accepted or disputed in the portal or by the closure e-mail's signed
link. Each page shows the customer's own records only; a refusal writes nothing."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core import signing
from django.utils import dateformat, timezone

from pacta.service.models import TicketComment, WorkOrder
from pacta.service.services import ticket_pause
from pacta.service.services.comments import ticket_comment_create
from pacta.service.services.decision_links import work_order_decision_token
from pacta.service.services.fieldwork import work_order_arrive, work_order_complete
from tests.integration.billing.conftest import included_visits
from tests.support import make
from tests.support.html import parse, text
from tests.support.make import at
from tests.support.state import row, table_counts

pytestmark = pytest.mark.django_db

ARRIVES = at("2026-03-03 09:00")


def completed(work_order, technician, *, at_=ARRIVES, takes=timedelta(hours=1)):
    work_order_arrive(actor=technician, work_order=work_order, now=at_)
    return work_order_complete(actor=technician, work_order=work_order, now=at_ + takes)


@pytest.fixture
def world():
    customer = make.customer(legal_name="Hotel Mirador", language="en", email="ops@mirador.example")
    lobby = make.site(customer, name="Lobby")
    garage = make.site(customer, name="Garage")
    repair = make.service(name="Boiler repair", code="BOIL")
    painting = make.service(name="Painting", code="PAINT")
    policy = make.sla_policy(name="Gold")
    calendar = make.calendar(name="Office hours")
    contract = make.contract(
        customer,
        sites=[lobby, garage],
        scope=[(repair, "included"), (painting, "billable")],
        starts_on=date(2026, 1, 1),
        ends_on=None,
        number="C-MIR-1",
        title="Boilers",
        fee=Decimal("150.00"),
        sla_policy=policy,
        calendar=calendar,
        status="draft",
    )
    included_visits(contract, [repair])  # then signed
    old = make.contract(
        customer,
        sites=[lobby],
        scope=[(painting, "billable")],
        starts_on=date(2024, 1, 1),
        ends_on=date(2024, 12, 31),
        number="C-MIR-0",
        title="Painting 2024",
    )
    ticket = make.ticket(lobby, repair, contract=contract, subject="No hot water")
    technician = make.user("technician")
    work_order = make.work_order(ticket, technician)
    contact = make.contact(customer, name="Ana Ruiz", email="ana@mirador.example")
    user = make.user("customer", customer=customer, email="ana@mirador.example")
    stranger = make.customer(legal_name="Someone else")
    their_site = make.site(stranger, name="Their site")
    their_ticket = make.ticket(their_site, repair, subject="Theirs")
    their_work = make.work_order(their_ticket, technician)
    return {
        "customer": customer,
        "contract": contract,
        "old": old,
        "ticket": ticket,
        "work_order": work_order,
        "technician": technician,
        "contact": contact,
        "user": user,
        "stranger_user": make.user("customer", customer=stranger),
        "their_ticket": their_ticket,
        "their_work": their_work,
    }


def texts(html, testid):
    return [text(e) for e in parse(html).iter() if e.get("data-testid") == testid]


def by_testid(html, testid):
    return next(e for e in parse(html).iter() if e.get("data-testid") == testid)


def table_rows(html, testid):
    table = by_testid(html, testid)
    return [[text(td) for td in tr.iter("td")] for tr in table.iter("tr") if list(tr.iter("td"))]


# --- /portal/: contracts and coverage -------------------------------------------------------------
def test_home_shows_each_contract_and_what_it_covers_in_plain_words(client, world):
    client.force_login(world["user"])
    today = timezone.localdate()
    first = today.replace(day=1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)

    page = client.get("/portal/")

    assert page.status_code == 200
    html = page.content
    assert texts(html, "contract-state") == [
        "Live · active · Open-ended: runs until either side ends it.",
        "Ended · active · Ended on Dec. 31, 2024.",
    ]
    assert texts(html, "contract-fee") == ["Fee: 150.00 EUR per month"] * 2
    assert texts(html, "site-scope") == [
        "Garage Included in the fee: Boiler repair "
        "Covered, and billed for time and parts: Painting",
        "Lobby Included in the fee: Boiler repair Covered, and billed for time and parts: Painting",
        "Lobby Included in the fee: — Covered, and billed for time and parts: Painting",
    ]
    assert table_rows(html, "allowances") == [["Included visits", "3 visits", "3 visits"]]
    period = f"{dateformat.format(first, 'N j, Y')} to {dateformat.format(last, 'N j, Y')}"
    assert f"Included this period ({period})" in text(parse(html))
    assert [text(li) for li in by_testid(html, "sla").iter("li")] == [
        "critical: first response within 0:30, resolution within 2:00",
        "high: first response within 1:00, resolution within 4:00",
        "normal: first response within 4:00, resolution within 16:00",
    ]


def test_home_shows_another_customers_contracts_to_nobody(client, world):
    client.force_login(world["stranger_user"])
    page = client.get("/portal/")
    assert texts(page.content, "contract") == []
    assert texts(page.content, "no-contracts") == ["No contracts yet."]


def test_the_portal_is_for_customers_only(client, world):
    client.force_login(make.user("dispatcher"))
    for url in (
        "/portal/",
        "/portal/tickets/",
        f"/portal/tickets/{world['ticket'].pk}/",
        f"/portal/work-orders/{world['work_order'].pk}/",
    ):
        assert client.get(url).status_code == 403, url
    client.logout()
    assert client.get("/portal/").status_code == 302  # to the sign-in page


# --- /portal/tickets/: tickets and their clocks ---------------------------------------------------
CLOCKS_AT_OPENING = [
    ["first response", "running", "03/02/2026 1 p.m.", "3:59", "03/02/2026 9:01 a.m."],
    ["resolution", "running", "03/03/2026 3 p.m.", "15:59", "03/02/2026 9:01 a.m."],
]


def test_tickets_list_the_customers_tickets_with_their_stored_clocks(client, world):
    client.force_login(world["user"])
    page = client.get("/portal/tickets/")
    assert page.status_code == 200
    rows = [e for e in parse(page.content).iter() if e.get("data-testid") == "ticket-row"]
    assert [row.get("data-ticket") for row in rows] == [world["ticket"].reference]
    assert texts(page.content, "ticket-status") == ["new"]
    assert table_rows(page.content, "clocks") == CLOCKS_AT_OPENING


def test_a_paused_ticket_shows_its_running_clocks_paused(client, world):
    ticket_pause(actor=None, ticket=world["ticket"], at=at("2026-03-02 10:00"), reason="Waiting")
    client.force_login(world["user"])
    page = client.get(f"/portal/tickets/{world['ticket'].pk}/")
    assert [r[1] for r in table_rows(page.content, "clocks")] == ["paused", "paused"]
    assert texts(page.content, "ticket-status") == ["waiting on customer"]
    assert texts(page.content, "event") == [
        "03/02/2026 9 a.m. · opened: new",
        "03/02/2026 10 a.m. · status changed: waiting on customer",
        "03/02/2026 10 a.m. · paused: waiting on customer",
    ]


def test_a_ticket_page_shows_clocks_events_public_comments_and_work_orders(client, world):
    ticket = world["ticket"]
    ticket_comment_create(
        actor=None, ticket=ticket, body="We will come tomorrow.", now=at("2026-03-02 10:00")
    )
    ticket_comment_create(
        actor=make.user("dispatcher"),
        ticket=ticket,
        body="Internal: customer is grumpy",
        is_public=False,
        now=at("2026-03-02 10:05"),
    )
    client.force_login(world["user"])

    page = client.get(f"/portal/tickets/{ticket.pk}/")

    assert page.status_code == 200
    assert table_rows(page.content, "clocks") == CLOCKS_AT_OPENING
    assert texts(page.content, "event") == ["03/02/2026 9 a.m. · opened: new"]
    assert texts(page.content, "comment") == [
        "03/02/2026 10 a.m. · by e-mail We will come tomorrow."
    ]
    assert texts(page.content, "work-orders") == [f"{world['work_order'].reference} · scheduled"]


def test_another_customers_ticket_and_work_order_are_not_found(client, world):
    client.force_login(world["user"])
    assert client.get(f"/portal/tickets/{world['their_ticket'].pk}/").status_code == 404
    assert client.get(f"/portal/work-orders/{world['their_work'].pk}/").status_code == 404
    counts = table_counts()
    posted = client.post(f"/portal/tickets/{world['their_ticket'].pk}/comments/", {"body": "Hi"})
    assert posted.status_code == 404
    refused = client.post(f"/portal/work-orders/{world['their_work'].pk}/accept/")
    assert refused.status_code == 404
    assert table_counts() == counts


def test_the_customer_adds_a_comment_as_its_contact(client, world):
    client.force_login(world["user"])
    url = f"/portal/tickets/{world['ticket'].pk}/comments/"

    answered = client.post(url, {"body": "Room 204 too."}, HTTP_HX_REQUEST="true")

    assert answered.status_code == 200
    comment = TicketComment.objects.get()
    assert (comment.body, comment.is_public, comment.contact_id, comment.author_id) == (
        "Room 204 too.",
        True,
        world["contact"].pk,
        world["user"].pk,
    )
    assert [t.split(" · ", 1)[1] for t in texts(answered.content, "comment")] == [
        "Ana Ruiz Room 204 too."
    ]


def test_an_empty_comment_is_refused_and_nothing_is_written(client, world):
    client.force_login(world["user"])
    counts = table_counts()
    answered = client.post(
        f"/portal/tickets/{world['ticket'].pk}/comments/", {"body": "   "}, HTTP_HX_REQUEST="true"
    )
    assert answered.status_code == 400
    assert texts(answered.content, "comment-error") == ["Write a message."]
    assert table_counts() == counts


# --- /portal/work-orders/<id>/: what was done, accept or dispute ---------------------------------
def test_a_work_order_not_completed_offers_no_decision_and_refuses_one(client, world):
    work_order = world["work_order"]
    client.force_login(world["user"])
    page = client.get(f"/portal/work-orders/{work_order.pk}/")
    assert texts(page.content, "decision") == []
    counts, before = table_counts(), row(work_order)

    refused = client.post(f"/portal/work-orders/{work_order.pk}/accept/")

    assert refused.status_code == 400
    assert texts(refused.content, "decision-error") == ["Not possible while scheduled."]
    assert (table_counts(), row(work_order)) == (counts, before)


def test_a_completed_work_order_shows_its_logged_work_and_is_accepted(
    client, world, django_capture_on_commit_callbacks
):
    work_order = world["work_order"]
    make.time_entry(work_order)
    completed(work_order, world["technician"])
    client.force_login(world["user"])

    page = client.get(f"/portal/work-orders/{work_order.pk}/")

    assert texts(page.content, "work-status") == ["completed"]
    assert texts(page.content, "not-rated") == ["Not priced yet: the time and parts logged."]
    assert texts(page.content, "logged") == ["03/03/2026 9 a.m. · work · 1:30"]
    assert len(texts(page.content, "decision")) == 1
    with django_capture_on_commit_callbacks() as callbacks:
        accepted = client.post(f"/portal/work-orders/{work_order.pk}/accept/")
    assert accepted.status_code == 302
    assert len(callbacks) == 1  # the rating, after commit, as the API's accept
    stored = row(work_order)
    assert (
        stored["status"],
        stored["customer_decided_via"],
        stored["customer_decided_by_id"],
    ) == ("accepted", "portal", world["user"].pk)
    again = client.get(accepted["Location"])
    assert texts(again.content, "decision") == []
    assert texts(again.content, "decided")[0].endswith("· customer portal")


def test_a_dispute_needs_a_reason(client, world):
    work_order = world["work_order"]
    completed(work_order, world["technician"])
    client.force_login(world["user"])
    counts, before = table_counts(), row(work_order)

    refused = client.post(f"/portal/work-orders/{work_order.pk}/dispute/", {"reason": "  "})

    assert refused.status_code == 400
    assert texts(refused.content, "decision-error") == [
        "Say why: a reason is required for this change."
    ]
    assert (table_counts(), row(work_order)) == (counts, before)
    disputed = client.post(
        f"/portal/work-orders/{work_order.pk}/dispute/", {"reason": "Still no hot water"}
    )
    assert disputed.status_code == 302
    stored = row(work_order)
    assert (stored["status"], stored["dispute_reason"], stored["customer_decided_via"]) == (
        "disputed",
        "Still no hot water",
        "portal",
    )


def test_a_rated_work_order_shows_covered_and_billed_lines(client, world):
    from pacta.billing.services import work_order_rate

    work_order = world["work_order"]
    make.time_entry(work_order)
    done = completed(work_order, world["technician"])
    work_order_rate(actor=None, work_order=done)
    client.force_login(world["user"])

    page = client.get(f"/portal/work-orders/{work_order.pk}/")

    assert texts(page.content, "not-rated") == []
    assert table_rows(page.content, "lines")[0][1:] == [
        "covered by the contract",
        "1.5 h",
        "0.00 EUR",
    ]
    assert texts(page.content, "total") == ["0.00 EUR"]


# --- the closure e-mail's link --------------------------------------------------------------------
def link_of(work_order):
    return f"/portal/decide/{work_order_decision_token(WorkOrder.objects.get(pk=work_order.pk))}/"


def test_the_closure_email_carries_a_link_that_accepts_without_signing_in(client, world):
    from pacta.comms.models import OutboundMessage
    from pacta.reports.services import closure_report_deliver

    work_order = completed(world["work_order"], world["technician"])
    closure_report_deliver(work_order_id=work_order.pk)
    message = OutboundMessage.objects.get(key=f"work-order:{work_order.pk}:closed")
    link = "http://127.0.0.1:8000" + link_of(work_order)
    assert message.body.endswith(f"Accept the work, or dispute it, without signing in:\n{link}\n")

    page = client.get(link_of(work_order))
    assert page.status_code == 200
    assert texts(page.content, "work-status") == ["completed"]
    accepted = client.post(link_of(work_order), {"decision": "accept"})

    assert accepted.status_code == 200
    assert texts(accepted.content, "link-done") == [
        f"You accepted {work_order.reference}. Thank you."
    ]
    stored = row(work_order)
    assert (
        stored["status"],
        stored["customer_decided_via"],
        stored["customer_decided_by_id"],
    ) == ("accepted", "email", None)


def test_a_used_link_is_refused_and_changes_nothing(client, world):
    work_order = completed(world["work_order"], world["technician"])
    link = link_of(work_order)
    assert client.post(link, {"decision": "dispute", "reason": "Leaks"}).status_code == 200
    counts, before = table_counts(), row(work_order)

    for answer in (client.get(link), client.post(link, {"decision": "accept"})):
        assert answer.status_code == 409
        assert texts(answer.content, "link-error") == [
            "This link was used already, or no longer applies: "
            f"work order {work_order.reference} is disputed."
        ]
    assert (table_counts(), row(work_order)) == (counts, before)


def test_a_tampered_or_forged_link_is_refused_and_changes_nothing(client, world):
    work_order = completed(world["work_order"], world["technician"])
    token = work_order_decision_token(work_order)
    forged = signing.dumps(
        {"work_order": world["their_work"].pk, "completed_at": ""}, salt="another-salt"
    )
    counts, before = table_counts(), row(work_order)
    for bad in (token[:-2] + ("AA" if not token.endswith("AA") else "BB"), forged, "nonsense"):
        answer = client.post(f"/portal/decide/{bad}/", {"decision": "accept"})
        assert answer.status_code == 404, bad
        assert texts(answer.content, "link-error") == [
            "This link is not valid (altered, or expired)."
        ]
    assert (table_counts(), row(work_order)) == (counts, before)


def test_a_link_dispute_without_a_reason_is_refused(client, world):
    work_order = completed(world["work_order"], world["technician"])
    counts, before = table_counts(), row(work_order)
    answer = client.post(link_of(work_order), {"decision": "dispute", "reason": ""})
    assert answer.status_code == 400
    assert texts(answer.content, "decision-error") == [
        "Say why: a reason is required for this change."
    ]
    assert (table_counts(), row(work_order)) == (counts, before)


def test_a_link_for_work_not_completed_yet_is_refused(client, world):
    work_order = world["work_order"]
    counts = table_counts()
    answer = client.post(link_of(work_order), {"decision": "accept"})
    assert answer.status_code == 409
    assert texts(answer.content, "link-error") == [
        "This link was used already, or no longer applies: "
        f"work order {work_order.reference} is scheduled."
    ]
    assert table_counts() == counts


def test_home_shows_the_allowances_of_the_period_in_force_today(client, world):
    client.force_login(world["user"])

    page = client.get("/portal/")

    # Nothing was rated in today's period: the whole grant is left.
    assert table_rows(page.content, "allowances") == [["Included visits", "3 visits", "3 visits"]]


def test_what_is_left_of_an_allowance_is_the_ledgers_once_work_draws_on_it(world):
    from pacta.billing.services import work_order_rate
    from pacta.web.portal_coverage import contract_coverage

    done = completed(world["work_order"], world["technician"])
    make.time_entry(done, started_at=ARRIVES, ended_at=ARRIVES + timedelta(minutes=45))
    work_order_rate(actor=None, work_order=done, now=ARRIVES + timedelta(hours=2))

    contract = world["contract"]
    contract.refresh_from_db()  # signed since the fixture made it
    march = contract_coverage(contract, today=date(2026, 3, 10))
    april = contract_coverage(contract, today=date(2026, 4, 10))

    assert [(a.label, a.granted, a.left) for a in march.allowances] == [
        ("Included visits", "3 visits", "2 visits")
    ]
    assert [(a.label, a.granted, a.left) for a in april.allowances] == [
        ("Included visits", "3 visits", "3 visits")
    ]


def test_the_issued_closure_report_is_linked_and_downloads_for_the_customer_only(
    client, world, settings, tmp_path
):
    from pacta.reports.services import closure_report_issue

    settings.MEDIA_ROOT = tmp_path
    work_order = completed(world["work_order"], world["technician"])
    issued = closure_report_issue(work_order_id=work_order.pk)
    client.force_login(world["user"])
    pdf_url = f"/reports/work-orders/{work_order.pk}/closure.pdf"

    for page_url in (
        f"/portal/tickets/{world['ticket'].pk}/",
        f"/portal/work-orders/{work_order.pk}/",
    ):
        page = client.get(page_url)
        links = [e for e in parse(page.content).iter() if e.get("data-testid") == "report-link"]
        assert [(text(a), a.get("href")) for a in links] == [("closure report (PDF)", pdf_url)]
    pdf = client.get(pdf_url)
    assert pdf.status_code == 200
    assert b"".join(pdf.streaming_content) == issued.file.open("rb").read()
    client.force_login(world["stranger_user"])
    assert client.get(pdf_url).status_code == 404
