"""The SEPA API over real HTTP: creditor accounts, mandates (checked, revoked), batches from
due invoices and their pain.008 file, refusals that write nothing, and finance roles only."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone
from lxml import etree

from pacta.billing.models import ContractPeriod, SepaBatch
from pacta.billing.sepa_rules import epc_problems, xsd_problems
from pacta.billing.services import invoice_issue, period_close, periods_ensure
from pacta.domain.iban import check_digits
from tests.support import make
from tests.support.fixtures import results
from tests.support.make import at
from tests.support.state import table_counts

pytestmark = pytest.mark.django_db(transaction=True)

NOW = at("2026-04-02 10:00")
CREDITOR = {
    "name": "Pacta Servicios S.L.",
    "creditor_id": f"ES{check_digits('ES', 'B12345678')}ZZZB12345678",
    "iban": "es76 2077 0024 0031 0257 5766",
    "bic": "CVALESVVXXX",
    "is_default": True,
}


@pytest.fixture
def world():
    customer = make.customer(legal_name="Talleres Ruiz S.A.", address_line1="Gran Vía 1")
    contract = make.contract(customer, scope=[(make.service(), "included")])
    periods_ensure(contract=contract, until=date(2026, 2, 28), now=NOW)
    invoices = [
        invoice_issue(actor=None, invoice=period_close(actor=None, period=p, now=NOW), now=NOW)
        for p in ContractPeriod.objects.filter(contract=contract).order_by("starts_on")
    ]
    return {
        "customer": customer,
        "invoices": invoices,
        "finance": make.user("finance"),
        "manager": make.user("manager"),
        "dispatcher": make.user("dispatcher"),
        "reader": make.user("customer", customer=customer),
    }


def mandate_body(customer, **values):
    return {
        "customer": customer.pk,
        "reference": f"MND-{customer.pk}",
        "signed_on": "2026-01-15",
        "debtor_name": "Talleres Ruiz S.A.",
        "iban": "ES91 2100 0418 4502 0005 1332",
        **values,
    }


def test_finance_keeps_mandates_collects_and_downloads_the_file(api, world):
    finance = api(world["finance"])
    creditor = finance.post("/sepa-creditors/", CREDITOR)
    assert creditor.status_code == 201, creditor.text
    assert creditor.json()["iban"] == "ES7620770024003102575766"
    assert creditor.json()["pain_version"] == "pain.008.001.08"
    created = finance.post("/sepa-mandates/", mandate_body(world["customer"]))
    assert created.status_code == 201, created.text
    assert (created.json()["iban"], created.json()["bic"], created.json()["revoked_on"]) == (
        "ES9121000418450200051332",
        "",
        None,
    )
    day = (timezone.localdate() + timedelta(days=3)).isoformat()
    batch = finance.post("/sepa-batches/", {"collection_date": day, "reason": "Monthly"})
    assert batch.status_code == 201, batch.text
    body = batch.json()
    assert (body["count"], body["control_sum"], body["pain_version"]) == (
        2,
        "363.00",
        "pain.008.001.08",
    )
    assert [(d["invoice"], d["amount"], d["sequence"]) for d in body["debits"]] == [
        (world["invoices"][0].pk, "181.50", "FRST"),
        (world["invoices"][1].pk, "181.50", "FRST"),
    ]
    listed = results(finance.get("/sepa-batches/"))
    assert [b["message_id"] for b in listed] == [body["message_id"]]

    downloaded = finance.get(f"/sepa-batches/{body['id']}/file/")
    assert downloaded.status_code == 200
    assert downloaded.headers["content-type"] == "application/xml"
    assert f'filename="{body["message_id"]}.xml"' in downloaded.headers["content-disposition"]
    content = downloaded.content
    assert xsd_problems(content, "pain.008.001.08") == []
    assert epc_problems(content) == []
    root = etree.fromstring(content)
    values = {etree.QName(e).localname: e.text for e in root.iter()}
    assert (values["MsgId"], values["CtrlSum"], values["ReqdColltnDt"], values["TwnNm"]) == (
        body["message_id"],
        "363.00",
        day,
        "Madrid",
    )
    mandates = results(finance.get("/sepa-mandates/"))
    assert [m["first_collected_on"] for m in mandates] == [day]

    again = finance.post("/sepa-batches/", {"collection_date": day})
    assert (again.status_code, again.json()["code"]) == (409, "sepa_nothing_to_collect")
    twice = finance.post(
        "/sepa-batches/",
        {"collection_date": day, "invoices": [world["invoices"][0].pk]},
    )
    assert (twice.status_code, twice.json()["code"]) == (409, "sepa_invoice_already_debited")


def test_bad_mandates_are_refused_naming_the_field_and_nothing_is_written(api, world):
    finance = api(world["finance"])
    before = table_counts()
    wrong = finance.post(
        "/sepa-mandates/",
        mandate_body(world["customer"], iban="ES92 2100 0418 4502 0005 1332"),
    )
    assert (wrong.status_code, wrong.json()["code"]) == (400, "invalid")
    assert wrong.json()["fields"] == {
        "iban": ["iban: the IBAN's check digits are wrong (a typing mistake?)."]
    }
    unsigned = finance.post("/sepa-mandates/", mandate_body(world["customer"], signed_on=None))
    assert unsigned.status_code == 400
    assert list(unsigned.json()["fields"]) == ["signed_on"]
    bic = finance.post("/sepa-mandates/", mandate_body(world["customer"], bic="CAIXES"))
    assert (bic.status_code, list(bic.json()["fields"])) == (400, ["bic"])
    assert table_counts() == before


def test_a_revoked_mandate_is_kept_and_collects_nothing(api, world):
    finance = api(world["finance"])
    finance.post("/sepa-creditors/", CREDITOR)
    mandate = finance.post("/sepa-mandates/", mandate_body(world["customer"])).json()
    revoked = finance.post(f"/sepa-mandates/{mandate['id']}/revoke/", {"reason": "Asked"})
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["revoked_on"] == timezone.localdate().isoformat()
    assert finance.delete(f"/sepa-mandates/{mandate['id']}/").status_code == 403
    before = table_counts()
    day = (timezone.localdate() + timedelta(days=3)).isoformat()
    refused = finance.post(
        "/sepa-batches/", {"collection_date": day, "invoices": [world["invoices"][0].pk]}
    )
    assert (refused.status_code, refused.json()["code"]) == (409, "sepa_mandate_revoked")
    again = finance.post(f"/sepa-mandates/{mandate['id']}/revoke/", {})
    assert (again.status_code, again.json()["code"]) == (409, "sepa_mandate_revoked")
    assert table_counts() == before
    assert SepaBatch.objects.count() == 0


def test_only_finance_and_administrators_write_managers_read_others_see_nothing(api, world):
    finance = api(world["finance"])
    finance.post("/sepa-creditors/", CREDITOR)
    finance.post("/sepa-mandates/", mandate_body(world["customer"]))
    manager = api(world["manager"])
    assert len(results(manager.get("/sepa-mandates/"))) == 1
    before = table_counts()
    day = (timezone.localdate() + timedelta(days=3)).isoformat()
    assert manager.post("/sepa-batches/", {"collection_date": day}).status_code == 403
    assert manager.post("/sepa-mandates/", mandate_body(world["customer"])).status_code == 403
    for who in ("dispatcher", "reader"):
        client = api(world[who])
        assert client.get("/sepa-mandates/").status_code == 403
        assert client.get("/sepa-batches/").status_code == 403
        assert client.post("/sepa-batches/", {"collection_date": day}).status_code == 403
    assert table_counts() == before


def test_without_a_default_creditor_account_the_batch_must_name_one(api, world):
    finance = api(world["finance"])
    finance.post("/sepa-creditors/", {**CREDITOR, "is_default": False})
    second = finance.post(
        "/sepa-creditors/", {**CREDITOR, "name": "Pacta Norte S.L.", "is_default": False}
    )
    finance.post("/sepa-mandates/", mandate_body(world["customer"]))
    before = table_counts()
    day = (timezone.localdate() + timedelta(days=3)).isoformat()
    refused = finance.post("/sepa-batches/", {"collection_date": day})
    assert refused.status_code == 400
    assert refused.json()["fields"] == {"creditor": ["Name the creditor account that collects."]}
    assert table_counts() == before
    named = finance.post(
        "/sepa-batches/", {"collection_date": day, "creditor": second.json()["id"]}
    )
    assert (named.status_code, named.json()["creditor"]) == (201, second.json()["id"])


def test_a_mandate_changes_through_the_api_until_it_has_collected(api, world):
    finance = api(world["finance"])
    finance.post("/sepa-creditors/", CREDITOR)
    mandate = finance.post("/sepa-mandates/", mandate_body(world["customer"])).json()
    changed = finance.patch(
        f"/sepa-mandates/{mandate['id']}/",
        {"reference": "MND-RUIZ-2", "bic": "caixesbb", "reason": "Typo"},
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["reference"], changed.json()["bic"]) == ("MND-RUIZ-2", "CAIXESBB")
    day = (timezone.localdate() + timedelta(days=3)).isoformat()
    batch = finance.post("/sepa-batches/", {"collection_date": day}).json()
    debits = results(finance.get("/sepa-debits/", params={"batch": batch["id"]}))
    assert [(d["mandate"], d["sequence"], d["amount"]) for d in debits] == [
        (mandate["id"], "FRST", "181.50"),
        (mandate["id"], "FRST", "181.50"),
    ]
    before = table_counts()
    frozen = finance.patch(f"/sepa-mandates/{mandate['id']}/", {"reference": "MND-RUIZ-3"})
    assert (frozen.status_code, frozen.json()["fields"]) == (
        400,
        {"reference": ["The mandate has collected already: this stays."]},
    )
    assert table_counts() == before
