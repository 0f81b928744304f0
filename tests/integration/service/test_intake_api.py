"""Intake over real HTTP: ``POST /api/v1/tickets/`` goes through ``ticket_open``, answers the
refusals as ``{"code", "detail", "fields"}`` (400, or 403 for an override the caller may not
give), and takes ``override`` with a ``reason`` from dispatchers and managers."""

from __future__ import annotations

from datetime import date

import pytest

from pacta.accounts.services import team_create
from pacta.contracts.services import contract_status_change, routing_rule_create
from pacta.service.models import Ticket
from tests.support import make
from tests.support.make import at
from tests.support.state import table_counts

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def world():
    customer = make.customer()
    site, bare_site = make.site(customer, zone_code="LYON"), make.site(customer)
    repair, painting = make.service(name="Repair"), make.service(name="Painting")
    contract = make.contract(
        customer,
        sites=[site],
        scope=[(repair, "included")],
        starts_on=date(2025, 1, 1),
        ends_on=None,
    )
    return {
        "customer": customer,
        "site": site,
        "bare_site": bare_site,
        "repair": repair,
        "painting": painting,
        "contract": contract,
    }


def body(world, **values):
    return {
        "site": world["site"].pk,
        "service": world["repair"].pk,
        "channel": "api",
        "subject": "Leak in the plant room",
        **values,
    }


def test_a_request_in_scope_lands_on_the_contract_and_its_routed_team(api, world):
    team = team_create(actor=None, values={"name": "Lyon", "zone_codes": ["LYON"]})
    routing_rule_create(
        actor=None, values={"contract": world["contract"], "team": team}, reason="Set up"
    )
    client = api(make.user("customer", customer=world["customer"]))

    opened = client.post("/tickets/", body(world))

    assert opened.status_code == 201, opened.text
    answer = opened.json()
    assert (answer["contract"], answer["team"], answer["override"]) == (
        world["contract"].pk,
        team.pk,
        "",
    )


@pytest.mark.parametrize(
    ("values", "code", "field", "detail"),
    [
        ({"service": "painting"}, "service_not_in_scope", "service", "{painting} is not in the "
         "scope of any contract in force for this site."),
        ({"site": "bare_site"}, "site_not_covered", "site", "No contract covers this site."),
        ({"contract": "contract", "site": "bare_site"}, "site_not_covered", "site",
         "Contract {number} does not cover this site."),
    ],
)  # fmt: skip
def test_refusals_answer_400_with_their_code_and_field_and_write_nothing(
    api, world, values, code, field, detail
):
    client = api(make.user("customer", customer=world["customer"]))
    given = {name: world[key].pk for name, key in values.items()}
    counts = table_counts()

    refused = client.post("/tickets/", body(world, **given))

    assert refused.status_code == 400, refused.text
    expected = detail.format(painting="Painting", number=world["contract"].number)
    assert refused.json() == {"code": code, "detail": expected, "fields": {field: [expected]}}
    assert table_counts() == counts


def test_an_expired_contract_answers_contract_not_active(api, world):
    contract_status_change(
        actor=None,
        contract=world["contract"],
        status="terminated",
        reason="Ended early",
        now=at("2026-03-01 09:00"),
    )
    client = api(make.user("dispatcher"))
    counts = table_counts()

    refused = client.post("/tickets/", body(world))

    assert refused.status_code == 400, refused.text
    assert refused.json()["code"] == "contract_not_active"
    assert list(refused.json()["fields"]) == ["contract"]
    assert table_counts() == counts


def test_a_dispatcher_overrides_with_a_reason(api, world):
    dispatcher = make.user("dispatcher")
    client = api(dispatcher)

    opened = client.post(
        "/tickets/",
        body(world, service=world["painting"].pk, override="quote", reason="Asks for a price"),
    )

    assert opened.status_code == 201, opened.text
    answer = opened.json()
    assert (
        answer["contract"],
        answer["override"],
        answer["override_reason"],
        answer["overridden_by"],
    ) == (None, "quote", "Asks for a price", dispatcher.pk)


def test_an_override_needs_a_reason(api, world):
    client = api(make.user("manager"))
    counts = table_counts()

    refused = client.post(
        "/tickets/", body(world, service=world["painting"].pk, override="billable")
    )

    assert refused.status_code == 400, refused.text
    assert refused.json()["fields"] == {
        "reason": ["Say why: a reason is required for this change."]
    }
    assert table_counts() == counts


def test_a_customer_may_not_override_403(api, world):
    client = api(make.user("customer", customer=world["customer"]))
    counts = table_counts()

    refused = client.post(
        "/tickets/",
        body(world, service=world["painting"].pk, override="billable", reason="Please"),
    )

    assert refused.status_code == 403, refused.text
    assert refused.json() == {
        "code": "override_refused",
        "detail": "Only a dispatcher or a manager may open a ticket outside the contract.",
        "fields": {"override": ["You may not open a ticket outside the contract."]},
    }
    assert table_counts() == counts


def test_the_override_is_fixed_at_the_opening(api, world):
    client = api(make.user("dispatcher"))
    opened = client.post("/tickets/", body(world))
    pk = opened.json()["id"]

    changed = client.patch(f"/tickets/{pk}/", {"override": "billable", "reason": "Later"})

    assert changed.status_code == 400, changed.text
    assert list(changed.json()["fields"]) == ["override"]
    assert Ticket.objects.get(pk=pk).override == ""
