"""Contractor statements: a contractor is paid only for work its customers accepted in the
period, at the rate in force on the day of the work; the rest is listed as awaiting acceptance.
A work order is paid once; refusals write nothing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from pacta.accounts.access import audience_of
from pacta.audit.models import AuditEntry
from pacta.billing.errors import (
    ContractorRateMissing,
    StatementIssued,
    StatementPeriodNotEnded,
    StatementPeriodOverlaps,
)
from pacta.billing.models import ContractorStatement, ContractorStatementLine
from pacta.billing.selectors import contractor_statement_awaiting, contractor_statement_list
from pacta.billing.services.contractors import (
    contractor_statement_create,
    contractor_statement_issue,
)
from pacta.domain.errors import InvalidInput
from tests.support import make
from tests.support.concurrency import at_once
from tests.support.contractor_work import contractor_job as job
from tests.support.contractor_work import contractor_shop
from tests.support.make import at
from tests.support.state import row, table_counts

pytestmark = pytest.mark.django_db
Q = Decimal
NOW = at("2026-04-02 10:00")
KIND = "billing.contractorstatement"
MARCH = {"starts_on": date(2026, 3, 1), "ends_on": date(2026, 3, 31)}


@pytest.fixture
def shop():
    return contractor_shop()


def lines(statement):
    return [
        (line.work_order_id, line.quantity, line.unit_price, line.amount)
        for line in ContractorStatementLine.objects.filter(statement=statement).order_by("id")
    ]


def test_only_accepted_work_is_paid_at_the_rate_of_its_day_and_the_rest_awaits(shop):
    early = job(shop, shop["repair"], day="2026-03-05", decide=True)  # 1h20 at 40.00
    late = job(shop, shop["repair"], day="2026-03-12", hours=("09:00", "09:10"), decide=True)
    visit = job(shop, shop["upkeep"], day="2026-03-20", decide=True, decided_on="2026-03-25")
    waiting = job(shop, shop["repair"], day="2026-03-28")
    disputed = job(shop, shop["repair"], day="2026-03-29", decide=False)
    job(shop, shop["repair"], day="2026-03-30", decide=True, decided_on="2026-04-01")

    statement = contractor_statement_create(
        actor=None, contractor=shop["company"], now=NOW, reason="March run", **MARCH
    )

    # 1.333 h × 40.00 = 53.32; 0.167 h × 45.50 = 7.5985 → 7.60 (half-up per line); one visit.
    assert lines(statement) == [
        (early.pk, Q("1.333"), Q("40.0000"), Q("53.32")),
        (late.pk, Q("0.167"), Q("45.5000"), Q("7.60")),
        (visit.pk, Q("1.000"), Q("120.0000"), Q("120.00")),
    ]
    statement.refresh_from_db()
    assert (statement.total, statement.currency, statement.issued_at) == (Q("180.92"), "EUR", None)
    assert [w.pk for w in contractor_statement_awaiting(statement)] == [
        waiting.pk,
        disputed.pk,
    ]  # accepted in April: paid on April's statement, not awaiting


def test_a_work_order_is_paid_once_and_an_issued_statement_is_frozen(shop):
    job(shop, shop["repair"], day="2026-03-05", decide=True)
    first = contractor_statement_create(
        actor=None, contractor=shop["company"], now=NOW, reason="March", **MARCH
    )
    contractor_statement_issue(actor=None, statement=first, now=NOW, reason="Checked")
    before = table_counts()

    with pytest.raises(StatementPeriodOverlaps):
        contractor_statement_create(
            actor=None,
            contractor=shop["company"],
            starts_on=date(2026, 3, 15),
            ends_on=date(2026, 3, 31),
            now=NOW,
            reason="again",
        )
    with pytest.raises(StatementIssued):
        contractor_statement_issue(actor=None, statement=first, now=NOW, reason="again")
    assert table_counts() == before

    # A later period starting before the acceptance could not pay it again: it is on a statement.
    second = contractor_statement_create(
        actor=None,
        contractor=shop["company"],
        starts_on=date(2026, 4, 1),
        ends_on=date(2026, 4, 1),
        now=NOW,
        reason="April",
    )
    assert (lines(second), second.total) == ([], Q("0"))


def test_no_rate_in_force_names_the_work_order_and_day_and_writes_nothing(shop):
    stray = job(shop, shop["repair"], day="2025-12-30", decide=True, decided_on="2026-03-02")
    before = table_counts()
    with pytest.raises(ContractorRateMissing) as refused:
        contractor_statement_create(
            actor=None, contractor=shop["company"], now=NOW, reason="March", **MARCH
        )
    assert str(refused.value) == (
        f"Work order {stray.reference} has no contractor rate in force on 2025-12-30."
    )
    assert table_counts() == before


def test_a_period_not_ended_is_refused(shop):
    before = table_counts()
    with pytest.raises(StatementPeriodNotEnded):
        contractor_statement_create(
            actor=None,
            contractor=shop["company"],
            starts_on=date(2026, 4, 1),
            ends_on=date(2026, 4, 30),
            now=NOW,
            reason="too early",
        )
    assert table_counts() == before


def test_a_contractor_user_sees_only_its_companys_statements(shop):
    other = make.contractor(name="Otra S.L.")
    mine = contractor_statement_create(
        actor=None, contractor=shop["company"], now=NOW, reason="March", **MARCH
    )
    theirs = contractor_statement_create(
        actor=None, contractor=other, now=NOW, reason="March", **MARCH
    )
    boss = make.user("contractor", contractor=shop["company"])
    finance = make.user("finance")
    assert [s.pk for s in contractor_statement_list(audience=audience_of(boss))] == [mine.pk]
    assert sorted(s.pk for s in contractor_statement_list(audience=audience_of(finance))) == [
        mine.pk,
        theirs.pk,
    ]


@pytest.mark.django_db(transaction=True)
def test_the_api_shows_a_contractor_its_own_statements_with_the_work_awaiting(api, shop):
    accepted = job(shop, shop["upkeep"], day="2026-03-05", decide=True)
    waiting = job(shop, shop["repair"], day="2026-03-28")
    mine = contractor_statement_create(
        actor=None, contractor=shop["company"], now=NOW, reason="March", **MARCH
    )
    contractor_statement_create(
        actor=None, contractor=make.contractor(name="Otra S.L."), now=NOW, reason="March", **MARCH
    )
    boss = api(make.user("contractor", contractor=shop["company"]))

    answered = boss.get("/contractor-statements/")
    assert answered.status_code == 200, answered.text
    body = answered.json()
    rows = body["results"] if isinstance(body, dict) else body
    assert [
        (r["id"], r["total"], [(x["work_order"], x["amount"]) for x in r["lines"]]) for r in rows
    ] == [(mine.pk, "120.00", [(accepted.pk, "120.00")])]
    assert rows[0]["awaiting_acceptance"] == [
        {"work_order": waiting.pk, "reference": waiting.reference, "status": "completed"}
    ]
    assert len(api(make.user("finance")).get("/contractor-statements/").json()["results"]) == 2
    customer = api(make.user("customer", customer=make.customer()))
    assert customer.get("/contractor-statements/").status_code == 403


def test_the_portal_page_shows_a_contractor_its_statement_and_the_work_awaiting(client, shop):
    accepted = job(shop, shop["upkeep"], day="2026-03-05", decide=True)
    waiting = job(shop, shop["repair"], day="2026-03-28")
    statement = contractor_statement_create(
        actor=None, contractor=shop["company"], now=NOW, reason="March", **MARCH
    )
    client.force_login(make.user("contractor", contractor=shop["company"]))
    page = client.get("/contractor/statements/")
    assert page.status_code == 200
    rows = page.context["rows"]
    assert [(r["statement"].pk, [w.pk for w in r["awaiting"]]) for r in rows] == [
        (statement.pk, [waiting.pk])
    ]
    html = page.content.decode()
    assert f'data-testid="line-{accepted.pk}"' in html
    assert "120.00 EUR" in html

    client.force_login(make.user("finance"))
    assert client.get("/contractor/statements/").status_code == 403


def test_drafting_the_same_period_again_is_refused_naming_the_draft_and_writes_nothing(shop):
    job(shop, shop["upkeep"], day="2026-03-05", decide=True)
    draft = contractor_statement_create(
        actor=None, contractor=shop["company"], now=NOW, reason="March", **MARCH
    )
    before = table_counts()
    for period in (MARCH, {"starts_on": date(2026, 2, 15), "ends_on": date(2026, 3, 1)}):
        with pytest.raises(StatementPeriodOverlaps) as refused:
            contractor_statement_create(
                actor=None, contractor=shop["company"], now=NOW, reason="again", **period
            )
        message = (
            f"The period overlaps the draft statement {draft.pk} for 2026-03-01–2026-03-31: "
            "review or issue that one."
        )
        assert (refused.value.code, str(refused.value)) == ("statement_period_overlaps", message)
        assert refused.value.fields == {"starts_on": [message], "ends_on": [message]}
    assert table_counts() == before
    assert lines(draft) == [
        (
            ContractorStatementLine.objects.get().work_order_id,
            Q("1.000"),
            Q("120.0000"),
            Q("120.00"),
        )
    ]


@pytest.mark.parametrize(
    ("period", "reason", "field", "message"),
    [
        (
            {"starts_on": date(2026, 3, 31), "ends_on": date(2026, 3, 1)},
            "March",
            "ends_on",
            "The period ends before it starts.",
        ),
        (
            {"starts_on": date(2026, 3, 1), "ends_on": date(2026, 4, 2)},
            "March",
            "ends_on",
            "The period ends on 2026-04-02: it has not ended yet.",
        ),
        (MARCH, "  ", "reason", "Say why: a reason is required for this change."),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_writes_nothing(
    shop, period, reason, field, message
):
    job(shop, shop["upkeep"], day="2026-03-05", decide=True)
    before = table_counts()
    with pytest.raises(InvalidInput) as refused:
        contractor_statement_create(
            actor=None, contractor=shop["company"], now=NOW, reason=reason, **period
        )
    assert (str(refused.value), refused.value.fields) == (message, {field: [message]})
    assert table_counts() == before


def test_issuing_freezes_the_draft_and_is_audited(shop):
    draft = contractor_statement_create(
        actor=None, contractor=shop["company"], now=NOW, reason="March", **MARCH
    )
    before = table_counts()
    with pytest.raises(InvalidInput):
        contractor_statement_issue(actor=None, statement=draft, now=NOW, reason="")
    assert (table_counts(), row(draft)["issued_at"]) == (before, None)

    issued = contractor_statement_issue(
        actor=None, statement=draft, now=at("2026-04-03 09:00"), reason="Checked"
    )
    issued.refresh_from_db()
    assert issued.issued_at == at("2026-04-03 09:00")
    entries = AuditEntry.objects.filter(entity_id=str(draft.pk), entity_type=KIND).order_by("id")
    assert [(e.action, e.reason) for e in entries] == [("create", "March"), ("update", "Checked")]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "periods",
    [(MARCH, MARCH), (MARCH, {"starts_on": date(2026, 3, 25), "ends_on": date(2026, 4, 1)})],
)
def test_two_drafts_made_at_once_make_one_statement(shop, periods):
    job(shop, shop["upkeep"], day="2026-03-20", decide=True)
    given = iter(periods)

    def draft():
        return contractor_statement_create(
            actor=None, contractor=shop["company"], now=NOW, reason="March", **next(given)
        )

    made, errors = at_once(draft)
    assert (len(made), [type(e) for e in errors]) == (1, [StatementPeriodOverlaps])
    assert list(ContractorStatement.objects.values_list("pk", flat=True)) == [made[0].pk]
    # Whichever came first: its lines only (the work of 20 March is in March only).
    paid = 1 if made[0].starts_on == date(2026, 3, 1) else 0
    assert ContractorStatementLine.objects.filter(statement=made[0]).count() == paid
    assert ContractorStatementLine.objects.count() == paid
