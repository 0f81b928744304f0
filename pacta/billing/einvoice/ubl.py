"""OASIS UBL 2.1 Invoice and CreditNote in the EN 16931 / Peppol BIS Billing 3.0 style (its
CustomizationID and ProfileID) from the plain values of
:class:`~pacta.domain.einvoice.EDocument`; and the figures read back for the EN 16931 rules."""

from __future__ import annotations

from decimal import Decimal

from lxml import etree

from pacta.billing.einvoice.tree import (
    FigurePaths,
    element,
    elements_given,
    figures_read,
    serialised,
)
from pacta.domain.einvoice import EDocument, EParty, Figures

INVOICE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
CREDIT_NOTE = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
NS = {"cac": CAC, "cbc": CBC}
CUSTOMIZATION = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
PROFILE = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"


def _el(parent: etree._Element, tag: str, text: object = None, **attrs: str) -> etree._Element:
    return element(NS, parent, tag, text, **attrs)


def _money(parent: etree._Element, tag: str, value: Decimal, currency: str) -> None:
    _el(parent, tag, f"{value:.2f}", currencyID=currency)


def _vat(parent: etree._Element, tag: str, category: str, percent: Decimal) -> None:
    node = _el(parent, tag)
    _el(node, "cbc:ID", category)
    _el(node, "cbc:Percent", percent)
    _el(_el(node, "cac:TaxScheme"), "cbc:ID", "VAT")


def _party(parent: etree._Element, tag: str, party: EParty) -> None:
    node = _el(_el(parent, tag), "cac:Party")
    if party.email:
        _el(node, "cbc:EndpointID", party.email, schemeID="EM")
    address = _el(node, "cac:PostalAddress")
    elements_given(
        NS,
        address,
        [
            ("cbc:StreetName", party.address),
            ("cbc:AdditionalStreetName", party.address_2),
            ("cbc:CityName", party.city),
            ("cbc:PostalZone", party.postal_code),
            ("cbc:CountrySubentity", party.region),
        ],
    )
    _el(_el(address, "cac:Country"), "cbc:IdentificationCode", party.country)
    if party.vat_id:
        scheme = _el(node, "cac:PartyTaxScheme")
        _el(scheme, "cbc:CompanyID", party.vat_id)
        _el(_el(scheme, "cac:TaxScheme"), "cbc:ID", "VAT")
    _el(_el(node, "cac:PartyLegalEntity"), "cbc:RegistrationName", party.name)


def ubl_xml(doc: EDocument) -> bytes:
    """The document as a UBL 2.1 Invoice, or CreditNote for a credit note (UTF-8)."""
    credit = doc.is_credit_note
    name = "CreditNote" if credit else "Invoice"
    root = etree.Element(
        f"{{{CREDIT_NOTE if credit else INVOICE}}}{name}",
        nsmap={None: CREDIT_NOTE if credit else INVOICE, "cac": CAC, "cbc": CBC},
    )
    cur = doc.currency
    _el(root, "cbc:CustomizationID", CUSTOMIZATION)
    _el(root, "cbc:ProfileID", PROFILE)
    _el(root, "cbc:ID", doc.number)
    _el(root, "cbc:IssueDate", doc.issue_on.isoformat())
    if doc.due_on and not credit:  # a UBL 2.1 CreditNote has no DueDate: the payment terms say
        _el(root, "cbc:DueDate", doc.due_on.isoformat())
    if doc.delivery_on and credit:  # a CreditNote has it before its type code
        _el(root, "cbc:TaxPointDate", doc.delivery_on.isoformat())
    _el(root, f"cbc:{name}TypeCode", doc.type_code)
    if doc.delivery_on and not credit:
        _el(root, "cbc:TaxPointDate", doc.delivery_on.isoformat())
    _el(root, "cbc:DocumentCurrencyCode", cur)
    if doc.buyer_reference:
        _el(root, "cbc:BuyerReference", doc.buyer_reference)
    if doc.corrects_number:
        reference = _el(_el(root, "cac:BillingReference"), "cac:InvoiceDocumentReference")
        _el(reference, "cbc:ID", doc.corrects_number)
        if doc.corrects_issue_on:
            _el(reference, "cbc:IssueDate", doc.corrects_issue_on.isoformat())
    _party(root, "cac:AccountingSupplierParty", doc.seller)
    _party(root, "cac:AccountingCustomerParty", doc.buyer)
    if doc.seller_iban:
        means = _el(root, "cac:PaymentMeans")
        _el(means, "cbc:PaymentMeansCode", "58")
        if credit and doc.due_on:
            _el(means, "cbc:PaymentDueDate", doc.due_on.isoformat())
        _el(_el(means, "cac:PayeeFinancialAccount"), "cbc:ID", doc.seller_iban)
    total = _el(root, "cac:TaxTotal")
    _money(total, "cbc:TaxAmount", doc.tax_total, cur)
    for tax in doc.taxes:
        sub = _el(total, "cac:TaxSubtotal")
        _money(sub, "cbc:TaxableAmount", tax.base, cur)
        _money(sub, "cbc:TaxAmount", tax.tax, cur)
        _vat(sub, "cac:TaxCategory", tax.category, tax.percent)
    monetary = _el(root, "cac:LegalMonetaryTotal")
    _money(monetary, "cbc:LineExtensionAmount", doc.line_total, cur)
    _money(monetary, "cbc:TaxExclusiveAmount", doc.tax_basis_total, cur)
    _money(monetary, "cbc:TaxInclusiveAmount", doc.grand_total, cur)
    _money(monetary, "cbc:PayableAmount", doc.payable, cur)
    for line in doc.lines:
        node = _el(root, f"cac:{name}Line")
        _el(node, "cbc:ID", line.position)
        quantity = "cbc:CreditedQuantity" if credit else "cbc:InvoicedQuantity"
        _el(node, quantity, line.quantity, unitCode=line.unit_code)
        _money(node, "cbc:LineExtensionAmount", line.net, cur)
        item = _el(node, "cac:Item")
        _el(item, "cbc:Name", line.name)
        _vat(item, "cac:ClassifiedTaxCategory", line.category, line.tax_percent)
        _el(_el(node, "cac:Price"), "cbc:PriceAmount", line.price, currencyID=cur)
    return serialised(root)


def _paths(name: str) -> FigurePaths:
    seller = "cac:AccountingSupplierParty/cac:Party/"
    buyer = "cac:AccountingCustomerParty/cac:Party/"
    country = "cac:PostalAddress/cac:Country/cbc:IdentificationCode"
    totals = "cac:LegalMonetaryTotal/cbc:"
    return FigurePaths(
        lines=f"cac:{name}Line",
        line=(
            "cbc:LineExtensionAmount",
            "cac:Item/cac:ClassifiedTaxCategory/cbc:ID",
            "cac:Item/cac:ClassifiedTaxCategory/cbc:Percent",
        ),
        taxes="cac:TaxTotal/cac:TaxSubtotal",
        tax=(
            "cbc:TaxableAmount",
            "cbc:TaxAmount",
            "cac:TaxCategory/cbc:ID",
            "cac:TaxCategory/cbc:Percent",
        ),
        totals=(
            f"{totals}LineExtensionAmount",
            f"{totals}AllowanceTotalAmount",
            f"{totals}ChargeTotalAmount",
            f"{totals}TaxExclusiveAmount",
            "cac:TaxTotal/cbc:TaxAmount",
            f"{totals}TaxInclusiveAmount",
            f"{totals}PrepaidAmount",
            f"{totals}PayableRoundingAmount",
            f"{totals}PayableAmount",
        ),
        parties=(
            f"{seller}cac:PartyLegalEntity/cbc:RegistrationName",
            f"{seller}cac:PartyTaxScheme/cbc:CompanyID",
            f"{seller}{country}",
            f"{buyer}cac:PartyLegalEntity/cbc:RegistrationName",
            f"{buyer}{country}",
        ),
    )


def ubl_figures(xml: bytes) -> Figures:
    """What the EN 16931 rules need, read back from a UBL Invoice or CreditNote."""
    name = etree.QName(etree.fromstring(xml)).localname
    return figures_read(xml, NS, _paths(name))
