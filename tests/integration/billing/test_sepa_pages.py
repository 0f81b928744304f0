"""The SEPA page: finance collects what is due and downloads the file; a refusal is shown and
writes nothing; managers only read; other roles do not reach it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from pacta.billing.models import ContractPeriod, SepaBatch, SepaMandate
from pacta.billing.sepa_rules import epc_problems, xsd_problems
from pacta.billing.services import (
    invoice_issue,
    period_close,
    periods_ensure,
)
from tests.support import make
from tests.support.make import at
from tests.support.state import table_counts

pytestmark = pytest.mark.django_db

PAGE = "/finance/sepa/"
NOW = at("2026-04-02 10:00")


@pytest.fixture
def creditor():
    customer = make.customer(legal_name="Clínica Norte S.L.", language="en")
    contract = make.contract(customer, scope=[(make.service(), "included")])
    periods_ensure(contract=contract, until=date(2026, 1, 31), now=NOW)
    period = ContractPeriod.objects.get(contract=contract)
    invoice_issue(actor=None, invoice=period_close(actor=None, period=period, now=NOW), now=NOW)
    make.sepa_mandate(customer)
    return make.sepa_creditor(pain_version="pain.008.001.02")


def test_finance_collects_and_downloads_the_file(client, creditor):
    client.force_login(make.user("finance"))
    day = (timezone.localdate() + timedelta(days=2)).isoformat()
    made = client.post(PAGE, {"creditor": creditor.pk, "collection_on": day}, follow=True)
    batch = SepaBatch.objects.get()
    page = made.content.decode()
    assert f"Batch {batch.message_id}: 1 debit, 181.50 EUR, to collect on {day}." in page
    assert f'data-testid="batch-{batch.pk}"' in page
    downloaded = client.get(f"{PAGE}{batch.pk}/file/")
    assert downloaded["Content-Type"] == "application/xml"
    content = b"".join(downloaded.streaming_content)
    assert xsd_problems(content, "pain.008.001.02") == []
    assert epc_problems(content) == []
    assert b"<SeqTp>FRST</SeqTp>" in content


def test_a_refused_batch_is_shown_and_nothing_is_written(client, creditor):
    client.force_login(make.user("finance"))
    before = table_counts()
    today = timezone.localdate().isoformat()
    page = client.post(PAGE, {"creditor": creditor.pk, "collection_on": today}, follow=True)
    assert "Collect on a day after today (the bank needs a day at least)." in page.content.decode()
    assert table_counts() == before


def test_managers_read_and_others_do_not_reach_the_page(client, creditor):
    client.force_login(make.user("manager"))
    assert client.get(PAGE).status_code == 200
    before = table_counts()
    day = (timezone.localdate() + timedelta(days=2)).isoformat()
    assert client.post(PAGE, {"creditor": creditor.pk, "collection_on": day}).status_code == 403
    assert table_counts() == before
    client.force_login(make.user("dispatcher"))
    assert client.get(PAGE).status_code == 403


def test_the_back_office_writes_mandates_through_the_service(client):
    customer = make.customer(legal_name="Clínica Sur S.L.")
    client.force_login(make.user("finance"))
    url = "/admin/billing/sepamandate/add/"
    values = {
        "customer": customer.pk,
        "reference": "MND-SUR",
        "signed_on": "2026-01-15",
        "debtor_name": "Clínica Sur S.L.",
        "iban": "ES92 2100 0418 4502 0005 1332",
        "bic": "",
        "recurring": "on",
    }
    before = table_counts()
    refused = client.post(url, values)
    assert refused.status_code == 200
    assert refused.context["adminform"].form.errors == {
        "iban": ["iban: the IBAN's check digits are wrong (a typing mistake?)."]
    }
    assert table_counts() == before
    saved = client.post(url, {**values, "iban": "ES91 2100 0418 4502 0005 1332"})
    assert saved.status_code == 302
    mandate = SepaMandate.objects.get()
    assert (mandate.reference, mandate.iban, mandate.first_collected_on) == (
        "MND-SUR",
        "ES9121000418450200051332",
        None,
    )
