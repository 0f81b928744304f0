"""E-invoices of an issued invoice or credit note, in one of four syntaxes over one reading
(``selectors.invoice_get_for_einvoice``): EN 16931's ``cii`` (UN/CEFACT CII D16B, Factur-X
EN 16931 profile), ``facturx`` (the PDF with that XML embedded, PDF/A-3), ``ubl`` (OASIS UBL
2.1 Invoice / CreditNote); and ``facturae`` (Facturae 3.2.2, Spain's public sector). Every
file is checked against its XSD and the EN 16931 arithmetic rules before it is handed out; one
that fails is refused (``einvoice_rejected``), never sent; a Facturae whose seller or buyer
lacks what it needs is refused naming the fields (``einvoice_seller_incomplete``,
``einvoice_buyer_incomplete``).
Reading writes nothing: asked twice, the XML is the same bytes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from pacta.accounts.access import Audience
from pacta.billing import selectors
from pacta.billing.einvoice import cii, facturae, rules, ubl
from pacta.billing.errors import (
    EInvoiceBuyerIncomplete,
    EInvoiceRejected,
    EInvoiceSellerIncomplete,
    EInvoiceSyntaxUnknown,
)
from pacta.domain.einvoice import EDocument, EParty
from pacta.domain.facturae import party_missing

SYNTAXES = ("facturx", "cii", "ubl", "facturae")

#: The customer's field of each part of the buyer Facturae needs.
_CUSTOMER_FIELDS = {"name": "legal_name", "vat_id": "tax_id", "address": "address_line1"}


@dataclass(frozen=True)
class EInvoiceFile:
    content: bytes
    content_type: str
    filename: str


def _checked(xml: bytes, flavor: str, number: str) -> bytes:
    figures_of = {"cii": rules.cii_violations, "facturae": rules.facturae_violations}.get(
        flavor, rules.ubl_violations
    )
    problems = rules.xsd_errors(xml, flavor) + figures_of(xml)
    if problems:
        raise EInvoiceRejected(
            _("The e-invoice of %(number)s breaks its rules: %(problems)s")
            % {"number": number, "problems": "; ".join(problems)}
        )
    return xml


def _missing(party: EParty) -> list[str]:
    return party_missing({key: getattr(party, key) for key in vars(party)})


def _facturae_check(doc: EDocument) -> None:
    """Refuse a Facturae whose seller or buyer lacks what it needs, naming the fields: the
    seller's by their PACTA_SELLER keys, the buyer's by the customer's fields (as frozen on
    the invoice at issue)."""
    missing = _missing(doc.seller)
    if missing:
        raise EInvoiceSellerIncomplete(
            _("The seller's details lack what Facturae needs: %(fields)s (setting PACTA_SELLER).")
            % {"fields": ", ".join(missing)}
        )
    fields = [_CUSTOMER_FIELDS.get(key, key) for key in _missing(doc.buyer)]
    if fields:
        message = _(
            "The customer's details on invoice %(number)s lack what Facturae needs: %(fields)s."
        ) % {"number": doc.number, "fields": ", ".join(fields)}
        raise EInvoiceBuyerIncomplete(message, fields={field: [message] for field in fields})


def einvoice_render(*, audience: Audience, invoice_id: Any, syntax: str) -> EInvoiceFile:
    """The e-invoice of the issued invoice ``invoice_id`` in ``syntax`` (see ``SYNTAXES``)."""
    if syntax not in SYNTAXES:
        message = _("Unknown e-invoice syntax %(syntax)s: choose one of %(choices)s.") % {
            "syntax": syntax,
            "choices": ", ".join(SYNTAXES),
        }
        raise EInvoiceSyntaxUnknown(message, fields={"syntax": [message]})
    doc = selectors.invoice_get_for_einvoice(audience=audience, pk=invoice_id)
    stem = doc.number
    if syntax == "facturae":
        _facturae_check(doc)
        xml = _checked(facturae.facturae_xml(doc), "facturae", doc.number)
        return EInvoiceFile(xml, "application/xml", f"{stem}-facturae.xml")
    if syntax == "ubl":
        flavor = "ubl-creditnote" if doc.is_credit_note else "ubl-invoice"
        xml = _checked(ubl.ubl_xml(doc), flavor, doc.number)
        return EInvoiceFile(xml, "application/xml", f"{stem}-ubl.xml")
    xml = _checked(cii.cii_xml(doc), "cii", doc.number)
    if syntax == "cii":
        return EInvoiceFile(xml, "application/xml", f"{stem}-cii.xml")
    from pacta.billing.einvoice.facturx_pdf import facturx_pdf

    invoice = selectors.invoice_list(audience=audience).get(pk=invoice_id)
    return EInvoiceFile(facturx_pdf(invoice, xml), "application/pdf", f"{stem}-facturx.pdf")
