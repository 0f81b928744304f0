"""The contractor-statement pages of finance: draft a statement for a contractor and a period,
see its payable lines, the work awaiting acceptance and the totals, issue it (confirmed); the
list filters by contractor and state; refusals are shown and write nothing; managers only read;
other roles do not reach the pages."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from pacta.billing.models import ContractorRate, ContractorStatement
from tests.support import make
from tests.support.contractor_work import contractor_job, contractor_shop
from tests.support.state import row, table_counts

pytestmark = pytest.mark.django_db

PAGE = "/finance/contractor-statements/"
MARCH = {"starts_on": "2026-03-01", "ends_on": "2026-03-31"}


@pytest.fixture
def shop():
    shop = contractor_shop()
    ContractorRate.objects.create(
        contractor=shop["company"],
        service=shop["repair"],
        per_visit=True,
        unit_price=Decimal("1500.00"),
        currency="EUR",
        effective_on=date(2026, 1, 1),
    )
    job = contractor_job
    shop["paid"] = [
        job(shop, shop["repair"], day="2026-03-05", decide=True),
        job(shop, shop["repair"], day="2026-03-06", decide=True),
        job(shop, shop["upkeep"], day="2026-03-20", decide=True),
    ]
    shop["awaiting"] = [
        job(shop, shop["repair"], day="2026-03-28"),
        job(shop, shop["upkeep"], day="2026-03-29", decide=False),
    ]
    return shop


def draft(client, shop, **values):
    body = {"contractor": shop["company"].pk, **MARCH, "reason": "March run", **values}
    return client.post(PAGE, body, follow=True)


def test_finance_drafts_reviews_and_issues_a_statement(client, shop):
    client.force_login(make.user("finance"))
    listed = client.get("/finance/")
    assert 'href="/finance/contractor-statements/"' in listed.content.decode()

    drafted = draft(client, shop)
    statement = ContractorStatement.objects.get()
    assert drafted.redirect_chain == [(f"{PAGE}{statement.pk}/", 302)]
    page = drafted.content.decode()
    assert f"Draft statement {statement.pk} for Frío Norte S.L., 2026-03-01–2026-03-31." in page
    assert drafted.context["totals"] == (
        "Pay 3,120.00 EUR for 3 accepted work orders; 2 awaiting acceptance."
    )
    assert [line.work_order_id for line in drafted.context["lines"]] == [w.pk for w in shop["paid"]]
    assert [w.pk for w in drafted.context["awaiting"]] == [w.pk for w in shop["awaiting"]]
    assert '<td class="number" data-testid="total">3,120.00 EUR</td>' in page
    assert 'name="issue"' in page

    unconfirmed = client.post(f"{PAGE}{statement.pk}/", {"reason": "Checked"}, follow=True)
    assert "Tick the box to confirm that the statement is checked." in unconfirmed.content.decode()
    assert row(statement)["issued_at"] is None

    issued = client.post(
        f"{PAGE}{statement.pk}/", {"reason": "Checked", "confirm": "yes"}, follow=True
    )
    statement.refresh_from_db()
    assert statement.issued_at is not None
    page = issued.content.decode()
    assert f"Statement {statement.pk} issued." in page
    assert f'<h1 data-testid="number">Contractor statement {statement.pk}</h1>' in page
    assert f"issued on {statement.issued_at:%Y-%m-%d}" in page
    assert 'name="issue"' not in page

    before = table_counts()
    again = client.post(
        f"{PAGE}{statement.pk}/", {"reason": "Again", "confirm": "yes"}, follow=True
    )
    assert "The statement was issued already." in again.content.decode()
    assert (table_counts(), row(statement)["issued_at"]) == (before, statement.issued_at)


def test_the_list_filters_by_contractor_and_state(client, shop):
    client.force_login(make.user("finance"))
    draft(client, shop)
    march = ContractorStatement.objects.get()
    client.post(f"{PAGE}{march.pk}/", {"reason": "Checked", "confirm": "yes"})
    draft(client, shop, starts_on="2026-04-01", ends_on="2026-04-30")
    april = ContractorStatement.objects.get(starts_on=date(2026, 4, 1))
    other = make.contractor(name="Otra S.L.")
    draft(client, shop, contractor=other.pk)
    theirs = ContractorStatement.objects.get(contractor=other)

    def shown(**query):
        return [s.pk for s in client.get(PAGE, query).context["statements"]]

    assert shown() == [april.pk, march.pk, theirs.pk]  # newest period, then by name
    assert shown(contractor=shop["company"].pk) == [april.pk, march.pk]
    assert shown(state="draft") == [april.pk, theirs.pk]
    assert shown(state="issued", contractor=shop["company"].pk) == [march.pk]
    assert shown(state="issued", contractor=other.pk) == []


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"contractor": ""}, "Choose the contractor."),
        ({"ends_on": "31/03/2026"}, "Give the first and the last day of the period (YYYY-MM-DD)."),
        ({"starts_on": "2026-03-31", "ends_on": "2026-03-01"}, "The period ends before it starts."),
        ({"ends_on": "2099-01-31"}, "The period ends on 2099-01-31: it has not ended yet."),
        ({"reason": ""}, "Say why: a reason is required for this change."),
    ],
)
def test_a_refused_draft_is_shown_and_nothing_is_written(client, shop, values, message):
    client.force_login(make.user("finance"))
    before = table_counts()
    page = draft(client, shop, **values)
    assert page.redirect_chain == [(PAGE, 302)]
    assert message in page.content.decode()
    assert table_counts() == before


def test_managers_read_and_others_do_not_reach_the_pages(client, shop):
    client.force_login(make.user("finance"))
    draft(client, shop)
    statement = ContractorStatement.objects.get()
    client.force_login(make.user("manager"))
    assert client.get(PAGE).status_code == 200
    shown = client.get(f"{PAGE}{statement.pk}/")
    assert (shown.status_code, shown.context["may_issue"]) == (200, False)
    before = table_counts()
    april = {"starts_on": "2026-04-01", "ends_on": "2026-04-30"}
    assert draft(client, shop, **april).status_code == 403
    issue = {"reason": "Mine", "confirm": "yes"}
    assert client.post(f"{PAGE}{statement.pk}/", issue).status_code == 403
    assert table_counts() == before
    for role, extra in (
        ("dispatcher", {}),
        ("contractor", {"contractor": shop["company"]}),
        ("customer", {"customer": make.customer()}),
    ):
        client.force_login(make.user(role, **extra))
        assert client.get(PAGE).status_code == 403, role
        assert client.get(f"{PAGE}{statement.pk}/").status_code == 403, role


def test_the_statement_is_a_csv_for_finance_and_for_its_contractor_only(client, shop):
    client.force_login(make.user("finance"))
    draft(client, shop)
    statement = ContractorStatement.objects.get()
    page = client.get(f"{PAGE}{statement.pk}/").content.decode()
    assert f'href="{PAGE}{statement.pk}/statement.csv"' in page
    got = client.get(f"{PAGE}{statement.pk}/statement.csv")
    assert (got["Content-Type"], got["Content-Disposition"]) == (
        "text/csv",
        f'attachment; filename="contractor-statement-{statement.pk}-2026-03-01.csv"',
    )
    lines = {line.work_order_id: line for line in statement.lines.all()}
    paid, (waiting, disputed) = shop["paid"], shop["awaiting"]
    expected = [
        "Work order,Description,Quantity,Unit price,Amount,Currency,State",
        *(
            f"{w.reference},{lines[w.pk].description},1,{price},{price}.00,EUR,payable"
            for w, price in zip(paid, ("1500", "1500", "120"), strict=True)
        ),
        f"{waiting.reference},{waiting.ticket.subject},,,,EUR,awaiting acceptance (completed)",
        f"{disputed.reference},{disputed.ticket.subject},,,,EUR,awaiting acceptance (disputed)",
        "Total,,,,3120.00,EUR,",
    ]
    text = got.content.decode()
    assert text.splitlines() == expected

    client.force_login(make.user("contractor", contractor=shop["company"]))
    own = client.get(f"/contractor/statements/{statement.pk}.csv")
    assert (own.status_code, own.content.decode()) == (200, text)
    assert (
        f'href="/contractor/statements/{statement.pk}.csv"'
        in client.get("/contractor/statements/").content.decode()
    )
    client.force_login(make.user("contractor", contractor=make.contractor(name="Otra S.L.")))
    assert client.get(f"/contractor/statements/{statement.pk}.csv").status_code == 404
    client.force_login(make.user("dispatcher"))
    assert client.get(f"{PAGE}{statement.pk}/statement.csv").status_code == 403
