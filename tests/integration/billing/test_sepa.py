"""SEPA direct debit through the services: mandates checked, batches from due invoices, every
file valid against the XSD of its version and the EPC rules, exact values, and nothing written
on a refused path."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from lxml import etree

from pacta.billing.errors import (
    DebtorAddressMissing,
    InvoiceAlreadyDebited,
    MandateRevoked,
    NoLiveMandate,
    NothingToCollect,
)
from pacta.billing.models import ContractPeriod, SepaBatch, SepaDebit
from pacta.billing.sepa_rules import epc_problems, sepa_text, xsd_problems
from pacta.billing.services import (
    invoice_issue,
    payment_record,
    period_close,
    periods_ensure,
    sepa_batch_create,
    sepa_mandate_revoke,
    sepa_mandate_update,
)
from pacta.customers.services import customer_update
from pacta.domain.errors import InvalidInput
from pacta.domain.iban import check_digits
from tests.support import make
from tests.support.concurrency import at_once
from tests.support.make import at
from tests.support.state import row, table_counts

pytestmark = pytest.mark.django_db

NOW = at("2026-04-02 10:00")
LATER = at("2026-05-03 10:00")
Q = Decimal
IBAN = "ES91 2100 0418 4502 0005 1332"
CREDITOR_ID = f"ES{check_digits('ES', 'B12345678')}ZZZB12345678"


def creditor(version="pain.008.001.08"):
    return make.sepa_creditor(
        creditor_id=CREDITOR_ID, iban="ES76 2077 0024 0031 0257 5766", pain_version=version
    )


def collect(account, on, invoices=None, now=NOW, reason=""):
    return sepa_batch_create(
        actor=None, creditor=account, collection_on=on, invoices=invoices, now=now, reason=reason
    )


def mandate(customer, **values):
    values = {
        "reference": f"MND-{customer.pk}-1",
        "debtor_name": "Müller & Peña S.L.",
        "iban": IBAN,
        "bic": "CAIXESBBXXX",
        **values,
    }
    return make.sepa_mandate(customer, **values)


@pytest.fixture
def billed():
    """A customer in Valencia with two issued invoices of 181.50 (January, February), due on
    2 May 2026."""
    customer = make.customer(
        legal_name="Müller & Peña S.L.",
        address_line1="Calle de Colón 12",
        postal_code="46004",
        city="València",
    )
    contract = make.contract(customer, scope=[(make.service(), "included")])
    periods_ensure(contract=contract, until=date(2026, 2, 28), now=NOW)
    invoices = [
        invoice_issue(actor=None, invoice=period_close(actor=None, period=p, now=NOW), now=NOW)
        for p in ContractPeriod.objects.filter(contract=contract).order_by("starts_on")
    ]
    return customer, invoices


def tree(batch):
    with batch.xml.open("rb") as stored:
        content = stored.read()
    return content, etree.fromstring(content)


def texts(root, name):
    return [e.text for e in root.iter() if etree.QName(e).localname == name]


def valid(content, version):
    assert xsd_problems(content, version) == []
    assert epc_problems(content) == []


# --- batches --------------------------------------------------------------------------------------
def test_first_batch_is_frst_then_rcur_with_exact_values_in_pain_008_001_08(billed):
    customer, (january, february) = billed
    account, signed = creditor(), mandate(customer)
    first = collect(account, date(2026, 4, 10), invoices=[january], reason="April collection")
    content, root = tree(first)
    valid(content, "pain.008.001.08")
    assert etree.QName(root).namespace == "urn:iso:std:iso:20022:tech:xsd:pain.008.001.08"
    assert (first.message_id, first.count, first.control_sum) == (
        f"PACTA-20260410-{first.pk:06d}",
        1,
        Q("181.50"),
    )
    assert texts(root, "MsgId") == [first.message_id]
    assert texts(root, "CreDtTm") == ["2026-04-02T08:00:00"]
    assert texts(root, "SeqTp") == ["FRST"]
    assert texts(root, "InstdAmt") == ["181.50"]
    assert texts(root, "CtrlSum") == ["181.50", "181.50"]
    assert texts(root, "NbOfTxs") == ["1", "1"]
    assert texts(root, "ReqdColltnDt") == ["2026-04-10"]
    assert texts(root, "MndtId") == [signed.reference]
    assert texts(root, "DtOfSgntr") == ["2026-01-15"]
    assert texts(root, "EndToEndId") == [f"{first.message_id}-0001"]
    assert texts(root, "PmtInfId") == [f"{first.message_id}-FRST"]
    assert texts(root, "IBAN") == ["ES7620770024003102575766", "ES9121000418450200051332"]
    assert texts(root, "BICFI") == ["CVALESVVXXX", "CAIXESBBXXX"]
    assert texts(root, "Nm") == ["Pacta Servicios S.L."] * 2 + ["Muller + Pena S.L."]
    assert texts(root, "StrtNm") == ["Calle de Colon 12"]
    assert (texts(root, "PstCd"), texts(root, "TwnNm"), texts(root, "Ctry")) == (
        ["46004"],
        ["Valencia"],
        ["ES"],
    )
    assert texts(root, "Ustrd") == [january.number]
    assert [t for t in texts(root, "Id") if t] == [CREDITOR_ID, CREDITOR_ID]
    assert row(signed)["first_collected_on"] == date(2026, 4, 10)
    (debit,) = SepaDebit.objects.filter(batch=first)
    assert (debit.invoice_id, debit.amount, debit.sequence) == (january.pk, Q("181.50"), "FRST")

    # The second batch takes what is due by its day (February's invoice, 181.50 less 30.00
    # paid), January being in a batch already: a recurring debit now.
    payment_record(
        actor=None,
        customer=customer,
        amount=Q("30.00"),
        currency="EUR",
        received_on=date(2026, 4, 20),
        invoices=[february],
        now=NOW,
    )
    second = collect(account, date(2026, 5, 5), now=LATER)
    content, root = tree(second)
    valid(content, "pain.008.001.08")
    assert texts(root, "SeqTp") == ["RCUR"]
    assert texts(root, "InstdAmt") == ["151.50"]
    assert texts(root, "CtrlSum") == ["151.50", "151.50"]
    assert (second.count, second.control_sum) == (1, Q("151.50"))
    assert list(SepaDebit.objects.filter(batch=second).values_list("invoice", "sequence")) == [
        (february.pk, "RCUR")
    ]
    assert row(signed)["first_collected_on"] == date(2026, 4, 10)


def test_a_creditor_bank_on_pain_008_001_02_gets_that_version(billed):
    customer, (january, february) = billed
    mandate(customer)
    batch = collect(creditor("pain.008.001.02"), date(2026, 5, 5), now=LATER)
    content, root = tree(batch)
    valid(content, "pain.008.001.02")
    assert xsd_problems(content, "pain.008.001.08") != []
    assert batch.pain_version == "pain.008.001.02"
    assert texts(root, "BIC") == ["CVALESVVXXX", "CAIXESBBXXX", "CAIXESBBXXX"]
    assert texts(root, "SeqTp") == ["FRST"]
    assert texts(root, "InstdAmt") == ["181.50", "181.50"]
    assert texts(root, "CtrlSum") == ["363.00", "363.00"]
    assert texts(root, "EndToEndId") == [f"{batch.message_id}-0001", f"{batch.message_id}-0002"]
    assert list(batch.debits.order_by("pk").values_list("invoice", flat=True)) == [
        january.pk,
        february.pk,
    ]


def test_an_invoice_in_a_batch_is_never_debited_twice(billed):
    customer, (january, _february) = billed
    account = creditor()
    mandate(customer)
    collect(account, date(2026, 4, 10), invoices=[january])
    before = table_counts()
    with pytest.raises(InvoiceAlreadyDebited) as refused:
        collect(account, date(2026, 4, 11), invoices=[january])
    assert refused.value.message == (
        f"Invoice {january.number} is in a direct-debit batch already."
    )
    assert table_counts() == before


def test_a_customer_without_a_town_is_refused_by_name_and_nothing_is_written(billed):
    customer, _invoices = billed
    customer_update(actor=None, customer=customer, values={"city": ""})
    account = creditor()
    signed = mandate(customer)
    before = table_counts()
    with pytest.raises(DebtorAddressMissing) as refused:
        collect(account, date(2026, 5, 5), now=LATER)
    assert refused.value.code == "sepa_debtor_address_missing"
    assert refused.value.message == (
        "Müller & Peña S.L. has no town in its address: a debit needs both."
    )
    assert list(refused.value.fields) == [f"customer {customer.pk}"]
    assert table_counts() == before
    assert row(signed)["first_collected_on"] is None
    assert SepaBatch.objects.count() == 0


def test_a_revoked_mandate_collects_nothing(billed):
    customer, (january, _february) = billed
    account = creditor()
    signed = mandate(customer)
    sepa_mandate_revoke(
        actor=None, sepa_mandate=signed, revoked_on=date(2026, 4, 1), reason="Asked", now=NOW
    )
    before = table_counts()
    with pytest.raises(MandateRevoked) as refused:
        collect(account, date(2026, 4, 10), invoices=[january])
    assert refused.value.message == (
        f"Müller & Peña S.L.'s mandate {signed.reference} was revoked on 2026-04-01."
    )
    with pytest.raises(NothingToCollect):
        collect(account, date(2026, 5, 5), now=LATER)
    with pytest.raises(MandateRevoked):
        sepa_mandate_update(actor=None, sepa_mandate=signed, values={"debtor_name": "Other"})
    assert table_counts() == before


def test_a_customer_without_a_mandate_or_a_day_already_past_is_refused(billed):
    customer, (january, _february) = billed
    account = creditor()
    before = table_counts()
    with pytest.raises(NoLiveMandate):
        collect(account, date(2026, 4, 10), invoices=[january])
    mandate(customer)
    middle = table_counts()
    with pytest.raises(InvalidInput) as refused:
        collect(account, date(2026, 4, 2))
    assert list(refused.value.fields) == ["collection_on"]
    assert table_counts() == middle
    assert middle["billing.sepabatch"] == before["billing.sepabatch"] == 0


def test_not_yet_due_invoices_are_left_for_a_later_batch(billed):
    customer, _invoices = billed
    mandate(customer)
    with pytest.raises(NothingToCollect) as refused:
        collect(creditor(), date(2026, 5, 1))
    assert refused.value.message == "No invoice is due for direct debit on 2026-05-01."


# --- mandates -------------------------------------------------------------------------------------
def test_an_iban_with_a_wrong_check_digit_is_refused_and_nothing_is_written(billed):
    customer, _invoices = billed
    before = table_counts()
    with pytest.raises(InvalidInput) as refused:
        mandate(customer, iban="ES92 2100 0418 4502 0005 1332")
    assert refused.value.fields == {
        "iban": ["iban: the IBAN's check digits are wrong (a typing mistake?)."]
    }
    assert table_counts() == before


def test_a_mandate_without_signature_day_or_signed_tomorrow_is_refused(billed):
    customer, _invoices = billed
    before = table_counts()
    with pytest.raises(InvalidInput) as refused:
        mandate(customer, signed_on=None)
    assert refused.value.fields == {"signed_on": ["The mandate needs the day it was signed."]}
    with pytest.raises(InvalidInput) as refused:
        mandate(customer, signed_on=date(2026, 4, 3))
    assert refused.value.fields == {"signed_on": ["A mandate cannot be signed in the future."]}
    assert table_counts() == before


def test_a_mandate_reference_is_unique_and_of_the_sepa_characters(billed):
    customer, _invoices = billed
    signed = mandate(customer, iban="es912100 04184502 00051332", bic="caixesbb")
    assert (signed.iban, signed.bic) == ("ES9121000418450200051332", "CAIXESBB")
    before = table_counts()
    with pytest.raises(InvalidInput) as refused:
        mandate(customer, reference=signed.reference)
    assert list(refused.value.fields) == ["reference"]
    for reference in ("MND 2", "MND-2/", "MND//2", "MANDATO-Nº2", "X" * 36):
        with pytest.raises(InvalidInput) as refused:
            mandate(customer, reference=reference)
        assert list(refused.value.fields) == ["reference"], reference
    assert table_counts() == before


def test_a_collected_mandate_keeps_its_reference_and_a_new_iban_collects_first_again(billed):
    customer, (january, february) = billed
    account = creditor()
    signed = mandate(customer)
    collect(account, date(2026, 4, 10), invoices=[january])
    before = table_counts()
    with pytest.raises(InvalidInput) as refused:
        sepa_mandate_update(actor=None, sepa_mandate=signed, values={"reference": "MND-NEW"})
    assert refused.value.fields == {"reference": ["The mandate has collected already: this stays."]}
    assert table_counts() == before
    moved = sepa_mandate_update(
        actor=None,
        sepa_mandate=signed,
        values={"iban": "DE89 3704 0044 0532 0130 00", "bic": ""},
        reason="New bank",
    )
    assert (moved.iban, moved.bic, row(moved)["first_collected_on"]) == (
        "DE89370400440532013000",
        "",
        None,
    )
    batch = collect(account, date(2026, 5, 5), now=LATER)
    content, root = tree(batch)
    valid(content, "pain.008.001.08")
    assert texts(root, "SeqTp") == ["FRST"]
    assert [t for t in texts(root, "Id") if t] == [CREDITOR_ID, CREDITOR_ID, "NOTPROVIDED"]
    assert list(batch.debits.values_list("invoice", flat=True)) == [february.pk]


# --- the EPC rules over a file --------------------------------------------------------------------
def test_the_epc_rules_find_what_the_xsd_lets_through(billed):
    customer, _invoices = billed
    mandate(customer)
    batch = collect(creditor(), date(2026, 5, 5), now=LATER)
    content, _root = tree(batch)
    valid(content, "pain.008.001.08")

    def broken(change):
        copy = etree.fromstring(content)
        change(copy)
        return etree.tostring(copy, xml_declaration=True, encoding="UTF-8")

    def first(root, name):
        return next(e for e in root.iter() if etree.QName(e).localname == name)

    def all_of(root, name):
        return [e for e in root.iter() if etree.QName(e).localname == name]

    def amount(r):
        first(r, "InstdAmt").text = "181.5"

    def name(r):
        all_of(r, "Nm")[-1].text = "Müller & Peña"

    def town(r):
        element = first(r, "TwnNm")
        element.getparent().remove(element)

    def control(r):
        first(r, "CtrlSum").text = "363.01"

    def twice(r):
        all_of(r, "EndToEndId")[1].text = all_of(r, "EndToEndId")[0].text

    found = {
        what.__name__: [p.text() for p in epc_problems(broken(what))]
        for what in (amount, name, town, control, twice)
    }
    e2e = f"{batch.message_id}-0001"
    assert found["amount"] == [
        f"{batch.message_id}-FRST/{e2e}: the amount 181.5 does not have exactly two decimals."
    ]
    assert found["name"] == ["Nm 'Müller & Peña' has characters outside the SEPA set."]
    assert found["town"] == [f"{batch.message_id}-FRST/{e2e}: the debtor's town is missing."]
    assert found["control"] == ["GrpHdr: the control sum 363.01 is not the sum 363.00."]
    assert found["twice"] == [f"End-to-end id {e2e} is used twice."]
    # The XSD takes all but the two-decimals amount (xs:decimal has up to 5 fraction digits).
    assert [xsd_problems(broken(what), "pain.008.001.08") for what in (name, town, control)] == [
        [],
        [],
        [],
    ]


def test_any_text_becomes_sepa_latin():
    assert sepa_text("Müller & Söhne — Łódź_1 «ok»", 70) == "Muller + Sohne -- Lodz-1 ok"
    assert sepa_text("Ἀθῆναι", 70) == "Athenai"
    assert sepa_text("x" * 80, 70) == "x" * 70


@pytest.mark.django_db(transaction=True)
def test_two_batches_made_at_once_debit_every_invoice_exactly_once():
    service = make.service()
    invoices = []
    for _ in range(4):
        customer = make.customer()
        contract = make.contract(customer, scope=[(service, "included")])
        periods_ensure(contract=contract, until=date(2026, 2, 28), now=NOW)
        for period in ContractPeriod.objects.filter(contract=contract).order_by("starts_on"):
            draft = period_close(actor=None, period=period, now=NOW)
            invoices.append(invoice_issue(actor=None, invoice=draft, now=NOW))
        make.sepa_mandate(customer)
    account = creditor()
    batches, errors = at_once(lambda: collect(account, date(2026, 5, 5), now=LATER))
    assert all(isinstance(error, NothingToCollect) for error in errors), errors
    assert len(batches) + len(errors) == 2
    debited = sorted(SepaDebit.objects.values_list("invoice_id", flat=True))
    assert debited == sorted(i.pk for i in invoices)
    assert sum(b.count for b in batches) == 8
    assert sum(b.control_sum for b in batches) == Q("1452.00")
    for batch in batches:
        content, _root = tree(batch)
        valid(content, "pain.008.001.08")


def test_a_one_off_mandate_collects_once_and_then_no_more(billed):
    customer, (january, february) = billed
    account = creditor("pain.008.001.02")
    once = mandate(customer, recurring=False, bic="")
    batch = collect(account, date(2026, 4, 10), invoices=[january])
    content, root = tree(batch)
    valid(content, "pain.008.001.02")
    assert texts(root, "SeqTp") == ["OOFF"]
    assert [t for t in texts(root, "Id") if t] == [CREDITOR_ID, CREDITOR_ID, "NOTPROVIDED"]
    assert row(once)["first_collected_on"] == date(2026, 4, 10)
    before = table_counts()
    with pytest.raises(NoLiveMandate):
        collect(account, date(2026, 5, 5), invoices=[february], now=LATER)
    with pytest.raises(NothingToCollect):
        collect(account, date(2026, 5, 5), now=LATER)
    assert table_counts() == before


def test_creditor_accounts_are_checked_and_one_is_the_default():
    before = table_counts()
    with pytest.raises(InvalidInput) as refused:
        make.sepa_creditor(creditor_id="ES98ZZZB12345678", iban="ES7620770024003102575767")
    assert refused.value.fields == {
        "iban": ["iban: the IBAN's check digits are wrong (a typing mistake?)."],
        "creditor_id": ["creditor_id: the creditor identifier's check digits are wrong."],
    }
    with pytest.raises(InvalidInput) as refused:
        make.sepa_creditor(pain_version="pain.008.001.02", bic="")
    assert list(refused.value.fields) == ["bic"]
    assert table_counts() == before
    first = make.sepa_creditor(is_default=True, creditor_id="de98 zzz 09999999999")
    assert first.creditor_id == "DE98ZZZ09999999999"
    second = make.sepa_creditor(name="Pacta Norte S.L.", is_default=True)
    assert (row(first)["is_default"], row(second)["is_default"]) == (False, True)
