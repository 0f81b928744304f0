"""The catalog through its services: dated values frozen once in force, items, checklists."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from pacta.audit.models import AuditEntry
from pacta.catalog.models import ChecklistStep, PriceListLine, TaxRate
from pacta.catalog.selectors import price_list_line_in_force, tax_rate_percent_on
from pacta.catalog.services import (
    checklist_step_create,
    price_list_create,
    price_list_line_create,
    price_list_line_delete,
    price_list_line_update,
    price_list_update,
    service_create,
    tax_rate_delete,
    tax_rate_update,
    tax_rate_value_create,
    tax_rate_value_update,
)
from pacta.domain.errors import Conflict, InvalidInput
from tests.support import make
from tests.support.state import row, table_counts

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=ZoneInfo("Europe/Madrid"))


def test_the_tax_percent_in_force_follows_its_dated_values():
    rate = make.tax_rate(percent="18.00", effective_on=date(2010, 1, 1))
    tax_rate_value_create(
        actor=None,
        values={"tax_rate": rate, "effective_on": date(2012, 9, 1), "percent": Decimal("21.00")},
        reason="Royal Decree-law 20/2012",
    )
    assert tax_rate_percent_on(rate, date(2009, 12, 31)) is None
    assert tax_rate_percent_on(rate, date(2012, 8, 31)) == Decimal("18.00")
    assert tax_rate_percent_on(rate, date(2012, 9, 1)) == Decimal("21.00")


def test_a_tax_value_needs_a_reason_and_a_free_day():
    rate = make.tax_rate(effective_on=date(2020, 1, 1))
    counts = table_counts()
    with pytest.raises(InvalidInput) as no_reason:
        tax_rate_value_create(
            actor=None,
            values={"tax_rate": rate, "effective_on": date(2027, 1, 1), "percent": Decimal("22")},
        )
    assert list(no_reason.value.fields) == ["reason"]
    with pytest.raises(InvalidInput) as same_day:
        tax_rate_value_create(
            actor=None,
            values={"tax_rate": rate, "effective_on": date(2020, 1, 1), "percent": Decimal("22")},
            reason="Typo",
        )
    assert same_day.value.fields == {
        "effective_on": ["This tax rate already has a value from that day."]
    }
    with pytest.raises(InvalidInput) as too_high:
        tax_rate_value_create(
            actor=None,
            values={"tax_rate": rate, "effective_on": date(2027, 1, 1), "percent": Decimal("101")},
            reason="Typo",
        )
    assert list(too_high.value.fields) == ["percent"]
    assert table_counts() == counts


def test_a_tax_value_in_force_is_frozen_and_a_future_one_is_not():
    rate = make.tax_rate(effective_on=date(2020, 1, 1))
    in_force = rate.values.get()
    before = row(in_force)
    with pytest.raises(Conflict) as refused:
        tax_rate_value_update(
            actor=None,
            tax_rate_value=in_force,
            values={"percent": Decimal("10")},
            reason="Fix",
            now=NOW,
        )
    assert refused.value.code == "price_in_force"
    assert row(in_force) == before

    future = tax_rate_value_create(
        actor=None,
        values={"tax_rate": rate, "effective_on": date(2027, 1, 1), "percent": Decimal("22")},
        reason="Budget law",
        now=NOW,
    )
    tax_rate_value_update(
        actor=None,
        tax_rate_value=future,
        values={"percent": Decimal("23")},
        reason="Amended budget",
        now=NOW,
    )
    assert row(future)["percent"] == Decimal("23.00")


def test_a_tax_rate_with_values_is_kept_and_codes_are_normalised():
    rate = make.tax_rate(code=" es-iva-gen ")
    assert TaxRate.objects.get(pk=rate.pk).code == "ES-IVA-GEN"
    with pytest.raises(Conflict) as refused:
        tax_rate_delete(actor=None, tax_rate=rate)
    assert refused.value.code == "kept_for_history"
    tax_rate_update(actor=None, tax_rate=rate, values={"is_active": False})
    with pytest.raises(InvalidInput) as inactive:
        make.service(tax_rate=rate)
    assert list(inactive.value.fields) == ["tax_rate"]


def test_service_codes_are_unique_after_normalising():
    make.service(code="HVAC-PM")
    rate = make.tax_rate()
    counts = table_counts()
    with pytest.raises(InvalidInput) as refused:
        service_create(
            actor=None,
            values={
                "code": " hvac-pm ",
                "name": "Duplicate",
                "unit": "visit",
                "default_price": Decimal("10"),
                "tax_rate": rate,
            },
        )
    assert refused.value.fields == {"code": ["Service with this Task code already exists."]}
    assert table_counts() == counts


def test_negative_prices_and_unknown_units_are_refused():
    with pytest.raises(InvalidInput) as negative:
        make.service(default_price=Decimal("-1"))
    assert list(negative.value.fields) == ["default_price"]
    with pytest.raises(InvalidInput) as unit:
        make.service(unit="fortnight")
    assert list(unit.value.fields) == ["unit"]
    with pytest.raises(InvalidInput) as product_price:
        make.product(price=Decimal("-0.01"))
    assert list(product_price.value.fields) == ["price"]


def test_a_safety_step_is_always_mandatory_and_positions_are_unique():
    service = make.service()
    step = checklist_step_create(
        actor=None,
        values={
            "service": service,
            "position": 1,
            "text": "Gas test before entry",
            "is_safety": True,
        },
    )
    assert (step.is_safety, step.is_mandatory) == (True, True)
    with pytest.raises(InvalidInput) as refused:
        checklist_step_create(
            actor=None, values={"service": service, "position": 1, "text": "Another"}
        )
    assert list(refused.value.fields) == ["position"]
    assert ChecklistStep.objects.filter(service=service).count() == 1


def test_price_in_force_follows_dated_lines():
    service = make.service()
    prices = make.price_list()
    make.price_list_line(
        prices, service=service, unit_price=Decimal("50"), effective_on=date(2026, 1, 1)
    )
    make.price_list_line(
        prices, service=service, unit_price=Decimal("55"), effective_on=date(2026, 6, 15)
    )
    assert price_list_line_in_force(prices, date(2025, 12, 31), service=service) is None
    assert price_list_line_in_force(
        prices, date(2026, 6, 14), service=service
    ).unit_price == Decimal("50")
    assert price_list_line_in_force(
        prices, date(2026, 6, 15), service=service
    ).unit_price == Decimal("55")


def test_a_price_line_prices_exactly_one_item_with_a_reason():
    prices = make.price_list()
    counts = table_counts()
    with pytest.raises(InvalidInput) as neither:
        price_list_line_create(
            actor=None,
            values={
                "price_list": prices,
                "unit_price": Decimal("1"),
                "effective_on": date(2026, 1, 1),
            },
            reason="x",
        )
    assert neither.value.fields == {
        "service": ["Choose the service or the product this line prices."]
    }
    service, product = make.service(), make.product()
    counts = table_counts()
    with pytest.raises(InvalidInput) as both:
        price_list_line_create(
            actor=None,
            values={
                "price_list": prices,
                "service": service,
                "product": product,
                "unit_price": Decimal("1"),
                "effective_on": date(2026, 1, 1),
            },
            reason="x",
        )
    assert both.value.fields == {"service": ["Choose a service or a product, not both."]}
    with pytest.raises(InvalidInput) as no_reason:
        price_list_line_create(
            actor=None,
            values={
                "price_list": prices,
                "service": service,
                "unit_price": Decimal("1"),
                "effective_on": date(2026, 1, 1),
            },
        )
    assert list(no_reason.value.fields) == ["reason"]
    assert table_counts() == counts


def test_a_price_in_force_cannot_change_but_a_new_dated_price_can_follow():
    service = make.service(name="Emergency call-out")
    prices = make.price_list()
    line = make.price_list_line(prices, service=service, effective_on=date(2026, 1, 1))
    assert line.label == "Emergency call-out"
    before = row(line)
    for attempt in (
        lambda: price_list_line_update(
            actor=None,
            price_list_line=line,
            values={"unit_price": Decimal("1")},
            reason="Fix",
            now=NOW,
        ),
        lambda: price_list_line_delete(actor=None, price_list_line=line, reason="Fix", now=NOW),
    ):
        with pytest.raises(Conflict) as refused:
            attempt()
        assert refused.value.code == "price_in_force"
        assert row(line) == before
    with pytest.raises(InvalidInput) as same_day:
        make.price_list_line(prices, service=service, effective_on=date(2026, 1, 1))
    assert list(same_day.value.fields) == ["effective_on"]
    later = make.price_list_line(
        prices, service=service, unit_price=Decimal("70"), effective_on=date(2026, 7, 1)
    )
    price_list_line_delete(
        actor=None, price_list_line=later, reason="Not agreed after all", now=NOW
    )
    assert not PriceListLine.objects.filter(pk=later.pk).exists()
    entry = AuditEntry.objects.latest("id")
    assert (entry.action, entry.reason) == ("delete", "Not agreed after all")


def test_a_price_list_with_prices_keeps_its_currency():
    prices = price_list_create(actor=None, values={"name": "HVAC 2026", "currency": "eur"})
    assert prices.currency == "EUR"
    make.price_list_line(prices, service=make.service())
    before = row(prices)
    with pytest.raises(Conflict) as refused:
        price_list_update(actor=None, price_list=prices, values={"currency": "RUB"})
    assert (refused.value.code, list(refused.value.fields)) == ("price_list_in_use", ["currency"])
    assert row(prices) == before
    with pytest.raises(InvalidInput) as unknown:
        make.price_list(currency="EURO")
    assert list(unknown.value.fields) == ["currency"]
