"""The disputes page: finance sees the open disputes and the decided ones with the dispute
rate, credits a disputed line (a credit note issued at once) or rejects it with a reason; a
refusal is shown next to its field and writes nothing; other roles do not reach it."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pacta.billing.models import Dispute, Invoice
from pacta.billing.services import dispute_raise
from tests.support import make
from tests.support.make import at
from tests.support.state import row, table_counts

pytestmark = pytest.mark.django_db

PAGE = "/finance/disputes/"
NOW = at("2026-04-02 10:00")
Q = Decimal


@pytest.fixture
def disputed():
    """Two issued invoices of one line each (150.00 + 21% VAT); January's line is disputed."""
    customer = make.customer(legal_name="Clínica Norte S.L.", language="en", currency="EUR")
    invoices = make.issued_invoices(customer)
    reader = make.user("customer", customer=customer, first_name="Ana", last_name="Ruiz")
    dispute = dispute_raise(
        actor=reader, line=invoices[0].lines.get(), reason="The unit was off all week", now=NOW
    )
    return dispute, invoices


def test_finance_sees_the_open_dispute_and_the_rate(client, disputed):
    dispute, (_january, _february) = disputed
    client.force_login(make.user("finance"))
    page = client.get(PAGE).content.decode()
    shown = page.split(f'data-testid="dispute-{dispute.pk}"')[1].split("</tr>")[0]
    assert ">F2026-00001</a>" in shown
    assert "Clínica Norte S.L." in shown
    assert "The unit was off all week" in shown
    assert "2026-04-02 10:00 · Ana Ruiz" in shown
    assert "(150.00 EUR)" in shown
    # one disputed line of one listed invoice; all issued: one line of two
    assert "Dispute rate of the invoice listed: 100.0 % of its lines." in page
    assert "All issued invoices: 50.0 % of their lines." in page
    assert "No dispute decided yet." in page


def test_finance_credits_part_of_the_line_with_an_issued_credit_note(client, disputed):
    dispute, (_january, _february) = disputed
    client.force_login(make.user("finance"))
    done = client.post(
        f"{PAGE}{dispute.pk}/",
        {"decision": "credit", "amount": "50.00", "reason": "Agreed: three days off"},
        follow=True,
    )
    page = done.content.decode()
    note = Invoice.objects.get(kind="credit_note")
    assert "Dispute of F2026-00001 credited: credit note R2026-00001 of -60.50 EUR." in page
    assert (note.number, note.state, note.gross_total) == ("R2026-00001", "issued", Q("-60.50"))
    stored = row(dispute)
    assert (stored["state"], stored["resolution"], stored["credit_note_id"]) == (
        "credited",
        "Agreed: three days off",
        note.pk,
    )
    decided = page.split(f'data-testid="dispute-{dispute.pk}"')[1].split("</tr>")[0]
    assert '<span data-testid="state">credited</span>: Agreed: three days off' in decided
    assert "R2026-00001</a> (-60.50 EUR)" in decided
    assert "No dispute is open." in page


def test_finance_rejects_a_dispute_with_a_reason(client, disputed):
    dispute, (_january, _february) = disputed
    client.force_login(make.user("finance"))
    done = client.post(
        f"{PAGE}{dispute.pk}/", {"decision": "reject", "reason": "Visits as agreed"}, follow=True
    )
    assert "Dispute of F2026-00001 rejected." in done.content.decode()
    assert (row(dispute)["state"], row(dispute)["resolution"]) == ("rejected", "Visits as agreed")
    assert Invoice.objects.filter(kind="credit_note").count() == 0
    detail = client.get(f"{PAGE}{dispute.pk}/").content.decode()
    assert 'id="resolve"' not in detail
    again = client.post(f"{PAGE}{dispute.pk}/", {"decision": "reject", "reason": "again"})
    assert again.status_code == 400
    assert "This dispute was resolved already." in again.content.decode()


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"decision": "credit", "reason": "  "}, "reason", "Say why: a reason is required"),
        ({"reason": "why"}, "decision", "Choose: credit the line, or reject the dispute."),
        ({"decision": "credit", "amount": "lots", "reason": "x"}, "amount", "Give the net amount"),
        ({"decision": "credit", "amount": "0", "reason": "x"}, "amount", "above zero"),
        (
            {"decision": "credit", "amount": "200.00", "reason": "x"},
            "amount",
            "More than is left on the line.",
        ),
    ],
)
def test_a_refused_resolution_is_named_next_to_its_field_and_writes_nothing(
    client, disputed, values, field, message
):
    dispute, _invoices = disputed
    client.force_login(make.user("finance"))
    before = table_counts()
    response = client.post(f"{PAGE}{dispute.pk}/", values)
    assert response.status_code == 400
    page = response.content.decode()
    marker = {"reason": 'id="reason"', "decision": "</fieldset>", "amount": 'id="amount"'}[field]
    assert message in page.split(marker)[1].split("<label")[0].split("<button")[0]
    assert table_counts() == before
    assert row(dispute)["state"] == "open"


def test_the_invoice_filter_lists_one_invoices_disputes(client, disputed):
    dispute, (january, february) = disputed
    client.force_login(make.user("finance"))
    page = client.get(PAGE, {"invoice": february.pk}).content.decode()
    assert f'data-testid="dispute-{dispute.pk}"' not in page
    assert "Dispute rate of the invoice listed: 0.0 % of its lines." in page
    page = client.get(PAGE, {"invoice": january.pk}).content.decode()
    assert f'data-testid="dispute-{dispute.pk}"' in page


def test_managers_resolve_and_other_roles_do_not_reach_the_pages(client, disputed):
    dispute, _invoices = disputed
    dispatcher = make.user("dispatcher")
    customer = make.user("customer", customer=dispute.line.invoice.customer)
    before = table_counts()
    for user in (dispatcher, customer):
        client.force_login(user)
        assert client.get(PAGE).status_code == 403
        assert client.get(f"{PAGE}{dispute.pk}/").status_code == 403
        refused = client.post(f"{PAGE}{dispute.pk}/", {"decision": "reject", "reason": "no"})
        assert refused.status_code == 403
    assert table_counts() == before
    assert Dispute.objects.get().state == "open"
    client.force_login(make.user("manager"))
    done = client.post(f"{PAGE}{dispute.pk}/", {"decision": "reject", "reason": "no"})
    assert done.status_code == 302
    assert row(dispute)["state"] == "rejected"
