"""Contracts, their versions of terms and scope lines through the services: rules, refusals,
audit. "Today" is always given (``now=``) where a rule depends on it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from pacta.audit.models import AuditEntry
from pacta.catalog.services import service_update
from pacta.contracts.models import Contract, ContractVersion, ScopeLine
from pacta.contracts.selectors import contract_version_in_force, contract_version_is_locked
from pacta.contracts.services import (
    contract_amend,
    contract_check,
    contract_create,
    contract_delete,
    contract_status_change,
    contract_update,
    contract_version_delete,
    contract_version_update,
    scope_line_create,
    scope_line_delete,
    scope_line_update,
)
from pacta.customers.services import customer_update
from pacta.domain.errors import Conflict, InvalidInput
from tests.support import make
from tests.support.state import row, table_counts

pytestmark = pytest.mark.django_db

#: "Now" for these tests: 10 March 2026, in Madrid.
NOW = make.at("2026-03-10 10:00")
TODAY = date(2026, 3, 10)


def _scope(version):
    return [
        (line.service.code, line.coverage, line.period_limit, line.notes)
        for line in version.scope_lines.select_related("service").order_by("service__code")
    ]


def _log(record):
    return list(
        AuditEntry.objects.filter(entity_type=record._meta.label_lower, entity_id=str(record.pk))
        .order_by("id")
        .values_list("action", "reason")
    )


def _draft(customer, **values):
    values = {
        "number": f"C-{make.n():05d}",
        "title": "Maintenance",
        "customer": customer,
        "starts_on": date(2026, 1, 1),
        "ends_on": date(2026, 12, 31),
        **values,
    }
    return contract_create(actor=None, values=values)


def _terms(contract, effective_on, reason="Terms", **values):
    return contract_amend(
        actor=None,
        values={"contract": contract, "effective_on": effective_on, **values},
        reason=reason,
        now=NOW,
    )


@pytest.fixture
def hvac():
    """Two services by code: preventive and corrective HVAC maintenance."""
    return {
        "pm": make.service(code="HVAC-PM", name="Preventive maintenance", unit="visit"),
        "cm": make.service(code="HVAC-CM", name="Corrective maintenance"),
    }


# --- creating a contract --------------------------------------------------------------------------
def test_a_contract_is_created_as_a_draft_in_the_customers_currency_and_audited():
    manager = make.user("manager")
    customer = make.customer(currency="EUR")
    site = make.site(customer)

    created = contract_create(
        actor=manager,
        values={
            "number": "  C-2026-001 ",
            "title": "HVAC maintenance",
            "customer": customer,
            "sites": [site],
            "starts_on": date(2026, 1, 1),
            "ends_on": None,
        },
        reason="Signed at the fair",
    )

    stored = Contract.objects.get(pk=created.pk)
    assert (stored.number, stored.status, stored.currency, stored.ends_on) == (
        "C-2026-001",
        "draft",
        "EUR",
        None,
    )
    assert list(stored.sites.all()) == [site]
    entry = AuditEntry.objects.get(entity_type="contracts.contract", entity_id=str(created.pk))
    assert (entry.action, entry.actor_id, entry.reason, entry.after["sites"]) == (
        "create",
        manager.pk,
        "Signed at the fair",
        [site.pk],
    )


def test_a_contract_cannot_be_created_active():
    customer = make.customer()
    counts = table_counts()
    with pytest.raises(InvalidInput) as refused:
        _draft(customer, status="active")
    assert list(refused.value.fields) == ["status"]
    assert table_counts() == counts


@pytest.mark.parametrize(
    ("values", "fields"),
    [
        ({"currency": "EUX"}, {"currency": ["EUX is not an ISO 4217 currency code."]}),
        (
            {"starts_on": date(2026, 6, 1), "ends_on": date(2026, 5, 31)},
            {"ends_on": ["A contract cannot end before it starts."]},
        ),
    ],
)
def test_bad_currency_or_dates_are_refused_by_field(values, fields):
    customer = make.customer()
    counts = table_counts()
    with pytest.raises(InvalidInput) as refused:
        _draft(customer, **values)
    assert refused.value.fields == fields
    assert table_counts() == counts


def test_a_contract_is_for_an_active_customer():
    customer = make.customer(legal_name="Retired S.L.")
    customer_update(actor=None, customer=customer, values={"is_active": False})
    counts = table_counts()
    with pytest.raises(InvalidInput) as refused:
        _draft(customer)
    assert refused.value.fields == {"customer": ["Retired S.L. is no longer an active customer."]}
    assert table_counts() == counts


def test_covered_sites_belong_to_the_customer_or_a_customer_it_pays_for():
    group = make.customer(legal_name="Group")
    child = make.customer(legal_name="Child", parent=group)
    other = make.customer(legal_name="Stranger")
    own, childs = make.site(group, name="HQ"), make.site(child, name="Branch")
    strange = make.site(other, name="Elsewhere")

    counts = table_counts()
    with pytest.raises(InvalidInput) as refused:
        _draft(group, sites=[own, strange, childs])
    assert refused.value.fields == {
        "sites": ["Elsewhere is not a site of Group or of a customer it pays for."]
    }
    assert table_counts() == counts

    # The child's site is covered by the parent's contract; the parent's not by the child's.
    assert set(_draft(group, sites=[own, childs]).sites.all()) == {own, childs}
    with pytest.raises(InvalidInput) as refused:
        _draft(child, sites=[own.pk])
    assert refused.value.fields == {
        "sites": ["HQ is not a site of Child or of a customer it pays for."]
    }


def test_covered_equipment_is_at_a_covered_site():
    customer = make.customer()
    covered, uncovered = make.site(customer), make.site(customer)
    inside = make.equipment(covered)
    outside = make.equipment(uncovered, name="Roof unit", serial_number="SN-ROOF")
    counts = table_counts()

    with pytest.raises(InvalidInput) as refused:
        _draft(customer, sites=[covered], equipment=[inside, outside])

    assert refused.value.fields == {
        "equipment": ["Roof unit #SN-ROOF is not at a site this contract covers."]
    }
    assert table_counts() == counts


def test_the_check_uses_the_stored_sites_when_none_are_given():
    customer = make.customer()
    covered, uncovered = make.site(customer), make.site(customer)
    contract = _draft(customer, sites=[covered])
    unit = make.equipment(uncovered, name="Boiler", serial_number="SN-B1")
    before = row(contract)

    with pytest.raises(InvalidInput) as refused:
        contract_update(actor=None, contract=contract, values={"equipment": [unit]})
    assert refused.value.fields == {
        "equipment": ["Boiler #SN-B1 is not at a site this contract covers."]
    }
    assert row(contract) == before
    assert list(contract.equipment.all()) == []

    # Given together, the new sites are the ones the equipment is checked against.
    contract_update(
        actor=None, contract=contract, values={"sites": [covered, uncovered], "equipment": [unit]}
    )
    assert list(contract.equipment.all()) == [unit]
    contract_check(Contract.objects.get(pk=contract.pk), {})


def test_the_dates_of_a_contract_keep_its_versions_inside():
    contract = _draft(make.customer())
    _terms(contract, date(2026, 2, 1))
    _terms(contract, date(2026, 9, 1))
    before = row(contract)

    with pytest.raises(InvalidInput) as refused:
        contract_update(
            actor=None,
            contract=contract,
            values={"starts_on": date(2026, 2, 2), "ends_on": date(2026, 8, 31)},
        )

    assert refused.value.fields == {
        "starts_on": [
            "The contract's first terms take effect on 2026-02-01; it cannot start later."
        ],
        "ends_on": ["The contract's last terms take effect on 2026-09-01; it cannot end before."],
    }
    assert row(contract) == before
    contract_update(
        actor=None,
        contract=contract,
        values={"starts_on": date(2026, 2, 1), "ends_on": date(2026, 9, 1)},
    )
    assert (row(contract)["starts_on"], row(contract)["ends_on"]) == (
        date(2026, 2, 1),
        date(2026, 9, 1),
    )


# --- changing a contract --------------------------------------------------------------------------
def test_the_status_is_never_changed_by_an_update():
    contract = _draft(make.customer())
    before = row(contract)
    with pytest.raises(InvalidInput) as refused:
        contract_update(actor=None, contract=contract, values={"status": "active"}, reason="x")
    assert list(refused.value.fields) == ["status"]
    assert row(contract) == before


def test_a_draft_is_changed_freely_without_a_reason():
    contract = _draft(make.customer(currency="EUR"))
    contract_update(
        actor=None,
        contract=contract,
        values={"number": " C-NEW ", "currency": "usd", "starts_on": date(2026, 2, 1)},
    )
    stored = row(contract)
    assert (stored["number"], stored["currency"], stored["starts_on"]) == (
        "C-NEW",
        "USD",
        date(2026, 2, 1),
    )


def test_a_live_contract_keeps_its_number_customer_currency_and_start():
    customer = make.customer()
    contract = make.contract(customer, now=NOW)
    before = row(contract)

    with pytest.raises(Conflict) as refused:
        contract_update(
            actor=None,
            contract=contract,
            values={
                "number": "C-OTHER",
                "customer": make.customer(),
                "currency": "USD",
                "starts_on": date(2026, 1, 1),  # unchanged: not named
                "title": "Other",
            },
            reason="Typo",
        )

    assert refused.value.code == "contract_field_locked"
    assert refused.value.fields == {
        name: ["This is fixed once the contract has left draft."]
        for name in ("number", "customer", "currency")
    }
    assert row(contract) == before


def test_a_change_to_a_live_contract_needs_a_reason():
    contract = make.contract(make.customer(), now=NOW)
    before = row(contract)
    with pytest.raises(InvalidInput) as refused:
        contract_update(actor=None, contract=contract, values={"title": "Full maintenance"})
    assert refused.value.fields == {"reason": ["Say why: a reason is required for this change."]}
    assert row(contract) == before

    # Values that change nothing need no reason.
    contract_update(actor=None, contract=contract, values={"title": "Maintenance"})
    contract_update(
        actor=None, contract=contract, values={"title": "Full maintenance"}, reason="Renamed"
    )
    assert row(contract)["title"] == "Full maintenance"
    assert _log(contract)[-1] == ("update", "Renamed")


# --- deleting a contract --------------------------------------------------------------------------
def test_only_a_draft_is_deleted_and_its_versions_leave_audit_rows(hvac):
    customer = make.customer()
    live = make.contract(customer, now=NOW)
    counts = table_counts()
    with pytest.raises(Conflict) as refused:
        contract_delete(actor=None, contract=live)
    assert (refused.value.code, refused.value.detail) == (
        "contract_not_draft",
        "Only a draft contract can be deleted; terminate it instead.",
    )
    assert table_counts() == counts

    draft = make.contract(customer, status="draft", scope=[(hvac["pm"], "included")], now=NOW)
    version = draft.versions.get()
    line = version.scope_lines.get()
    contract_delete(actor=None, contract=draft, reason="Never signed")

    assert not Contract.objects.filter(pk=draft.pk).exists()
    assert _log(line)[-1] == ("delete", "Never signed")
    assert _log(version)[-1] == ("delete", "Never signed")
    assert _log(draft)[-1] == ("delete", "Never signed")


# --- the lifecycle --------------------------------------------------------------------------------
def test_a_draft_without_terms_cannot_be_activated():
    contract = _draft(make.customer())
    counts = table_counts()
    with pytest.raises(Conflict) as refused:
        contract_status_change(
            actor=None, contract=contract, status="active", reason="Signed", now=NOW
        )
    assert refused.value.code == "no_terms"
    assert table_counts() == counts
    assert row(contract)["status"] == "draft"


def test_status_changes_follow_the_lifecycle_and_are_audited():
    manager = make.user("manager")
    contract = _draft(make.customer(), ends_on=date(2026, 6, 30))
    _terms(contract, date(2026, 1, 1))

    steps = [
        ("active", "Signed", NOW),
        ("suspended", "Unpaid invoices", NOW),
        ("active", "Paid", NOW),
        ("expired", "Ended", make.at("2026-07-01 09:00")),
        ("terminated", "Not renewed", make.at("2026-07-02 09:00")),
    ]
    for status, reason, now in steps:
        changed = contract_status_change(
            actor=manager, contract=contract, status=status, reason=reason, now=now
        )
        assert changed.status == status
        assert row(contract)["status"] == status

    entries = list(
        AuditEntry.objects.filter(
            entity_type="contracts.contract", entity_id=str(contract.pk), action="status"
        ).order_by("id")
    )
    assert [(e.before["status"], e.after["status"], e.reason) for e in entries] == [
        ("draft", "active", "Signed"),
        ("active", "suspended", "Unpaid invoices"),
        ("suspended", "active", "Paid"),
        ("active", "expired", "Ended"),
        ("expired", "terminated", "Not renewed"),
    ]
    assert {e.actor_id for e in entries} == {manager.pk}
    assert entries[3].at == make.at("2026-07-01 09:00")


@pytest.mark.parametrize(
    ("start", "target", "now", "code"),
    [
        ("draft", "terminated", NOW, "status_transition_refused"),
        ("active", "draft", NOW, "status_transition_refused"),
        ("active", "expired", NOW, "not_ended"),
        ("draft", "active", make.at("2027-01-01 09:00"), "contract_ended"),
    ],
)
def test_a_forbidden_transition_changes_nothing(start, target, now, code):
    contract = make.contract(make.customer(), status=start, now=NOW)
    counts = table_counts()
    with pytest.raises(Conflict) as refused:
        contract_status_change(actor=None, contract=contract, status=target, reason="x", now=now)
    assert refused.value.code == code
    assert table_counts() == counts
    assert row(contract)["status"] == start


@pytest.mark.parametrize(
    ("status", "reason", "field"),
    [("active", "  ", "reason"), ("cancelled", "Why not", "status")],
)
def test_a_status_change_needs_a_reason_and_a_known_status(status, reason, field):
    contract = make.contract(make.customer(), status="draft", now=NOW)
    counts = table_counts()
    with pytest.raises(InvalidInput) as refused:
        contract_status_change(actor=None, contract=contract, status=status, reason=reason, now=NOW)
    assert list(refused.value.fields) == [field]
    assert table_counts() == counts


# --- terms: the first version and amendments ------------------------------------------------------
def test_the_first_terms_of_a_draft(hvac):
    manager, director = make.user("manager"), make.user("manager")
    customer = make.customer()
    prices = make.price_list(customer=customer)
    contract = _draft(customer)

    version = contract_amend(
        actor=manager,
        values={
            "contract": contract,
            "effective_on": date(2026, 1, 1),
            "price_list": prices,
            "subscription_fee": Decimal("150.00"),
            "billing_period": "quarter",
            "approved_by": director,
            "scope_lines": [
                {"service": hvac["pm"], "coverage": "included", "period_limit": Decimal("4")},
                {"service": hvac["cm"], "coverage": "billable", "notes": "Parts extra"},
            ],
        },
        reason="Initial terms",
        now=NOW,
    )

    stored = ContractVersion.objects.get(pk=version.pk)
    assert (
        stored.number,
        stored.effective_on,
        stored.price_list_id,
        stored.subscription_fee,
        stored.billing_period,
        stored.approved_by_id,
        stored.created_by_id,
        stored.created_at,
        stored.reason,
    ) == (
        1,
        date(2026, 1, 1),
        prices.pk,
        Decimal("150.00"),
        "quarter",
        director.pk,
        manager.pk,
        NOW,
        "Initial terms",
    )
    assert _scope(stored) == [
        ("HVAC-CM", "billable", None, "Parts extra"),
        ("HVAC-PM", "included", Decimal("4.00"), ""),
    ]
    entry = AuditEntry.objects.get(
        entity_type="contracts.contractversion", entity_id=str(version.pk)
    )
    assert (entry.action, entry.actor_id, entry.reason, entry.at) == (
        "amend",
        manager.pk,
        "Initial terms",
        NOW,
    )
    lines = AuditEntry.objects.filter(entity_type="contracts.scopeline")
    assert sorted(lines.values_list("action", "reason")) == [
        ("create", "Initial terms"),
        ("create", "Initial terms"),
    ]


def test_first_terms_given_nothing_take_the_defaults():
    contract = _draft(make.customer())
    version = _terms(contract, date(2026, 1, 1))
    assert (
        version.subscription_fee,
        version.billing_period,
        version.price_list,
        version.number,
    ) == (
        Decimal(0),
        "month",
        None,
        1,
    )
    assert _scope(version) == []


def test_an_amendment_copies_the_terms_in_force_and_changes_only_what_is_given(hvac):
    customer = make.customer()
    prices = make.price_list(customer=customer)
    contract = make.contract(
        customer,
        scope=[(hvac["pm"], "included"), (hvac["cm"], "billable")],
        fee=Decimal("150.00"),
        price_list=prices,
        now=NOW,
    )

    second = _terms(contract, date(2026, 4, 1), "Fee indexed", subscription_fee=Decimal("155.00"))
    third = _terms(
        contract,
        date(2026, 7, 1),
        "Corrective work now included",
        scope_lines=[{"service": hvac["cm"], "coverage": "included", "period_limit": 2}],
    )

    assert [v.number for v in contract.versions.order_by("effective_on")] == [1, 2, 3]
    assert (second.subscription_fee, second.billing_period, second.price_list_id) == (
        Decimal("155.00"),
        "month",
        prices.pk,
    )
    assert _scope(second) == [("HVAC-CM", "billable", None, ""), ("HVAC-PM", "included", None, "")]
    assert (third.subscription_fee, third.price_list_id, third.reason) == (
        Decimal("155.00"),
        prices.pk,
        "Corrective work now included",
    )
    assert _scope(third) == [("HVAC-CM", "included", Decimal("2.00"), "")]
    # The earlier versions are untouched.
    first = contract.versions.get(number=1)
    assert (first.subscription_fee, _scope(first)) == (
        Decimal("150.00"),
        [("HVAC-CM", "billable", None, ""), ("HVAC-PM", "included", None, "")],
    )


def test_the_version_in_force_changes_on_the_day_the_amendment_takes_effect():
    contract = make.contract(make.customer(), fee=Decimal("100.00"), now=NOW)
    amended = _terms(contract, date(2026, 3, 15), "New fee", subscription_fee=Decimal("120.00"))

    on_14 = contract_version_in_force(contract, date(2026, 3, 14))
    on_15 = contract_version_in_force(contract, date(2026, 3, 15))
    assert (on_14.number, on_14.subscription_fee) == (1, Decimal("100.00"))
    assert (on_15.pk, on_15.subscription_fee) == (amended.pk, Decimal("120.00"))
    assert contract_version_in_force(contract, date(2025, 12, 31)) is None


def test_an_amendment_may_take_effect_today_but_not_yesterday():
    contract = make.contract(make.customer(), now=NOW)
    counts = table_counts()
    with pytest.raises(InvalidInput) as refused:
        _terms(contract, date(2026, 3, 9), subscription_fee=Decimal("1.00"))
    assert refused.value.code == "amendment_backdated"
    assert list(refused.value.fields) == ["effective_on"]
    assert "2026-03-09" in refused.value.fields["effective_on"][0]
    assert table_counts() == counts

    today = _terms(contract, TODAY, subscription_fee=Decimal("1.00"))
    assert (today.number, today.effective_on) == (2, TODAY)
    assert contract_version_is_locked(today, today=TODAY)


def test_a_draft_takes_terms_from_any_day_inside_its_dates():
    contract = _draft(make.customer(), starts_on=date(2025, 1, 1))
    version = _terms(contract, date(2025, 1, 1))
    assert version.effective_on == date(2025, 1, 1)


@pytest.mark.parametrize(
    ("day", "ends_on", "message"),
    [
        (
            date(2025, 12, 31),
            date(2026, 12, 31),
            "These terms cannot take effect on 2025-12-31: the contract runs from 2026-01-01 "
            "to 2026-12-31.",
        ),
        (
            date(2027, 1, 1),
            date(2026, 12, 31),
            "These terms cannot take effect on 2027-01-01: the contract runs from 2026-01-01 "
            "to 2026-12-31.",
        ),
        (
            date(2025, 12, 31),
            None,
            "These terms cannot take effect on 2025-12-31: the contract starts on 2026-01-01.",
        ),
    ],
)
def test_terms_take_effect_within_the_contract(day, ends_on, message):
    contract = _draft(make.customer(), ends_on=ends_on)
    counts = table_counts()
    with pytest.raises(InvalidInput) as refused:
        _terms(contract, day)
    assert refused.value.fields == {"effective_on": [message]}
    assert table_counts() == counts


def test_one_version_per_day():
    contract = _draft(make.customer())
    _terms(contract, date(2026, 1, 1))
    counts = table_counts()
    with pytest.raises(InvalidInput) as refused:
        _terms(contract, date(2026, 1, 1))
    assert refused.value.fields == {
        "effective_on": ["This contract already has a version from 2026-01-01."]
    }
    assert table_counts() == counts


def test_a_terminated_contract_takes_no_amendment():
    contract = make.contract(make.customer(), now=NOW)
    contract_status_change(
        actor=None, contract=contract, status="terminated", reason="Breach", now=NOW
    )
    counts = table_counts()
    with pytest.raises(Conflict) as refused:
        _terms(contract, date(2026, 4, 1), subscription_fee=Decimal("10.00"))
    assert refused.value.code == "contract_closed"
    assert table_counts() == counts


def test_an_amendment_needs_a_reason_its_contract_and_its_day():
    contract = _draft(make.customer())
    counts = table_counts()
    with pytest.raises(InvalidInput) as refused:
        contract_amend(
            actor=None, values={"contract": contract, "effective_on": date(2026, 1, 1)}, reason=""
        )
    assert refused.value.fields == {"reason": ["Say why: a reason is required for this change."]}
    with pytest.raises(InvalidInput) as refused:
        contract_amend(actor=None, values={}, reason="Terms", now=NOW)
    assert sorted(refused.value.fields) == ["contract", "effective_on"]
    with pytest.raises(InvalidInput) as refused:
        contract_amend(
            actor=None,
            values={"contract": contract, "effective_on": date(2026, 1, 1), "number": 7},
            reason="Terms",
            now=NOW,
        )
    assert (refused.value.code, list(refused.value.fields)) == ("unknown_field", ["number"])
    assert table_counts() == counts


def test_the_price_list_is_in_the_contracts_currency_and_general_or_the_customers():
    group = make.customer(legal_name="Group", currency="EUR")
    child = make.customer(legal_name="Child", parent=group, currency="EUR")
    contract = _draft(child)
    counts = table_counts()

    for prices, message in [
        (
            make.price_list(currency="USD"),
            "The price list is in USD; the contract is in EUR.",
        ),
        (
            make.price_list(customer=make.customer()),
            "This price list belongs to another customer.",
        ),
    ]:
        with pytest.raises(InvalidInput) as refused:
            _terms(contract, date(2026, 1, 1), price_list=prices)
        assert refused.value.fields == {"price_list": [message]}
    assert ContractVersion.objects.filter(contract=contract).count() == 0

    general = make.price_list()
    parents = make.price_list(customer=group)
    own = make.price_list(customer=child)
    for number, prices in enumerate((general, parents, own), start=1):
        version = _terms(contract, date(2026, number, 1), price_list=prices)
        assert version.price_list_id == prices.pk
    assert table_counts()["contracts.contractversion"] == counts["contracts.contractversion"] + 3


def test_an_inactive_price_list_is_not_chosen_for_new_terms():
    contract = _draft(make.customer())
    from pacta.catalog.services import price_list_update

    prices = make.price_list(name="Old prices")
    price_list_update(actor=None, price_list=prices, values={"is_active": False})
    with pytest.raises(InvalidInput) as refused:
        _terms(contract, date(2026, 1, 1), price_list=prices)
    assert refused.value.fields == {"price_list": ["Old prices is no longer active."]}


@pytest.mark.parametrize(
    ("rows", "messages"),
    [
        (
            [
                {"service": "pm", "coverage": "included"},
                {"service": "pm", "coverage": "billable"},
            ],
            ["Row 2: HVAC-PM appears twice."],
        ),
        (
            [{"service": "cm", "coverage": "included", "period_limit": Decimal("0")}],
            ["Row 1: the limit per period must be more than 0."],
        ),
        (
            [{"service": "pm", "coverage": "included"}, {"service": "cm", "coverage": "free"}],
            ["Row 2: the coverage must be included, billable or excluded."],
        ),
        (
            [{"coverage": "included"}],
            ["Row 1: choose a service."],
        ),
    ],
)
def test_bad_scope_rows_are_refused_naming_the_row(hvac, rows, messages):
    contract = _draft(make.customer())
    rows = [{**r, "service": hvac[r["service"]]} if "service" in r else r for r in rows]
    counts = table_counts()
    with pytest.raises(InvalidInput) as refused:
        _terms(contract, date(2026, 1, 1), scope_lines=rows)
    assert refused.value.fields == {"scope_lines": messages}
    assert table_counts() == counts


def test_an_inactive_service_is_refused_in_new_scope_but_stays_in_copied_scope(hvac):
    contract = make.contract(make.customer(), scope=[(hvac["pm"], "included")], now=NOW)
    service_update(actor=None, service=hvac["pm"], values={"is_active": False})
    counts = table_counts()

    with pytest.raises(InvalidInput) as refused:
        _terms(
            contract,
            date(2026, 4, 1),
            scope_lines=[
                {"service": hvac["cm"], "coverage": "billable"},
                {"service": hvac["pm"], "coverage": "included"},
            ],
        )
    assert refused.value.fields == {"scope_lines": ["Row 2: HVAC-PM is no longer active."]}
    assert table_counts() == counts

    copied = _terms(contract, date(2026, 4, 1), subscription_fee=Decimal("99.00"))
    assert _scope(copied) == [("HVAC-PM", "included", None, "")]


# --- editing and deleting versions ----------------------------------------------------------------
def test_a_version_in_force_is_never_edited_nor_deleted(hvac):
    contract = make.contract(make.customer(), number="C-2026-014", now=NOW)
    second = _terms(contract, TODAY, "Indexed")  # takes effect today: in force at once
    version = contract.versions.get(number=1)
    counts, before = table_counts(), row(version)

    with pytest.raises(Conflict) as refused:
        contract_version_update(
            actor=None,
            contract_version=version,
            values={"subscription_fee": Decimal("1.00")},
            reason="Correction",
            now=NOW,
        )
    assert (refused.value.code, refused.value.detail) == (
        "version_in_force",
        "Version 1 of C-2026-014 has been in force since 2026-01-01; amend the contract instead.",
    )
    with pytest.raises(Conflict) as refused:
        contract_version_delete(actor=None, contract_version=second, reason="Mistake", now=NOW)
    assert (refused.value.code, refused.value.detail) == (
        "version_in_force",
        "Version 2 of C-2026-014 has been in force since 2026-03-10; amend the contract instead.",
    )
    assert table_counts() == counts
    assert row(version) == before


def test_the_exact_refusal_of_an_edit_to_version_2():
    contract = _draft(make.customer(), number="C-2026-014")
    _terms(contract, date(2026, 1, 1))
    second = _terms(contract, date(2026, 3, 1))
    contract_status_change(actor=None, contract=contract, status="active", reason="x", now=NOW)
    with pytest.raises(Conflict) as refused:
        contract_version_update(
            actor=None,
            contract_version=second,
            values={"billing_period": "year"},
            reason="x",
            now=NOW,
        )
    assert refused.value.message == (
        "Version 2 of C-2026-014 has been in force since 2026-03-01; amend the contract instead."
    )


def test_a_future_version_of_an_active_contract_is_edited_then_deleted(hvac):
    manager = make.user("manager")
    contract = make.contract(make.customer(), scope=[(hvac["pm"], "included")], now=NOW)
    future = _terms(contract, date(2026, 6, 1), "Planned", subscription_fee=Decimal("200.00"))
    old_line = future.scope_lines.get()

    edited = contract_version_update(
        actor=manager,
        contract_version=future,
        values={
            "effective_on": date(2026, 7, 1),
            "subscription_fee": Decimal("210.00"),
            "scope_lines": [
                {"service": hvac["cm"], "coverage": "billable", "period_limit": Decimal("5")}
            ],
        },
        reason="Negotiated",
        now=NOW,
    )

    stored = ContractVersion.objects.get(pk=future.pk)
    assert (stored.effective_on, stored.subscription_fee, stored.reason, edited.number) == (
        date(2026, 7, 1),
        Decimal("210.00"),
        "Negotiated",
        2,
    )
    assert _scope(stored) == [("HVAC-CM", "billable", Decimal("5.00"), "")]
    assert not ScopeLine.objects.filter(pk=old_line.pk).exists()
    assert _log(old_line) == [("create", "Planned"), ("delete", "Negotiated")]
    assert _log(stored) == [("amend", "Planned"), ("update", "Negotiated")]

    contract_version_delete(
        actor=manager, contract_version=stored, reason="Offer withdrawn", now=NOW
    )
    assert list(contract.versions.values_list("number", flat=True)) == [1]
    assert ScopeLine.objects.filter(version_id=future.pk).count() == 0
    assert _log(stored)[-1] == ("delete", "Offer withdrawn")


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"effective_on": date(2026, 3, 9)}, "effective_on"),  # backdated
        ({"effective_on": date(2027, 1, 1)}, "effective_on"),  # after the contract
        ({"effective_on": date(2026, 1, 1)}, "effective_on"),  # the day of version 1
        ({"price_list": "usd"}, "price_list"),
        ({"scope_lines": [{"service": None, "coverage": "included"}]}, "scope_lines"),
        ({"contract": "other"}, "contract"),
        ({"number": 9}, "number"),
    ],
)
def test_an_edit_of_future_terms_is_checked_like_an_amendment(values, field):
    customer = make.customer()
    contract = make.contract(customer, now=NOW)
    future = _terms(contract, date(2026, 6, 1), "Planned")
    if values.get("price_list") == "usd":
        values = {"price_list": make.price_list(currency="USD")}
    if values.get("contract") == "other":
        values = {"contract": make.contract(customer, now=NOW)}
    counts, before = table_counts(), row(future)

    with pytest.raises(InvalidInput) as refused:
        contract_version_update(
            actor=None, contract_version=future, values=values, reason="Edit", now=NOW
        )

    assert list(refused.value.fields) == [field]
    assert table_counts() == counts
    assert row(future) == before


def test_an_edit_needs_a_reason():
    contract = make.contract(make.customer(), now=NOW)
    future = _terms(contract, date(2026, 6, 1), "Planned")
    before = row(future)
    with pytest.raises(InvalidInput) as refused:
        contract_version_update(
            actor=None,
            contract_version=future,
            values={"subscription_fee": Decimal("1.00")},
            reason=" ",
            now=NOW,
        )
    assert list(refused.value.fields) == ["reason"]
    assert row(future) == before


def test_a_live_contract_keeps_its_only_version():
    contract = _draft(make.customer(), starts_on=date(2026, 5, 1))
    only = _terms(contract, date(2026, 5, 1))
    contract_status_change(actor=None, contract=contract, status="active", reason="x", now=NOW)
    assert not contract_version_is_locked(only, today=TODAY)
    counts = table_counts()

    with pytest.raises(Conflict) as refused:
        contract_version_delete(actor=None, contract_version=only, reason="Mistake", now=NOW)

    assert refused.value.code == "last_version"
    assert table_counts() == counts


def test_a_drafts_versions_are_edited_even_when_their_day_has_passed():
    contract = _draft(make.customer())
    first = _terms(contract, date(2026, 1, 1))
    contract_version_update(
        actor=None,
        contract_version=first,
        values={"subscription_fee": Decimal("80.00")},
        reason="Draft terms",
        now=NOW,
    )
    assert row(first)["subscription_fee"] == Decimal("80.00")
    contract_version_delete(actor=None, contract_version=first, reason="Start over", now=NOW)
    assert contract.versions.count() == 0


# --- scope lines one by one -----------------------------------------------------------------------
def test_scope_lines_of_a_version_in_force_are_not_touched(hvac):
    contract = make.contract(make.customer(), scope=[(hvac["pm"], "included")], now=NOW)
    version = contract.versions.get()
    line = version.scope_lines.get()
    counts, before = table_counts(), row(line)

    attempts = [
        lambda: scope_line_create(
            actor=None,
            values={"version": version, "service": hvac["cm"], "coverage": "billable"},
            reason="Add",
            now=NOW,
        ),
        lambda: scope_line_update(
            actor=None, scope_line=line, values={"coverage": "billable"}, reason="x", now=NOW
        ),
        lambda: scope_line_delete(actor=None, scope_line=line, reason="x", now=NOW),
    ]
    for attempt in attempts:
        with pytest.raises(Conflict) as refused:
            attempt()
        assert refused.value.code == "version_in_force"
    assert table_counts() == counts
    assert row(line) == before


def test_scope_lines_of_future_terms_are_added_changed_and_removed(hvac):
    contract = make.contract(make.customer(), scope=[(hvac["pm"], "included")], now=NOW)
    future = _terms(contract, date(2026, 6, 1), "Planned")
    copied = future.scope_lines.get()

    added = scope_line_create(
        actor=None,
        values={"version": future, "service": hvac["cm"], "coverage": "billable"},
        reason="Corrective added",
        now=NOW,
    )
    scope_line_update(
        actor=None,
        scope_line=copied,
        values={"period_limit": Decimal("3")},
        reason="Three visits",
        now=NOW,
    )
    scope_line_delete(actor=None, scope_line=added, reason="Not agreed", now=NOW)

    assert _scope(future) == [("HVAC-PM", "included", Decimal("3.00"), "")]
    assert _log(added) == [("create", "Corrective added"), ("delete", "Not agreed")]


def test_a_service_appears_once_per_version_and_every_scope_change_needs_a_reason(hvac):
    contract = make.contract(make.customer(), scope=[(hvac["pm"], "included")], now=NOW)
    future = _terms(contract, date(2026, 6, 1), "Planned")
    counts = table_counts()

    with pytest.raises(InvalidInput) as refused:
        scope_line_create(
            actor=None,
            values={"version": future, "service": hvac["pm"], "coverage": "billable"},
            reason="Again",
            now=NOW,
        )
    assert refused.value.fields == {"service": ["HVAC-PM is already in the scope of this version."]}
    with pytest.raises(InvalidInput) as refused:
        scope_line_create(
            actor=None,
            values={"version": future, "service": hvac["cm"], "coverage": "billable"},
            now=NOW,
        )
    assert list(refused.value.fields) == ["reason"]
    assert table_counts() == counts
