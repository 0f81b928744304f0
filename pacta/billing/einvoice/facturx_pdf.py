"""Factur-X: the invoice PDF (WeasyPrint, PDF/A-3b) with its CII XML embedded as
``factur-x.xml`` by ``facturx.generate_from_binary`` (which checks the XML against the bundled
Factur-X EN 16931 XSD and writes the PDF/A-3 XMP metadata and the AF relationship ``data``)."""

from __future__ import annotations

import facturx

from pacta.billing.models import Invoice
from pacta.billing.rendering import invoice_html


def facturx_pdf(invoice: Invoice, xml: bytes) -> bytes:
    from weasyprint import HTML  # imported when needed: it loads Pango

    pdf = bytes(HTML(string=invoice_html(invoice)).write_pdf(pdf_variant="pdf/a-3b"))
    return bytes(
        facturx.generate_from_binary(
            pdf,
            xml,
            flavor="factur-x",
            level="en16931",
            check_xsd=True,
            lang=invoice.language or None,
        )
    )
