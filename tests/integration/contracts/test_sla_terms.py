"""The SLA in a contract's terms: a policy and the calendar its clocks run on, copied by
amendments like every other term, chosen both or neither, active when chosen, usable."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from pacta.contracts.models import ContractVersion
from pacta.contracts.services import contract_amend, contract_create, contract_version_update
from pacta.domain.errors import InvalidInput
from pacta.sla.services import (
    calendar_create,
    calendar_update,
    sla_policy_create,
    sla_policy_update,
)
from tests.support import make
from tests.support.state import row, table_counts

#: "Now" for these tests: 10 March 2026, in Madrid.
NOW = make.at("2026-03-10 10:00")


def _amend(contract, effective_on, reason="Terms", **values):
    return contract_amend(
        actor=None,
        values={"contract": contract, "effective_on": effective_on, **values},
        reason=reason,
        now=NOW,
    )


def _draft(**values):
    values = {
        "number": f"C-{make.n():05d}",
        "title": "Maintenance",
        "customer": make.customer(),
        "starts_on": date(2026, 1, 1),
        "ends_on": date(2026, 12, 31),
        **values,
    }
    return contract_create(actor=None, values=values)


# --- services -------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_an_amendment_copies_the_calendar_and_the_policy_in_force():
    calendar, policy = make.calendar(), make.sla_policy()
    contract = make.contract(make.customer(), calendar=calendar, sla_policy=policy, now=NOW)

    amended = _amend(contract, date(2026, 4, 1), subscription_fee=Decimal("180.00"))

    assert (amended.calendar_id, amended.sla_policy_id) == (calendar.pk, policy.pk)
    assert (contract.versions.get(number=1).calendar_id, amended.number) == (calendar.pk, 2)


@pytest.mark.django_db
def test_a_new_version_changes_the_policy_and_the_calendar():
    contract = make.contract(
        make.customer(), calendar=make.calendar(), sla_policy=make.sla_policy(), now=NOW
    )
    gold, weekend = make.sla_policy(name="Gold"), make.calendar(name="Round the week")

    new_policy = _amend(contract, date(2026, 4, 1), "Gold tier", sla_policy=gold)
    both = _amend(contract, date(2026, 5, 1), "Weekends too", calendar=weekend)
    none = _amend(contract, date(2026, 6, 1), "SLA dropped", calendar=None, sla_policy=None)

    assert (new_policy.sla_policy_id, both.sla_policy_id, both.calendar_id) == (
        gold.pk,
        gold.pk,
        weekend.pk,
    )
    assert (none.calendar_id, none.sla_policy_id) == (None, None)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("given", "fields"),
    [
        (
            "calendar",
            {
                "sla_policy": [
                    "Choose the SLA policy of these terms, or no business calendar either."
                ]
            },
        ),
        (
            "sla_policy",
            {
                "calendar": [
                    "Choose the business calendar the SLA clocks run on, or no SLA policy either."
                ]
            },
        ),
    ],
)
def test_a_policy_and_its_calendar_are_given_both_or_neither(given, fields):
    contract = make.contract(make.customer(), now=NOW)
    chosen = {"calendar": make.calendar(), "sla_policy": make.sla_policy()}[given]
    counts = table_counts()

    with pytest.raises(InvalidInput) as refused:
        _amend(contract, date(2026, 4, 1), **{given: chosen})

    assert refused.value.fields == fields
    assert table_counts() == counts


@pytest.mark.django_db
def test_removing_only_one_of_the_two_is_refused():
    contract = make.contract(
        make.customer(), calendar=make.calendar(), sla_policy=make.sla_policy(), now=NOW
    )
    counts = table_counts()
    with pytest.raises(InvalidInput) as refused:
        _amend(contract, date(2026, 4, 1), sla_policy=None)
    assert list(refused.value.fields) == ["sla_policy"]
    assert table_counts() == counts


@pytest.mark.django_db
def test_an_inactive_calendar_or_policy_is_not_chosen_but_stays_when_copied():
    calendar, policy = make.calendar(name="Old hours"), make.sla_policy(name="Old policy")
    contract = make.contract(make.customer(), calendar=calendar, sla_policy=policy, now=NOW)
    calendar_update(actor=None, calendar=calendar, values={"is_active": False}, reason="Retired")
    sla_policy_update(actor=None, sla_policy=policy, values={"is_active": False}, reason="Retired")

    copied = _amend(contract, date(2026, 4, 1), subscription_fee=Decimal("160.00"))
    assert (copied.calendar_id, copied.sla_policy_id) == (calendar.pk, policy.pk)

    other = make.contract(make.customer(), now=NOW)
    counts = table_counts()
    with pytest.raises(InvalidInput) as refused:
        _amend(other, date(2026, 4, 1), calendar=calendar, sla_policy=policy)
    assert refused.value.fields == {
        "calendar": ["Old hours is no longer active."],
        "sla_policy": ["Old policy is no longer active."],
    }
    assert table_counts() == counts


@pytest.mark.django_db
def test_a_policy_without_targets_or_a_calendar_without_windows_is_refused():
    empty_policy = sla_policy_create(actor=None, values={"name": "Being set up"})
    empty_calendar = calendar_create(
        actor=None, values={"name": "No hours yet", "time_zone": "Europe/Madrid"}
    )
    contract = make.contract(make.customer(), now=NOW)
    counts = table_counts()

    with pytest.raises(InvalidInput) as refused:
        _amend(contract, date(2026, 4, 1), calendar=empty_calendar, sla_policy=empty_policy)

    assert refused.value.fields == {
        "calendar": ["No hours yet has no working windows yet: its clocks would never run."],
        "sla_policy": [
            "Being set up has no targets yet: give it response or resolution times first."
        ],
    }
    assert table_counts() == counts


@pytest.mark.django_db
def test_terms_not_yet_in_force_change_their_sla_under_the_same_rules():
    contract = _draft()
    version = _amend(contract, date(2026, 1, 1), "First terms")
    calendar, policy = make.calendar(), make.sla_policy()

    with pytest.raises(InvalidInput) as refused:
        contract_version_update(
            actor=None,
            contract_version=version,
            values={"calendar": calendar},
            reason="SLA",
            now=NOW,
        )
    assert list(refused.value.fields) == ["sla_policy"]
    assert (row(version)["calendar_id"], row(version)["sla_policy_id"]) == (None, None)

    updated = contract_version_update(
        actor=None,
        contract_version=ContractVersion.objects.get(pk=version.pk),
        values={"calendar": calendar, "sla_policy": policy},
        reason="SLA agreed",
        now=NOW,
    )
    assert (updated.calendar_id, updated.sla_policy_id) == (calendar.pk, policy.pk)


# --- API ------------------------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_an_amendment_over_the_api_gives_or_copies_the_sla(api):
    customer = make.customer()
    calendar, policy = make.calendar(), make.sla_policy()
    contract = make.contract(customer, starts_on=timezone.localdate() - timedelta(days=30))
    client = api(make.user("manager"))
    day = timezone.localdate() + timedelta(days=10)

    given = client.post(
        "/contract-versions/",
        {
            "contract": contract.pk,
            "effective_on": day.isoformat(),
            "calendar": calendar.pk,
            "sla_policy": policy.pk,
            "reason": "SLA added",
        },
    )
    assert given.status_code == 201, given.text
    assert (given.json()["calendar"], given.json()["sla_policy"]) == (calendar.pk, policy.pk)

    copied = client.post(
        "/contract-versions/",
        {
            "contract": contract.pk,
            "effective_on": (day + timedelta(days=1)).isoformat(),
            "subscription_fee": "170.00",
            "reason": "Indexed",
        },
    )
    assert copied.status_code == 201, copied.text
    assert (copied.json()["calendar"], copied.json()["sla_policy"]) == (calendar.pk, policy.pk)

    counts = table_counts()
    refused = client.post(
        "/contract-versions/",
        {
            "contract": contract.pk,
            "effective_on": (day + timedelta(days=2)).isoformat(),
            "calendar": None,
            "reason": "Half an SLA",
        },
    )
    assert refused.status_code == 400
    assert refused.json()["fields"] == {
        "calendar": ["Choose the business calendar the SLA clocks run on, or no SLA policy either."]
    }
    assert table_counts() == counts


@pytest.mark.django_db(transaction=True)
def test_a_customer_reads_the_sla_ids_of_its_terms(api):
    customer = make.customer()
    calendar, policy = make.calendar(), make.sla_policy()
    contract = make.contract(customer, calendar=calendar, sla_policy=policy)
    version = contract.versions.get()
    body = api(make.user("customer", customer=customer)).get(f"/contract-versions/{version.pk}/")
    assert (body.json()["calendar"], body.json()["sla_policy"]) == (calendar.pk, policy.pk)


# --- back office ----------------------------------------------------------------------------------
@pytest.mark.django_db
def test_the_amendment_page_copies_an_empty_sla_and_refuses_half_of_one():
    manager = make.user("manager")
    client = Client()
    client.force_login(manager)
    calendar, policy = make.calendar(), make.sla_policy()
    contract = make.contract(
        make.customer(),
        calendar=calendar,
        sla_policy=policy,
        starts_on=timezone.localdate() - timedelta(days=30),
    )
    url = reverse("admin:contracts_contractversion_add")
    form = {
        "contract": str(contract.pk),
        "effective_on": (timezone.localdate() + timedelta(days=10)).isoformat(),
        "price_list": "",
        "subscription_fee": "",
        "billing_period": "",
        "calendar": "",
        "sla_policy": "",
        "approved_by": "",
        "reason": "Indexed",
    }

    page = client.get(url)
    assert {"calendar", "sla_policy"} <= set(page.context["adminform"].form.fields)

    response = client.post(url, form)
    assert response.status_code == 302, response.context["adminform"].form.errors
    amended = contract.versions.get(number=2)
    assert (amended.calendar_id, amended.sla_policy_id) == (calendar.pk, policy.pk)

    other = make.contract(make.customer(), starts_on=timezone.localdate() - timedelta(days=30))
    counts = table_counts()
    response = client.post(url, {**form, "contract": str(other.pk), "calendar": str(calendar.pk)})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "sla_policy": ["Choose the SLA policy of these terms, or no business calendar either."]
    }
    assert table_counts() == counts

    change = client.get(reverse("admin:contracts_contractversion_change", args=[amended.pk]))
    assert {"calendar", "sla_policy"} <= set(change.context["adminform"].form.fields)
