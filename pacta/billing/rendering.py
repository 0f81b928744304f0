"""An issued invoice or credit note as HTML and PDF (WeasyPrint), in its customer's language.

Everything printed comes from what was stored at issue (the lines, the tax totals, the buyer
as it was): rendering twice gives the same document, and nothing is recomputed.
"""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from django.utils import translation

from pacta.billing.models import Invoice


def _words(line: Any) -> list[str]:
    """The line's explanation in the reader's language (templates filled after translation)."""
    phrases = []
    for item in line.words or []:
        if isinstance(item, list | tuple) and len(item) == 2 and isinstance(item[1], dict):
            template, params = item
            try:
                phrases.append(translation.gettext(template) % params)
            except (KeyError, TypeError, ValueError):
                phrases.append(str(template))
    return phrases


def invoice_html(invoice: Invoice) -> str:
    with translation.override(invoice.language or None):
        lines = [
            {"line": line, "words": _words(line)} for line in invoice.lines.order_by("position")
        ]
        return render_to_string(
            "billing/invoice.html",
            {
                "invoice": invoice,
                "lines": lines,
                "tax_totals": list(invoice.tax_totals.order_by("tax_percent")),
                "buyer": invoice.buyer or {},
            },
        )


def invoice_pdf(invoice: Invoice) -> bytes:
    """The invoice as a PDF (A4)."""
    from weasyprint import HTML  # imported when needed: it loads Pango

    return bytes(HTML(string=invoice_html(invoice)).write_pdf())


def invoice_filename(invoice: Invoice) -> str:
    return f"{invoice.number or f'draft-{invoice.pk}'}.pdf"
