"""Intake: a ticket opens only under a live contract covering the site (and its equipment) with
the service in scope; otherwise it is refused with a named code and nothing is written — no
ticket, no event, no audit row, no e-mail — unless a dispatcher or a manager overrides with a
reason. The contract's routing names the team; the confirmation is queued once."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from pacta.accounts.services import team_create
from pacta.comms.models import OutboundMessage
from pacta.contracts.services import contract_status_change, routing_rule_create
from pacta.domain.errors import Forbidden, InvalidInput
from pacta.service.models import Ticket
from pacta.service.selectors import services_open_for
from pacta.service.services import ticket_open
from tests.support import make
from tests.support.make import at
from tests.support.state import row, table_counts

pytestmark = pytest.mark.django_db

NOW = at("2026-03-02 10:00")


@pytest.fixture
def world():
    """A customer with two sites; a live contract covering the first for repairs (included)
    and inspections (billable), with cleaning excluded; a chiller it lists at that site."""
    customer = make.customer(email="office@customer.example")
    site, other_site = make.site(customer, zone_code="MAD-NORTE"), make.site(customer)
    repair, inspect = make.service(name="Repair"), make.service(name="Inspection")
    cleaning, uncontracted = make.service(name="Cleaning"), make.service(name="Painting")
    chiller, boiler = make.equipment(site), make.equipment(site)
    contract = make.contract(
        customer,
        sites=[site],
        equipment=[chiller],
        scope=[(repair, "included"), (inspect, "billable"), (cleaning, "excluded")],
    )
    return {
        "customer": customer,
        "site": site,
        "other_site": other_site,
        "repair": repair,
        "inspect": inspect,
        "cleaning": cleaning,
        "uncontracted": uncontracted,
        "chiller": chiller,
        "boiler": boiler,
        "contract": contract,
    }


def lapsed(world):
    """The contract's site and repair service under a contract that ended on 28 February and
    has expired (the world's contract no longer covers that site)."""
    site = make.site(world["customer"])
    contract = make.contract(
        world["customer"],
        sites=[site],
        scope=[(world["repair"], "included")],
        starts_on=date(2025, 3, 1),
        ends_on=date(2026, 2, 28),
    )
    contract = contract_status_change(
        actor=None, contract=contract, status="expired", reason="Lapsed", now=NOW
    )
    return site, contract


def request(world, **values):
    return {
        "site": world["site"],
        "service": world["repair"],
        "channel": "dispatcher",
        "subject": "Chiller alarm",
        **values,
    }


def refused_with(code, field, values, *, actor=None, reason="", counts, now=NOW):
    with pytest.raises(InvalidInput) as refused:
        ticket_open(actor=actor, values=values, reason=reason, now=now)
    assert refused.value.code == code
    assert list(refused.value.fields) == [field]
    assert table_counts() == counts  # no ticket, event, clock, audit row or e-mail
    return refused.value


# --- within the contract ----------------------------------------------------------------------
def test_a_request_falls_under_the_sites_live_contract_and_is_confirmed_once(world):
    dispatcher = make.user("dispatcher")

    ticket = ticket_open(actor=dispatcher, values=request(world), reason="Phone call", now=NOW)

    stored = row(ticket)
    assert (stored["contract_id"], stored["override"], stored["overridden_by_id"]) == (
        world["contract"].pk,
        "",
        None,
    )
    (message,) = OutboundMessage.objects.all()
    assert (message.key, message.to_email) == (
        f"ticket:{ticket.pk}:opened",
        "office@customer.example",
    )


def test_equipment_the_contract_lists_is_covered(world):
    ticket = ticket_open(actor=None, values=request(world, equipment=world["chiller"]), now=NOW)
    assert row(ticket)["contract_id"] == world["contract"].pk


def test_a_contract_listing_no_equipment_covers_whatever_is_at_its_site(world):
    customer = world["customer"]
    site, service = make.site(customer), make.service()
    unit = make.equipment(site)
    contract = make.contract(customer, sites=[site], scope=[(service, "billable")])
    ticket = ticket_open(
        actor=None, values=request(world, site=site, service=service, equipment=unit), now=NOW
    )
    assert row(ticket)["contract_id"] == contract.pk


# --- refusals -----------------------------------------------------------------------------------
def test_an_expired_contract_takes_no_requests(world):
    site, contract = lapsed(world)
    counts = table_counts()
    for given in (contract, None):
        error = refused_with(
            "contract_not_active",
            "contract",
            request(world, site=site, contract=given),
            counts=counts,
        )
    assert error.fields["contract"] == [
        "No contract of this site is in force on 2026-03-02: it must be renewed or reactivated "
        "before it takes requests."
    ]


def test_after_its_last_day_a_contract_takes_no_requests(world):
    counts = table_counts()
    error = refused_with(
        "contract_not_active",
        "contract",
        request(world, contract=world["contract"], opened_at=at("2027-01-01 09:00")),
        counts=counts,
        now=at("2027-01-01 09:00"),
    )
    assert error.message == (
        f"Contract {world['contract'].number} is not in force on 2027-01-01: it must be renewed "
        "or reactivated before it takes requests."
    )


def test_a_suspended_contract_takes_no_requests(world):
    contract_status_change(
        actor=None, contract=world["contract"], status="suspended", reason="Unpaid", now=NOW
    )
    counts = table_counts()
    refused_with(
        "contract_not_active", "contract", request(world, contract=world["contract"]), counts=counts
    )


@pytest.mark.parametrize("service", ["cleaning", "uncontracted"])
def test_a_service_out_of_scope_is_refused_on_the_service(world, service):
    counts = table_counts()
    named = refused_with(
        "service_not_in_scope",
        "service",
        request(world, service=world[service], contract=world["contract"]),
        counts=counts,
    )
    assert named.message == (
        f"{world[service].name} is not in the scope of contract {world['contract'].number}."
    )
    picked = refused_with(
        "service_not_in_scope", "service", request(world, service=world[service]), counts=counts
    )
    assert picked.message == (
        f"{world[service].name} is not in the scope of any contract in force for this site."
    )


def test_a_site_the_contract_does_not_cover_is_refused(world):
    counts = table_counts()
    named = refused_with(
        "site_not_covered",
        "site",
        request(world, site=world["other_site"], contract=world["contract"]),
        counts=counts,
    )
    assert named.message == f"Contract {world['contract'].number} does not cover this site."
    picked = refused_with(
        "site_not_covered", "site", request(world, site=world["other_site"]), counts=counts
    )
    assert picked.message == "No contract covers this site."


def test_equipment_the_contract_does_not_list_is_refused_on_the_equipment(world):
    counts = table_counts()
    for given in (world["contract"], None):
        refused_with(
            "site_not_covered",
            "equipment",
            request(world, equipment=world["boiler"], contract=given),
            counts=counts,
        )


def test_two_live_contracts_covering_the_request_must_be_chosen_between(world):
    second = make.contract(
        world["customer"], sites=[world["site"]], scope=[(world["repair"], "billable")]
    )
    counts = table_counts()
    error = refused_with("contract_ambiguous", "contract", request(world), counts=counts)
    assert error.message == (
        f"Contracts {world['contract'].number}, {second.number} all cover this request: choose one."
    )
    chosen = ticket_open(actor=None, values=request(world, contract=second), now=NOW)
    assert row(chosen)["contract_id"] == second.pk


# --- overrides ----------------------------------------------------------------------------------
@pytest.mark.parametrize("role", ["dispatcher", "manager"])
def test_a_dispatcher_or_manager_opens_a_lapsed_contracts_emergency_as_billable(world, role):
    site, contract = lapsed(world)
    person = make.user(role)

    ticket = ticket_open(
        actor=person,
        values=request(
            world, site=site, contract=contract, override="billable", priority="critical"
        ),
        reason="Flooding in the plant room; renewal being signed",
        now=NOW,
    )

    stored = row(ticket)
    assert (
        stored["contract_id"],
        stored["override"],
        stored["override_reason"],
        stored["overridden_by_id"],
    ) == (
        contract.pk,
        "billable",
        "Flooding in the plant room; renewal being signed",
        person.pk,
    )


def test_an_out_of_scope_service_is_opened_to_be_quoted(world):
    dispatcher = make.user("dispatcher")
    ticket = ticket_open(
        actor=dispatcher,
        values=request(world, service=world["uncontracted"], override="quote"),
        reason="Customer asks for a price",
        now=NOW,
    )
    stored = row(ticket)
    assert (stored["contract_id"], stored["override"], stored["overridden_by_id"]) == (
        None,
        "quote",
        dispatcher.pk,
    )
    # Its quote is drafted at once, one of the service at its catalogue price, for the office
    # to complete and send.
    from pacta.service.models import Quote

    quote = Quote.objects.get()
    line = quote.lines.get()
    assert (quote.ticket_id, quote.status, quote.site_id, quote.title, quote.created_by_id) == (
        ticket.pk,
        "draft",
        world["site"].pk,
        ticket.subject,
        dispatcher.pk,
    )
    assert (line.service_id, line.quantity, line.unit_price) == (
        world["uncontracted"].pk,
        Decimal("1.000"),
        world["uncontracted"].default_price,
    )


def test_an_override_without_a_reason_is_refused_and_writes_nothing(world):
    counts = table_counts()
    error = refused_with(
        "invalid",
        "reason",
        request(world, service=world["cleaning"], contract=world["contract"], override="quote"),
        actor=make.user("dispatcher"),
        reason="  ",
        counts=table_counts(),
    )
    assert error.fields["reason"] == ["Say why: a reason is required for this change."]
    assert Ticket.objects.count() == counts["service.ticket"]


@pytest.mark.parametrize("role", ["technician", "finance", "customer"])
def test_others_may_not_override(world, role):
    person = make.user(role, **({"customer": world["customer"]} if role == "customer" else {}))
    counts = table_counts()
    with pytest.raises(Forbidden) as refused:
        ticket_open(
            actor=person,
            values=request(world, service=world["uncontracted"], override="billable"),
            reason="Please",
            now=NOW,
        )
    assert (refused.value.code, list(refused.value.fields)) == ("override_refused", ["override"])
    assert table_counts() == counts


def test_an_override_the_contract_does_not_need_is_not_recorded(world):
    ticket = ticket_open(
        actor=make.user("dispatcher"),
        values=request(world, contract=world["contract"], override="billable"),
        reason="Just in case",
        now=NOW,
    )
    assert (row(ticket)["override"], row(ticket)["overridden_by_id"]) == ("", None)


def test_an_unknown_override_is_refused_on_the_override(world):
    counts = table_counts()
    refused_with("invalid", "override", request(world, override="free"), reason="x", counts=counts)


# --- routing ------------------------------------------------------------------------------------
def test_the_most_specific_routing_rule_names_the_team(world):
    def team(name):
        return team_create(actor=None, values={"name": name, "zone_codes": ["MAD-NORTE"]})

    general, north, repairs, urgent_repairs = (
        team("General"),
        team("North"),
        team("Repairs"),
        team("Urgent repairs"),
    )
    contract = world["contract"]
    for values in (
        {"team": general},
        {"region": "mad-norte", "team": north},
        {"service": world["repair"], "team": repairs},
        {"service": world["repair"], "priority": "critical", "team": urgent_repairs},
    ):
        routing_rule_create(actor=None, values={"contract": contract, **values}, reason="Set up")

    def routed(**values):
        return ticket_open(actor=None, values=request(world, **values), now=NOW).team_id

    assert routed(priority="critical") == urgent_repairs.pk
    assert routed(priority="normal") == repairs.pk
    assert routed(service=world["inspect"]) == north.pk
    other = make.site(world["customer"], zone_code="MAD-SUR")
    contract.sites.add(other)
    assert routed(service=world["inspect"], site=other) == general.pk


def test_a_contract_without_routing_leaves_the_team_empty(world):
    assert ticket_open(actor=None, values=request(world), now=NOW).team_id is None


def test_a_rule_routes_each_service_priority_and_region_once(world):
    team = team_create(actor=None, values={"name": "Only", "zone_codes": ["X"]})
    values = {"contract": world["contract"], "region": "X", "team": team}
    routing_rule_create(actor=None, values=values, reason="Set up")
    counts = table_counts()
    with pytest.raises(InvalidInput) as refused:
        routing_rule_create(actor=None, values={**values, "region": " x "}, reason="Again")
    assert list(refused.value.fields) == ["team"]
    assert table_counts() == counts


# --- what may be requested ----------------------------------------------------------------------
def test_the_services_open_for_a_site_are_those_in_the_scope_of_its_live_contracts(world):
    on = date(2026, 3, 2)
    offers = services_open_for(world["site"], on=on)
    assert [(o.service.name, o.contract.pk, o.coverage) for o in offers] == [
        ("Inspection", world["contract"].pk, "billable"),
        ("Repair", world["contract"].pk, "included"),
    ]
    assert services_open_for(world["site"], world["boiler"], on=on) == []
    assert len(services_open_for(world["site"], world["chiller"], on=on)) == 2
    assert services_open_for(world["other_site"], on=on) == []
    assert services_open_for(world["site"], on=date(2027, 1, 1)) == []
