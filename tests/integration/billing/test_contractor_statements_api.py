"""The contractor-statement API over real HTTP: finance drafts a statement for a contractor and
a period that has ended (the accepted work paid, the rest awaiting), issues it once; every
refusal names the field or the statement in the way and writes nothing; a contractor user reads
its own and writes nothing."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from pacta.audit.models import AuditEntry
from pacta.billing.models import ContractorStatement
from tests.support import make
from tests.support.contractor_work import contractor_job, contractor_shop
from tests.support.fixtures import results
from tests.support.state import row, table_counts

pytestmark = pytest.mark.django_db(transaction=True)

MARCH = {"starts_on": "2026-03-01", "ends_on": "2026-03-31"}
KIND = "billing.contractorstatement"


@pytest.fixture
def shop():
    shop = contractor_shop()
    job = contractor_job
    shop["repair_job"] = job(shop, shop["repair"], day="2026-03-05", decide=True)  # 1h20 × 40
    shop["visit_job"] = job(
        shop, shop["upkeep"], day="2026-03-20", decide=True, decided_on="2026-03-25"
    )
    shop["waiting_job"] = job(shop, shop["repair"], day="2026-03-28")
    shop["disputed_job"] = job(shop, shop["repair"], day="2026-03-29", decide=False)
    shop["finance"] = make.user("finance")
    return shop


def draft_body(shop, **values):
    return {"contractor": shop["company"].pk, **MARCH, "reason": "March run", **values}


def test_finance_drafts_a_statement_once_and_issues_it_once(api, shop):
    finance = api(shop["finance"])
    drafted = finance.post("/contractor-statements/", draft_body(shop))
    assert drafted.status_code == 201, drafted.text
    body = drafted.json()
    statement = ContractorStatement.objects.get()
    repair, visit = shop["repair_job"], shop["visit_job"]
    waiting, disputed = shop["waiting_job"], shop["disputed_job"]
    assert body == {
        "id": statement.pk,
        "contractor": shop["company"].pk,
        "starts_on": "2026-03-01",
        "ends_on": "2026-03-31",
        "currency": "EUR",
        "total": "173.32",
        "issued_at": None,
        "created_at": body["created_at"],
        "lines": [
            {
                "id": body["lines"][0]["id"],
                "work_order": repair.pk,
                "description": f"{repair.reference} (2026-03-05): 1.333 hours",
                "quantity": "1.333",
                "unit_price": "40.0000",
                "amount": "53.32",
            },
            {
                "id": body["lines"][1]["id"],
                "work_order": visit.pk,
                "description": f"{visit.reference} (2026-03-20): 1 visit",
                "quantity": "1.000",
                "unit_price": "120.0000",
                "amount": "120.00",
            },
        ],
        "awaiting_acceptance": [
            {"work_order": waiting.pk, "reference": waiting.reference, "status": "completed"},
            {"work_order": disputed.pk, "reference": disputed.reference, "status": "disputed"},
        ],
    }
    assert [(e.action, e.reason, e.actor_id) for e in audit(statement)] == [
        ("create", "March run", shop["finance"].pk)
    ]

    # The same contractor and period again: refused, naming the draft; still one statement.
    before = table_counts()
    again = finance.post("/contractor-statements/", draft_body(shop))
    message = (
        f"The period overlaps the draft statement {statement.pk} for 2026-03-01–2026-03-31: "
        "review or issue that one."
    )
    assert (again.status_code, again.json()) == (
        409,
        {
            "code": "statement_period_overlaps",
            "detail": message,
            "fields": {"starts_on": [message], "ends_on": [message]},
        },
    )
    assert table_counts() == before

    unexplained = finance.post(f"/contractor-statements/{statement.pk}/issue/", {})
    assert (unexplained.status_code, unexplained.json()["fields"]) == (
        400,
        {"reason": ["Say why: a reason is required for this change."]},
    )
    assert row(statement)["issued_at"] is None

    issued = finance.post(f"/contractor-statements/{statement.pk}/issue/", {"reason": "Checked"})
    assert issued.status_code == 200, issued.text
    statement.refresh_from_db()
    assert statement.issued_at is not None
    assert datetime.fromisoformat(issued.json()["issued_at"]) == statement.issued_at
    assert issued.json()["total"] == "173.32"

    before = table_counts()
    twice = finance.post(f"/contractor-statements/{statement.pk}/issue/", {"reason": "Again"})
    assert (twice.status_code, twice.json()["code"], twice.json()["detail"]) == (
        409,
        "statement_issued",
        "The statement was issued already.",
    )
    assert (table_counts(), row(statement)["issued_at"]) == (before, statement.issued_at)
    assert [(e.action, e.reason) for e in audit(statement)] == [
        ("create", "March run"),
        ("update", "Checked"),
    ]


def audit(statement):
    return AuditEntry.objects.filter(entity_type=KIND, entity_id=str(statement.pk)).order_by("id")


def test_bad_drafts_are_refused_naming_the_field_and_nothing_is_written(api, shop):
    finance = api(shop["finance"])
    today = timezone.localdate()
    cases = [
        (
            draft_body(shop, contractor=999_999),
            "invalid",
            {"contractor": ['Invalid pk "999999" - object does not exist.']},
        ),
        (
            draft_body(shop, starts_on="2026-03-31", ends_on="2026-03-01"),
            "invalid",
            {"ends_on": ["The period ends before it starts."]},
        ),
        (
            draft_body(shop, ends_on=today.isoformat()),
            "statement_period_not_ended",
            {"ends_on": [f"The period ends on {today.isoformat()}: it has not ended yet."]},
        ),
        (
            draft_body(shop, ends_on=(today + timedelta(days=30)).isoformat()),
            "statement_period_not_ended",
            {
                "ends_on": [
                    f"The period ends on {(today + timedelta(days=30)).isoformat()}: "
                    "it has not ended yet."
                ]
            },
        ),
        (
            draft_body(shop, starts_on="1 March"),
            "invalid",
            {"starts_on": ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."]},
        ),
        (
            draft_body(shop, reason=""),
            "invalid",
            {"reason": ["Say why: a reason is required for this change."]},
        ),
        (
            {"contractor": shop["company"].pk},
            "invalid",
            {
                "starts_on": ["This field is required."],
                "ends_on": ["This field is required."],
            },
        ),
    ]
    before = table_counts()
    for given, code, fields in cases:
        refused = finance.post("/contractor-statements/", given)
        assert (refused.status_code, refused.json()["code"], refused.json()["fields"]) == (
            400,
            code,
            fields,
        ), given
    assert table_counts() == before


def test_a_period_overlapping_an_issued_statement_is_refused(api, shop):
    finance = api(shop["finance"])
    first = finance.post("/contractor-statements/", draft_body(shop)).json()
    finance.post(f"/contractor-statements/{first['id']}/issue/", {"reason": "Checked"})
    before = table_counts()
    overlapping = finance.post(
        "/contractor-statements/", draft_body(shop, starts_on="2026-03-31", ends_on="2026-04-30")
    )
    assert (overlapping.status_code, overlapping.json()["detail"]) == (
        409,
        "The period overlaps the statement issued for 2026-03-01–2026-03-31.",
    )
    assert table_counts() == before


def test_only_finance_writes_and_a_contractor_reads_its_own(api, shop):
    statement = api(shop["finance"]).post("/contractor-statements/", draft_body(shop)).json()
    issue = f"/contractor-statements/{statement['id']}/issue/"
    boss = make.user("contractor", contractor=shop["company"])
    stranger = make.user("contractor", contractor=make.contractor(name="Otra S.L."))
    customer = make.user("customer", customer=make.customer())
    readers = [boss, stranger, customer, make.user("manager"), make.user("dispatcher")]
    before = table_counts()
    for role_user in readers:
        client = api(role_user)
        april = draft_body(shop, starts_on="2026-04-01", ends_on="2026-04-30")
        assert client.post("/contractor-statements/", april).status_code == 403, role_user.role
        assert client.post(issue, {"reason": "Mine"}).status_code == 403, role_user.role
    assert table_counts() == before
    assert [s["id"] for s in results(api(boss).get("/contractor-statements/"))] == [statement["id"]]
    assert results(api(stranger).get("/contractor-statements/")) == []
    assert api(stranger).get(f"/contractor-statements/{statement['id']}/").status_code == 404
