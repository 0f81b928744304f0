"""The dispatch board: rows carried forward to "now" on each ticket's calendar, sorted by time
to breach; the page and its self-refreshing rows, their filters, and who may see them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from pacta.accounts.access import SYSTEM
from pacta.service.selectors import ticket_list_board
from pacta.service.services import ticket_pause, ticket_resolve, ticket_respond
from pacta.web.board import board_rows
from tests.support import make
from tests.support.state import row, table_counts

pytestmark = pytest.mark.django_db

M = timedelta(minutes=1)
H = timedelta(hours=1)
ROUND_THE_CLOCK = [{"weekday": day, "starts": "00:00", "ends": "24:00"} for day in range(7)]


def at(text: str):
    return make.at(text)  # Madrid wall clock


def rows_at(now, **filters):
    return board_rows(ticket_list_board(audience=SYSTEM, **filters), now=now)


def shown(rows):
    return [(r.ticket.subject, r.risk, r.target, r.remaining_text) for r in rows]


# --- the rows at fixed instants: office hours (Mon–Fri 08:00–18:00 Madrid), high = 1 h / 4 h ------
@pytest.fixture
def office():
    customer = make.customer()
    site = make.site(customer, zone_code="MAD-NORTE")
    service = make.service()
    contract = make.contract(
        customer,
        sites=[site],
        scope=[(service, "included")],
        calendar=make.calendar(),
        sla_policy=make.sla_policy(),
    )

    def ticket(opened: str, subject: str, priority: str = "high"):
        return make.ticket(
            site,
            service,
            contract=contract,
            priority=priority,
            subject=subject,
            opened_at=at(opened),
        )

    return ticket


@pytest.mark.parametrize(
    ("now", "risk", "remaining"),
    [
        ("2026-03-09 09:01", "ok", "0:59"),
        ("2026-03-09 09:30", "ok", "0:30"),  # half the hour used
        ("2026-03-09 09:44", "ok", "0:16"),
        ("2026-03-09 09:45", "warning", "0:15"),  # 75 %
        ("2026-03-09 09:53", "warning", "0:07"),
        ("2026-03-09 09:54", "critical", "0:06"),  # 90 %
        ("2026-03-09 10:00", "critical", "0:00"),  # due now: not yet late
        ("2026-03-09 10:10", "breached", "−0:10"),
    ],
)
def test_the_risk_and_time_left_move_with_now_before_any_sweep(office, now, risk, remaining):
    ticket = office("2026-03-09 09:00", "Monday morning")  # clocks stored at 09:01
    stored = row(ticket)
    assert shown(rows_at(at(now))) == [("Monday morning", risk, "response", remaining)]
    assert row(ticket) == stored  # reading only


def test_time_left_counts_business_time_only(office):
    office("2026-03-09 17:30", "Late call")  # 30 min used by 18:00, due 08:30 the next day
    assert shown(rows_at(at("2026-03-09 22:00"))) == [("Late call", "ok", "response", "0:30")]
    assert shown(rows_at(at("2026-03-10 08:20"))) == [("Late call", "warning", "response", "0:10")]


def test_lateness_counts_business_time_only_too(office):
    office("2026-03-06 16:00", "Friday afternoon")  # due Friday 17:00
    # late by Friday's last hour and Monday's first half hour, not by the weekend
    assert shown(rows_at(at("2026-03-09 08:30"))) == [
        ("Friday afternoon", "breached", "response", "−1:30")
    ]


def test_lateness_is_never_understated_and_time_left_never_overstated(office):
    office("2026-03-09 09:00", "Seconds count")
    assert shown(rows_at(at("2026-03-09 09:30") + timedelta(seconds=30))) == [
        ("Seconds count", "ok", "response", "0:29")
    ]
    assert shown(rows_at(at("2026-03-09 10:00") + timedelta(seconds=1))) == [
        ("Seconds count", "breached", "response", "−0:01")
    ]


def test_once_answered_the_row_follows_the_resolution(office):
    ticket = office("2026-03-09 09:00", "Answered")
    ticket_respond(actor=None, ticket=ticket, at=at("2026-03-09 09:20"), now=at("2026-03-09 09:20"))
    assert shown(rows_at(at("2026-03-09 10:00"))) == [("Answered", "ok", "resolution", "3:00")]
    assert shown(rows_at(at("2026-03-09 12:00"))) == [("Answered", "warning", "resolution", "1:00")]


def test_a_late_response_stays_late_until_answered(office):
    ticket = office("2026-03-09 09:00", "Forgotten")
    assert shown(rows_at(at("2026-03-09 11:00"))) == [
        ("Forgotten", "breached", "response", "−1:00")
    ]
    ticket_respond(actor=None, ticket=ticket, at=at("2026-03-09 11:00"), now=at("2026-03-09 11:00"))
    # answered late: the response is settled; the resolution (4 h) has 2 h left
    assert shown(rows_at(at("2026-03-09 11:00"))) == [("Forgotten", "ok", "resolution", "2:00")]


def test_a_paused_ticket_keeps_its_time_and_comes_after_the_running_ones(office):
    waiting = office("2026-03-09 09:00", "Waiting on the customer")
    ticket_pause(actor=None, ticket=waiting, at=at("2026-03-09 09:40"), now=at("2026-03-09 09:40"))
    office("2026-03-09 09:30", "Running")
    for now in ("2026-03-09 09:50", "2026-03-10 15:00"):
        rows = rows_at(at(now))
        assert [(r.ticket.subject, r.risk) for r in rows][1] == (
            "Waiting on the customer",
            "paused",
        )
        assert shown(rows)[1][2:] == ("response", "0:20")  # frozen at the pause
        assert rows[1].due_at is None


def test_rows_are_sorted_by_time_to_breach(office):
    office("2026-03-09 09:00", "A: due 10:00")
    office("2026-03-09 09:30", "B: due 10:30")
    office("2026-03-09 08:30", "C: due 09:30")
    office("2026-03-09 09:00", "D: normal, due 13:00", priority="normal")
    paused = office("2026-03-09 08:00", "E: paused")
    ticket_pause(actor=None, ticket=paused, at=at("2026-03-09 08:05"), now=at("2026-03-09 08:05"))
    assert shown(rows_at(at("2026-03-09 09:50"))) == [
        ("C: due 09:30", "breached", "response", "−0:20"),
        ("A: due 10:00", "warning", "response", "0:10"),
        ("B: due 10:30", "ok", "response", "0:40"),
        ("D: normal, due 13:00", "ok", "response", "3:10"),
        ("E: paused", "paused", "response", "0:55"),
    ]


def test_the_site_time_zone_moves_the_working_hours():
    customer = make.customer()
    canary = make.site(customer, time_zone="Atlantic/Canary", sla_in_site_time_zone=True)
    service = make.service()
    contract = make.contract(
        customer,
        sites=[canary],
        scope=[(service, "included")],
        calendar=make.calendar(),
        sla_policy=make.sla_policy(),
    )
    # 17:30 in Madrid is 16:30 on the Canaries, where the office closes at 18:00 local time:
    # on the calendar's own zone the response would be due at 08:30 the next morning
    make.ticket(
        canary, service, contract=contract, priority="high", opened_at=at("2026-03-09 17:30")
    )
    assert shown(rows_at(at("2026-03-09 18:15"))) == [
        ("Unit not cooling", "warning", "response", "0:15")
    ]
    # due 17:30 on the Canaries; by 18:30 there, late by the half hour before closing
    assert shown(rows_at(at("2026-03-09 19:30"))) == [
        ("Unit not cooling", "breached", "response", "−0:30")
    ]


def test_the_assignee_is_the_technician_of_the_open_work_orders(office):
    ticket = office("2026-03-09 09:00", "Assigned")
    office("2026-03-09 09:00", "Unassigned")
    ana = make.user("technician", first_name="Ana", last_name="Ruiz")
    luis = make.user("technician", username="luis")
    make.work_order(ticket, ana)
    make.work_order(ticket, luis, status="cancelled")
    make.work_order(ticket, None)
    by_subject = {r.ticket.subject: r.assignee_text for r in rows_at(at("2026-03-09 09:30"))}
    assert by_subject == {"Assigned": "Ana Ruiz", "Unassigned": "—"}


def test_closed_tickets_and_tickets_without_an_sla_are_not_on_the_board(office):
    office("2026-03-09 09:00", "On the board")
    resolved = office("2026-03-09 09:00", "Resolved")
    ticket_resolve(
        actor=None, ticket=resolved, at=at("2026-03-09 09:10"), now=at("2026-03-09 09:10")
    )
    customer = make.customer()
    site = make.site(customer)
    make.ticket(site, make.service(), subject="No contract", opened_at=at("2026-03-09 09:00"))
    assert [r.ticket.subject for r in rows_at(at("2026-03-09 09:30"))] == ["On the board"]


# --- the page: tickets opened just now on a round-the-clock calendar ---------------------------
@pytest.fixture
def live():
    """Tickets opened relative to the real "now" (the page reads the clock), on a calendar that
    never closes, so time left does not depend on when the tests run."""
    today = timezone.localdate()
    service = make.service()
    calendar = make.calendar(time_zone="UTC", windows=ROUND_THE_CLOCK)
    policy = make.sla_policy()  # high: 1 h / 4 h

    def customer_with_site(name: str, zone_code: str):
        customer = make.customer(legal_name=name)
        site = make.site(customer, name=f"{name} depot", zone_code=zone_code)
        contract = make.contract(
            customer,
            sites=[site],
            scope=[(service, "included")],
            calendar=calendar,
            sla_policy=policy,
            starts_on=today - timedelta(days=30),
            ends_on=None,
        )
        return site, contract

    north, north_contract = customer_with_site("Norte S.L.", "MAD-NORTE")
    coast, coast_contract = customer_with_site("Costa S.A.", "BCN")
    now = timezone.now()

    def ticket(site, contract, subject, ago):
        return make.ticket(
            site, service, contract=contract, priority="high", subject=subject, opened_at=now - ago
        )

    return {
        "fresh": ticket(north, north_contract, "Fresh", 10 * M),  # 50 min left
        "late": ticket(coast, coast_contract, "Late", 2 * H),  # an hour late
        "close": ticket(north, north_contract, "Close", 50 * M),  # 10 min left
        "north": north.customer,
        "coast": coast.customer,
    }


def _client(role: str = "dispatcher", **values):
    client = Client()
    client.force_login(make.user(role, **values))
    return client


def _subjects(response):
    return [r.ticket.subject for r in response.context["rows"]]


@pytest.mark.parametrize("role", ["admin", "manager", "dispatcher"])
def test_the_office_that_dispatches_sees_the_board_most_urgent_first(live, role):
    response = _client(role).get("/dispatch/")
    assert response.status_code == 200
    assert _subjects(response) == ["Late", "Close", "Fresh"]
    assert [r.risk for r in response.context["rows"]] == ["breached", "warning", "ok"]
    page = response.content.decode()
    late = live["late"]
    assert f'<tr class="risk-breached" data-testid="board-row" data-ticket="{late.reference}">' in (
        page
    )
    assert '<span class="badge" data-testid="risk">breached</span>' in page
    assert '<span class="badge" data-testid="risk">on track</span>' in page
    assert f'<a href="/admin/service/ticket/{late.pk}/change/">{late.reference}</a> · Late' in page
    assert (
        '<tbody id="board-rows" hx-get="/dispatch/rows/" hx-trigger="every 15s" '
        'hx-swap="innerHTML">' in page
    )
    assert 'src="/static/web/htmx.min.js"' in page


def test_the_rows_refresh_on_their_own_with_the_same_filters(live, settings):
    settings.PACTA_BOARD_REFRESH_SECONDS = 3
    client = _client()
    page = client.get("/dispatch/", {"region": "MAD-NORTE"}).content.decode()
    assert (
        'hx-get="/dispatch/rows/?region=MAD-NORTE" hx-trigger="every 3s" hx-swap="innerHTML"'
        in page
    )
    rows = client.get("/dispatch/rows/", {"region": "MAD-NORTE"})
    assert rows.status_code == 200
    assert _subjects(rows) == ["Close", "Fresh"]
    fragment = rows.content.decode()
    assert fragment.lstrip().startswith('<tr class="risk-warning"')
    assert "<html" not in fragment
    assert "<tbody" not in fragment


def test_filters_by_region_customer_and_team(live):
    from pacta.accounts.services import team_create

    north_team = team_create(actor=None, values={"name": "North", "zone_codes": [" mad-norte"]})
    nowhere = team_create(actor=None, values={"name": "Islands", "zone_codes": ["TFE"]})
    client = _client()

    def subjects(**filters):
        response = client.get("/dispatch/", filters)
        assert response.status_code == 200
        return _subjects(response)

    assert subjects(region="BCN") == ["Late"]
    assert subjects(customer=live["north"].pk) == ["Close", "Fresh"]
    assert subjects(team=north_team.pk) == ["Close", "Fresh"]
    assert subjects(team=north_team.pk, region="BCN") == []
    assert subjects(team=nowhere.pk) == []
    assert subjects(team=north_team.pk, customer=live["coast"].pk) == []


def test_the_filters_offer_only_what_the_reader_may_see(live):
    from pacta.accounts.services import team_create

    team_create(actor=None, values={"name": "North", "zone_codes": ["MAD-NORTE"]})
    team_create(actor=None, values={"name": "Gone", "zone_codes": ["BCN"], "is_active": False})
    filters = _client().get("/dispatch/").context["filters"]
    assert [str(t) for t in filters.fields["team"].queryset] == ["North"]
    assert list(filters.fields["region"].choices) == [
        ("", "All regions"),
        ("BCN", "BCN"),
        ("MAD-NORTE", "MAD-NORTE"),
    ]
    assert {c.legal_name for c in filters.fields["customer"].queryset} == {
        "Norte S.L.",
        "Costa S.A.",
    }


@pytest.mark.parametrize(
    "filters",
    [{"customer": "999999999"}, {"region": "NOWHERE"}, {"team": "999999999"}, {"customer": "x"}],
)
def test_a_filter_that_offers_nothing_is_refused_and_shows_no_rows(live, filters):
    client = _client()
    page = client.get("/dispatch/", filters)
    assert page.status_code == 400
    assert page.context["rows"] == []
    content = page.content.decode()
    assert "Correct the filters above to see the tickets." in content
    assert "hx-get" not in content
    rows = client.get("/dispatch/rows/", filters)
    assert rows.status_code == 400
    assert rows.context["rows"] == []


@pytest.mark.parametrize("role", ["technician", "contractor", "customer", "finance"])
def test_everyone_else_is_refused(live, role):
    values = {}
    if role == "customer":
        values["customer"] = live["north"]
    if role == "contractor":
        values["contractor"] = make.contractor()
    client = _client(role, **values)
    assert client.get("/dispatch/").status_code == 403
    assert client.get("/dispatch/rows/").status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in_and_an_expired_poll_reloads_the_page(live):
    assert Client().get("/dispatch/")["Location"] == "/login/?next=/dispatch/"
    assert Client().get("/dispatch/rows/")["Location"] == "/login/?next=/dispatch/rows/"
    polled = Client().get("/dispatch/rows/", headers={"HX-Request": "true"})
    assert (polled.status_code, polled["HX-Refresh"], polled.content) == (401, "true", b"")


def test_the_board_only_reads(live):
    client = _client()
    before = table_counts()
    stored = [row(live[name]) for name in ("fresh", "late", "close")]
    client.get("/dispatch/")
    client.get("/dispatch/rows/")
    after = table_counts()
    assert after == before
    assert [row(live[name]) for name in ("fresh", "late", "close")] == stored


def test_an_empty_board_says_so():
    response = _client().get("/dispatch/")
    assert response.status_code == 200
    assert "No open tickets with an SLA." in response.content.decode()


def test_the_home_page_leads_to_the_board_only_for_those_who_dispatch():
    link = '<a href="/dispatch/" data-testid="dispatch-board">'
    for role in ("admin", "manager", "dispatcher"):
        assert link in _client(role).get("/").content.decode(), role
    for role in ("finance", "technician"):
        assert link not in _client(role).get("/").content.decode(), role


# --- speed: the rows cost the same few queries however many there are --------------------------
def _queries(client, path):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


def test_no_query_per_row(live, django_assert_max_num_queries):
    technician = make.user("technician")
    client = _client()
    client.get("/dispatch/")  # warm the calendar, built once per process
    few = (_queries(client, "/dispatch/"), _queries(client, "/dispatch/rows/"))
    site = live["fresh"].site
    contract = live["fresh"].contract
    for i in range(12):
        ticket = make.ticket(
            site,
            live["fresh"].service,
            contract=contract,
            priority="high",
            subject=f"More {i}",
            opened_at=timezone.now() - i * M,
        )
        make.work_order(ticket, technician)
    many = (_queries(client, "/dispatch/"), _queries(client, "/dispatch/rows/"))
    assert many == few
    with django_assert_max_num_queries(6):
        response = client.get("/dispatch/rows/")
    assert len(response.context["rows"]) == 15
