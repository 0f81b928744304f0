"""The bank statements page: finance uploads a CSV, sees each movement matched (to which
payment and invoice) or waiting; settles a waiting one to an invoice or sets it aside with a
reason; a refused file is shown with the service's words (row, column) and writes nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from pacta.audit.selectors import audit_entry_list_for
from pacta.billing.models import BankStatement, BankStatementLine, Payment
from tests.support import make
from tests.support.state import row, table_counts

pytestmark = pytest.mark.django_db

PAGE = "/finance/bank-statements/"
Q = Decimal
HEADER = "booked_on,amount,currency,reference,counterparty\n"
APRIL = (
    HEADER
    + "2026-04-11,181.50,EUR,Factura F2026-00001,Clinica Norte\n"
    + "2026-04-11,181.50,EUR,transfer april,Clinica Norte\n"
    + "2026-04-12,55.00,EUR,card fee,Bank\n"
)


@pytest.fixture
def billed():
    customer = make.customer(legal_name="Clínica Norte S.L.", language="en", currency="EUR")
    return make.issued_invoices(customer)


def upload(client, content: bytes, name="april.csv"):
    return client.post(PAGE, {"file": SimpleUploadedFile(name, content, "text/csv")}, follow=True)


def test_finance_imports_a_statement_and_sees_matched_and_waiting_lines(client, billed):
    january, _february = billed
    client.force_login(make.user("finance"))
    response = upload(client, APRIL.encode())
    statement = BankStatement.objects.get()
    assert response.redirect_chain == [(f"{PAGE}{statement.pk}/", 302)]
    page = response.content.decode()
    assert "april.csv imported: 3 movements, 1 matched, 2 waiting for a person." in page
    assert 'data-testid="line-2" data-state="matched"' in page
    assert 'data-testid="line-3" data-state="unmatched"' in page
    assert 'data-testid="line-4" data-state="unmatched"' in page
    assert f'<div data-testid="paid-{january.pk}">' in page
    assert "F2026-00001</a>: 181.50 · paid" in page
    assert page.count('class="assign"') == 2
    # January is paid: only February is offered to the waiting movements
    assert f'<option value="{january.pk}"' not in page
    listing = client.get(PAGE).content.decode()
    assert f'data-testid="statement-{statement.pk}"' in listing
    assert '<td class="number">3</td><td class="number">2</td>' in listing


def test_a_waiting_line_is_assigned_to_an_invoice_which_becomes_paid(client, billed):
    _january, february = billed
    client.force_login(make.user("finance"))
    upload(client, APRIL.encode())
    statement = BankStatement.objects.get()
    line = statement.lines.get(row=3)
    done = client.post(
        f"{PAGE}{statement.pk}/",
        {"line": line.pk, "assign": "", "invoice": february.pk},
        follow=True,
    )
    page = done.content.decode()
    assert "Row 3 pays F2026-00002, which is now paid." in page
    assert 'data-testid="line-3" data-state="matched"' in page
    assert (row(line)["state"], row(february)["state"]) == ("matched", "paid")
    assert Payment.objects.get(bank_line=line).allocated == Q("181.50")


def test_a_waiting_line_is_set_aside_with_a_reason(client, billed):
    client.force_login(make.user("finance"))
    upload(client, APRIL.encode())
    statement = BankStatement.objects.get()
    line = statement.lines.get(row=4)
    before = table_counts()
    refused = client.post(f"{PAGE}{statement.pk}/", {"line": line.pk, "dismiss": "", "reason": " "})
    assert refused.status_code == 400
    assert "Say why this movement is no customer payment." in refused.content.decode()
    assert table_counts() == before
    done = client.post(
        f"{PAGE}{statement.pk}/",
        {"line": line.pk, "dismiss": "", "reason": "Bank card fee"},
        follow=True,
    )
    page = done.content.decode()
    assert "Row 4 set aside: no customer payment." in page
    assert 'data-testid="line-4" data-state="ignored"' in page
    assert '<span class="muted">Bank card fee</span>' in page
    assert row(line)["state"] == "ignored"
    assert audit_entry_list_for(line).order_by("-at", "-pk").first().reason == "Bank card fee"
    # settled: a second try is refused with the service's words
    again = client.post(
        f"{PAGE}{statement.pk}/", {"line": line.pk, "dismiss": "", "reason": "again"}
    )
    assert again.status_code == 400
    assert "This movement was settled already." in again.content.decode()


def test_a_movement_paying_an_invoice_already_paid_is_refused(client, billed):
    january, _february = billed
    client.force_login(make.user("finance"))
    upload(client, APRIL.encode())
    statement = BankStatement.objects.get()
    line = statement.lines.get(row=3)
    before = table_counts()
    response = client.post(
        f"{PAGE}{statement.pk}/", {"line": line.pk, "assign": "", "invoice": january.pk}
    )
    assert response.status_code == 400
    assert "Invoice F2026-00001 is not open for payment (paid)." in response.content.decode()
    assert table_counts() == before


@pytest.mark.parametrize(
    ("content", "problems"),
    [
        (
            (HEADER + "2026-04-11,1.00,EUR,Pago de José,José\n").encode("latin-1"),
            ["The file is not UTF-8 text: export the statement as UTF-8 CSV."],
        ),
        (
            b"date,amount,currency,reference,memo\n2026-04-11,1.00,EUR,x,y\n",
            [
                "The statement&#x27;s columns are wrong (missing columns: booked_on; unknown "
                "columns: date, memo); expected booked_on, amount, currency, reference, "
                "counterparty, counterparty_iban."
            ],
        ),
        (
            (HEADER + "2026-04-11,181.50,EUR,F2026-00001,A\n11/04/2026,12.345,EUR,x,B\n").encode(),
            [
                "The statement was not imported: some rows are wrong.",
                "row 3: booked_on is not a date (YYYY-MM-DD).",
                "row 3: amount is not a number with at most two decimals.",
            ],
        ),
    ],
)
def test_a_refused_file_is_shown_with_its_problems_and_nothing_is_written(
    client, billed, content, problems
):
    client.force_login(make.user("finance"))
    before = table_counts()
    response = upload(client, content)
    assert response.status_code == 400
    shown = response.content.decode().split('<div id="problems">')[1].split("</div>")[0]
    assert [p.split(">", 1)[1] for p in shown.split("</p>")[:-1]] == problems
    assert table_counts() == before
    assert BankStatementLine.objects.count() == 0


def test_the_same_statement_twice_is_refused(client, billed):
    client.force_login(make.user("finance"))
    upload(client, APRIL.encode())
    before = table_counts()
    response = upload(client, APRIL.encode(), name="again.csv")
    assert response.status_code == 400
    assert "This statement was imported already." in response.content.decode()
    assert table_counts() == before


def test_managers_read_and_other_roles_do_not_reach_the_pages(client, billed):
    finance = make.user("finance")
    client.force_login(finance)
    upload(client, APRIL.encode())
    statement = BankStatement.objects.get()
    line = statement.lines.get(row=4)
    manager, dispatcher = make.user("manager"), make.user("dispatcher")
    customer = make.user("customer", customer=billed[0].customer)
    before = table_counts()
    client.force_login(manager)
    page = client.get(f"{PAGE}{statement.pk}/").content.decode()
    assert 'data-testid="line-4"' in page
    assert 'class="dismiss"' not in page
    assert 'id="import"' not in client.get(PAGE).content.decode()
    dismiss = {"line": line.pk, "dismiss": "", "reason": "fee"}
    assert client.post(f"{PAGE}{statement.pk}/", dismiss).status_code == 403
    assert upload(client, b"x").status_code == 403
    for user in (dispatcher, customer):
        client.force_login(user)
        assert client.get(PAGE).status_code == 403
        assert client.get(f"{PAGE}{statement.pk}/").status_code == 403
        assert client.post(f"{PAGE}{statement.pk}/", dismiss).status_code == 403
    assert table_counts() == before
