"""EN 16931 e-invoices of an issued invoice or credit note, in one of four syntaxes over one
reading (``selectors.invoice_get_for_einvoice``): ``cii`` (UN/CEFACT CII D16B, Factur-X
EN 16931 profile), ``facturx`` (the PDF with that XML embedded, PDF/A-3), ``ubl`` (OASIS UBL
2.1 Invoice / CreditNote). Every file is checked against its XSD and the EN 16931 arithmetic
rules before it is handed out; one that fails is refused (``einvoice_rejected``), never sent.
Reading writes nothing: asked twice, the XML is the same bytes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from pacta.accounts.access import Audience
from pacta.billing import selectors
from pacta.billing.einvoice import cii, rules, ubl
from pacta.billing.errors import EInvoiceRejected, EInvoiceSyntaxUnknown

SYNTAXES = ("facturx", "cii", "ubl")


@dataclass(frozen=True)
class EInvoiceFile:
    content: bytes
    content_type: str
    filename: str


def _checked(xml: bytes, flavor: str, number: str) -> bytes:
    figures_of = rules.cii_violations if flavor == "cii" else rules.ubl_violations
    problems = rules.xsd_errors(xml, flavor) + figures_of(xml)
    if problems:
        raise EInvoiceRejected(
            _("The e-invoice of %(number)s breaks its rules: %(problems)s")
            % {"number": number, "problems": "; ".join(problems)}
        )
    return xml


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
