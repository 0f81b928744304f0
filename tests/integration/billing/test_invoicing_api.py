"""The invoicing API over real HTTP: runs, drafts, issue, immutability (409), credit notes,
the PDF, payments, bank statements, disputes, and who sees what."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from pacta.audit.models import AuditEntry
from pacta.billing.models import ContractPeriod, Invoice
from pacta.billing.services import invoice_issue, period_close, periods_ensure
from tests.support import make
from tests.support.fixtures import ids_of, results
from tests.support.make import at
from tests.support.state import row, table_counts

pytestmark = pytest.mark.django_db(transaction=True)

NOW = at("2026-04-02 10:00")


@pytest.fixture
def world():
    customer = make.customer(currency="EUR", language="fr")
    other = make.customer(currency="EUR")
    service = make.service()
    contract = make.contract(customer, scope=[(service, "included")], number="C-API")
    make.contract(other, scope=[(service, "included")])
    return {
        "customer": customer,
        "other": other,
        "contract": contract,
        "finance": make.user("finance"),
        "reader": make.user("customer", customer=customer),
    }


def drafts_of(contract, until=date(2026, 2, 28)):
    periods_ensure(contract=contract, until=until, now=NOW)
    return [
        period_close(actor=None, period=p, now=NOW)
        for p in ContractPeriod.objects.filter(contract=contract).order_by("starts_on")
    ]


def test_finance_runs_reviews_and_issues_and_an_issued_invoice_refuses_changes(api, world):
    finance = api(world["finance"])
    run = finance.post("/invoice-runs/", {"through": "2026-02-28"})
    assert run.status_code == 201, run.text
    assert (run.json()["state"], run.json()["periods"]) == ("finished", 4)  # 2 contracts × 2
    invoices = results(finance.get("/invoices/", params={"contract": world["contract"].pk}))
    assert [(i["state"], i["number"], i["gross_total"]) for i in invoices] == [
        ("draft", None, "181.50"),
        ("draft", None, "181.50"),
    ]
    draft = invoices[-1]
    edited = finance.patch(f"/invoices/{draft['id']}/", {"notes": "PO 7"})
    assert (edited.status_code, edited.json()["notes"]) == (200, "PO 7")
    issued = finance.post(f"/invoices/{draft['id']}/issue/")
    assert (issued.status_code, issued.json()["number"]) == (200, "F2026-00001")
    assert issued.json()["lines"][0]["kind"] == "fee"

    before, stored = table_counts(), row(Invoice.objects.get(pk=draft["id"]))
    refused = finance.patch(f"/invoices/{draft['id']}/", {"notes": "changed"})
    assert refused.status_code == 409
    assert refused.json()["code"] == "invoice_immutable"
    deleted = finance.delete(f"/invoices/{draft['id']}/")
    assert (deleted.status_code, deleted.json()["code"]) == (409, "invoice_immutable")
    again = finance.post(f"/invoices/{draft['id']}/issue/")
    assert (again.status_code, again.json()["code"]) == (409, "invoice_not_draft")
    assert table_counts() == before
    assert row(Invoice.objects.get(pk=draft["id"])) == stored
    assert finance.post("/invoices/", {}).status_code == 403


def test_a_run_for_a_period_not_ended_is_refused(api, world):
    response = api(world["finance"]).post("/invoice-runs/", {"through": "2999-01-31"})
    assert (response.status_code, response.json()["code"]) == (409, "period_not_ended")


def test_credit_notes_over_the_api_and_one_too_large_is_refused(api, world):
    invoice = invoice_issue(actor=None, invoice=drafts_of(world["contract"])[0], now=NOW)
    fee = invoice.lines.get()
    finance = api(world["finance"])
    note = finance.post(
        f"/invoices/{invoice.pk}/credit-note/",
        {"lines": [{"line": fee.pk, "amount": "20.00"}], "reason": "late visit"},
    )
    assert note.status_code == 201, note.text
    assert (note.json()["kind"], note.json()["gross_total"]) == ("credit_note", "-24.20")
    before = table_counts()
    too_large = finance.post(
        f"/invoices/{invoice.pk}/credit-note/",
        {"lines": [{"line": fee.pk, "amount": "130.01"}], "reason": "again"},
    )
    assert (too_large.status_code, too_large.json()["code"]) == (400, "credit_note_too_large")
    assert table_counts() == before


def test_the_pdf_is_in_the_customers_language(api, world):
    invoice = invoice_issue(actor=None, invoice=drafts_of(world["contract"])[0], now=NOW)
    response = api(world["reader"]).get(f"/invoices/{invoice.pk}/pdf/")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    from pacta.billing.rendering import invoice_html

    html = invoice_html(invoice)
    assert '<html lang="fr">' in html
    assert '<th class="number">Quantité</th>' in html  # in French, numbers too
    assert '<td class="number" id="gross">181,50 EUR</td>' in html
    assert "<title>F2026-00001</title>" in html


def test_a_customer_sees_its_own_issued_invoices_only(api, world):
    january, february = drafts_of(world["contract"])
    invoice_issue(actor=None, invoice=january, now=NOW)
    (foreign,) = drafts_of(world["other"].contracts.get(), until=date(2026, 1, 31))
    invoice_issue(actor=None, invoice=foreign, now=NOW)
    reader = api(world["reader"])
    assert ids_of(reader.get("/invoices/")) == {january.pk}
    assert reader.get(f"/invoices/{february.pk}/").status_code == 404  # a draft
    assert reader.get(f"/invoices/{foreign.pk}/").status_code == 404  # another customer's
    assert reader.get(f"/invoices/{foreign.pk}/pdf/").status_code == 404
    assert ids_of(reader.get("/invoice-lines/")) == {january.lines.get().pk}
    assert reader.post(f"/invoices/{january.pk}/issue/").status_code == 403
    assert reader.get("/invoice-runs/").status_code == 403


def test_payments_bank_statements_and_disputes_over_the_api(api, world):
    invoices = [invoice_issue(actor=None, invoice=d, now=NOW) for d in drafts_of(world["contract"])]
    finance = api(world["finance"])
    paid = finance.post(
        "/payments/",
        {
            "customer": world["customer"].pk,
            "amount": "100.00",
            "currency": "EUR",
            "received_on": "2026-04-10",
        },
    )
    assert (paid.status_code, paid.json()["allocated"]) == (201, "100.00")
    assert row(invoices[0])["state"] == "partly_paid"
    wrong = finance.post(
        "/payments/",
        {
            "customer": world["customer"].pk,
            "amount": "1.00",
            "currency": "USD",
            "received_on": "2026-04-10",
        },
    )
    assert (wrong.status_code, wrong.json()["code"]) == (400, "payment_currency_refused")
    content = b"booked_on,amount,currency,reference\n2026-04-11,181.50,EUR,F2026-00002\n"
    imported = finance.client.post(
        "/bank-statements/", files={"file": ("april.csv", content, "text/csv")}
    )
    assert imported.status_code == 201, imported.text
    assert [x["state"] for x in results(finance.get("/bank-statement-lines/"))] == ["matched"]
    assert row(invoices[1])["state"] == "paid"
    fee = b"booked_on,amount,currency,reference\n2026-04-12,-4.90,EUR,BANK FEE APRIL\n"
    imported = finance.client.post(
        "/bank-statements/", files={"file": ("fee.csv", fee, "text/csv")}
    )
    assert imported.status_code == 201, imported.text
    (waiting,) = results(finance.get("/bank-statement-lines/", params={"state": "unmatched"}))
    set_aside = finance.post(
        f"/bank-statement-lines/{waiting['id']}/resolve/",
        {"ignore": True, "reason": "Bank's own fee, not a customer payment"},
    )
    assert (set_aside.status_code, set_aside.json()["state"]) == (200, "ignored")
    assert (
        AuditEntry.objects.filter(
            entity_type="billing.bankstatementline", entity_id=str(waiting["id"]), action="update"
        )
        .values_list("reason", flat=True)
        .get()
        == "Bank's own fee, not a customer payment"
    )

    reader = api(world["reader"])
    line = invoices[0].lines.get()
    raised = reader.post("/disputes/", {"line": line.pk, "reason": "Not done"})
    assert raised.status_code == 201, raised.text
    resolved = finance.post(
        f"/disputes/{raised.json()['id']}/resolve/",
        {"credit": True, "amount": "10.00", "reason": "Agreed"},
    )
    assert (resolved.status_code, resolved.json()["state"]) == (200, "credited")
    assert (
        reader.post(
            f"/disputes/{raised.json()['id']}/resolve/", {"credit": False, "reason": "x"}
        ).status_code
        == 403
    )
    assert Decimal(str(row(invoices[0])["paid_total"])) == Decimal("100.00")
