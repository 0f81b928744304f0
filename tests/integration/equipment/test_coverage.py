"""Equipment with the records of other apps: contracts covering it, tickets and work orders that
touched it, the catalog product it is.

These records are built only through ``tests.support.make`` (the other apps' services).
"""

from __future__ import annotations

import datetime as dt

import pytest

from pacta.domain.errors import Conflict, InvalidInput
from pacta.equipment.errors import EquipmentCovered
from pacta.equipment.selectors import equipment_contracts, equipment_history
from pacta.equipment.services import equipment_create, equipment_delete, equipment_update
from tests.support import make
from tests.support.state import row, table_counts

pytestmark = pytest.mark.django_db


@pytest.fixture
def covered():
    """A customer with three sites; a contract covers the first two and the unit at the first."""
    customer = make.customer()
    first, second, third = make.site(customer), make.site(customer), make.site(customer)
    unit = make.equipment(first)
    contract = make.contract(customer, sites=[first, second], equipment=[unit])
    return {
        "customer": customer,
        "sites": (first, second, third),
        "unit": unit,
        "contract": contract,
    }


# --- moving between sites -----------------------------------------------------------------
def test_equipment_moves_to_a_site_its_contract_also_covers(covered):
    _first, second, _third = covered["sites"]
    moved = equipment_update(
        actor=None, equipment=covered["unit"], values={"site": second}, reason="Relocated"
    )
    assert row(moved)["site_id"] == second.pk


def test_equipment_cannot_move_to_a_site_its_contract_does_not_cover(covered):
    unit, contract = covered["unit"], covered["contract"]
    before = row(unit)
    counts = table_counts()

    with pytest.raises(EquipmentCovered) as refused:
        equipment_update(actor=None, equipment=unit, values={"site": covered["sites"][2]})

    assert isinstance(refused.value, Conflict)
    assert refused.value.code == "equipment_covered"
    assert refused.value.fields == {
        "site": [f"Contract {contract.number} covers this equipment but not this site."]
    }
    assert row(unit) == before
    assert table_counts() == counts


def test_every_contract_that_does_not_cover_the_new_site_is_named(covered):
    customer, unit = covered["customer"], covered["unit"]
    first, second, third = covered["sites"]
    other = make.contract(customer, sites=[first, third], equipment=[unit])
    narrow = make.contract(customer, sites=[first], equipment=[unit])
    before = row(unit)

    # The fixture's contract covers the second site; the two others do not.
    with pytest.raises(EquipmentCovered) as refused:
        equipment_update(actor=None, equipment=unit, values={"site": second.pk})

    assert row(unit) == before
    numbers = ", ".join(sorted([other.number, narrow.number]))
    assert refused.value.fields == {
        "site": [f"Contracts {numbers} cover this equipment but not this site."]
    }


@pytest.mark.django_db(transaction=True)
def test_moving_over_the_api_answers_409_on_the_site(covered, api):
    unit, contract = covered["unit"], covered["contract"]
    client = api(make.user("manager"))
    before = row(unit)

    response = client.patch(f"/equipment/{unit.pk}/", {"site": covered["sites"][2].pk})

    assert response.status_code == 409, response.text
    assert response.json() == {
        "code": "equipment_covered",
        "detail": "This equipment is under contract; it cannot move to a site its contract "
        "does not cover.",
        "fields": {
            "site": [f"Contract {contract.number} covers this equipment but not this site."]
        },
    }
    assert row(unit) == before


# --- deleting -----------------------------------------------------------------------------
def test_equipment_named_by_a_ticket_cannot_be_deleted():
    # The contract covers the site, not the unit: only the ticket holds on to it.
    customer = make.customer()
    site = make.site(customer)
    unit = make.equipment(site)
    service = make.service()
    contract = make.contract(customer, sites=[site], equipment=[], scope=[(service, "included")])
    make.ticket(site, service, contract=contract, equipment=unit)
    counts = table_counts()

    with pytest.raises(Conflict) as refused:
        equipment_delete(actor=None, equipment=unit, reason="Scrapped")

    assert refused.value.code == "in_use"
    assert "tickets" in refused.value.detail
    assert table_counts() == counts


def test_equipment_a_contract_covers_cannot_be_deleted(covered):
    unit = covered["unit"]
    counts = table_counts()

    with pytest.raises(Conflict) as refused:
        equipment_delete(actor=None, equipment=unit)

    assert refused.value.code == "in_use"
    assert "contracts" in refused.value.detail
    assert table_counts() == counts
    assert list(equipment_contracts(unit)) == [covered["contract"]]


# --- the catalog product ------------------------------------------------------------------
def test_an_inactive_catalog_product_cannot_be_chosen():
    site = make.site(make.customer())
    retired = make.product(is_active=False)
    counts = table_counts()

    with pytest.raises(InvalidInput) as refused:
        equipment_create(
            actor=None, values={"site": site, "serial_number": "P-1", "product": retired}
        )

    assert refused.value.fields == {"product": ["This product is no longer active in the catalog."]}
    assert table_counts() == counts


def test_an_active_catalog_product_is_stored():
    product = make.product()
    unit = make.equipment(make.site(make.customer()), product=product)
    assert row(unit)["product_id"] == product.pk


# --- coverage and history -----------------------------------------------------------------
@pytest.fixture
def worked():
    """A unit under two contracts, touched by two tickets; another unit's ticket beside it."""
    customer = make.customer()
    site = make.site(customer)
    unit, neighbour = make.equipment(site), make.equipment(site)
    service = make.service()
    scope = [(service, "included")]
    later = make.contract(
        customer,
        sites=[site],
        equipment=[unit],
        scope=scope,
        status="draft",
        starts_on=dt.date(2027, 1, 1),
        ends_on=dt.date(2027, 12, 31),
    )
    current = make.contract(customer, sites=[site], equipment=[unit, neighbour], scope=scope)
    make.contract(customer, sites=[site], equipment=[neighbour], scope=scope)  # not this unit
    alice, bruno = make.user("technician"), make.user("technician")
    march = make.ticket(site, service, contract=current, equipment=unit)
    second_visit = make.work_order(
        march,
        bruno,
        scheduled_start_at=make.at("2026-03-05 15:00"),
        scheduled_end_at=make.at("2026-03-05 16:00"),
    )
    first_visit = make.work_order(march, alice)
    april = make.ticket(
        site,
        service,
        contract=current,
        equipment=unit,
        subject="Water leaking",
        priority="high",
        opened_at=make.at("2026-04-10 08:15"),
    )
    make.ticket(site, service, contract=current, equipment=neighbour)
    return {
        "customer": customer,
        "site": site,
        "service": service,
        "unit": unit,
        "current": current,
        "later": later,
        "march": march,
        "april": april,
        "first_visit": first_visit,
        "second_visit": second_visit,
        "alice": alice,
        "bruno": bruno,
    }


def test_the_contracts_covering_a_unit_earliest_first(worked):
    assert list(equipment_contracts(worked["unit"])) == [worked["current"], worked["later"]]


def test_the_history_is_newest_ticket_first_with_visits_in_order(worked, django_assert_num_queries):
    with django_assert_num_queries(2):  # the tickets, then all their work orders
        history = [
            (
                ticket.pk,
                ticket.service.code,
                [(w.pk, w.technician.username) for w in ticket.work_orders.all()],
            )
            for ticket in equipment_history(worked["unit"])
        ]
    assert history == [
        (worked["april"].pk, worked["service"].code, []),
        (
            worked["march"].pk,
            worked["service"].code,
            [
                (worked["first_visit"].pk, worked["alice"].username),
                (worked["second_visit"].pk, worked["bruno"].username),
            ],
        ),
    ]


def _contract_json(contract, status):
    return {
        "id": contract.pk,
        "number": contract.number,
        "title": "Maintenance",
        "status": status,
        "starts_on": row(contract)["starts_on"].isoformat(),
        "ends_on": row(contract)["ends_on"].isoformat(),
    }


def _ticket_json(ticket, work_orders, *, subject, priority, opened_at, service):
    return {
        "id": ticket.pk,
        "reference": f"T-{ticket.pk:06d}",
        "subject": subject,
        "status": row(ticket)["status"],
        "priority": priority,
        "opened_at": opened_at,
        "service": service.code,
        "work_orders": work_orders,
    }


def _work_order_json(work_order, technician, scheduled_start_at):
    return {
        "id": work_order.pk,
        "reference": f"WO-{work_order.pk:06d}",
        "status": row(work_order)["status"],
        "technician": technician,
        "scheduled_start_at": scheduled_start_at,
    }


@pytest.mark.django_db(transaction=True)
def test_the_history_endpoint_answers_coverage_tickets_and_visits(worked, api):
    w = worked
    response = api(make.user("dispatcher")).get(f"/equipment/{w['unit'].pk}/history/")

    assert response.status_code == 200, response.text
    assert response.json() == {
        "contracts": [_contract_json(w["current"], "active"), _contract_json(w["later"], "draft")],
        "tickets": [
            _ticket_json(
                w["april"],
                [],
                subject="Water leaking",
                priority="high",
                opened_at="2026-04-10T08:15:00+02:00",
                service=w["service"],
            ),
            _ticket_json(
                w["march"],
                [
                    _work_order_json(
                        w["first_visit"], w["alice"].username, "2026-03-03T09:00:00+01:00"
                    ),
                    _work_order_json(
                        w["second_visit"], w["bruno"].username, "2026-03-05T15:00:00+01:00"
                    ),
                ],
                subject="Unit not cooling",
                priority="normal",
                opened_at="2026-03-02T09:00:00+01:00",
                service=w["service"],
            ),
        ],
    }


@pytest.mark.django_db(transaction=True)
def test_the_history_shows_each_reader_only_what_it_may_see(worked, api):
    w = worked
    path = f"/equipment/{w['unit'].pk}/history/"

    # A technician sees the tickets of its own visits, and no contracts at all.
    as_alice = api(w["alice"]).get(path).json()
    assert as_alice["contracts"] == []
    assert [t["id"] for t in as_alice["tickets"]] == [w["march"].pk]
    assert [v["id"] for v in as_alice["tickets"][0]["work_orders"]] == [w["first_visit"].pk]

    # The customer sees its own contracts and tickets; another customer finds nothing.
    as_customer = api(make.user("customer", customer=w["customer"])).get(path).json()
    assert [c["id"] for c in as_customer["contracts"]] == [w["current"].pk, w["later"].pk]
    assert [t["id"] for t in as_customer["tickets"]] == [w["april"].pk, w["march"].pk]
    stranger = api(make.user("customer", customer=make.customer())).get(path)
    assert stranger.status_code == 404


def test_the_back_office_change_page_shows_coverage_and_history(worked, client):
    w = worked
    client.force_login(make.user("manager"))

    page = client.get(f"/admin/equipment/equipment/{w['unit'].pk}/change/").content.decode()

    assert "No contract covers this equipment." not in page
    assert "No intervention yet." not in page
    for text in (
        w["current"].number,
        w["later"].number,
        f"T-{w['march'].pk:06d}",
        f"T-{w['april'].pk:06d}",
        f"WO-{w['first_visit'].pk:06d}",
        f"WO-{w['second_visit'].pk:06d}",
        w["alice"].username,
        w["bruno"].username,
    ):
        assert text in page, text
