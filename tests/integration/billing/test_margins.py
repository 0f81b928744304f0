"""Costs and margins through the finance page: a work order's revenue (its current rating)
against its technicians' time at the cost rate in force on the day, its parts at the product's
unit cost in force on the day, plus its expenses, per work order and rolled up per contract,
customer and month, sorted, and as CSV; a bad group, sort or range is refused naming it. Cost
rates and product costs are written through their services, with a reason."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.test import Client

from pacta.audit.models import AuditEntry
from pacta.billing.models import CostRate, ProductCost
from pacta.billing.services.costs import (
    cost_rate_create,
    product_cost_create,
    product_cost_update,
)
from pacta.domain.errors import InvalidInput
from pacta.service.models import Expense
from tests.integration.billing.test_invoicing import accepted_job, world  # noqa: F401
from tests.support import make
from tests.support.html import by_id, parse, rows
from tests.support.state import table_counts

pytestmark = pytest.mark.django_db
Q = Decimal


def _finance() -> Client:
    client = Client()
    client.force_login(make.user("finance"))
    return client


@pytest.fixture
def jobs(world):  # noqa: F811
    """Two March jobs of contract C-900 (1.5 h each, rated 82.50 and 107.50 with two filters),
    done by two technicians; one technician costs 30.00 an hour until 4 March, then 32.00; the
    other has no cost rate; the second job has 12.00 of expenses. The filter has no cost yet."""
    first = accepted_job(world["contract"], world["site"], world["repair"])
    second = accepted_job(
        world["contract"], world["site"], world["repair"], world["filter"], day="2026-03-05"
    )
    priced = first.technician
    for day, cost in ((date(2026, 1, 1), "30.00"), (date(2026, 3, 4), "32.00")):
        cost_rate_create(
            actor=None,
            values={
                "technician": priced,
                "hourly_cost": Q(cost),
                "currency": "EUR",
                "effective_on": day,
            },
            reason="Payroll 2026",
        )
    # The second job's time: half by the priced technician (5 March: 32.00), half unpriced.
    entry = second.time_entries.get()
    entry.technician = priced
    entry.save()  # set-up of a fixture's own rows, not a write path under test
    make.time_entry(
        second,
        technician=second.technician,
        started_at=entry.ended_at,
        ended_at=entry.ended_at + (entry.ended_at - entry.started_at),
    )
    Expense.objects.create(
        work_order=second,
        technician=priced,
        description="Parking",
        amount=Q("12.00"),
        currency="EUR",
        incurred_on=date(2026, 3, 5),
    )
    return first, second


def test_each_work_order_costs_its_time_at_the_days_rate_and_its_expenses(jobs):
    first, second = jobs
    page = _finance().get(
        "/finance/margins/", {"group": "work_order", "from": "2026-03-01", "to": "2026-03-31"}
    )
    assert page.status_code == 200
    table = rows(by_id(parse(page.content), "margins"))
    assert table[1:] == [
        # rating total, parts, cost, margin, share, hours without a rate, parts without a cost
        # (sorted by margin, largest first); the two filters have no cost: never counted free
        [second.reference, "1", "107.50", "0.00", "60.00", "47.50", "44.19", "1.5", "1"],
        [first.reference, "1", "82.50", "0.00", "45.00", "37.50", "45.45", "0", "0"],
    ]
    assert rows(by_id(parse(page.content), "margins"))[0][0] == "Group"


def test_margins_roll_up_by_contract_and_come_as_csv(jobs):
    answer = _finance().get(
        "/finance/margins/",
        {"group": "contract", "from": "2026-03-01", "to": "2026-03-31", "as": "csv"},
    )
    assert answer["Content-Type"] == "text/csv"
    assert list(csv.reader(io.StringIO(answer.content.decode()))) == [
        [
            *["Group", "Work orders", "Revenue", "Labour", "Parts", "Expenses", "Cost", "Margin"],
            *["Margin (%)", "Hours without a cost rate", "Parts without a cost"],
        ],
        ["C-900", "2", "190.00", "93.00", "0.00", "12.00", "105.00", "85.00", "44.74", "1.5", "1"],
    ]


def test_a_month_without_rated_work_has_no_rows_and_bad_choices_are_refused(jobs):
    client = _finance()
    april = client.get(
        "/finance/margins/", {"group": "period", "from": "2026-04-01", "to": "2026-04-30"}
    )
    assert rows(by_id(parse(april.content), "margins"))[1:] == [["No rated work in these days."]]
    for query, said in (
        ({"group": "team"}, "Group by work order, contract, customer or period."),
        ({"sort": "colour"}, "Sort by name, revenue, labour, parts, expenses, cost, margin or"),
        ({"from": "March"}, "Give the day as YYYY-MM-DD."),
        ({"from": "2026-03-31", "to": "2026-03-01"}, "The range ends before it starts."),
    ):
        refused = client.get("/finance/margins/", query)
        assert refused.status_code == 400
        assert said in refused.content.decode()
    assert _signed_in_as("technician").get("/finance/margins/").status_code == 403


def _signed_in_as(role: str) -> Client:
    client = Client()
    client.force_login(make.user(role))
    return client


def test_a_cost_rate_is_written_with_a_reason_only():
    technician = make.user("technician")
    before = table_counts()
    with pytest.raises(InvalidInput, match="a reason is required"):
        cost_rate_create(
            actor=None,
            values={"technician": technician, "hourly_cost": Q("30"), "currency": "EUR"}
            | {"effective_on": date(2026, 1, 1)},
            reason=" ",
        )
    assert table_counts() == before
    assert not CostRate.objects.exists()


@pytest.fixture
def priced_parts(world, jobs):  # noqa: F811
    """The filter costs 4.00 a unit until 3 March, 4.50 from 4 March; a third job of 2 March
    (1.5 h by the priced technician, at 30.00) uses two filters and one valve, which has no
    cost; it is rated 82.50 + 2 × 12.50 + 1 × 20.00 = 127.50."""
    first, second = jobs
    for day, cost in ((date(2026, 1, 1), "4.00"), (date(2026, 3, 4), "4.50")):
        product_cost_create(
            actor=None,
            values={"product": world["filter"], "unit_cost": Q(cost), "effective_on": day},
            reason="Supplier price list 2026",
        )
    valve = make.product(sku="VLV-1", name="Valve", price=Q("20.00"))
    third = accepted_job(
        *(world["contract"], world["site"], world["repair"], world["filter"]),
        day="2026-03-02",
        technician=first.technician,
        parts=[(valve, Q("1"))],
    )
    return first, second, third, valve


def test_parts_cost_their_quantity_at_the_unit_cost_in_force_on_the_day(priced_parts):
    first, second, third, _valve = priced_parts
    page = _finance().get(
        "/finance/margins/",
        {"group": "work_order", "from": "2026-03-01", "to": "2026-03-31", "sort": "-parts"},
    )
    assert page.status_code == 200
    assert rows(by_id(parse(page.content), "margins"))[1:] == [
        # 5 March: two filters at 4.50 (the cost from 4 March); labour 48.00, expenses 12.00
        [second.reference, "1", "107.50", "9.00", "69.00", "38.50", "35.81", "1.5", "0"],
        # 2 March: two filters at 4.00, the valve apart (no cost); labour 45.00
        [third.reference, "1", "127.50", "8.00", "53.00", "74.50", "58.43", "0", "1"],
        [first.reference, "1", "82.50", "0.00", "45.00", "37.50", "45.45", "0", "0"],
    ]


def test_parts_cost_rolls_up_in_the_csv(priced_parts):
    answer = _finance().get(
        "/finance/margins/",
        {"group": "period", "from": "2026-03-01", "to": "2026-03-31", "as": "csv"},
    )
    assert list(csv.reader(io.StringIO(answer.content.decode())))[1:] == [
        [
            *["2026-03", "3", "317.50", "138.00", "17.00", "12.00", "167.00", "150.50"],
            *["47.40", "1.5", "1"],
        ],
    ]


def test_a_later_cost_does_not_change_earlier_margins(world, priced_parts):  # noqa: F811
    first, second, third, valve = priced_parts
    for product in (world["filter"], valve):
        make.product_cost(product, unit_cost=Q("9.00"), effective_on=date(2026, 4, 1))
    page = _finance().get(
        "/finance/margins/", {"group": "work_order", "from": "2026-03-02", "to": "2026-03-05"}
    )
    assert rows(by_id(parse(page.content), "margins"))[1:] == [
        [third.reference, "1", "127.50", "8.00", "53.00", "74.50", "58.43", "0", "1"],
        [second.reference, "1", "107.50", "9.00", "69.00", "38.50", "35.81", "1.5", "0"],
        [first.reference, "1", "82.50", "0.00", "45.00", "37.50", "45.45", "0", "0"],
    ]


def test_a_product_cost_is_written_with_a_reason_and_audited(world):  # noqa: F811
    cost = product_cost_create(
        actor=None,
        values={
            "product": world["filter"],
            "unit_cost": Q("4.0000"),
            "effective_on": date(2026, 1, 1),
        },
        reason="Supplier price list 2026",
    )
    product_cost_update(
        actor=None, product_cost=cost, values={"unit_cost": Q("4.2500")}, reason="Supplier rise"
    )
    log = AuditEntry.objects.filter(entity_type="billing.productcost", entity_id=str(cost.pk))
    assert [(e.action, e.reason, e.after["unit_cost"]) for e in log.order_by("pk")] == [
        ("create", "Supplier price list 2026", "4.0000"),
        ("update", "Supplier rise", "4.2500"),
    ]
    assert log.order_by("pk").last().before["unit_cost"] == "4.0000"


@pytest.mark.parametrize(
    ("values", "reason", "field", "message"),
    [
        ({"unit_cost": Q("-0.01")}, "Typo", "unit_cost", "The unit cost cannot be negative."),
        ({}, " ", "reason", "Say why: a reason is required for this change."),
        (
            {"effective_on": date(2026, 1, 1)},
            "Again",
            "effective_on",
            "This product already has a cost from that day.",
        ),
    ],
)
def test_a_bad_product_cost_is_refused_naming_the_field(world, values, reason, field, message):  # noqa: F811
    make.product_cost(world["filter"], effective_on=date(2026, 1, 1))
    before = table_counts()
    with pytest.raises(InvalidInput) as refused:
        product_cost_create(
            actor=None,
            values={"product": world["filter"], "unit_cost": Q("4.00")}
            | {"effective_on": date(2026, 2, 1)}
            | values,
            reason=reason,
        )
    assert refused.value.fields == {field: [message]}
    assert table_counts() == before
    assert list(ProductCost.objects.values_list("unit_cost", flat=True)) == [Q("4.0000")]
