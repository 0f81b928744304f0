"""Equipment through its services: stored values, refusals by field, audit.

Contracts, tickets and catalog products are not used here (see test_coverage.py for the rules
that need them), so these tests run on the customers app alone.
"""

from __future__ import annotations

import datetime as dt

import pytest

from pacta.audit.models import AuditEntry
from pacta.customers.services import site_update
from pacta.domain.errors import InvalidInput
from pacta.equipment.models import Equipment
from pacta.equipment.selectors import equipment_is_under_warranty
from pacta.equipment.services import equipment_create, equipment_delete, equipment_update
from tests.support import make
from tests.support.state import row, table_counts

pytestmark = pytest.mark.django_db

DUPLICATE = "This manufacturer's serial number is already registered."


def test_create_stores_the_record_and_one_audit_entry():
    admin = make.user("admin")
    site = make.site(make.customer())
    before = AuditEntry.objects.count()

    created = equipment_create(
        actor=admin,
        values={
            "site": site,
            "serial_number": "  E1234567  ",
            "manufacturer": " Daikin ",
            "model": "VRV IV",
            "name": "Rooftop unit 2",
            "installed_on": dt.date(2024, 5, 10),
            "warranty_until": dt.date(2027, 5, 9),
            "notes": "Access from the service stairs.",
        },
        reason="Installed by our team",
    )

    stored = row(created)
    assert stored == {
        "id": created.pk,
        "site_id": site.pk,
        "serial_number": "E1234567",
        "manufacturer": "Daikin",
        "model": "VRV IV",
        "product_id": None,
        "name": "Rooftop unit 2",
        "installed_on": dt.date(2024, 5, 10),
        "warranty_until": dt.date(2027, 5, 9),
        "is_active": True,
        "notes": "Access from the service stairs.",
    }
    entries = list(AuditEntry.objects.order_by("id")[before:])
    assert len(entries) == 1
    entry = entries[0]
    assert (
        entry.actor_id,
        entry.action,
        entry.entity_type,
        entry.entity_id,
        entry.entity_label,
        entry.reason,
        entry.before,
    ) == (
        admin.pk,
        "create",
        "equipment.equipment",
        str(created.pk),
        "Rooftop unit 2 #E1234567",
        "Installed by our team",
        None,
    )
    assert entry.after == {
        "id": created.pk,
        "site_id": site.pk,
        "serial_number": "E1234567",
        "manufacturer": "Daikin",
        "model": "VRV IV",
        "product_id": None,
        "name": "Rooftop unit 2",
        "installed_on": "2024-05-10",
        "warranty_until": "2027-05-09",
        "is_active": True,
        "notes": "Access from the service stairs.",
    }


def test_update_logs_the_record_before_and_after():
    equipment = make.equipment(make.site(make.customer()), model="VRV IV")
    equipment_update(
        actor=None, equipment=equipment, values={"model": "VRV 5"}, reason="Typo in the model"
    )
    entry = AuditEntry.objects.filter(entity_type="equipment.equipment").latest("id")
    assert (entry.action, entry.before["model"], entry.after["model"], entry.reason) == (
        "update",
        "VRV IV",
        "VRV 5",
        "Typo in the model",
    )


def test_a_serial_number_is_unique_per_manufacturer_ignoring_case_and_spaces():
    site = make.site(make.customer())
    make.equipment(site, manufacturer="Daikin", serial_number="AB-1001")
    counts = table_counts()

    with pytest.raises(InvalidInput) as refused:
        equipment_create(
            actor=None,
            values={"site": site, "manufacturer": "DAIKIN", "serial_number": " ab-1001 "},
        )

    assert refused.value.fields == {"serial_number": [DUPLICATE]}
    assert refused.value.detail == DUPLICATE
    assert table_counts() == counts


def test_the_same_serial_number_of_another_manufacturer_is_allowed():
    site = make.site(make.customer())
    make.equipment(site, manufacturer="Daikin", serial_number="AB-1001")

    other = equipment_create(
        actor=None, values={"site": site, "manufacturer": "Mitsubishi", "serial_number": "AB-1001"}
    )

    assert (row(other)["manufacturer"], row(other)["serial_number"]) == ("Mitsubishi", "AB-1001")
    assert Equipment.objects.filter(serial_number="AB-1001").count() == 2


def test_an_update_cannot_take_another_units_serial_number():
    site = make.site(make.customer())
    make.equipment(site, manufacturer="Carrier", serial_number="X-1")
    second = make.equipment(site, manufacturer="Carrier", serial_number="X-2")
    before = row(second)
    counts = table_counts()

    with pytest.raises(InvalidInput) as refused:
        equipment_update(actor=None, equipment=second, values={"serial_number": "x-1"})

    assert refused.value.fields == {"serial_number": [DUPLICATE]}
    assert row(second) == before
    assert table_counts() == counts


def test_an_update_keeping_its_own_serial_number_is_not_a_duplicate():
    equipment = make.equipment(make.site(make.customer()), serial_number="K-7")
    updated = equipment_update(
        actor=None, equipment=equipment, values={"serial_number": "K-7", "name": "Chiller"}
    )
    assert (row(updated)["serial_number"], row(updated)["name"]) == ("K-7", "Chiller")


def test_a_serial_number_of_spaces_only_is_refused_on_the_field():
    site = make.site(make.customer())
    counts = table_counts()
    with pytest.raises(InvalidInput) as refused:
        equipment_create(actor=None, values={"site": site, "serial_number": "   "})
    assert refused.value.fields == {"serial_number": ["This field cannot be blank."]}
    assert table_counts() == counts


def test_the_warranty_cannot_end_before_installation():
    site = make.site(make.customer())
    counts = table_counts()

    with pytest.raises(InvalidInput) as refused:
        make.equipment(site, installed_on=dt.date(2025, 6, 1), warranty_until=dt.date(2025, 5, 31))

    assert refused.value.fields == {
        "warranty_until": ["The warranty cannot end before the equipment was installed."]
    }
    assert table_counts() == counts


def test_a_warranty_ending_on_the_installation_day_is_allowed():
    equipment = make.equipment(
        make.site(make.customer()),
        installed_on=dt.date(2025, 6, 1),
        warranty_until=dt.date(2025, 6, 1),
    )
    assert row(equipment)["warranty_until"] == dt.date(2025, 6, 1)


def test_the_warranty_rule_applies_to_updates():
    equipment = make.equipment(make.site(make.customer()), installed_on=dt.date(2025, 6, 1))
    before = row(equipment)
    with pytest.raises(InvalidInput) as refused:
        equipment_update(
            actor=None, equipment=equipment, values={"warranty_until": dt.date(2024, 1, 1)}
        )
    assert list(refused.value.fields) == ["warranty_until"]
    assert row(equipment) == before


def test_new_equipment_cannot_be_placed_at_an_inactive_site():
    site = make.site(make.customer(), is_active=False)
    counts = table_counts()

    with pytest.raises(InvalidInput) as refused:
        make.equipment(site)

    assert refused.value.fields == {"site": ["Equipment cannot be placed at an inactive site."]}
    assert table_counts() == counts


def test_equipment_cannot_move_to_an_inactive_site():
    customer = make.customer()
    equipment = make.equipment(make.site(customer))
    closed = make.site(customer, is_active=False)
    before = row(equipment)

    with pytest.raises(InvalidInput) as refused:
        equipment_update(actor=None, equipment=equipment, values={"site": closed})

    assert list(refused.value.fields) == ["site"]
    assert row(equipment) == before


def test_equipment_stays_editable_when_its_site_is_closed():
    site = make.site(make.customer())
    equipment = make.equipment(site)
    site_update(actor=None, site=site, values={"is_active": False}, reason="Site closed")

    updated = equipment_update(
        actor=None, equipment=equipment, values={"is_active": False}, reason="Decommissioned"
    )

    assert (row(updated)["site_id"], row(updated)["is_active"]) == (site.pk, False)


def test_every_refusal_is_reported_at_once():
    site = make.site(make.customer(), is_active=False)
    with pytest.raises(InvalidInput) as refused:
        make.equipment(site, installed_on=dt.date(2025, 6, 1), warranty_until=dt.date(2025, 1, 1))
    assert sorted(refused.value.fields) == ["site", "warranty_until"]


def test_equipment_without_contracts_moves_between_sites():
    customer = make.customer()
    first, second = make.site(customer), make.site(customer)
    equipment = make.equipment(first)

    moved = equipment_update(
        actor=None, equipment=equipment, values={"site": second}, reason="Relocated"
    )

    assert row(moved)["site_id"] == second.pk


def test_delete_is_audited_with_the_record_as_it_was():
    equipment = make.equipment(make.site(make.customer()), serial_number="GONE-1")
    pk = equipment.pk

    equipment_delete(actor=None, equipment=equipment, reason="Registered twice")

    assert not Equipment.objects.filter(pk=pk).exists()
    entry = AuditEntry.objects.latest("id")
    assert (
        entry.action,
        entry.entity_type,
        entry.entity_id,
        entry.before["serial_number"],
        entry.after,
        entry.reason,
    ) == ("delete", "equipment.equipment", str(pk), "GONE-1", None, "Registered twice")


@pytest.mark.parametrize(
    ("warranty_until", "expected"),
    [
        (None, False),
        (dt.date(2026, 3, 15), False),
        (dt.date(2026, 3, 16), True),
        (dt.date(2027, 1, 1), True),
    ],
)
def test_under_warranty_through_the_last_day(warranty_until, expected):
    equipment = make.equipment(make.site(make.customer()), warranty_until=warranty_until)
    now = make.at("2026-03-16 00:30")  # already the 16th in Madrid, still the 15th in UTC
    assert equipment_is_under_warranty(equipment, now=now) is expected
