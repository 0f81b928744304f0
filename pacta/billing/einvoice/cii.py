"""UN/CEFACT Cross Industry Invoice (D16B, the Factur-X 1.0 EN 16931 profile) from the plain
values of :class:`~pacta.domain.einvoice.EDocument`; and the figures read back from such a file
for the EN 16931 rules. The writer never queries: the selector read everything once."""

from __future__ import annotations

import datetime as dt
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

RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
QDT = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"
NS = {"rsm": RSM, "ram": RAM, "udt": UDT, "qdt": QDT}
GUIDELINE = "urn:cen.eu:en16931:2017"


def _el(parent: etree._Element, tag: str, text: object = None, **attrs: str) -> etree._Element:
    return element(NS, parent, tag, text, **attrs)


def _date(parent: etree._Element, tag: str, day: dt.date, kind: str = "udt") -> None:
    _el(_el(parent, tag), f"{kind}:DateTimeString", day.strftime("%Y%m%d"), format="102")


def _amount(value: Decimal) -> str:
    return f"{value:.2f}"


def _party(parent: etree._Element, tag: str, party: EParty) -> None:
    node = _el(parent, tag)
    _el(node, "ram:Name", party.name)
    address = _el(node, "ram:PostalTradeAddress")
    elements_given(
        NS,
        address,
        [
            ("ram:PostcodeCode", party.postal_code),
            ("ram:LineOne", party.address),
            ("ram:LineTwo", party.address_2),
            ("ram:CityName", party.city),
        ],
    )
    _el(address, "ram:CountryID", party.country)
    elements_given(NS, address, [("ram:CountrySubDivisionName", party.region)])
    if party.email:
        uri = _el(node, "ram:URIUniversalCommunication")
        _el(uri, "ram:URIID", party.email, schemeID="EM")
    if party.vat_id:
        _el(_el(node, "ram:SpecifiedTaxRegistration"), "ram:ID", party.vat_id, schemeID="VA")


def cii_xml(doc: EDocument) -> bytes:
    """The document as CII XML (UTF-8, with its declaration)."""
    root = etree.Element(f"{{{RSM}}}CrossIndustryInvoice", nsmap=NS)
    context = _el(root, "rsm:ExchangedDocumentContext")
    _el(_el(context, "ram:GuidelineSpecifiedDocumentContextParameter"), "ram:ID", GUIDELINE)
    header = _el(root, "rsm:ExchangedDocument")
    _el(header, "ram:ID", doc.number)
    _el(header, "ram:TypeCode", doc.type_code)
    _date(header, "ram:IssueDateTime", doc.issue_on)
    transaction = _el(root, "rsm:SupplyChainTradeTransaction")
    for line in doc.lines:
        item = _el(transaction, "ram:IncludedSupplyChainTradeLineItem")
        _el(_el(item, "ram:AssociatedDocumentLineDocument"), "ram:LineID", line.position)
        _el(_el(item, "ram:SpecifiedTradeProduct"), "ram:Name", line.name)
        price = _el(_el(item, "ram:SpecifiedLineTradeAgreement"), "ram:NetPriceProductTradePrice")
        _el(price, "ram:ChargeAmount", line.price)
        delivery = _el(item, "ram:SpecifiedLineTradeDelivery")
        _el(delivery, "ram:BilledQuantity", line.quantity, unitCode=line.unit_code)
        settlement = _el(item, "ram:SpecifiedLineTradeSettlement")
        tax = _el(settlement, "ram:ApplicableTradeTax")
        _el(tax, "ram:TypeCode", "VAT")
        _el(tax, "ram:CategoryCode", line.category)
        _el(tax, "ram:RateApplicablePercent", line.tax_percent)
        summation = _el(settlement, "ram:SpecifiedTradeSettlementLineMonetarySummation")
        _el(summation, "ram:LineTotalAmount", _amount(line.net))
    agreement = _el(transaction, "ram:ApplicableHeaderTradeAgreement")
    if doc.buyer_reference:
        _el(agreement, "ram:BuyerReference", doc.buyer_reference)
    _party(agreement, "ram:SellerTradeParty", doc.seller)
    _party(agreement, "ram:BuyerTradeParty", doc.buyer)
    delivery = _el(transaction, "ram:ApplicableHeaderTradeDelivery")
    if doc.delivery_on:
        _date(
            _el(delivery, "ram:ActualDeliverySupplyChainEvent"),
            "ram:OccurrenceDateTime",
            doc.delivery_on,
        )
    settlement = _el(transaction, "ram:ApplicableHeaderTradeSettlement")
    _el(settlement, "ram:InvoiceCurrencyCode", doc.currency)
    if doc.seller_iban:
        means = _el(settlement, "ram:SpecifiedTradeSettlementPaymentMeans")
        _el(means, "ram:TypeCode", "58")
        account = _el(means, "ram:PayeePartyCreditorFinancialAccount")
        _el(account, "ram:IBANID", doc.seller_iban)
    for tax in doc.taxes:
        node = _el(settlement, "ram:ApplicableTradeTax")
        _el(node, "ram:CalculatedAmount", _amount(tax.tax))
        _el(node, "ram:TypeCode", "VAT")
        _el(node, "ram:BasisAmount", _amount(tax.base))
        _el(node, "ram:CategoryCode", tax.category)
        _el(node, "ram:RateApplicablePercent", tax.percent)
    if doc.due_on:
        _date(_el(settlement, "ram:SpecifiedTradePaymentTerms"), "ram:DueDateDateTime", doc.due_on)
    totals = _el(settlement, "ram:SpecifiedTradeSettlementHeaderMonetarySummation")
    _el(totals, "ram:LineTotalAmount", _amount(doc.line_total))
    _el(totals, "ram:TaxBasisTotalAmount", _amount(doc.tax_basis_total))
    _el(totals, "ram:TaxTotalAmount", _amount(doc.tax_total), currencyID=doc.currency)
    _el(totals, "ram:GrandTotalAmount", _amount(doc.grand_total))
    _el(totals, "ram:DuePayableAmount", _amount(doc.payable))
    if doc.corrects_number:
        reference = _el(settlement, "ram:InvoiceReferencedDocument")
        _el(reference, "ram:IssuerAssignedID", doc.corrects_number)
        if doc.corrects_issue_on:
            _date(reference, "ram:FormattedIssueDateTime", doc.corrects_issue_on, kind="qdt")
    return serialised(root)


_TRADE = "rsm:SupplyChainTradeTransaction/"
_LINE_TAX = "ram:SpecifiedLineTradeSettlement/ram:ApplicableTradeTax/"
_SUM = (
    f"{_TRADE}ram:ApplicableHeaderTradeSettlement/"
    "ram:SpecifiedTradeSettlementHeaderMonetarySummation/ram:"
)
_SELLER = f"{_TRADE}ram:ApplicableHeaderTradeAgreement/ram:SellerTradeParty/"
_BUYER = f"{_TRADE}ram:ApplicableHeaderTradeAgreement/ram:BuyerTradeParty/"
PATHS = FigurePaths(
    lines=f"{_TRADE}ram:IncludedSupplyChainTradeLineItem",
    line=(
        "ram:SpecifiedLineTradeSettlement/ram:SpecifiedTradeSettlementLineMonetarySummation/"
        "ram:LineTotalAmount",
        f"{_LINE_TAX}ram:CategoryCode",
        f"{_LINE_TAX}ram:RateApplicablePercent",
    ),
    taxes=f"{_TRADE}ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax",
    tax=(
        "ram:BasisAmount",
        "ram:CalculatedAmount",
        "ram:CategoryCode",
        "ram:RateApplicablePercent",
    ),
    totals=tuple(
        _SUM + name
        for name in (
            "LineTotalAmount",
            "AllowanceTotalAmount",
            "ChargeTotalAmount",
            "TaxBasisTotalAmount",
            "TaxTotalAmount",
            "GrandTotalAmount",
            "TotalPrepaidAmount",
            "RoundingAmount",
            "DuePayableAmount",
        )
    ),
    parties=(
        f"{_SELLER}ram:Name",
        f"{_SELLER}ram:SpecifiedTaxRegistration/ram:ID",
        f"{_SELLER}ram:PostalTradeAddress/ram:CountryID",
        f"{_BUYER}ram:Name",
        f"{_BUYER}ram:PostalTradeAddress/ram:CountryID",
    ),
)


def cii_figures(xml: bytes) -> Figures:
    """What the EN 16931 rules need, read back from a CII file."""
    return figures_read(xml, NS, PATHS)
