"""Tickets under contracts and for equipment: the contract must be the customer's (or its
family's) and cover the site, the equipment must be at the site.

These tests build contracts and equipment through their own services (tests/support/make.py).
"""

from __future__ import annotations

import pytest

from pacta.domain.errors import InvalidInput
from pacta.service.services import ticket_open, ticket_update
from tests.support import make
from tests.support.make import at
from tests.support.state import row, table_counts

pytestmark = pytest.mark.django_db

NOW = at("2026-03-02 10:00")


def new_ticket(site, service, **values):
    return {"site": site, "service": service, "channel": "email", "subject": "Alarm", **values}


def test_a_ticket_under_a_contract_for_a_unit_at_its_site():
    customer = make.customer()
    site, service = make.site(customer), make.service()
    unit = make.equipment(site)
    contract = make.contract(
        customer, sites=[site], equipment=[unit], scope=[(service, "included")]
    )

    ticket = ticket_open(
        actor=None,
        values=new_ticket(site, service, contract=contract, equipment=unit),
        now=NOW,
    )

    stored = row(ticket)
    assert (stored["customer_id"], stored["contract_id"], stored["equipment_id"]) == (
        customer.pk,
        contract.pk,
        unit.pk,
    )


def test_a_parents_contract_covers_a_childs_site():
    group = make.customer(legal_name="Group")
    child = make.customer(legal_name="Child", parent=group)
    child_site, service = make.site(child), make.service()
    contract = make.contract(group, sites=[child_site], scope=[(service, "billable")])

    ticket = make.ticket(child_site, service, contract=contract)

    assert (row(ticket)["customer_id"], row(ticket)["contract_id"]) == (child.pk, contract.pk)


def test_a_contract_that_does_not_cover_the_site_is_refused_on_the_site():
    customer = make.customer()
    covered, uncovered = make.site(customer), make.site(customer)
    contract = make.contract(customer, sites=[covered])
    service = make.service()
    counts = table_counts()

    with pytest.raises(InvalidInput) as refused:
        make.ticket(uncovered, service, contract=contract)

    assert refused.value.code == "site_not_covered"
    assert refused.value.fields == {
        "site": [f"Contract {contract.number} does not cover this site."]
    }
    assert table_counts() == counts


def test_another_customers_contract_is_refused_on_the_contract():
    customer, stranger = make.customer(), make.customer()
    site = make.site(customer)
    contract = make.contract(stranger, sites=[make.site(stranger)])
    service = make.service()
    counts = table_counts()

    with pytest.raises(InvalidInput) as refused:
        make.ticket(site, service, contract=contract)

    assert refused.value.fields == {
        "contract": [f"Contract {contract.number} is another customer's."]
    }
    assert table_counts() == counts


def test_equipment_at_another_site_is_refused_on_the_equipment():
    customer = make.customer()
    site, elsewhere = make.site(customer), make.site(customer)
    unit = make.equipment(elsewhere)
    service = make.service()
    counts = table_counts()

    with pytest.raises(InvalidInput) as refused:
        make.ticket(site, service, equipment=unit)

    assert refused.value.fields == {"equipment": ["This equipment is not at the ticket's site."]}
    assert table_counts() == counts


def test_an_update_checks_the_contract_and_the_equipment_again():
    customer = make.customer()
    site, elsewhere = make.site(customer), make.site(customer)
    ticket = make.ticket(site, make.service())
    contract = make.contract(customer, sites=[elsewhere])
    unit = make.equipment(elsewhere)
    before = row(ticket)

    with pytest.raises(InvalidInput) as refused:
        ticket_update(actor=None, ticket=ticket, values={"contract": contract, "equipment": unit})

    assert refused.value.fields == {
        "contract": [f"Contract {contract.number} does not cover this site."],
        "equipment": ["This equipment is not at the ticket's site."],
    }
    assert row(ticket) == before


# --- over HTTP ----------------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_a_customer_user_opens_a_ticket_under_its_contract_for_its_unit(api):
    customer, stranger = make.customer(), make.customer()
    site, service = make.site(customer), make.service()
    unit = make.equipment(site)
    contract = make.contract(
        customer, sites=[site], equipment=[unit], scope=[(service, "included")]
    )
    strange_contract = make.contract(stranger, sites=[make.site(stranger)])
    client = api(make.user("customer", customer=customer))

    opened = client.post(
        "/tickets/",
        {
            "site": site.pk,
            "contract": contract.pk,
            "equipment": unit.pk,
            "service": service.pk,
            "channel": "portal",
            "subject": "Chiller alarm",
        },
    )
    assert opened.status_code == 201, opened.text
    assert (opened.json()["contract"], opened.json()["equipment"]) == (contract.pk, unit.pk)

    counts = table_counts()
    refused = client.post(
        "/tickets/",
        {
            "site": site.pk,
            "contract": strange_contract.pk,
            "service": service.pk,
            "channel": "portal",
            "subject": "Not my contract",
        },
    )
    assert refused.status_code == 400
    assert refused.json()["fields"] == {
        "contract": [f'Invalid pk "{strange_contract.pk}" - object does not exist.']
    }
    assert table_counts() == counts
