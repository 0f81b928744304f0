"""The dispatcher's intake form and the portal's request form: what they offer, what they open,
and what they refuse (through ``ticket_open``, so nothing is written on a refusal)."""

from __future__ import annotations

from datetime import date

import pytest

from pacta.accounts.services import team_create
from pacta.contracts.services import routing_rule_create
from pacta.service.models import Ticket
from tests.support import make
from tests.support.html import by_id, parse, text
from tests.support.state import table_counts

pytestmark = pytest.mark.django_db

FORM, CHOICES = "/intake/", "/intake/choices/"
PORTAL, PORTAL_CHOICES = "/portal/request/", "/portal/request/choices/"


@pytest.fixture
def world():
    customer = make.customer(legal_name="Hotel Mirador")
    site = make.site(customer, name="Main building", zone_code="NORTE")
    make.site(customer, name="Annex")
    stranger = make.customer(legal_name="Someone else")
    strange_site = make.site(stranger, name="Their site")
    repair, painting = make.service(name="Repair", code="REP"), make.service(name="Painting")
    contract = make.contract(
        customer,
        sites=[site],
        scope=[(repair, "included")],
        starts_on=date(2025, 1, 1),
        ends_on=None,
    )
    team = team_create(actor=None, values={"name": "North", "zone_codes": ["NORTE"]})
    routing_rule_create(actor=None, values={"contract": contract, "team": team}, reason="Set up")
    return {
        "customer": customer,
        "site": site,
        "strange_site": strange_site,
        "repair": repair,
        "painting": painting,
        "contract": contract,
        "team": team,
    }


def options(html, element_id):
    return [text(option) for option in by_id(parse(html), element_id).iter("option")]


def test_the_dispatcher_sees_only_the_services_open_and_where_they_land(client, world):
    client.force_login(make.user("dispatcher"))
    offer = f"{world['contract'].pk}:{world['repair'].pk}"

    page = client.get(
        CHOICES, {"customer": world["customer"].pk, "site": world["site"].pk, "offer": offer}
    )

    assert page.status_code == 200
    assert options(page.content, "offer") == [
        "—",
        f"Repair (REP) · {world['contract'].number} · included",
    ]
    assert text(by_id(parse(page.content), "landing")) == (
        f"Lands on contract {world['contract'].number} · team North"
    )


def test_the_dispatcher_opens_a_ticket_on_the_contract_and_its_team(client, world):
    dispatcher = make.user("dispatcher")
    client.force_login(dispatcher)
    offer = f"{world['contract'].pk}:{world['repair'].pk}"

    opened = client.post(
        FORM,
        {
            "customer": world["customer"].pk,
            "site": world["site"].pk,
            "offer": offer,
            "priority": "high",
            "subject": "Lift stuck",
        },
    )

    assert opened.status_code == 200, opened.content
    ticket = Ticket.objects.get()
    assert (
        ticket.contract_id,
        ticket.service_id,
        ticket.team_id,
        ticket.channel,
        ticket.priority,
        ticket.created_by_id,
    ) == (
        world["contract"].pk,
        world["repair"].pk,
        world["team"].pk,
        "dispatcher",
        "high",
        dispatcher.pk,
    )
    assert text(by_id(parse(opened.content), "opened-team")) == "North"


def test_the_dispatcher_overrides_an_out_of_scope_service_with_a_reason(client, world):
    dispatcher = make.user("dispatcher")
    client.force_login(dispatcher)
    values = {
        "customer": world["customer"].pk,
        "site": world["site"].pk,
        "override": "quote",
        "service": world["painting"].pk,
        "contract": world["contract"].pk,
        "subject": "Repaint the lobby",
    }
    counts = table_counts()

    refused = client.post(FORM, values)  # no reason

    assert refused.status_code == 400
    assert "Say why: a reason is required for this change." in refused.content.decode()
    assert table_counts() == counts

    opened = client.post(FORM, {**values, "reason": "Customer wants a price"})
    assert opened.status_code == 200, opened.content
    ticket = Ticket.objects.get()
    assert (ticket.override, ticket.override_reason, ticket.contract_id, ticket.service_id) == (
        "quote",
        "Customer wants a price",
        world["contract"].pk,
        world["painting"].pk,
    )


def test_a_finance_user_or_a_customer_cannot_use_the_dispatcher_form(client, world):
    for user in (make.user("finance"), make.user("customer", customer=world["customer"])):
        client.force_login(user)
        assert client.get(FORM).status_code == 403


def test_the_portal_offers_the_customers_sites_and_contracted_services_only(client, world):
    client.force_login(make.user("customer", customer=world["customer"]))

    page = client.get(PORTAL_CHOICES, {"site": world["site"].pk})

    assert options(page.content, "site") == ["—", "Annex", "Main building"]
    assert options(page.content, "offer") == [
        "—",
        f"Repair (REP) · {world['contract'].number} · included",
    ]
    assert b'id="override"' not in page.content
    annex = client.get(PORTAL_CHOICES, {"site": world["site"].customer.sites.get(name="Annex").pk})
    assert text(by_id(parse(annex.content), "nothing-open")).startswith("No live contract covers")


def test_the_portal_refuses_what_it_does_not_offer_and_writes_nothing(client, world):
    user = make.user("customer", customer=world["customer"])
    client.force_login(user)
    counts = table_counts()
    for forged in (
        {"site": world["site"].pk, "offer": f"{world['contract'].pk}:{world['painting'].pk}"},
        {"site": world["strange_site"].pk, "offer": f"{world['contract'].pk}:{world['repair'].pk}"},
        {
            "site": world["site"].pk,
            "override": "billable",
            "service": world["painting"].pk,
            "reason": "Please",
        },
    ):
        refused = client.post(PORTAL, {**forged, "subject": "Paint it"})
        assert refused.status_code == 400
    assert table_counts() == counts

    opened = client.post(
        PORTAL,
        {"site": world["site"].pk, "offer": f"{world['contract'].pk}:{world['repair'].pk}",
         "subject": "Tap dripping"},
    )  # fmt: skip
    assert opened.status_code == 200, opened.content
    ticket = Ticket.objects.get()
    assert (ticket.channel, ticket.created_by_id, ticket.override) == ("portal", user.pk, "")


def test_the_portal_is_for_customer_users(client, world):
    client.force_login(make.user("dispatcher"))
    assert client.get(PORTAL).status_code == 403
