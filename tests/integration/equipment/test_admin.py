"""The equipment pages of the back office: writes go through the services, refusals land on
the field, the change page shows coverage and history (empty here; see test_coverage.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from pacta.audit.models import AuditEntry
from pacta.equipment.models import Equipment
from tests.support import make
from tests.support.state import row, table_counts

pytestmark = pytest.mark.django_db

ADD = "/admin/equipment/equipment/add/"


def change_url(equipment):
    return f"/admin/equipment/equipment/{equipment.pk}/change/"


def form(site, **values):
    return {
        "site": site.pk,
        "manufacturer": " Daikin ",
        "serial_number": " E-777 ",
        "model": "FTXM35",
        "name": "Meeting room",
        "product": "",
        "installed_on": "2025-03-01",
        "warranty_until": "2028-02-29",
        "is_active": "on",
        "notes": "",
        "reason": "Installed in March",
        **values,
    }


def test_a_manager_registers_equipment_through_the_service(client):
    manager = make.user("manager")
    site = make.site(make.customer())
    client.force_login(manager)

    response = client.post(ADD, form(site))

    assert response.status_code == 302, response.content.decode()
    equipment = Equipment.objects.get()
    assert {k: v for k, v in row(equipment).items() if k != "id"} == {
        "site_id": site.pk,
        "manufacturer": "Daikin",
        "serial_number": "E-777",
        "model": "FTXM35",
        "name": "Meeting room",
        "product_id": None,
        "installed_on": dt.date(2025, 3, 1),
        "warranty_until": dt.date(2028, 2, 29),
        "is_active": True,
        "notes": "",
    }
    entry = AuditEntry.objects.get(entity_type="equipment.equipment")
    assert (entry.action, entry.actor_id, entry.reason) == (
        "create",
        manager.pk,
        "Installed in March",
    )


def test_a_duplicate_serial_number_is_refused_on_the_field(client):
    site = make.site(make.customer())
    make.equipment(site, manufacturer="Daikin", serial_number="E-777")
    client.force_login(make.user("manager"))
    counts = table_counts()

    response = client.post(ADD, form(site, manufacturer="DAIKIN", serial_number="e-777"))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "serial_number": ["This manufacturer's serial number is already registered."]
    }
    assert table_counts() == counts


def test_the_warranty_rule_is_refused_on_the_field(client):
    site = make.site(make.customer())
    client.force_login(make.user("manager"))
    counts = table_counts()

    response = client.post(ADD, form(site, warranty_until="2025-02-28"))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "warranty_until": ["The warranty cannot end before the equipment was installed."]
    }
    assert table_counts() == counts


def test_the_change_page_shows_empty_coverage_and_history(client):
    equipment = make.equipment(make.site(make.customer()))
    client.force_login(make.user("dispatcher"))

    page = client.get(change_url(equipment)).content.decode()

    assert "Contract coverage" in page
    assert "No contract covers this equipment." in page
    assert "Intervention history" in page
    assert "No intervention yet." in page


def test_the_add_page_has_no_history_sections(client):
    make.site(make.customer())
    client.force_login(make.user("manager"))
    page = client.get(ADD).content.decode()
    assert 'name="serial_number"' in page
    assert "Contract coverage" not in page
    assert "Intervention history" not in page


def test_the_list_searches_by_customer_and_filters_by_country(client):
    spanish = make.site(make.customer(legal_name="Farmacia Sol S.L."))
    french = make.site(make.customer(legal_name="Pharmacie Lune", country="FR"), country="FR")
    sol = make.equipment(spanish, serial_number="SOL-1")
    lune = make.equipment(french, serial_number="LUNE-1")
    client.force_login(make.user("manager"))

    found = client.get("/admin/equipment/equipment/", {"q": "Farmacia Sol"})
    assert [e.pk for e in found.context["cl"].result_list] == [sol.pk]
    in_france = client.get("/admin/equipment/equipment/", {"site__country__exact": "FR"})
    assert [e.pk for e in in_france.context["cl"].result_list] == [lune.pk]


def test_a_dispatcher_may_not_delete_equipment(client):
    equipment = make.equipment(make.site(make.customer()))
    client.force_login(make.user("dispatcher"))
    before = row(equipment)

    response = client.post(f"/admin/equipment/equipment/{equipment.pk}/delete/", {"post": "yes"})

    assert response.status_code == 403
    assert row(equipment) == before
