"""Facturae 3.2.2, the Spanish e-invoice format FACe takes from suppliers of the public sector,
from the plain values of :class:`~pacta.domain.einvoice.EDocument`; and the figures read back
for the arithmetic rules.

One invoice a file (modality ``I``), issued by the seller (``EM``), unsigned (``ds:Signature``
is optional in the schema; FACe wants a XAdES signature with the company's certificate, which
is not made here). A credit note is a corrective invoice (class ``OR``) by differences, with
NEGATIVE amounts, as Spanish corrective invoices are written (EN 16931's credit notes are
positive). Totals have two decimals, unit prices up to eight; the tax is IVA (``01``)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from django_countries import countries
from lxml import etree

from pacta.billing.einvoice.tree import (
    FigurePaths,
    element,
    elements_given,
    figures_read,
    serialised,
)
from pacta.domain.accounting import taxes_spread
from pacta.domain.einvoice import EDocument, EParty, Figures, tax_category
from pacta.domain.facturae import (
    person_name,
    person_type,
    residence_type,
    series_split,
    tax_number,
    unit_of_measure,
)
from pacta.domain.money import quantum_of

FE = "http://www.facturae.gob.es/formato/Versiones/Facturaev3_2_2.xml"
DS = "http://www.w3.org/2000/09/xmldsig#"
#: The root is in Facturae's namespace, every other element unqualified (prefix "").
NS = {"fe": FE, "": ""}
IVA = "01"
#: A corrective invoice by differences of the taxable base (Facturae's lists, in Spanish).
REASON = ("16", "Base imponible")
METHOD = ("02", "Rectificación por diferencias")
#: Payment by transfer to the seller's account.
TRANSFER = "04"


def _el(parent: etree._Element, tag: str, text: object = None) -> etree._Element:
    """A child of ``parent`` without a namespace (Facturae's elements are unqualified)."""
    return element(NS, parent, f":{tag}", text)


def _two(value: Decimal) -> str:
    return f"{value:.2f}"


def _amount(parent: etree._Element, tag: str, value: Decimal) -> None:
    _el(_el(parent, tag), "TotalAmount", _two(value))


def _price(value: Decimal) -> str:
    """Up to eight decimals, no trailing zeros beyond two."""
    text = f"{value.quantize(Decimal('0.00000001')).normalize():f}"
    whole, _dot, decimals = text.partition(".")
    return f"{whole}.{decimals.ljust(2, '0')}"


def _address(parent: etree._Element, party: EParty) -> None:
    if party.country.upper() == "ES":
        node = _el(parent, "AddressInSpain")
        _el(node, "Address", _street(party))
        _el(node, "PostCode", party.postal_code)
        _el(node, "Town", party.city[:50])
    else:
        node = _el(parent, "OverseasAddress")
        _el(node, "Address", _street(party))
        _el(node, "PostCodeAndTown", f"{party.postal_code} {party.city}".strip()[:50])
    _el(node, "Province", (party.region or party.city)[:20])
    _el(node, "CountryCode", countries.alpha3(party.country))


def _street(party: EParty) -> str:
    return ", ".join(part for part in (party.address, party.address_2) if part)[:80]


def _party(
    parent: etree._Element, tag: str, party: EParty, centres: tuple[tuple[str, str], ...] = ()
) -> None:
    node = _el(parent, tag)
    kind = person_type(party.vat_id, party.country)
    tax = _el(node, "TaxIdentification")
    _el(tax, "PersonTypeCode", kind)
    _el(tax, "ResidenceTypeCode", residence_type(party.country))
    _el(tax, "TaxIdentificationNumber", tax_number(party.vat_id, party.country))
    if centres:
        listed = _el(node, "AdministrativeCentres")
        for role, code in centres:
            centre = _el(listed, "AdministrativeCentre")
            _el(centre, "CentreCode", code)
            _el(centre, "RoleTypeCode", role)
            _address(centre, party)
    if kind == "F":
        person = _el(node, "Individual")
        name, first, second = person_name(party.name)
        elements_given(
            NS,
            person,
            [(":Name", name[:40]), (":FirstSurname", first[:40]), (":SecondSurname", second[:40])],
        )
        _address(person, party)
    else:
        entity = _el(node, "LegalEntity")
        _el(entity, "CorporateName", party.name[:80])
        _address(entity, party)
    if party.email:
        _el(_el(node[-1], "ContactDetails"), "ElectronicMail", party.email[:60])


def _taxes(parent: etree._Element, rates: list[tuple[Decimal, Decimal, Decimal]]) -> None:
    """A TaxesOutputs of (rate, base, tax) rows."""
    outputs = _el(parent, "TaxesOutputs")
    for percent, base, tax in rates:
        row = _el(outputs, "Tax")
        _el(row, "TaxTypeCode", IVA)
        _el(row, "TaxRate", _two(percent))
        _amount(row, "TaxableBase", base)
        _amount(row, "TaxAmount", tax)


def facturae_xml(doc: EDocument) -> bytes:
    """The document as a Facturae 3.2.2 file of one invoice (UTF-8, unsigned)."""
    sign = -1 if doc.is_credit_note else 1
    total = doc.grand_total * sign
    due = doc.payable * sign
    root = etree.Element(f"{{{FE}}}Facturae", nsmap={"fe": FE, "ds": DS})
    header = _el(root, "FileHeader")
    _el(header, "SchemaVersion", "3.2.2")
    _el(header, "Modality", "I")
    _el(header, "InvoiceIssuerType", "EM")
    batch = _el(header, "Batch")
    _el(
        batch,
        "BatchIdentifier",
        f"{tax_number(doc.seller.vat_id, doc.seller.country)}{doc.number}"[:70],
    )
    _el(batch, "InvoicesCount", 1)
    for tag, value in (
        ("TotalInvoicesAmount", total),
        ("TotalOutstandingAmount", due),
        ("TotalExecutableAmount", due),
    ):
        node = _el(batch, tag)
        _el(node, "TotalAmount", _two(value))
        if doc.currency == "EUR":
            _el(node, "EquivalentInEuros", _two(value))
    _el(batch, "InvoiceCurrencyCode", doc.currency)
    parties = _el(root, "Parties")
    _party(parties, "SellerParty", doc.seller)
    _party(parties, "BuyerParty", doc.buyer, doc.buyer_centres)

    invoice = _el(_el(root, "Invoices"), "Invoice")
    head = _el(invoice, "InvoiceHeader")
    series, number = series_split(doc.number, doc.series_code)
    _el(head, "InvoiceNumber", number[:20])
    if series:
        _el(head, "InvoiceSeriesCode", series[:20])
    _el(head, "InvoiceDocumentType", "FC")
    _el(head, "InvoiceClass", "OR" if doc.is_credit_note else "OO")
    if doc.is_credit_note:
        corrective = _el(head, "Corrective")
        corrected_series, corrected = series_split(doc.corrects_number, doc.corrects_series_code)
        _el(corrective, "InvoiceNumber", corrected[:20])
        if corrected_series:
            _el(corrective, "InvoiceSeriesCode", corrected_series[:20])
        _el(corrective, "ReasonCode", REASON[0])
        _el(corrective, "ReasonDescription", REASON[1])
        start, end = doc.corrects_period or (doc.issue_on, doc.issue_on)
        period = _el(corrective, "TaxPeriod")
        _el(period, "StartDate", start.isoformat())
        _el(period, "EndDate", end.isoformat())
        _el(corrective, "CorrectionMethod", METHOD[0])
        _el(corrective, "CorrectionMethodDescription", METHOD[1])
        if doc.corrects_issue_on:
            _el(corrective, "InvoiceIssueDate", doc.corrects_issue_on.isoformat())
    issue = _el(invoice, "InvoiceIssueData")
    _el(issue, "IssueDate", doc.issue_on.isoformat())
    if doc.delivery_on:
        _el(issue, "OperationDate", doc.delivery_on.isoformat())
    _el(issue, "InvoiceCurrencyCode", doc.currency)
    _el(issue, "TaxCurrencyCode", doc.currency)
    _el(issue, "LanguageName", (doc.language or "es")[:2])
    if doc.buyer_reference:
        _el(issue, "ReceiverContractReference", doc.buyer_reference[:20])
    _taxes(invoice, [(t.percent, t.base * sign, t.tax * sign) for t in doc.taxes])
    totals = _el(invoice, "InvoiceTotals")
    for tag, value in (
        ("TotalGrossAmount", doc.line_total * sign),
        ("TotalGrossAmountBeforeTaxes", doc.tax_basis_total * sign),
        ("TotalTaxOutputs", doc.tax_total * sign),
        ("TotalTaxesWithheld", Decimal(0)),
        ("InvoiceTotal", total),
        ("TotalOutstandingAmount", due),
        ("TotalExecutableAmount", due),
    ):
        _el(totals, tag, _two(value))
    items = _el(invoice, "Items")
    # Each line's share of the tax stored for its rate, so the lines add up to the totals.
    line_tax = taxes_spread(
        [(line.position, line.tax_percent, line.net) for line in doc.lines],
        {tax.percent: tax.tax for tax in doc.taxes},
        quantum_of(doc.currency),
    )
    for line in doc.lines:
        row = _el(items, "InvoiceLine")
        _el(row, "ItemDescription", line.name[:2500])
        _el(row, "Quantity", f"{line.quantity.normalize():f}")
        _el(row, "UnitOfMeasure", unit_of_measure(line.unit_code))
        _el(row, "UnitPriceWithoutTax", _price(line.price * sign))
        _el(row, "TotalCost", _two(line.net * sign))
        _el(row, "GrossAmount", _two(line.net * sign))
        _taxes(row, [(line.tax_percent, line.net * sign, line_tax[line.position] * sign)])
    if doc.due_on:
        installment = _el(_el(invoice, "PaymentDetails"), "Installment")
        _el(installment, "InstallmentDueDate", doc.due_on.isoformat())
        _el(installment, "InstallmentAmount", _two(due))
        _el(installment, "PaymentMeans", TRANSFER)
        if doc.seller_iban and not doc.is_credit_note:  # a credit note's refund is ours to pay
            _el(_el(installment, "AccountToBeCredited"), "IBAN", doc.seller_iban)
    return serialised(root)


_SELLER = "Parties/SellerParty/"
_BUYER = "Parties/BuyerParty/"
_TOTALS = "Invoices/Invoice/InvoiceTotals/"
PATHS = FigurePaths(
    lines="Invoices/Invoice/Items/InvoiceLine",
    line=("GrossAmount", "-", "TaxesOutputs/Tax/TaxRate"),
    taxes="Invoices/Invoice/TaxesOutputs/Tax",
    tax=("TaxableBase/TotalAmount", "TaxAmount/TotalAmount", "-", "TaxRate"),
    totals=(
        f"{_TOTALS}TotalGrossAmount",
        f"{_TOTALS}TotalGeneralDiscounts",
        f"{_TOTALS}TotalGeneralSurcharges",
        f"{_TOTALS}TotalGrossAmountBeforeTaxes",
        f"{_TOTALS}TotalTaxOutputs",
        f"{_TOTALS}InvoiceTotal",
        f"{_TOTALS}TotalPaymentsOnAccount",
        f"{_TOTALS}TotalFinancialExpenses",
        f"{_TOTALS}TotalOutstandingAmount",
    ),
    parties=(
        f"{_SELLER}LegalEntity/CorporateName",
        f"{_SELLER}TaxIdentification/TaxIdentificationNumber",
        f"{_SELLER}*/*/CountryCode",
        f"{_BUYER}LegalEntity/CorporateName",
        f"{_BUYER}*/*/CountryCode",
    ),
)


def facturae_figures(xml: bytes) -> Figures:
    """What the arithmetic rules need, read back from a Facturae file (in its sign; Facturae
    has no tax categories: each rate's is the one EN 16931 would give it; a person's name is
    their Individual/Name)."""
    figures = figures_read(xml, NS, PATHS)
    root = etree.fromstring(xml)

    def person(party: str) -> str:
        return (root.findtext(f"{party}Individual/Name") or "").strip()

    return replace(
        figures,
        line_nets=tuple(
            (net, tax_category(percent), percent) for net, _c, percent in figures.line_nets
        ),
        taxes=tuple(
            (base, tax, tax_category(percent), percent) for base, tax, _c, percent in figures.taxes
        ),
        seller_name=figures.seller_name or person(_SELLER),
        buyer_name=figures.buyer_name or person(_BUYER),
    )
