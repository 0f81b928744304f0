"""/api/v1/equipment/ over real HTTP: who may do what, what each reader sees, bad input.

No contracts, tickets or catalog products here (see test_coverage.py for those).
"""

from __future__ import annotations

import datetime as dt

import pytest

from pacta.audit.models import AuditEntry
from pacta.equipment.models import Equipment
from tests.support import make
from tests.support.fixtures import ids_of, results
from tests.support.state import row, table_counts

pytestmark = pytest.mark.django_db(transaction=True)

DUPLICATE = "This manufacturer's serial number is already registered."


def new_equipment(at_site, **values):
    return {
        "site": at_site.pk,
        "serial_number": "MX-2024-0001",
        "manufacturer": "Mitsubishi Electric",
        "model": "PUHZ-ZRP100",
        "name": "Server room split",
        "installed_on": "2024-02-01",
        "warranty_until": "2099-01-31",
        **values,
    }


def test_a_manager_creates_reads_updates_lists_and_deletes_equipment(api):
    manager = make.user("manager")
    customer = make.customer()
    site = make.site(customer)
    client = api(manager)

    created = client.post("/equipment/", {**new_equipment(site), "reason": "Installed"})
    assert created.status_code == 201, created.text
    pk = created.json()["id"]
    assert created.json() == {
        "id": pk,
        "site": site.pk,
        "customer": customer.pk,
        "serial_number": "MX-2024-0001",
        "manufacturer": "Mitsubishi Electric",
        "model": "PUHZ-ZRP100",
        "product": None,
        "name": "Server room split",
        "installed_on": "2024-02-01",
        "warranty_until": "2099-01-31",
        "under_warranty": True,
        "is_active": True,
        "notes": "",
    }

    read = client.get(f"/equipment/{pk}/")
    assert read.status_code == 200
    assert read.json() == created.json()

    patched = client.patch(
        f"/equipment/{pk}/", {"warranty_until": "2024-12-31", "reason": "Warranty checked"}
    )
    assert patched.status_code == 200, patched.text
    assert (patched.json()["warranty_until"], patched.json()["under_warranty"]) == (
        "2024-12-31",
        False,
    )
    assert row(Equipment(pk=pk))["warranty_until"] == dt.date(2024, 12, 31)

    listed = client.get("/equipment/", params={"search": "PUHZ"})
    assert [e["id"] for e in results(listed)] == [pk]

    deleted = client.delete(f"/equipment/{pk}/", params={"reason": "Registered by mistake"})
    assert deleted.status_code == 204
    assert not Equipment.objects.filter(pk=pk).exists()

    log = list(
        AuditEntry.objects.filter(entity_type="equipment.equipment", entity_id=str(pk))
        .order_by("id")
        .values_list("action", "actor_id", "reason")
    )
    assert log == [
        ("create", manager.pk, "Installed"),
        ("update", manager.pk, "Warranty checked"),
        ("delete", manager.pk, "Registered by mistake"),
    ]


def test_equipment_without_a_warranty_is_not_under_warranty(api):
    site = make.site(make.customer())
    equipment = make.equipment(site, warranty_until=None)
    body = api(make.user("manager")).get(f"/equipment/{equipment.pk}/").json()
    assert (body["warranty_until"], body["under_warranty"]) == (None, False)


def test_a_dispatcher_adds_and_changes_equipment_but_may_not_delete_it(api):
    site = make.site(make.customer())
    client = api(make.user("dispatcher"))

    created = client.post("/equipment/", new_equipment(site))
    assert created.status_code == 201, created.text
    pk = created.json()["id"]
    changed = client.patch(f"/equipment/{pk}/", {"notes": "Filter replaced in May"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["notes"] == "Filter replaced in May"

    equipment = Equipment.objects.get(pk=pk)
    before = row(equipment)
    counts = table_counts()
    refused = client.delete(f"/equipment/{pk}/")
    assert refused.status_code == 403
    assert refused.json()["code"] == "permission_denied"
    assert row(equipment) == before
    assert table_counts() == counts


def test_a_customer_user_sees_only_its_customers_equipment(api):
    group = make.customer(legal_name="Grupo Hotelero")
    hotel = make.customer(legal_name="Hotel Centro", parent=group)
    stranger = make.customer(legal_name="Someone Else")
    own = make.equipment(make.site(group))
    childs = make.equipment(make.site(hotel))
    foreign = make.equipment(make.site(stranger))
    client = api(make.user("customer", customer=group))

    assert ids_of(client.get("/equipment/")) == {own.pk, childs.pk}
    assert ids_of(client.get("/equipment/", params={"site__customer": hotel.pk})) == {childs.pk}
    assert client.get(f"/equipment/{own.pk}/").json()["customer"] == group.pk

    history = client.get(f"/equipment/{own.pk}/history/")
    assert history.status_code == 200, history.text
    assert history.json() == {"contracts": [], "tickets": []}

    # Another customer's equipment does not exist for this user: 404, not 403.
    for path in (f"/equipment/{foreign.pk}/", f"/equipment/{foreign.pk}/history/"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.json()["code"] == "not_found"


def test_a_customer_user_may_not_register_or_change_equipment(api):
    customer = make.customer()
    site = make.site(customer)
    equipment = make.equipment(site)
    client = api(make.user("customer", customer=customer))
    before = row(equipment)
    counts = table_counts()

    assert client.post("/equipment/", new_equipment(site)).status_code == 403
    assert client.patch(f"/equipment/{equipment.pk}/", {"notes": "mine"}).status_code == 403
    assert client.delete(f"/equipment/{equipment.pk}/").status_code == 403
    assert row(equipment) == before
    assert table_counts() == counts


def test_a_technician_reads_equipment_but_may_not_change_it(api):
    equipment = make.equipment(make.site(make.customer()))
    client = api(make.user("technician"))
    before = row(equipment)
    assert ids_of(client.get("/equipment/")) == {equipment.pk}
    assert client.patch(f"/equipment/{equipment.pk}/", {"notes": "x"}).status_code == 403
    assert row(equipment) == before


def test_filters_narrow_the_list(api):
    customer = make.customer()
    north, south = make.site(customer), make.site(customer)
    daikin = make.equipment(north, manufacturer="Daikin")
    carrier = make.equipment(south, manufacturer="Carrier", is_active=False)
    client = api(make.user("manager"))

    assert ids_of(client.get("/equipment/", params={"site": south.pk})) == {carrier.pk}
    assert ids_of(client.get("/equipment/", params={"manufacturer": "Daikin"})) == {daikin.pk}
    assert ids_of(client.get("/equipment/", params={"is_active": "true"})) == {daikin.pk}
    ordered = results(client.get("/equipment/", params={"ordering": "manufacturer"}))
    assert [e["id"] for e in ordered] == [carrier.pk, daikin.pk]


def test_a_duplicate_serial_number_answers_400_on_the_serial_number(api):
    site = make.site(make.customer())
    make.equipment(site, manufacturer="Mitsubishi Electric", serial_number="MX-2024-0001")
    client = api(make.user("manager"))
    counts = table_counts()

    response = client.post(
        "/equipment/",
        new_equipment(site, manufacturer="MITSUBISHI ELECTRIC", serial_number="mx-2024-0001 "),
    )

    assert response.status_code == 400, response.text
    assert response.json() == {
        "code": "invalid",
        "detail": DUPLICATE,
        "fields": {"serial_number": [DUPLICATE]},
    }
    assert table_counts() == counts


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"installed_on": "2024-02-01", "warranty_until": "2024-01-31"}, "warranty_until"),
        ({"site": 999999}, "site"),
        ({"installed_on": "01/02/2024"}, "installed_on"),
        ({"warranty_until": "2024-02-30"}, "warranty_until"),
        ({"serial_number": ""}, "serial_number"),
        ({"serial_number": "S" * 101}, "serial_number"),
        ({"is_active": "maybe"}, "is_active"),
    ],
)
def test_bad_input_answers_400_naming_the_field(api, change, field):
    site = make.site(make.customer())
    client = api(make.user("manager"))
    counts = table_counts()

    response = client.post("/equipment/", new_equipment(site, **change))

    assert response.status_code == 400, response.text
    body = response.json()
    assert body["code"] == "invalid"
    assert list(body["fields"]) == [field]
    assert table_counts() == counts


def test_the_warranty_rule_answers_400_with_its_message(api):
    site = make.site(make.customer())
    response = api(make.user("manager")).post(
        "/equipment/", new_equipment(site, installed_on="2024-02-01", warranty_until="2024-01-31")
    )
    assert response.status_code == 400
    assert response.json()["fields"] == {
        "warranty_until": ["The warranty cannot end before the equipment was installed."]
    }


def test_an_unknown_site_reads_as_does_not_exist(api):
    site = make.site(make.customer())
    response = api(make.user("manager")).post("/equipment/", new_equipment(site, site=999999))
    assert response.status_code == 400
    assert response.json()["fields"] == {"site": ['Invalid pk "999999" - object does not exist.']}


def test_an_inactive_site_answers_400_on_the_site(api):
    site = make.site(make.customer(), is_active=False)
    client = api(make.user("manager"))
    counts = table_counts()
    response = client.post("/equipment/", new_equipment(site))
    assert response.status_code == 400
    assert response.json()["fields"] == {
        "site": ["Equipment cannot be placed at an inactive site."]
    }
    assert table_counts() == counts


def test_a_refused_update_changes_nothing(api):
    site = make.site(make.customer())
    make.equipment(site, manufacturer="Daikin", serial_number="TAKEN")
    equipment = make.equipment(site, manufacturer="Daikin", serial_number="FREE")
    client = api(make.user("manager"))
    before = row(equipment)
    counts = table_counts()

    response = client.patch(
        f"/equipment/{equipment.pk}/", {"serial_number": "taken", "notes": "renamed"}
    )

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["serial_number"]
    assert row(equipment) == before
    assert table_counts() == counts
