"""/api/v1/credits/ and /api/v1/charge-line-decisions/ over real HTTP: goodwill by POST with an
approver, reversal, filters, who sees which credits, and deciding out-of-scope lines."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pacta.billing.models import ChargeLine
from pacta.billing.services import work_order_rate
from pacta.entitlements.models import Credit
from tests.integration.billing import test_rating
from tests.integration.billing.test_credits import goodwill
from tests.support import make
from tests.support.make import at
from tests.support.state import table_counts

pytestmark = pytest.mark.django_db(transaction=True)

NOW = at("2026-03-20 12:00")
out_of_scope = test_rating.out_of_scope


@pytest.fixture
def world():
    """Two customers' contracts; a manager, a dispatcher and a user of the first customer."""
    mine, theirs = make.customer(legal_name="Mine S.L."), make.customer(legal_name="Theirs S.L.")
    repair = make.service(code="REPAIR")
    contract = make.contract(mine, sites=[make.site(mine)], scope=[(repair, "billable")])
    other = make.contract(theirs, sites=[make.site(theirs)], scope=[(repair, "billable")])
    manager = make.user("manager")
    users = {
        "manager": manager,
        "dispatcher": make.user("dispatcher"),
        "technician": make.user("technician"),
        "customer": make.user("customer", customer=mine),
    }
    theirs_credit = goodwill(other, manager, reason="Theirs", amount=Decimal("5.00"))
    return {"contract": contract, "other": other, "users": users, "theirs": theirs_credit}


def goodwill_body(world, approver_user, **values):
    return {
        "contract": world["contract"].pk,
        "period_on": "2026-03-17",
        "reason": "Late arrival",
        "approver": approver_user.pk,
        "amount": "25.00",
        **values,
    }


def test_a_manager_records_goodwill_and_reads_it_with_its_explanation(api, world):
    manager = world["users"]["manager"]
    created = api(manager).post("/credits/", goodwill_body(world, manager))
    assert created.status_code == 201, created.text
    body = created.json()
    credit = Credit.objects.get(pk=body["id"])
    assert {key: body[key] for key in ("kind", "period_on", "amount", "currency", "sequence")} == {
        "kind": "goodwill",
        "period_on": "2026-03-01",
        "amount": "-25.0000",
        "currency": "EUR",
        "sequence": 1,
    }
    assert body["approved_by"] == manager.pk
    assert body["explanation"] == (
        f"goodwill: Late arrival (approved by a manager), contract {credit.contract.number} v1"
    )
    spanish = make.user("manager", language="es")
    read = api(spanish).get(f"/credits/{credit.pk}/")
    assert read.json()["explanation"] == (
        f"abono comercial: Late arrival (aprobado por un manager), "
        f"contrato {credit.contract.number} v1"
    )


def test_hours_at_a_given_rate_by_finance_with_a_managers_approval(api, world):
    body = goodwill_body(
        world, world["users"]["manager"], amount=None, hours="1.50", unit_price="55.00"
    )
    del body["amount"]
    created = api(make.user("finance")).post("/credits/", body)
    assert created.status_code == 201, created.text
    assert (created.json()["amount"], created.json()["hours"]) == ("-82.5000", "1.50")


def test_an_approver_who_may_not_approve_is_refused_and_nothing_is_written(api, world):
    dispatcher = world["users"]["dispatcher"]
    client = api(make.user("finance"))
    before = table_counts()
    refused = client.post("/credits/", goodwill_body(world, dispatcher))
    assert refused.status_code == 403, refused.text
    assert refused.json()["code"] == "approver_not_allowed"
    assert refused.json()["detail"] == "A dispatcher may not approve a goodwill credit."
    assert table_counts() == before


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"reason": ""}, "reason"),
        ({"hours": "2.00"}, "hours"),
        ({"amount": "-3"}, "amount"),
        ({"period_on": "2026-13-01"}, "period_on"),
        ({"approver": 999999}, "approver"),
    ],
)
def test_bad_goodwill_answers_400_naming_the_field(api, world, changes, field):
    manager = world["users"]["manager"]
    client = api(manager)
    before = table_counts()
    refused = client.post("/credits/", goodwill_body(world, manager, **changes))
    assert refused.status_code == 400, refused.text
    assert field in refused.json()["fields"]
    assert table_counts() == before


def test_roles_that_may_not_add_credits_are_refused(api, world):
    for role in ("dispatcher", "technician", "customer"):
        user = world["users"][role]
        before = table_counts()
        answer = api(user).post("/credits/", goodwill_body(world, world["users"]["manager"]))
        assert answer.status_code == 403, role
        assert table_counts() == before


def test_another_customers_contract_is_not_found_and_its_credits_not_seen(api, world):
    customer_user = world["users"]["customer"]
    client = api(customer_user)
    mine = goodwill(world["contract"], world["users"]["manager"], amount=Decimal("7.00"))
    listed = client.get("/credits/")
    assert [row["id"] for row in listed.json()["results"]] == [mine.pk]
    assert client.get(f"/credits/{world['theirs'].pk}/").status_code == 404
    assert api(make.user("technician")).get("/credits/").status_code == 403
    # A finance user naming another customer's contract that it may see is fine; a customer
    # cannot name it (it does not exist for them), nor add at all.
    filtered = api(world["users"]["manager"]).get(
        "/credits/", params={"contract": world["other"].pk}
    )
    assert [row["id"] for row in filtered.json()["results"]] == [world["theirs"].pk]


def test_filters_by_kind_and_period(api, world):
    manager = world["users"]["manager"]
    client = api(manager)
    april = client.post("/credits/", goodwill_body(world, manager, period_on="2026-04-02")).json()
    in_april = client.get("/credits/", params={"period_on": "2026-04-01"}).json()["results"]
    assert [row["id"] for row in in_april] == [april["id"]]
    assert client.get("/credits/", params={"kind": "sla_breach"}).json()["results"] == []


def test_reverse_appends_a_row_once(api, world):
    manager = world["users"]["manager"]
    client = api(manager)
    credit = client.post("/credits/", goodwill_body(world, manager)).json()
    reversed_ = client.post(f"/credits/{credit['id']}/reverse/", {"reason": "Given twice"})
    assert reversed_.status_code == 201, reversed_.text
    assert (reversed_.json()["reverses"], reversed_.json()["amount"]) == (credit["id"], "25.0000")
    finance_client = api(make.user("finance"))
    before = table_counts()
    again = client.post(f"/credits/{credit['id']}/reverse/", {"reason": "Again"})
    assert (again.status_code, again.json()["code"]) == (409, "credit_already_reversed")
    finance = finance_client.post(f"/credits/{credit['id']}/reverse/", {"reason": "Mine"})
    assert finance.status_code == 403
    assert (
        api(world["users"]["dispatcher"])
        .post(f"/credits/{credit['id']}/reverse/", {"reason": "x"})
        .status_code
        == 403
    )
    assert table_counts() == before


# --- decisions ------------------------------------------------------------------------------------
def test_a_manager_approves_an_out_of_scope_line_and_the_total_changes(api, out_of_scope):
    line = work_order_rate(actor=None, work_order=out_of_scope, now=NOW).lines.get()
    dispatcher_client, manager_client = api(make.user("dispatcher")), api(make.user("manager"))
    before = table_counts()
    refused = dispatcher_client.post(
        "/charge-line-decisions/", {"line": line.pk, "approve": True, "reason": "Agreed"}
    )
    assert refused.status_code == 403
    missing_reason = manager_client.post(
        "/charge-line-decisions/", {"line": line.pk, "approve": True, "reason": ""}
    )
    assert (missing_reason.status_code, list(missing_reason.json()["fields"])) == (400, ["reason"])
    assert table_counts() == before

    decided = manager_client.post(
        "/charge-line-decisions/", {"line": line.pk, "approve": True, "reason": "Agreed"}
    )
    assert decided.status_code == 200, decided.text
    assert decided.json() == {
        "line": line.pk,
        "approval": "approved",
        "rating": decided.json()["rating"],
        "sequence": 2,
        "currency": "EUR",
        "total": "120.0000",
        "awaiting_approval": "0.0000",
    }
    again = api(make.user("admin")).post(
        "/charge-line-decisions/", {"line": line.pk, "approve": False, "reason": "No"}
    )
    assert (again.status_code, again.json()["code"]) == (409, "not_awaiting_approval")


def test_a_rejected_line_is_written_off_and_listed_as_a_credit(api, out_of_scope):
    line = work_order_rate(actor=None, work_order=out_of_scope, now=NOW).lines.get()
    manager = make.user("manager")
    decided = api(manager).post(
        "/charge-line-decisions/", {"line": line.pk, "approve": False, "reason": "Our mistake"}
    )
    assert decided.status_code == 200, decided.text
    assert (decided.json()["approval"], decided.json()["total"]) == ("rejected", "0.0000")
    listed = api(manager).get("/credits/", params={"kind": "write_off"}).json()["results"]
    assert [(row["amount"], row["reference"], row["reason"]) for row in listed] == [
        ("-120.0000", f"charge line {line.pk}", "Our mistake")
    ]


def test_a_line_the_caller_cannot_see_is_not_found(api, out_of_scope):
    line = work_order_rate(actor=None, work_order=out_of_scope, now=NOW).lines.get()
    stranger = make.user("customer", customer=make.customer())
    answer = api(stranger).post(
        "/charge-line-decisions/", {"line": line.pk, "approve": True, "reason": "Mine"}
    )
    assert answer.status_code == 404
    assert (
        api(make.user("manager"))
        .post("/charge-line-decisions/", {"line": 999999, "approve": True, "reason": "x"})
        .status_code
        == 404
    )
    assert ChargeLine.objects.get(pk=line.pk).approval == "pending"
