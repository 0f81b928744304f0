"""Customers, contacts and sites through their services: rules, refusals, audit."""

from __future__ import annotations

import pytest

from pacta.audit.models import AuditEntry
from pacta.customers.models import Customer
from pacta.customers.services import (
    contact_create,
    customer_create,
    customer_delete,
    customer_update,
    site_create,
    site_update,
)
from pacta.domain.errors import Conflict, InvalidInput
from tests.support import make
from tests.support.state import row, table_counts

pytestmark = pytest.mark.django_db


def test_customer_create_stores_the_record_and_one_audit_entry():
    admin = make.user("admin")
    before = AuditEntry.objects.count()

    created = customer_create(
        actor=admin,
        values={
            "legal_name": "Clínica Dental Retiro S.L.",
            "tax_id": "esb 12345678",
            "country": "ES",
            "currency": "eur",
            "language": "es",
        },
        reason="New customer signed by sales",
    )

    stored = Customer.objects.get(pk=created.pk)
    assert (stored.legal_name, stored.tax_id, stored.currency, stored.payment_terms_days) == (
        "Clínica Dental Retiro S.L.",
        "ESB12345678",
        "EUR",
        30,
    )
    entries = list(AuditEntry.objects.order_by("id")[before:])
    assert len(entries) == 1
    entry = entries[0]
    assert (entry.actor_id, entry.action, entry.entity_type, entry.entity_id, entry.reason) == (
        admin.pk,
        "create",
        "customers.customer",
        str(created.pk),
        "New customer signed by sales",
    )
    assert entry.before is None
    assert entry.after["tax_id"] == "ESB12345678"
    assert entry.after["currency"] == "EUR"


def test_update_logs_the_record_before_and_after():
    customer = make.customer(legal_name="Old Name S.L.")
    customer_update(
        actor=None, customer=customer, values={"legal_name": "New Name S.L."}, reason="Renamed"
    )
    entry = AuditEntry.objects.filter(entity_type="customers.customer").latest("id")
    assert (entry.action, entry.before["legal_name"], entry.after["legal_name"]) == (
        "update",
        "Old Name S.L.",
        "New Name S.L.",
    )


def test_unknown_currency_is_refused_by_field_and_nothing_is_written():
    counts = table_counts()
    with pytest.raises(InvalidInput) as refused:
        customer_create(
            actor=None,
            values={"legal_name": "X", "country": "ES", "currency": "EUX", "language": "es"},
        )
    assert refused.value.fields == {"currency": ["EUX is not an ISO 4217 currency code."]}
    assert table_counts() == counts


def test_tax_id_is_unique_within_a_country_only():
    make.customer(tax_id="B11111111", country="ES")
    counts = table_counts()
    with pytest.raises(InvalidInput) as refused:
        make.customer(tax_id="B11111111", country="ES")
    assert refused.value.fields == {"tax_id": ["Another customer in this country has this tax id."]}
    assert table_counts() == counts

    french = make.customer(tax_id="B11111111", country="FR", currency="EUR", language="fr")
    assert french.pk is not None


def test_a_customer_cannot_be_paid_for_by_its_own_child():
    group = make.customer(legal_name="Group")
    child = make.customer(legal_name="Child", parent=group)
    grandchild = make.customer(legal_name="Grandchild", parent=child)
    before = row(group)

    with pytest.raises(InvalidInput) as refused:
        customer_update(actor=None, customer=group, values={"parent": grandchild})

    assert refused.value.code == "customer_hierarchy_invalid"
    assert list(refused.value.fields) == ["parent"]
    assert row(group) == before


def test_unknown_country_is_refused_by_field():
    with pytest.raises(InvalidInput) as refused:
        make.customer(country="XX")
    assert list(refused.value.fields) == ["country"]


def test_a_customer_with_sites_cannot_be_deleted():
    customer = make.customer()
    make.site(customer)
    counts = table_counts()

    with pytest.raises(Conflict) as refused:
        customer_delete(actor=None, customer=customer)

    assert refused.value.code == "in_use"
    assert "sites" in refused.value.detail
    assert table_counts() == counts


def test_delete_is_audited_with_the_record_as_it_was():
    customer = make.customer(legal_name="Gone S.L.")
    pk = customer.pk
    customer_delete(actor=None, customer=customer, reason="Duplicate entry")
    assert not Customer.objects.filter(pk=pk).exists()
    entry = AuditEntry.objects.latest("id")
    assert (
        entry.action,
        entry.entity_id,
        entry.before["legal_name"],
        entry.after,
        entry.reason,
    ) == (
        "delete",
        str(pk),
        "Gone S.L.",
        None,
        "Duplicate entry",
    )


def test_site_refuses_an_unknown_time_zone():
    customer = make.customer()
    counts = table_counts()
    with pytest.raises(InvalidInput) as refused:
        make.site(customer, time_zone="Europe/Atlantis")
    assert refused.value.fields == {
        "time_zone": ["Europe/Atlantis is not an IANA time zone (e.g. Europe/Madrid)."]
    }
    assert table_counts() == counts


def test_site_needs_both_coordinates_or_none():
    customer = make.customer()
    with pytest.raises(InvalidInput) as refused:
        make.site(customer, latitude="40.416775")
    assert refused.value.fields == {"longitude": ["Give both latitude and longitude, or neither."]}


def test_site_coordinates_out_of_range_are_refused():
    customer = make.customer()
    with pytest.raises(InvalidInput) as refused:
        make.site(customer, latitude="91", longitude="0")
    assert list(refused.value.fields) == ["latitude"]


def test_site_names_are_unique_within_a_customer_ignoring_case():
    first, second = make.customer(), make.customer()
    make.site(first, name="Warehouse North")
    with pytest.raises(InvalidInput) as refused:
        site_create(
            actor=None,
            values={
                "customer": first,
                "name": "warehouse north",
                "country": "ES",
                "time_zone": "Europe/Madrid",
            },
        )
    assert list(refused.value.fields) == ["name"]
    assert make.site(second, name="Warehouse North").pk is not None


def test_an_unused_site_may_move_to_another_customer():
    first, second = make.customer(), make.customer()
    site = make.site(first)
    moved = site_update(actor=None, site=site, values={"customer": second}, reason="Typed wrong")
    assert row(moved)["customer_id"] == second.pk


def test_contact_email_is_unique_within_a_customer():
    customer = make.customer()
    make.contact(customer, email="ana@example.com")
    with pytest.raises(InvalidInput) as refused:
        contact_create(
            actor=None, values={"customer": customer, "name": "Ana 2", "email": "ANA@example.com"}
        )
    assert list(refused.value.fields) == ["email"]
