"""Costs and margins through the finance page: a work order's revenue (its current rating)
against its technicians' time at the cost rate in force on the day plus its expenses, per work
order and rolled up per contract, customer and month, sorted, and as CSV; a bad group, sort or
range is refused naming it. Cost rates are written through their service, with a reason."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.test import Client

from pacta.billing.models import CostRate
from pacta.billing.services.costs import cost_rate_create
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
    other has no cost rate; the second job has 12.00 of expenses."""
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
        # rating total, cost, margin, share, hours without a rate (sorted by margin, largest first)
        [second.reference, "1", "107.50", "60.00", "47.50", "44.19", "1.5"],
        [first.reference, "1", "82.50", "45.00", "37.50", "45.45", "0"],
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
            *["Group", "Work orders", "Revenue", "Labour", "Expenses", "Cost", "Margin"],
            *["Margin (%)", "Hours without a cost rate"],
        ],
        ["C-900", "2", "190.00", "93.00", "12.00", "105.00", "85.00", "44.74", "1.5"],
    ]


def test_a_month_without_rated_work_has_no_rows_and_bad_choices_are_refused(jobs):
    client = _finance()
    april = client.get(
        "/finance/margins/", {"group": "period", "from": "2026-04-01", "to": "2026-04-30"}
    )
    assert rows(by_id(parse(april.content), "margins"))[1:] == [["No rated work in these days."]]
    for query, said in (
        ({"group": "team"}, "Group by work order, contract, customer or period."),
        ({"sort": "colour"}, "Sort by name, revenue, cost, margin or percent."),
        ({"from": "March"}, "Give the days as YYYY-MM-DD."),
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
