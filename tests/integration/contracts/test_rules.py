"""Surcharge rules, travel rules and allowances as records: written through their services,
checked field by field, frozen once their terms are in force, copied by every amendment, and
dated on price lists so that a rule changed mid-month rates older work with the old one."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from pacta.audit.models import AuditEntry
from pacta.contracts.errors import RuleInForce, VersionInForce
from pacta.contracts.models import Allowance, SurchargeRule, TravelRule
from pacta.contracts.services import (
    allowance_create,
    contract_amend,
    contract_status_change,
    scope_line_delete,
    surcharge_rule_create,
    surcharge_rule_delete,
    surcharge_rule_update,
    travel_rule_create,
    travel_rule_update,
)
from pacta.domain.errors import InvalidInput
from tests.support import make
from tests.support.make import at
from tests.support.state import row, table_counts

pytestmark = pytest.mark.django_db

NOW = at("2026-03-10 12:00")
WHY = "Agreed with the customer"


@pytest.fixture
def draft():
    """A draft contract (its terms editable) with REPAIR billable and PM included."""
    customer = make.customer()
    repair = make.service(code="REPAIR")
    upkeep = make.service(code="PM")
    other = make.service(code="INSTALL")
    contract = make.contract(
        customer,
        sites=[make.site(customer)],
        scope=[(repair, "billable"), (upkeep, "included")],
        status="draft",
    )
    return {
        "contract": contract,
        "version": contract.versions.get(),
        "repair": repair,
        "upkeep": upkeep,
        "other": other,
    }


def night(version: Any, **values: Any) -> dict[str, Any]:
    return {
        "version": version,
        "name": "night",
        "multiplier": Decimal("2.000"),
        "window_start": "22:00",
        "window_end": "06:00",
        **values,
    }


def test_a_rule_on_terms_not_in_force_is_written_with_its_audit_row(draft):
    rule = surcharge_rule_create(
        actor=None,
        values=night(draft["version"], services=[draft["repair"]], weekdays=["sat", "sun"]),
        reason=WHY,
        now=NOW,
    )
    assert (rule.name, rule.multiplier, rule.weekdays) == (
        "night",
        Decimal("2.000"),
        ["sat", "sun"],
    )
    assert list(rule.services.values_list("code", flat=True)) == ["REPAIR"]
    entry = AuditEntry.objects.get(entity_type="contracts.surchargerule", entity_id=str(rule.pk))
    assert (entry.action, entry.reason, entry.after["services"]) == (
        "create",
        WHY,
        [draft["repair"].pk],
    )


def test_a_change_of_a_rule_needs_a_reason(draft):
    before = table_counts()
    with pytest.raises(InvalidInput) as refused:
        surcharge_rule_create(actor=None, values=night(draft["version"]), reason=" ", now=NOW)
    assert refused.value.fields == {"reason": ["Say why: a reason is required for this change."]}
    assert table_counts() == before


@pytest.mark.parametrize(
    ("values", "fields"),
    [
        (
            {"window_start": "22:00", "window_end": "22:00"},
            {"window_end": ["A surcharge window needs a length: this one ends as it starts."]},
        ),
        (
            {"window_start": "00:00", "window_end": "24:00", "multiplier": Decimal("0")},
            {"multiplier": ["Ensure this value is greater than or equal to 0.001."]},
        ),
        (
            {"multiplier": Decimal("-1.5")},
            {"multiplier": ["Ensure this value is greater than or equal to 0.001."]},
        ),
        (
            {"window_start": "22:00", "window_end": ""},
            {"window_end": ["Give both ends of the window, or neither."]},
        ),
        (
            {"window_start": "25:00"},
            {"window_start": ['A time of day is "HH:MM", from 00:00 to 24:00.']},
        ),
        (
            {"weekdays": ["sat", "sunday"]},
            {"weekdays": ["Unknown weekdays: sunday (use mon, tue, wed, thu, fri, sat, sun)."]},
        ),
        (
            {"seasons": [["2026-06-01", "2026-08-31"], ["2026-08-15", "2026-09-15"]]},
            {"seasons": ["Seasons 1 and 2 overlap: make them one range."]},
        ),
        (
            {"seasons": [["2026-09-15", "2026-06-15"]]},
            {"seasons": ["Season 1 ends before it starts."]},
        ),
        (
            {"valid_from": date(2026, 4, 1)},
            {
                "valid_from": [
                    "A contract version's rules are in force with the version; leave the "
                    "days empty (amend the contract to change them)."
                ]
            },
        ),
    ],
)
def test_a_bad_surcharge_rule_is_refused_naming_the_field_and_nothing_is_written(
    draft, values, fields
):
    before = table_counts()
    with pytest.raises(InvalidInput) as refused:
        surcharge_rule_create(
            actor=None, values=night(draft["version"], **values), reason=WHY, now=NOW
        )
    assert refused.value.fields == fields
    assert table_counts() == before


def test_a_rule_naming_a_service_outside_the_scope_is_refused(draft):
    before = table_counts()
    with pytest.raises(InvalidInput) as refused:
        surcharge_rule_create(
            actor=None,
            values=night(draft["version"], services=[draft["repair"], draft["other"]]),
            reason=WHY,
            now=NOW,
        )
    assert refused.value.fields == {
        "services": ["Not in the scope of this contract version: INSTALL."]
    }
    assert table_counts() == before


def test_two_rules_of_one_name_on_one_version_conflict(draft):
    surcharge_rule_create(actor=None, values=night(draft["version"]), reason=WHY, now=NOW)
    before = table_counts()
    with pytest.raises(InvalidInput) as refused:
        surcharge_rule_create(
            actor=None,
            values=night(draft["version"], multiplier=Decimal("3")),
            reason=WHY,
            now=NOW,
        )
    assert refused.value.fields == {
        "name": ["This version already has a surcharge rule named night."]
    }
    assert table_counts() == before


@pytest.mark.parametrize(
    ("values", "fields"),
    [
        (
            {"zone_code": ""},
            {"zone_code": ["A flat travel fee is for one zone: give the zone, or charge per km."]},
        ),
        (
            {"per_km": True},
            {"zone_code": ["A price per km applies in every zone: leave the zone empty."]},
        ),
        (
            {"unit_price": Decimal("-1")},
            {"unit_price": ["Ensure this value is greater than or equal to 0."]},
        ),
    ],
)
def test_a_bad_travel_rule_is_refused_naming_the_field(draft, values, fields):
    tax = make.tax_rate()
    before = table_counts()
    with pytest.raises(InvalidInput) as refused:
        travel_rule_create(
            actor=None,
            values={
                "version": draft["version"],
                "label": "Zone A call-out",
                "unit_price": Decimal("30"),
                "zone_code": "A",
                "tax_rate": tax,
                **values,
            },
            reason=WHY,
            now=NOW,
        )
    assert refused.value.fields == fields
    assert table_counts() == before


@pytest.mark.parametrize(
    ("values", "fields"),
    [
        (
            {"quantity": Decimal("-1")},
            {"quantity": ["Ensure this value is greater than or equal to 0."]},
        ),
        (
            {"overage_unit_price": Decimal("70")},
            {"overage_unit_price": ["Only an allowance that allows overage has an overage price."]},
        ),
        (
            {"rollover_limit": Decimal("2")},
            {"rollover_limit": ["Only a balance that rolls over has a rollover limit."]},
        ),
        (
            {"kind": "parts_allowance"},
            {"services": ["A parts allowance names products, not services."]},
        ),
    ],
)
def test_a_bad_allowance_is_refused_naming_the_field(draft, values, fields):
    before = table_counts()
    with pytest.raises(InvalidInput) as refused:
        allowance_create(
            actor=None,
            values={
                "version": draft["version"],
                "code": "visits",
                "kind": "included_visits",
                "quantity": Decimal("3"),
                "services": [draft["upkeep"]],
                **values,
            },
            reason=WHY,
            now=NOW,
        )
    assert refused.value.fields == fields
    assert table_counts() == before


def test_terms_in_force_refuse_every_change_of_their_rules(draft):
    rule = surcharge_rule_create(actor=None, values=night(draft["version"]), reason=WHY, now=NOW)
    contract_status_change(
        actor=None, contract=draft["contract"], status="active", reason="Signed", now=NOW
    )
    stored, before = row(rule), table_counts()
    for attempt in (
        lambda: surcharge_rule_update(
            actor=None,
            surcharge_rule=rule,
            values={"multiplier": Decimal("3")},
            reason=WHY,
            now=NOW,
        ),
        lambda: surcharge_rule_delete(actor=None, surcharge_rule=rule, reason=WHY, now=NOW),
        lambda: surcharge_rule_create(
            actor=None, values=night(draft["version"], name="weekend"), reason=WHY, now=NOW
        ),
    ):
        with pytest.raises(VersionInForce) as refused:
            attempt()
        assert refused.value.code == "version_in_force"
    assert (row(rule), table_counts()) == (stored, before)


def test_an_amendment_copies_every_rule_and_changes_only_what_it_says(draft):
    version = draft["version"]
    surcharge_rule_create(
        actor=None,
        values=night(version, services=[draft["repair"]], cumulative=True),
        reason=WHY,
        now=NOW,
    )
    tax = make.tax_rate()
    travel_rule_create(
        actor=None,
        values={
            "version": version,
            "label": "Per km",
            "unit_price": Decimal("0.45"),
            "per_km": True,
            "tax_rate": tax,
        },
        reason=WHY,
        now=NOW,
    )
    allowance_create(
        actor=None,
        values={
            "version": version,
            "code": "visits",
            "kind": "included_visits",
            "quantity": Decimal("3"),
            "services": [draft["upkeep"]],
            "rolls_over": True,
            "rollover_limit": Decimal("1"),
        },
        reason=WHY,
        now=NOW,
    )
    from pacta.contracts.services import contract_version_update

    contract_version_update(
        actor=None,
        contract_version=version,
        values={
            "sla_credit_percent": Decimal("5.00"),
            "sla_credit_cap_percent": Decimal("20.00"),
            "scope_lines": [
                {
                    "service": draft["repair"],
                    "coverage": "billable",
                    "minimum_minutes": 60,
                    "increment_minutes": 15,
                },
                {"service": draft["upkeep"], "coverage": "included"},
            ],
        },
        reason=WHY,
        now=NOW,
    )
    contract_status_change(
        actor=None, contract=draft["contract"], status="active", reason="Signed", now=NOW
    )

    amended = contract_amend(
        actor=None,
        values={
            "contract": draft["contract"],
            "effective_on": date(2026, 4, 1),
            "subscription_fee": Decimal("180.00"),
        },
        reason="Fee raised",
        now=NOW,
    )
    assert amended.subscription_fee == Decimal("180.00")
    assert (amended.sla_credit_percent, amended.sla_credit_cap_percent) == (
        Decimal("5.00"),
        Decimal("20.00"),
    )
    assert [
        (line.service.code, line.minimum_minutes, line.increment_minutes)
        for line in amended.scope_lines.order_by("service__code")
    ] == [("PM", 0, 0), ("REPAIR", 60, 15)]
    copied = SurchargeRule.objects.get(version=amended)
    assert (copied.name, copied.multiplier, copied.window_start, copied.cumulative) == (
        "night",
        Decimal("2.000"),
        "22:00",
        True,
    )
    assert list(copied.services.values_list("code", flat=True)) == ["REPAIR"]
    travel = TravelRule.objects.get(version=amended)
    assert (travel.unit_price, travel.per_km, travel.tax_rate_id) == (
        Decimal("0.4500"),
        True,
        tax.pk,
    )
    visits = Allowance.objects.get(version=amended)
    assert (visits.code, visits.quantity, visits.rolls_over, visits.rollover_limit) == (
        "visits",
        Decimal("3.000"),
        True,
        Decimal("1.000"),
    )
    assert list(visits.services.values_list("code", flat=True)) == ["PM"]
    # The rules of the terms in force are still there, untouched.
    assert SurchargeRule.objects.filter(version=version).count() == 1
    assert (
        AuditEntry.objects.filter(
            entity_type="contracts.surchargerule", entity_id=str(copied.pk), reason="Fee raised"
        ).count()
        == 1
    )


def test_an_amendment_whose_scope_drops_a_service_a_rule_names_is_refused_whole(draft):
    surcharge_rule_create(
        actor=None, values=night(draft["version"], services=[draft["repair"]]), reason=WHY, now=NOW
    )
    contract_status_change(
        actor=None, contract=draft["contract"], status="active", reason="Signed", now=NOW
    )
    before = table_counts()
    with pytest.raises(InvalidInput) as refused:
        contract_amend(
            actor=None,
            values={
                "contract": draft["contract"],
                "effective_on": date(2026, 4, 1),
                "scope_lines": [{"service": draft["upkeep"], "coverage": "included"}],
            },
            reason="Repairs leave the contract",
            now=NOW,
        )
    assert refused.value.fields == {
        "surcharge_rules[0].services": ["Not in the scope of this contract version: REPAIR."]
    }
    assert table_counts() == before


def test_a_scope_line_a_rule_needs_is_not_deleted(draft):
    surcharge_rule_create(
        actor=None, values=night(draft["version"], services=[draft["repair"]]), reason=WHY, now=NOW
    )
    line = draft["version"].scope_lines.get(service=draft["repair"])
    before = table_counts()
    with pytest.raises(InvalidInput) as refused:
        scope_line_delete(actor=None, scope_line=line, reason=WHY, now=NOW)
    assert list(refused.value.fields) == ["surcharge_rules[0].services"]
    assert table_counts() == before


# --- price-list rules: dated ----------------------------------------------------------------------
@pytest.fixture
def listed():
    """A price list with a night rule, used by an active contract."""
    repair = make.service(code="REPAIR")
    prices = make.price_list(name="HVAC 2026")
    make.price_list_line(prices, service=repair, unit_price=Decimal("50.00"))
    rule = surcharge_rule_create(
        actor=None,
        values={
            "price_list": prices,
            "name": "night",
            "multiplier": Decimal("2"),
            "window_start": "22:00",
            "window_end": "06:00",
        },
        reason="List rules",
        now=NOW,
    )
    customer = make.customer()
    site = make.site(customer)
    contract = make.contract(
        customer, sites=[site], scope=[(repair, "billable")], price_list=prices, number="C-9"
    )
    return {"prices": prices, "rule": rule, "repair": repair, "site": site, "contract": contract}


def test_a_price_list_rule_in_force_is_not_edited_nor_deleted(listed):
    rule = listed["rule"]
    stored, before = row(rule), table_counts()
    with pytest.raises(RuleInForce) as refused:
        surcharge_rule_update(
            actor=None,
            surcharge_rule=rule,
            values={"multiplier": Decimal("3")},
            reason=WHY,
            now=NOW,
        )
    assert refused.value.code == "rule_in_force"
    with pytest.raises(RuleInForce) as refused:
        surcharge_rule_delete(actor=None, surcharge_rule=rule, reason=WHY, now=NOW)
    assert refused.value.code == "rule_in_force"
    with pytest.raises(InvalidInput) as ended_early:
        surcharge_rule_update(
            actor=None,
            surcharge_rule=rule,
            values={"valid_to": date(2026, 3, 1)},
            reason=WHY,
            now=NOW,
        )
    assert ended_early.value.code == "rule_backdated"
    assert list(ended_early.value.fields) == ["valid_to"]
    assert (row(rule), table_counts()) == (stored, before)

    ended = surcharge_rule_update(
        actor=None, surcharge_rule=rule, values={"valid_to": date(2026, 3, 9)}, reason=WHY, now=NOW
    )
    assert ended.valid_to == date(2026, 3, 9)


def test_a_new_rule_on_a_price_list_in_use_is_not_backdated(listed):
    before = table_counts()
    with pytest.raises(InvalidInput) as refused:
        surcharge_rule_create(
            actor=None,
            values={
                "price_list": listed["prices"],
                "name": "summer peak",
                "multiplier": Decimal("1.2"),
                "seasons": [["2026-06-15", "2026-09-15"]],
                "valid_from": date(2026, 3, 1),
            },
            reason=WHY,
            now=NOW,
        )
    assert (refused.value.code, list(refused.value.fields)) == ("rule_backdated", ["valid_from"])
    assert table_counts() == before


def test_a_new_dated_rule_replaces_the_one_in_force_from_its_day(listed):
    newer = surcharge_rule_create(
        actor=None,
        values={
            "price_list": listed["prices"],
            "name": "night",
            "multiplier": Decimal("2.5"),
            "window_start": "22:00",
            "window_end": "06:00",
            "valid_from": date(2026, 3, 15),
        },
        reason="Night rate from the 15th",
        now=NOW,
    )
    listed["rule"].refresh_from_db()
    assert (listed["rule"].valid_from, listed["rule"].valid_to) == (None, date(2026, 3, 14))
    assert (newer.valid_from, newer.valid_to) == (date(2026, 3, 15), None)
    ended = AuditEntry.objects.get(
        entity_type="contracts.surchargerule", entity_id=str(listed["rule"].pk), action="update"
    )
    assert (ended.before["valid_to"], ended.after["valid_to"], ended.reason) == (
        None,
        "2026-03-14",
        "Night rate from the 15th",
    )


def test_a_travel_rule_of_a_zone_in_force_twice_conflicts(listed):
    tax = make.tax_rate()
    fee = {"price_list": listed["prices"], "label": "Zone A", "zone_code": "A", "tax_rate": tax}
    first = travel_rule_create(
        actor=None,
        values={**fee, "unit_price": Decimal("30"), "valid_from": date(2026, 4, 1)},
        reason=WHY,
        now=NOW,
    )
    before = table_counts()
    with pytest.raises(InvalidInput) as refused:
        travel_rule_update(
            actor=None,
            travel_rule=first,
            values={"valid_from": date(2026, 3, 20), "valid_to": date(2026, 3, 10)},
            reason=WHY,
            now=NOW,
        )
    assert refused.value.fields == {"valid_to": ["A rule cannot end before it starts."]}
    assert table_counts() == before
