"""/api/v1/margins/ over real HTTP: each row's figures as strings of Decimals (the same reading
as the finance page), grouped and ordered as asked; refused for a role that may not read the
costs and, naming the parameter, for a bad day, range, group or ordering. /api/v1/cost-rates/
and /api/v1/product-costs/ write through their services (a reason each time, audited)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from pacta.audit.models import AuditEntry
from pacta.billing.models import CostRate, ProductCost
from tests.integration.billing.test_invoicing import world  # noqa: F401
from tests.integration.billing.test_margins import jobs, priced_parts  # noqa: F401
from tests.support import make
from tests.support.state import table_counts

pytestmark = pytest.mark.django_db(transaction=True)
MARCH = {"starts_on": "2026-03-01", "ends_on": "2026-03-31"}


def _row(group, work_orders, revenue, labour, parts, expenses, cost, margin, **more):
    """A row as the API gives it (``more``: margin_percent, unpriced_hours, unpriced_parts)."""
    return {
        "group": group,
        "work_orders": work_orders,
        "revenue": revenue,
        "labour_cost": labour,
        "parts_cost": parts,
        "expenses": expenses,
        "cost": cost,
        "margin": margin,
        **more,
    }


def test_finance_reads_each_work_orders_figures_ordered_by_parts_cost(api, priced_parts):  # noqa: F811
    first, second, third, _valve = priced_parts
    answer = api(make.user("finance")).get(
        "/margins/", params={**MARCH, "group": "work_order", "ordering": "-parts"}
    )
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "starts_on": "2026-03-01",
        "ends_on": "2026-03-31",
        "group": "work_order",
        "ordering": "-parts",
        "results": [
            _row(second.reference, 1, "107.50", "48.00", "9.00", "12.00", "69.00", "38.50")
            | {"margin_percent": "35.81", "unpriced_hours": "1.5", "unpriced_parts": 0},
            _row(third.reference, 1, "127.50", "45.00", "8.00", "0.00", "53.00", "74.50")
            | {"margin_percent": "58.43", "unpriced_hours": "0", "unpriced_parts": 1},
            _row(first.reference, 1, "82.50", "45.00", "0.00", "0.00", "45.00", "37.50")
            | {"margin_percent": "45.45", "unpriced_hours": "0", "unpriced_parts": 0},
        ],
    }


def test_the_figures_roll_up_per_customer_and_month(api, world, priced_parts):  # noqa: F811
    client = api(make.user("manager"))
    month = client.get("/margins/", params={**MARCH, "group": "period"}).json()["results"]
    assert month == [
        _row("2026-03", 3, "317.50", "138.00", "17.00", "12.00", "167.00", "150.50")
        | {"margin_percent": "47.40", "unpriced_hours": "1.5", "unpriced_parts": 1}
    ]
    customer = client.get("/margins/", params={**MARCH, "group": "customer"}).json()["results"]
    assert [(row["group"], row["work_orders"], row["margin"]) for row in customer] == [
        (world["customer"].legal_name, 3, "150.50")
    ]
    april = client.get("/margins/", params={"starts_on": "2026-04-01", "ends_on": "2026-04-30"})
    assert april.json()["results"] == []


@pytest.mark.parametrize("role", ["dispatcher", "technician", "contractor", "customer"])
def test_a_role_that_may_not_read_the_costs_is_refused(api, role, priced_parts):  # noqa: F811
    belongs = {
        "contractor": {"contractor": make.contractor()},
        "customer": {"customer": make.customer()},
    }
    answer = api(make.user(role, **belongs.get(role, {}))).get("/margins/", params=MARCH)
    assert answer.status_code == 403
    assert answer.json() == {
        "code": "permission_denied",
        "detail": "The margins are for finance.",
        "fields": {},
    }
    assert api().get("/margins/", params=MARCH).status_code == 401


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"ends_on": "2026-03-31"}, "starts_on", "Give the day as YYYY-MM-DD."),
        ({**MARCH, "ends_on": "31/03/2026"}, "ends_on", "Give the day as YYYY-MM-DD."),
        (
            {"starts_on": "2026-03-31", "ends_on": "2026-03-01"},
            "ends_on",
            "The range ends before it starts.",
        ),
        (
            {**MARCH, "group": "team"},
            "group",
            "Group by work order, contract, customer or period.",
        ),
        (
            {**MARCH, "ordering": "colour"},
            "ordering",
            "Sort by name, revenue, labour, parts, expenses, cost, margin or percent.",
        ),
    ],
)
def test_bad_parameters_are_refused_naming_them(api, params, field, message):
    answer = api(make.user("finance")).get("/margins/", params=params)
    assert answer.status_code == 400
    assert answer.json() == {"code": "invalid", "detail": message, "fields": {field: [message]}}


def test_cost_rates_and_product_costs_are_written_through_the_api_with_a_reason(api):
    finance = make.user("finance")
    client = api(finance)
    technician, product = make.user("technician"), make.product(sku="FLT-9")
    rate = client.post(
        "/cost-rates/",
        {
            "technician": technician.pk,
            "hourly_cost": "31.50",
            "currency": "EUR",
            "effective_on": "2026-01-01",
            "reason": "Payroll 2026",
        },
    )
    assert rate.status_code == 201, rate.text
    assert rate.json() == {
        "id": rate.json()["id"],
        "technician": technician.pk,
        "hourly_cost": "31.5000",
        "currency": "EUR",
        "effective_on": "2026-01-01",
    }
    cost = client.post(
        "/product-costs/",
        {
            "product": product.pk,
            "unit_cost": "4.25",
            "effective_on": "2026-01-01",
            "reason": "Supplier list",
        },
    )
    assert cost.status_code == 201, cost.text
    assert cost.json() == {
        "id": cost.json()["id"],
        "product": product.pk,
        "unit_cost": "4.2500",
        "effective_on": "2026-01-01",
    }
    assert [row["id"] for row in client.get("/product-costs/").json()["results"]] == [
        cost.json()["id"]
    ]
    logged = AuditEntry.objects.get(entity_type="billing.productcost")
    assert (logged.actor, logged.reason, logged.after["unit_cost"]) == (
        finance,
        "Supplier list",
        "4.2500",
    )
    assert CostRate.objects.get().hourly_cost == Decimal("31.5000")


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"unit_cost": "-1"}, "unit_cost", "The unit cost cannot be negative."),
        ({"reason": ""}, "reason", "Say why: a reason is required for this change."),
        (
            {"effective_on": "2026-01-01"},
            "effective_on",
            "This product already has a cost from that day.",
        ),
    ],
)
def test_a_bad_product_cost_is_refused_naming_the_field(api, body, field, message):
    product = make.product(sku="FLT-9")
    make.product_cost(product, effective_on=date(2026, 1, 1))
    client = api(make.user("finance"))
    before = table_counts()
    refused = client.post(
        "/product-costs/",
        {"product": product.pk, "unit_cost": "4.00", "effective_on": "2026-02-01"}
        | {"reason": "Supplier list"}
        | body,
    )
    assert refused.status_code == 400, refused.text
    assert refused.json()["fields"] == {field: [message]}
    assert table_counts() == before
    assert list(ProductCost.objects.values_list("unit_cost", flat=True)) == [Decimal("4.0000")]
