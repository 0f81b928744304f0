"""What the CII and UBL modules share: writing an element in a namespace map, and reading the
figures of the EN 16931 rules back from a file through the paths of its syntax."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from lxml import etree

from pacta.domain.einvoice import Figures


def element(
    ns: Mapping[str, str], parent: etree._Element, tag: str, text: object = None, **attrs: str
) -> etree._Element:
    """A child ``prefix:name`` of ``parent`` with its text and attributes."""
    prefix, name = tag.split(":")
    found = etree.SubElement(parent, f"{{{ns[prefix]}}}{name}", attrs)
    if text is not None:
        found.text = str(text)
    return found


def elements_given(
    ns: Mapping[str, str], parent: etree._Element, pairs: Sequence[tuple[str, str]]
) -> None:
    """A child per (tag, text) in this order, leaving out those without text."""
    for tag, text in pairs:
        if text:
            element(ns, parent, tag, text)


def serialised(root: etree._Element) -> bytes:
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


@dataclass(frozen=True)
class FigurePaths:
    """Where a syntax keeps each figure: ``lines`` and ``taxes`` from the root, the line's and
    tax's own figures from them, every other path from the root (absent amounts read as 0)."""

    lines: str
    line: tuple[str, str, str]  # net, category, percent
    taxes: str
    tax: tuple[str, str, str, str]  # base, tax, category, percent
    totals: tuple[str, ...]  # line, allowances, charges, basis, tax, grand, prepaid, rounding, due
    parties: tuple[str, str, str, str, str]  # seller name, VAT id, country; buyer name, country


def figures_read(xml: bytes, ns: Mapping[str, str], paths: FigurePaths) -> Figures:
    root = etree.fromstring(xml)

    def text(node: etree._Element, path: str) -> str:
        return (node.findtext(path, namespaces=ns) or "").strip()

    def amount(node: etree._Element, path: str) -> Decimal:
        return Decimal(text(node, path) or 0)

    net, category, percent = paths.line
    base, tax, tax_category, tax_percent = paths.tax
    line, allowances, charges, basis, tax_total, grand, prepaid, rounding, due = (
        amount(root, path) for path in paths.totals
    )
    seller_name, seller_vat_id, seller_country, buyer_name, buyer_country = (
        text(root, path) for path in paths.parties
    )
    return Figures(
        line_nets=tuple(
            (amount(node, net), text(node, category), amount(node, percent))
            for node in root.iterfind(paths.lines, ns)
        ),
        taxes=tuple(
            (
                amount(node, base),
                amount(node, tax),
                text(node, tax_category),
                amount(node, tax_percent),
            )
            for node in root.iterfind(paths.taxes, ns)
        ),
        line_total=line,
        allowances=allowances,
        charges=charges,
        tax_basis_total=basis,
        tax_total=tax_total,
        grand_total=grand,
        prepaid=prepaid,
        rounding=rounding,
        payable=due,
        seller_name=seller_name,
        seller_vat_id=seller_vat_id,
        seller_country=seller_country,
        buyer_name=buyer_name,
        buyer_country=buyer_country,
    )
