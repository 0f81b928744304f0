"""The rules of rating in the back office: inline on a contract version's page (editable while
the version is not in force, read-only after) and on a price list's page (dated; a rule in force
is refused on its row), each row rehearsed and written through its service."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from pacta.audit.models import AuditEntry
from pacta.catalog.models import PriceList
from pacta.contracts.models import Allowance, ContractVersion, SurchargeRule
from pacta.contracts.services import contract_amend, contract_status_change, surcharge_rule_create
from tests.integration.contracts.test_admin import _management, _url
from tests.support import make
from tests.support.state import row, table_counts

pytestmark = pytest.mark.django_db


def _days(n):
    return timezone.localdate() + timedelta(days=n)


@pytest.fixture
def future(manager):
    """A live contract amended from in ten days: the new version's page is editable."""
    repair = make.service(code="REPAIR")
    contract = make.contract(
        make.customer(), starts_on=_days(-30), ends_on=_days(335), scope=[(repair, "billable")]
    )
    version = contract_amend(
        actor=manager, values={"contract": contract, "effective_on": _days(10)}, reason="Indexed"
    )
    return version, repair


def _version_form(version, repair, **rows):
    line = version.scope_lines.get()
    return {
        "effective_on": version.effective_on.isoformat(),
        "price_list": "",
        "subscription_fee": str(version.subscription_fee),
        "billing_period": version.billing_period,
        "approved_by": "",
        "sla_credit_percent": "",
        "sla_credit_cap_percent": "",
        "reason": "Night work agreed",
        **_management("scope_lines", 1, 1),
        "scope_lines-0-id": str(line.pk),
        "scope_lines-0-version": str(version.pk),
        "scope_lines-0-service": str(repair.pk),
        "scope_lines-0-coverage": line.coverage,
        "scope_lines-0-period_limit": "",
        "scope_lines-0-minimum_minutes": "0",
        "scope_lines-0-increment_minutes": "0",
        "scope_lines-0-notes": "",
        **_management("travelrules", 0),
        **_management("surchargerules", 0),
        **_management("allowances", 0),
        **rows,
    }


def _night_row(version, repair, **changes):
    return {
        **_management("surchargerules", 1),
        "surchargerules-0-id": "",
        "surchargerules-0-version": str(version.pk),
        "surchargerules-0-name": "night",
        "surchargerules-0-multiplier": "2",
        "surchargerules-0-window_start": "22:00",
        "surchargerules-0-window_end": "06:00",
        "surchargerules-0-weekdays": "[]",
        "surchargerules-0-seasons": "[]",
        "surchargerules-0-services": [str(repair.pk)],
        **changes,
    }


def test_a_bad_rule_row_comes_back_on_its_field_and_nothing_is_written(client, future):
    version, repair = future
    before = table_counts()
    page = client.post(
        _url(ContractVersion, "change", version.pk),
        _version_form(
            version,
            repair,
            **_night_row(version, repair, **{"surchargerules-0-window_end": "22:00"}),
        ),
    )
    assert page.status_code == 200
    rules = next(
        f.formset
        for f in page.context["inline_admin_formsets"]
        if f.formset.prefix == "surchargerules"
    )
    assert rules.errors == [
        {"window_end": ["A surcharge window needs a length: this one ends as it starts."]}
    ]
    assert table_counts() == before


def test_rule_and_allowance_rows_are_written_through_their_services(client, future):
    version, repair = future
    rows = {
        **_night_row(version, repair),
        **_management("allowances", 1),
        "allowances-0-id": "",
        "allowances-0-version": str(version.pk),
        "allowances-0-code": "bank",
        "allowances-0-kind": "prepaid_hours",
        "allowances-0-label": "Prepaid hours",
        "allowances-0-quantity": "10",
        "allowances-0-services": [str(repair.pk)],
        "allowances-0-overage_unit_price": "",
        "allowances-0-rollover_limit": "",
    }
    response = client.post(
        _url(ContractVersion, "change", version.pk), _version_form(version, repair, **rows)
    )
    assert response.status_code == 302
    rule = SurchargeRule.objects.get(version=version)
    assert (rule.name, rule.multiplier, list(rule.services.all())) == (
        "night",
        Decimal("2.000"),
        [repair],
    )
    bank = Allowance.objects.get(version=version)
    assert (bank.kind, bank.quantity) == ("prepaid_hours", Decimal("10.000"))
    assert set(
        AuditEntry.objects.filter(
            entity_type__in=["contracts.surchargerule", "contracts.allowance"]
        ).values_list("entity_type", "action", "reason")
    ) == {
        ("contracts.surchargerule", "create", "Night work agreed"),
        ("contracts.allowance", "create", "Night work agreed"),
    }


def test_the_rules_of_terms_in_force_are_shown_read_only(client, manager):
    repair = make.service(code="REPAIR")
    contract = make.contract(
        make.customer(),
        starts_on=_days(-30),
        ends_on=_days(335),
        scope=[(repair, "billable")],
        status="draft",
    )
    version = contract.versions.get()
    surcharge_rule_create(
        actor=manager,
        values={"version": version, "name": "weekend", "multiplier": 2, "weekdays": ["sun"]},
        reason="Terms",
    )
    contract_status_change(actor=manager, contract=contract, status="active", reason="Signed")
    html = client.get(_url(ContractVersion, "change", version.pk)).content.decode()
    assert "weekend" in html
    assert 'name="surchargerules-0-name"' not in html
    assert 'name="surchargerules-0-multiplier"' not in html


def test_a_price_list_rule_in_force_is_refused_on_its_row(client, manager):
    repair = make.service(code="REPAIR")
    prices = make.price_list(name="HVAC")
    rule = surcharge_rule_create(
        actor=manager,
        values={"price_list": prices, "name": "weekend", "multiplier": 2, "weekdays": ["sun"]},
        reason="List rules",
    )
    make.contract(make.customer(), scope=[(repair, "billable")], price_list=prices)
    stored, before = row(rule), table_counts()
    page = client.post(
        _url(PriceList, "change", prices.pk),
        {
            "name": prices.name,
            "currency": prices.currency,
            "customer": "",
            "description": "",
            "is_active": "on",
            "reason": "Dearer weekends",
            **_management("lines", 0),
            **_management("travelrules", 0),
            **_management("surchargerules", 1, 1),
            "surchargerules-0-id": str(rule.pk),
            "surchargerules-0-price_list": str(prices.pk),
            "surchargerules-0-name": "weekend",
            "surchargerules-0-multiplier": "3",
            "surchargerules-0-weekdays": '["sun"]',
            "surchargerules-0-seasons": "[]",
            "surchargerules-0-valid_from": "",
            "surchargerules-0-valid_to": "",
        },
    )
    assert page.status_code == 200
    rules = next(
        f.formset
        for f in page.context["inline_admin_formsets"]
        if f.formset.prefix == "surchargerules"
    )
    assert "may have priced work" in str(rules.errors[0])
    assert (row(rule), table_counts()) == (stored, before)
