"""/api/v1/surcharge-rules/, /travel-rules/, /allowances/ over real HTTP: written on terms not
yet in force, refused on terms in force, copied by an amendment, dated on price lists, filtered
by contract version and price list. The server's "today" is the real one."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from pacta.contracts.models import ContractVersion
from pacta.contracts.services import surcharge_rule_create
from tests.support import make
from tests.support.fixtures import ids_of, results
from tests.support.state import row, table_counts

pytestmark = pytest.mark.django_db(transaction=True)


def _days(n):
    return timezone.localdate() + timedelta(days=n)


NIGHT = {"name": "night", "multiplier": "2.000", "window_start": "22:00", "window_end": "06:00"}


@pytest.fixture
def live():
    """An active contract whose first terms took effect 30 days ago, amended from tomorrow."""
    customer = make.customer()
    repair = make.service(code="REPAIR")
    prices = make.price_list(name="HVAC")
    make.price_list_line(prices, service=repair, effective_on=_days(-60))
    # Set up before any contract uses the list: from the beginning.
    night = surcharge_rule_create(
        actor=None, values={"price_list": prices, **NIGHT}, reason="List rules"
    )
    contract = make.contract(
        customer,
        starts_on=_days(-30),
        ends_on=_days(335),
        scope=[(repair, "billable")],
        price_list=prices,
    )
    manager = make.user("manager")
    return {
        "contract": contract,
        "in_force": contract.versions.get(),
        "repair": repair,
        "prices": prices,
        "manager": manager,
        "night": night,
    }


def _amend(client, contract):
    answer = client.post(
        "/contract-versions/",
        {"contract": contract.pk, "effective_on": _days(1).isoformat(), "reason": "New terms"},
    )
    assert answer.status_code == 201, answer.text
    return answer.json()["id"]


def test_rules_are_written_on_terms_not_yet_in_force_and_copied_by_the_next_amendment(api, live):
    client = api(live["manager"])
    future = _amend(client, live["contract"])
    created = client.post(
        "/surcharge-rules/",
        {**NIGHT, "version": future, "services": [live["repair"].pk], "reason": "Night work"},
    )
    assert created.status_code == 201, created.text
    body = created.json()
    shown = ("version", "price_list", "multiplier", "services", "weekdays")
    assert {k: body[k] for k in shown} == {
        "version": future,
        "price_list": None,
        "multiplier": "2.000",
        "services": [live["repair"].pk],
        "weekdays": [],
    }
    allowance = client.post(
        "/allowances/",
        {
            "version": future,
            "code": "bank",
            "kind": "prepaid_hours",
            "quantity": "10",
            "allows_overage": True,
            "overage_unit_price": "70.00",
            "services": [live["repair"].pk],
            "reason": "Prepaid hours",
        },
    )
    assert allowance.status_code == 201, allowance.text
    changed = client.patch(
        f"/surcharge-rules/{body['id']}/", {"multiplier": "2.250", "reason": "Agreed"}
    )
    assert (changed.status_code, changed.json()["multiplier"]) == (200, "2.250")

    listed = client.get("/surcharge-rules/", params={"version": future})
    assert ids_of(listed) == {body["id"]}
    assert results(client.get("/surcharge-rules/", params={"version": live["in_force"].pk})) == []

    later = client.post(
        "/contract-versions/",
        {
            "contract": live["contract"].pk,
            "effective_on": _days(10).isoformat(),
            "subscription_fee": "200.00",
            "reason": "Fee raised",
        },
    )
    assert later.status_code == 201, later.text
    copied = results(client.get("/surcharge-rules/", params={"version": later.json()["id"]}))
    assert [(r["name"], r["multiplier"], r["services"]) for r in copied] == [
        ("night", "2.250", [live["repair"].pk])
    ]
    banks = results(client.get("/allowances/", params={"version": later.json()["id"]}))
    assert [(a["code"], a["quantity"], a["overage_unit_price"]) for a in banks] == [
        ("bank", "10.000", "70.0000")
    ]


def test_rules_of_terms_in_force_are_refused_and_nothing_changes(api, live):
    client = api(live["manager"])
    before = table_counts()
    refused = client.post(
        "/surcharge-rules/", {**NIGHT, "version": live["in_force"].pk, "reason": "Night work"}
    )
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "version_in_force"
    assert table_counts() == before


def test_bad_rules_answer_400_naming_the_field(api, live):
    client = api(live["manager"])
    future = _amend(client, live["contract"])
    other = make.service(code="OTHER")
    before = table_counts()
    window = client.post(
        "/surcharge-rules/",
        {**NIGHT, "window_end": "22:00", "version": future, "reason": "Night work"},
    )
    assert window.status_code == 400, window.text
    assert window.json()["fields"] == {
        "window_end": ["A surcharge window needs a length: this one ends as it starts."]
    }
    zone = client.post(
        "/travel-rules/",
        {
            "version": future,
            "label": "Call-out",
            "unit_price": "30",
            "tax_rate": live["repair"].tax_rate_id,
            "reason": "Travel",
        },
    )
    assert zone.status_code == 400, zone.text
    assert zone.json()["fields"] == {
        "zone_code": ["A flat travel fee is for one zone: give the zone, or charge per km."]
    }
    outside = client.post(
        "/allowances/",
        {
            "version": future,
            "code": "visits",
            "kind": "included_visits",
            "quantity": "3",
            "services": [other.pk],
            "reason": "Visits",
        },
    )
    assert outside.status_code == 400, outside.text
    assert outside.json()["fields"] == {
        "services": ["Not in the scope of this contract version: OTHER."]
    }
    assert table_counts() == before


def test_a_price_list_rule_is_replaced_by_a_new_dated_one_not_edited(api, live):
    old = live["night"]
    client = api(live["manager"])
    stored = row(old)
    edited = client.patch(f"/surcharge-rules/{old.pk}/", {"multiplier": "3", "reason": "Raise"})
    assert edited.status_code == 409, edited.text
    assert edited.json()["code"] == "rule_in_force"
    assert row(old) == stored

    newer = client.post(
        "/surcharge-rules/",
        {
            **NIGHT,
            "multiplier": "2.500",
            "price_list": live["prices"].pk,
            "valid_from": _days(0).isoformat(),
            "reason": "New night rate",
        },
    )
    assert newer.status_code == 201, newer.text
    on_list = results(client.get("/surcharge-rules/", params={"price_list": live["prices"].pk}))
    assert [(r["multiplier"], r["valid_from"], r["valid_to"]) for r in on_list] == [
        ("2.000", None, _days(-1).isoformat()),
        ("2.500", _days(0).isoformat(), None),
    ]


def test_the_office_reads_rules_and_only_managers_and_admins_write_them(api, live):
    future_id = _amend(api(live["manager"]), live["contract"])
    dispatcher, technician = api(make.user("dispatcher")), api(make.user("technician"))
    before = table_counts()
    answer = dispatcher.post(
        "/travel-rules/",
        {"version": future_id, "label": "Per km", "unit_price": "0.4", "per_km": True},
    )
    assert answer.status_code == 403
    assert dispatcher.get("/travel-rules/").status_code == 200
    assert technician.get("/allowances/").status_code == 403
    assert table_counts() == before


def test_an_amendment_from_today_is_given_its_rules(api, live):
    client = api(live["manager"])
    answer = client.post(
        "/contract-versions/",
        {
            "contract": live["contract"].pk,
            "effective_on": _days(0).isoformat(),
            "sla_credit_percent": "5.00",
            "sla_credit_cap_percent": "20.00",
            "surcharge_rules": [{**NIGHT, "services": [live["repair"].pk]}],
            "allowances": [{"code": "visits", "kind": "included_visits", "quantity": "3"}],
            "reason": "Night rate and visits from today",
        },
    )
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert (body["locked"], body["sla_credit_percent"], body["sla_credit_cap_percent"]) == (
        True,
        "5.00",
        "20.00",
    )
    rules = results(client.get("/surcharge-rules/", params={"version": body["id"]}))
    assert [(r["name"], r["multiplier"], r["services"]) for r in rules] == [
        ("night", "2.000", [live["repair"].pk])
    ]
    visits = results(client.get("/allowances/", params={"version__contract": live["contract"].pk}))
    assert [(a["version"], a["code"], a["quantity"]) for a in visits] == [
        (body["id"], "visits", "3.000")
    ]


def test_a_customer_reads_the_rules_of_its_own_terms_and_of_the_price_lists_they_use(api, live):
    from pacta.contracts.services import allowance_create, travel_rule_create

    # The amendment from tomorrow carries the contract's own rules (not yet in force).
    future = _amend(api(live["manager"]), live["contract"])
    version = ContractVersion.objects.get(pk=future)
    weekend = surcharge_rule_create(
        actor=None,
        values={
            "version": version,
            "name": "weekend",
            "multiplier": "1.500",
            "weekdays": ["sat", "sun"],
        },
        reason="Weekend work",
    )
    visits = allowance_create(
        actor=None,
        values={"version": version, "code": "visits", "kind": "included_visits", "quantity": 3},
        reason="Three visits",
    )
    zone = travel_rule_create(
        actor=None,
        values={
            "price_list": live["prices"],
            "label": "Zone N",
            "zone_code": "N",
            "unit_price": 30,
            "tax_rate": live["repair"].tax_rate,
            "valid_from": _days(0),
        },
        reason="Travel",
    )
    # Another customer's contract on its own price list, with its own rules.
    other_prices = make.price_list(name="Other")
    other_night = surcharge_rule_create(
        actor=None, values={"price_list": other_prices, **NIGHT}, reason="List rules"
    )
    make.contract(make.customer(), scope=[(live["repair"], "billable")], price_list=other_prices)

    customer = api(make.user("customer", customer=live["contract"].customer))
    assert ids_of(customer.get("/surcharge-rules/")) == {live["night"].pk, weekend.pk}
    assert ids_of(customer.get("/travel-rules/")) == {zone.pk}
    assert ids_of(customer.get("/allowances/")) == {visits.pk}
    assert customer.get(f"/surcharge-rules/{other_night.pk}/").status_code == 404
    assert ids_of(customer.get(f"/surcharge-rules/?version={future}")) == {weekend.pk}

    before = table_counts()
    refused = customer.post("/surcharge-rules/", {**NIGHT, "version": future, "reason": "mine"})
    assert refused.status_code == 403, refused.text
    assert table_counts() == before
