"""Facturae 3.2.2 of a known invoice with two tax rates and of its credit note (a corrective
invoice with negative amounts), for a public body with DIR3 codes, a private Spanish company
and a French one: exact values, the official XSD (bundled) and the arithmetic rules passing and
failing on a tampered file; the API over real HTTP, and the refusals, which write nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from lxml import etree

from pacta.accounts.access import SYSTEM
from pacta.billing.einvoice import einvoice_render, rules
from pacta.billing.errors import EInvoiceBuyerIncomplete, EInvoiceSellerIncomplete
from pacta.billing.services import invoice_issue, period_close
from pacta.customers.services import customer_update
from tests.integration.billing.test_einvoice import (  # noqa: F401
    NOW,
    SELLER,
    issued,
    seller,
)
from tests.integration.billing.test_invoicing import march, world  # noqa: F401
from tests.support import make
from tests.support.state import table_counts

pytestmark = pytest.mark.django_db(transaction=True)

ADDRESS = {
    "address_line1": "Plaza Mayor, 1",
    "postal_code": "28100",
    "city": "Alcobendas",
    "region": "Madrid",
}
DIR3 = {
    "dir3_accounting_office": "L01280066",
    "dir3_managing_body": "L01280066",
    "dir3_processing_unit": "LA0002967",
}


@pytest.fixture
def public(world):  # noqa: F811
    """The customer of ``world`` as a city council with its three DIR3 codes, before issue."""
    customer_update(
        actor=None,
        customer=world["customer"],
        values={**ADDRESS, **DIR3, "legal_name": "Ayuntamiento de Alcobendas"},
    )
    return world


def render(invoice):
    return einvoice_render(audience=SYSTEM, invoice_id=invoice.pk, syntax="facturae")


FE = {"fe": "http://www.facturae.gob.es/formato/Versiones/Facturaev3_2_2.xml"}
HEADER = "/fe:Facturae/FileHeader/"
SELLER_PARTY = "/fe:Facturae/Parties/SellerParty/"
BUYER = "/fe:Facturae/Parties/BuyerParty/"
INVOICE = "/fe:Facturae/Invoices/Invoice/"


def nodes(xml, path):
    return etree.fromstring(xml).xpath(path, namespaces=FE)


def texts(xml, path):
    return [node.text for node in nodes(xml, path)]


def one(xml, path):
    (found,) = texts(xml, path)
    return found


def rows(xml, path, *fields):
    return [tuple(node.findtext(field) for field in fields) for node in nodes(xml, path)]


def children(xml, path):
    """(tag, text) of each child of the one node at ``path``, in order."""
    (node,) = nodes(xml, path)
    return [(child.tag, (child.text or "").strip()) for child in node]


def test_the_facturae_of_an_invoice_with_two_rates_for_a_city_council(public, issued):  # noqa: F811
    found = render(issued["invoice"])
    xml = found.content
    assert (found.content_type, found.filename) == ("application/xml", "F2026-00001-facturae.xml")
    assert children(xml, HEADER[:-1])[:3] == [
        ("SchemaVersion", "3.2.2"),
        ("Modality", "I"),
        ("InvoiceIssuerType", "EM"),
    ]
    assert one(xml, HEADER + "Batch/BatchIdentifier") == "B87654321F2026-00001"
    assert one(xml, HEADER + "Batch/InvoicesCount") == "1"
    assert (
        rows(
            xml,
            HEADER + "Batch/*[TotalAmount]",
            "TotalAmount",
            "EquivalentInEuros",
        )
        == [("308.83", "308.83")] * 3
    )
    assert one(xml, HEADER + "Batch/InvoiceCurrencyCode") == "EUR"
    assert children(xml, SELLER_PARTY + "TaxIdentification") == [
        ("PersonTypeCode", "J"),
        ("ResidenceTypeCode", "R"),
        ("TaxIdentificationNumber", "B87654321"),
    ]
    assert children(xml, SELLER_PARTY + "LegalEntity/AddressInSpain") == [
        ("Address", "Calle Mayor 1"),
        ("PostCode", "28013"),
        ("Town", "Madrid"),
        ("Province", "Madrid"),
        ("CountryCode", "ESP"),
    ]
    assert children(xml, BUYER + "TaxIdentification") == [
        ("PersonTypeCode", "J"),
        ("ResidenceTypeCode", "R"),
        ("TaxIdentificationNumber", issued["customer"].tax_id.removeprefix("ES")),
    ]
    assert rows(
        xml, BUYER + "AdministrativeCentres/AdministrativeCentre", "CentreCode", "RoleTypeCode"
    ) == [("L01280066", "01"), ("L01280066", "02"), ("LA0002967", "03")]
    assert texts(xml, BUYER + "AdministrativeCentres//PostCode") == ["28100"] * 3
    assert one(xml, BUYER + "LegalEntity/CorporateName") == "Ayuntamiento de Alcobendas"
    assert children(xml, BUYER + "LegalEntity/AddressInSpain") == [
        ("Address", "Plaza Mayor, 1"),
        ("PostCode", "28100"),
        ("Town", "Alcobendas"),
        ("Province", "Madrid"),
        ("CountryCode", "ESP"),
    ]
    assert children(xml, INVOICE + "InvoiceHeader") == [
        ("InvoiceNumber", "2026-00001"),
        ("InvoiceSeriesCode", "F"),
        ("InvoiceDocumentType", "FC"),
        ("InvoiceClass", "OO"),
    ]
    assert children(xml, INVOICE + "InvoiceIssueData") == [
        ("IssueDate", "2026-04-01"),
        ("OperationDate", "2026-03-31"),
        ("InvoiceCurrencyCode", "EUR"),
        ("TaxCurrencyCode", "EUR"),
        ("LanguageName", "es"),
        ("ReceiverContractReference", "C-900"),
    ]
    assert rows(
        xml,
        INVOICE + "TaxesOutputs/Tax",
        "TaxTypeCode",
        "TaxRate",
        "TaxableBase/TotalAmount",
        "TaxAmount/TotalAmount",
    ) == [("01", "10.00", "25.00", "2.50"), ("01", "21.00", "232.50", "48.83")]
    assert children(xml, INVOICE + "InvoiceTotals") == [
        ("TotalGrossAmount", "257.50"),
        ("TotalGrossAmountBeforeTaxes", "257.50"),
        ("TotalTaxOutputs", "51.33"),
        ("TotalTaxesWithheld", "0.00"),
        ("InvoiceTotal", "308.83"),
        ("TotalOutstandingAmount", "308.83"),
        ("TotalExecutableAmount", "308.83"),
    ]
    assert rows(
        xml,
        INVOICE + "Items/InvoiceLine",
        "Quantity",
        "UnitOfMeasure",
        "UnitPriceWithoutTax",
        "TotalCost",
        "GrossAmount",
        "TaxesOutputs/Tax/TaxRate",
        "TaxesOutputs/Tax/TaxAmount/TotalAmount",
    ) == [
        ("1", "01", "150.00", "150.00", "150.00", "21.00", "31.50"),
        ("1.5", "02", "55.00", "82.50", "82.50", "21.00", "17.33"),
        ("2", "01", "12.50", "25.00", "25.00", "10.00", "2.50"),
    ]
    # The lines' taxes add up to the invoice's tax of each rate (31.50 + 17.33 = 48.83).
    descriptions = texts(xml, INVOICE + "Items/InvoiceLine/ItemDescription")
    assert [text.split(" · ")[-1] for text in descriptions[1:]] == ["Repair", "Filter"]
    assert children(xml, INVOICE + "PaymentDetails/Installment")[:3] == [
        ("InstallmentDueDate", "2026-05-01"),
        ("InstallmentAmount", "308.83"),
        ("PaymentMeans", "04"),
    ]
    assert one(xml, INVOICE + "PaymentDetails//IBAN") == "ES9121000418450200051332"
    assert nodes(xml, "//*[local-name()='Signature']") == []
    assert rules.xsd_errors(xml, "facturae") == []
    assert rules.facturae_violations(xml) == []
    assert render(issued["invoice"]).content == xml  # read twice, the same bytes


def test_the_credit_note_is_a_corrective_invoice_with_negative_amounts(public, issued):  # noqa: F811
    xml = render(issued["note"]).content
    assert children(xml, INVOICE + "InvoiceHeader")[:4] == [
        ("InvoiceNumber", "2026-00001"),
        ("InvoiceSeriesCode", "R"),
        ("InvoiceDocumentType", "FC"),
        ("InvoiceClass", "OR"),
    ]
    assert children(xml, INVOICE + "InvoiceHeader/Corrective") == [
        ("InvoiceNumber", "2026-00001"),
        ("InvoiceSeriesCode", "F"),
        ("ReasonCode", "16"),
        ("ReasonDescription", "Base imponible"),
        ("TaxPeriod", ""),
        ("CorrectionMethod", "02"),
        ("CorrectionMethodDescription", "Rectificación por diferencias"),
        ("InvoiceIssueDate", "2026-04-01"),
    ]
    assert children(xml, INVOICE + "InvoiceHeader/Corrective/TaxPeriod") == [
        ("StartDate", "2026-03-01"),
        ("EndDate", "2026-03-31"),
    ]
    assert rows(
        xml,
        INVOICE + "TaxesOutputs/Tax",
        "TaxRate",
        "TaxableBase/TotalAmount",
        "TaxAmount/TotalAmount",
    ) == [("21.00", "-50.00", "-10.50")]
    assert [
        one(xml, INVOICE + f"InvoiceTotals/{name}")
        for name in ("TotalGrossAmount", "TotalTaxOutputs", "InvoiceTotal", "TotalExecutableAmount")
    ] == ["-50.00", "-10.50", "-60.50", "-60.50"]
    assert texts(xml, HEADER + "Batch/TotalInvoicesAmount/TotalAmount") == ["-60.50"]
    assert rows(
        xml, INVOICE + "Items/InvoiceLine", "Quantity", "UnitPriceWithoutTax", "GrossAmount"
    ) == [("1", "-50.00", "-50.00")]
    assert children(xml, INVOICE + "PaymentDetails/Installment") == [
        ("InstallmentDueDate", "2026-05-05"),
        ("InstallmentAmount", "-60.50"),
        ("PaymentMeans", "04"),
    ]
    assert rules.xsd_errors(xml, "facturae") == []
    assert rules.facturae_violations(xml) == []


def test_a_private_spanish_buyer_without_dir3_codes_has_no_centres(world, issued):  # noqa: F811
    customer = issued["customer"]
    draft = another_draft_of(customer, issued)
    customer_update(actor=None, customer=customer, values=ADDRESS)
    invoice = invoice_issue(actor=None, invoice=draft, now=NOW)
    xml = render(invoice).content
    assert nodes(xml, BUYER + "AdministrativeCentres") == []
    assert one(xml, BUYER + "LegalEntity/AddressInSpain/Town") == "Alcobendas"
    assert rules.xsd_errors(xml, "facturae") == []


def test_a_french_buyer_is_resident_in_the_eu_at_an_overseas_address(issued):  # noqa: F811
    lyon = make.customer(
        legal_name="Hôtel Lumière SAS",
        tax_id="FR40303265045",
        country="FR",
        address_line1="12 rue de la République",
        postal_code="69002",
        city="Lyon",
        region="Rhône",
        language="fr",
    )
    invoice = invoice_issue(actor=None, invoice=another_draft_of(lyon, issued), now=NOW)
    xml = render(invoice).content
    assert children(xml, BUYER + "TaxIdentification") == [
        ("PersonTypeCode", "J"),
        ("ResidenceTypeCode", "U"),
        ("TaxIdentificationNumber", "FR40303265045"),
    ]
    assert children(xml, BUYER + "LegalEntity/OverseasAddress") == [
        ("Address", "12 rue de la République"),
        ("PostCodeAndTown", "69002 Lyon"),
        ("Province", "Rhône"),
        ("CountryCode", "FRA"),
    ]
    assert one(xml, INVOICE + "InvoiceIssueData/LanguageName") == "fr"
    assert rules.xsd_errors(xml, "facturae") == []
    assert rules.facturae_violations(xml) == []


def test_a_spanish_person_is_an_individual_and_a_swiss_company_resident_elsewhere(issued):  # noqa: F811
    person = make.customer(legal_name="Ana García López", tax_id="12345678Z", **ADDRESS)
    zurich = make.customer(
        legal_name="Alpen Klima AG",
        tax_id="CHE123456789MWST",
        country="CH",
        address_line1="Bahnhofstrasse 1",
        postal_code="8001",
        city="Zürich",
        region="ZH",
        language="en",
    )
    xml = render(invoice_issue(actor=None, invoice=another_draft_of(person, issued), now=NOW))
    assert children(xml.content, BUYER + "TaxIdentification")[:2] == [
        ("PersonTypeCode", "F"),
        ("ResidenceTypeCode", "R"),
    ]
    assert children(xml.content, BUYER + "Individual")[:3] == [
        ("Name", "Ana"),
        ("FirstSurname", "García"),
        ("SecondSurname", "López"),
    ]
    assert nodes(xml.content, BUYER + "LegalEntity") == []
    assert rules.xsd_errors(xml.content, "facturae") == []
    xml = render(invoice_issue(actor=None, invoice=another_draft_of(zurich, issued), now=NOW))
    assert children(xml.content, BUYER + "TaxIdentification") == [
        ("PersonTypeCode", "J"),
        ("ResidenceTypeCode", "E"),
        ("TaxIdentificationNumber", "CHE123456789MWST"),
    ]
    assert one(xml.content, BUYER + "LegalEntity/OverseasAddress/CountryCode") == "CHE"
    assert one(xml.content, INVOICE + "InvoiceIssueData/LanguageName") == "en"
    assert rules.xsd_errors(xml.content, "facturae") == []


def test_an_invoice_issued_before_the_codes_were_frozen_reads_them_from_the_customer(
    public,
    issued,  # noqa: F811
):
    invoice = issued["invoice"]
    frozen = {k: v for k, v in invoice.buyer.items() if not k.startswith("dir3_")}
    type(invoice).objects.filter(pk=invoice.pk).update(buyer=frozen)
    xml = render(invoice).content
    assert texts(xml, BUYER + "AdministrativeCentres/*/CentreCode") == [
        "L01280066",
        "L01280066",
        "LA0002967",
    ]


def test_the_checks_name_what_a_tampered_facturae_breaks(public, issued):  # noqa: F811
    xml = render(issued["invoice"]).content
    total = xml.replace(b"<InvoiceTotal>308.83<", b"<InvoiceTotal>308.84<")
    assert rules.xsd_errors(total, "facturae") == []  # the XSD cannot see it
    assert rules.facturae_violations(total) == [
        "BR-CO-15: grand total should be 308.83, is 308.84",
        "BR-CO-16: amount due should be 308.84, is 308.83",
    ]
    three_decimals = xml.replace(b"<InstallmentAmount>308.83<", b"<InstallmentAmount>308.830<")
    (complaint,) = rules.xsd_errors(three_decimals, "facturae")
    assert "InstallmentAmount" in complaint
    no_class = xml.replace(b"<InvoiceClass>OO</InvoiceClass>", b"")
    (complaint,) = rules.xsd_errors(no_class, "facturae")
    assert "InvoiceClass" in complaint


# --- refusals ---------------------------------------------------------------------------------
def test_a_buyer_without_address_or_tax_id_is_refused_naming_the_fields(issued):  # noqa: F811
    bare = make.customer(tax_id="", city="Madrid")
    invoice = invoice_issue(actor=None, invoice=another_draft_of(bare, issued), now=NOW)
    before = table_counts()
    with pytest.raises(EInvoiceBuyerIncomplete) as refused:
        render(invoice)
    fields = ["tax_id", "address_line1", "postal_code", "region"]
    assert list(refused.value.fields) == fields
    assert str(refused.value.detail) == (
        f"The customer's details on invoice {invoice.number} lack what Facturae needs: "
        "tax_id, address_line1, postal_code, region."
    )
    assert table_counts() == before


def test_a_spanish_postal_code_of_the_wrong_shape_and_an_incomplete_seller_are_refused(
    public,
    issued,  # noqa: F811
    settings,
):
    before = table_counts()
    settings.PACTA_SELLER = {**SELLER, "region": "", "postal_code": ""}
    with pytest.raises(EInvoiceSellerIncomplete) as seller_refused:
        render(issued["invoice"])
    assert str(seller_refused.value.detail) == (
        "The seller's details lack what Facturae needs: postal_code, region (setting PACTA_SELLER)."
    )
    settings.PACTA_SELLER = dict(SELLER)
    type(issued["invoice"]).objects.filter(pk=issued["invoice"].pk).update(
        buyer={**issued["invoice"].buyer, "postal_code": "2810"}
    )
    with pytest.raises(EInvoiceBuyerIncomplete) as buyer_refused:
        render(issued["invoice"])
    assert list(buyer_refused.value.fields) == ["postal_code"]
    assert table_counts() == before


# --- API --------------------------------------------------------------------------------------
def test_the_api_gives_the_facturae_to_finance_and_to_the_customer(api, public, issued):  # noqa: F811
    invoice = issued["invoice"]
    path = f"/invoices/{invoice.pk}/einvoice/"
    for user in (make.user("finance"), make.user("customer", customer=issued["customer"])):
        response = api(user).get(path, params={"syntax": "facturae"})
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/xml"
        assert response.headers["content-disposition"] == (
            'attachment; filename="F2026-00001-facturae.xml"'
        )
        assert response.content == render(invoice).content


def test_the_api_refuses_an_incomplete_buyer_with_its_code_and_fields(api, issued):  # noqa: F811
    bare = make.customer(tax_id="", city="Madrid")
    invoice = invoice_issue(actor=None, invoice=another_draft_of(bare, issued), now=NOW)
    finance = api(make.user("finance"))
    before = table_counts()
    response = finance.get(f"/invoices/{invoice.pk}/einvoice/", params={"syntax": "facturae"})
    assert response.status_code == 409, response.text
    body = response.json()
    assert body["code"] == "einvoice_buyer_incomplete"
    assert list(body["fields"]) == ["tax_id", "address_line1", "postal_code", "region"]
    assert table_counts() == before


def another_draft_of(customer, issued):  # noqa: F811
    """March of a new contract of ``customer`` (fee 10.00), closed and left a draft."""
    contract = make.contract(customer, scope=[(issued["repair"], "included")], fee=Decimal("10.00"))
    return period_close(actor=None, period=march(contract), now=NOW)
