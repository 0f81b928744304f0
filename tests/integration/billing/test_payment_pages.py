"""The payments page: finance records a payment (a part, or more than owed: the rest held as
credit), allocates what is left to an open invoice and sees its state follow; a refusal is
shown next to its field and writes nothing; managers read; other roles do not reach it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from pacta.billing.models import Payment
from pacta.billing.services import payment_record
from tests.support import make
from tests.support.make import at
from tests.support.state import row, table_counts

pytestmark = pytest.mark.django_db

PAGE = "/finance/payments/"
NOW = at("2026-04-02 10:00")
Q = Decimal


@pytest.fixture
def billed():
    """Two issued invoices of 181.50 (150.00 + 21% VAT): January and February."""
    customer = make.customer(legal_name="Clínica Norte S.L.", language="en", currency="EUR")
    return customer, make.issued_invoices(customer)


def held_as_credit(customer, amount):
    """A payment that pays no invoice yet: all of it is the customer's credit."""
    return payment_record(
        actor=None,
        customer=customer,
        amount=Q(amount),
        currency="EUR",
        received_on=date(2026, 4, 10),
        invoices=[],
        now=NOW,
    )


def record(client, customer, amount, **values):
    data = {
        "customer": customer.pk,
        "received_on": "2026-04-10",
        "amount": amount,
        "currency": "EUR",
        "method": "transfer",
        "reference": "",
        "invoice": "",
        **values,
    }
    return client.post(PAGE, data, follow=True)


def test_finance_records_a_part_payment_and_the_invoice_is_partly_paid(client, billed):
    customer, (january, february) = billed
    client.force_login(make.user("finance"))
    page = record(client, customer, "100.00", reference="F2026-00001").content.decode()
    payment = Payment.objects.get()
    assert (
        "Payment of 100.00 EUR from Clínica Norte S.L. recorded: 100.00 allocated, "
        "0.00 held as credit." in page
    )
    assert f'data-testid="payment-{payment.pk}"' in page
    assert (row(january)["state"], row(january)["paid_total"]) == ("partly_paid", Q("100.00"))
    assert row(february)["state"] == "issued"
    detail = client.get(f"{PAGE}{payment.pk}/").content.decode()
    allocation = payment.allocations.get()
    assert f'data-testid="allocation-{allocation.pk}"' in detail
    assert 'data-testid="state">partly paid<' in detail


def test_an_over_payment_is_held_as_credit_then_allocated_and_the_invoice_is_paid(client, billed):
    customer, (january, february) = billed
    client.force_login(make.user("finance"))
    page = record(client, customer, "200.00", invoice=january.pk).content.decode()
    assert "200.00 allocated" not in page
    assert "181.50 allocated, 18.50 held as credit." in page
    payment = Payment.objects.get()
    assert row(january)["state"] == "paid"
    assert 'data-testid="left">18.50<' in page
    # February owes 181.50: a part of the credit makes it partly paid
    done = client.post(
        f"{PAGE}{payment.pk}/", {"invoice": february.pk, "amount": "18.50"}, follow=True
    )
    assert "18.50 EUR allocated to F2026-00002, which is now partly paid." in done.content.decode()
    assert (row(february)["state"], row(february)["paid_total"]) == ("partly_paid", Q("18.50"))
    assert row(payment)["allocated"] == Q("200.00")
    assert 'data-testid="left">0.00 EUR<' in done.content.decode()
    assert 'id="allocate"' not in done.content.decode()  # nothing left to allocate


def test_the_last_part_of_a_credit_pays_an_invoice(client, billed):
    customer, (january, _february) = billed
    payment = held_as_credit(customer, "500.00")
    client.force_login(make.user("finance"))
    page = client.get(f"{PAGE}{payment.pk}/").content.decode()
    assert "F2026-00001 · issued · 181.50 EUR owed" in page
    done = client.post(
        f"{PAGE}{payment.pk}/", {"invoice": january.pk, "amount": "181.50"}, follow=True
    )
    assert "181.50 EUR allocated to F2026-00001, which is now paid." in done.content.decode()
    assert row(january)["state"] == "paid"
    assert 'data-testid="left">318.50 EUR<' in done.content.decode()


def test_a_payment_in_another_currency_is_refused_next_to_the_currency(client, billed):
    customer, (january, _february) = billed
    client.force_login(make.user("finance"))
    before = table_counts()
    response = record(client, customer, "181.50", currency="usd")
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="currency" name="currency" value="usd"' in page  # sent back as typed
    currency_error = page.split('id="currency"')[1].split('<label for="method">')[0]
    assert "Clínica Norte S.L. pays in EUR, not USD." in currency_error
    assert table_counts() == before
    assert row(january)["state"] == "issued"


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"amount": "ten"}, "amount", "Give the amount received, e.g. 181.50."),
        ({"amount": "10.001"}, "amount", "The amount has more decimals than its currency."),
        ({"amount": "-5"}, "amount", "A payment is an amount above zero."),
        ({"received_on": "10/04/2026"}, "received_on", "Give the day the money was received"),
        ({"method": "barter"}, "method", "Not a payment method."),
    ],
)
def test_bad_input_is_named_next_to_its_field_and_nothing_is_written(
    client, billed, values, field, message
):
    customer, _invoices = billed
    client.force_login(make.user("finance"))
    before = table_counts()
    response = record(client, customer, values.pop("amount", "10.00"), **values)
    assert response.status_code == 400
    page = response.content.decode()
    after_field = page.split(f'id="{field}"')[1].split("<label")[0]
    assert message in after_field
    assert table_counts() == before


def test_paying_an_invoice_of_another_customer_is_refused(client, billed):
    _customer, (january, _february) = billed
    other = make.customer(legal_name="Hotel Sur S.L.", currency="EUR")
    client.force_login(make.user("finance"))
    before = table_counts()
    response = record(client, other, "181.50", invoice=january.pk)
    assert response.status_code == 400
    invoice_error = response.content.decode().split('id="invoice"')[1].split("<button")[0]
    assert "The invoice is not one of this customer&#x27;s." in invoice_error
    assert table_counts() == before


def test_allocating_more_than_is_left_is_refused_and_nothing_is_written(client, billed):
    customer, (january, _february) = billed
    payment = held_as_credit(customer, "20.00")
    client.force_login(make.user("finance"))
    before = table_counts()
    response = client.post(f"{PAGE}{payment.pk}/", {"invoice": january.pk, "amount": "25.00"})
    assert response.status_code == 400
    amount_error = response.content.decode().split('id="amount"')[1].split("<button")[0]
    assert "Only 20.00 of the payment is left to allocate." in amount_error
    assert table_counts() == before


def test_the_invoice_page_links_to_record_its_payment_with_the_form_filled(client, billed):
    customer, (january, _february) = billed
    client.force_login(make.user("finance"))
    invoice_page = client.get(f"/finance/invoices/{january.pk}/").content.decode()
    assert f'href="{PAGE}?invoice={january.pk}" id="record-payment"' in invoice_page
    assert f'href="/finance/disputes/?invoice={january.pk}" id="invoice-disputes"' in invoice_page
    form = client.get(PAGE, {"invoice": january.pk}).content.decode()
    assert f'<option value="{customer.pk}" selected>' in form
    assert f'<option value="{january.pk}" selected>' in form
    assert 'id="amount" name="amount" inputmode="decimal" value="181.50"' in form
    finance_page = client.get("/finance/").content.decode()
    for link in ("payments-link", "bank-statements-link", "disputes-link"):
        assert f'id="{link}"' in finance_page


def test_managers_read_and_other_roles_do_not_reach_the_page(client, billed):
    customer, _invoices = billed
    client.force_login(make.user("manager"))
    page = client.get(PAGE)
    assert page.status_code == 200
    assert 'id="record"' not in page.content.decode()
    before = table_counts()
    assert record(client, customer, "10.00").status_code == 403
    assert table_counts() == before
    others = [make.user("dispatcher"), make.user("customer", customer=customer)]
    before = table_counts()
    for user in others:
        client.force_login(user)
        assert client.get(PAGE).status_code == 403
        assert record(client, customer, "10.00").status_code == 403
        assert table_counts() == before


def test_the_list_shows_one_customers_payments_received_in_a_range(client, billed):
    customer, _invoices = billed
    other = make.customer(legal_name="Hotel Sur S.A.", currency="EUR")
    days = [date(2026, 4, 1), date(2026, 4, 10), date(2026, 4, 20)]
    mine = [
        payment_record(
            actor=None,
            customer=customer,
            amount=Q("10.00"),
            currency="EUR",
            received_on=day,
            invoices=[],
            now=NOW,
        )
        for day in days
    ]
    theirs = payment_record(
        actor=None,
        customer=other,
        amount=Q("5.00"),
        currency="EUR",
        received_on=date(2026, 4, 10),
        invoices=[],
        now=NOW,
    )
    client.force_login(make.user("finance"))

    def listed(**query):
        page = client.get(PAGE, query).content.decode()
        return [p.pk for p in [*mine, theirs] if f'data-testid="payment-{p.pk}"' in page]

    assert listed() == [*(p.pk for p in mine), theirs.pk]
    assert listed(customer=customer.pk) == [p.pk for p in mine]
    assert listed(customer=customer.pk, since="2026-04-05", until="2026-04-15") == [mine[1].pk]
    assert listed(since="2026-04-10", until="2026-04-10") == [mine[1].pk, theirs.pk]
    page = client.get(PAGE, {"customer": other.pk, "since": "2026-04-05"}).content.decode()
    assert f'<option value="{other.pk}" selected>Hotel Sur S.A.</option>' in page
    assert 'name="since" value="2026-04-05"' in page
