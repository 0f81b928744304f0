"""Reading rendered HTML in tests: the text of elements and the rows of tables, parsed (with
tinyhtml5, the HTML5 parser WeasyPrint uses), so assertions are about content, not markup."""

from __future__ import annotations

from collections.abc import Iterator
from xml.etree.ElementTree import Element

import tinyhtml5


def parse(html: str | bytes) -> Element:
    """The document tree of ``html`` (bytes are UTF-8, as pacta serves every page)."""
    if isinstance(html, bytes):
        html = html.decode()
    return tinyhtml5.parse(html, namespace_html_elements=False)


def _pieces(element: Element) -> Iterator[str]:
    if element.tag == "br":
        yield " "  # a line break separates words, as a reader sees them
    if element.text:
        yield element.text
    for child in element:
        yield from _pieces(child)
        if child.tail:
            yield child.tail


def text(element: Element) -> str:
    """The element's text as read (a line break is a space), runs of white space made one
    space, trimmed."""
    return " ".join("".join(_pieces(element)).split())


def by_id(root: Element, element_id: str) -> Element:
    found = [e for e in root.iter() if e.get("id") == element_id]
    assert len(found) == 1, f"{len(found)} elements with id {element_id!r}"
    return found[0]


def find_all(root: Element, tag: str, **attributes: str) -> list[Element]:
    """Descendants with ``tag`` whose attributes include ``attributes`` (class_ for class)."""
    wanted = {("class" if name == "class_" else name): value for name, value in attributes.items()}

    def matches(element: Element) -> bool:
        for name, value in wanted.items():
            if name == "class":
                if value not in (element.get("class") or "").split():
                    return False
            elif element.get(name) != value:
                return False
        return True

    return [e for e in root.iter(tag) if matches(e)]


def rows(table: Element) -> list[list[str]]:
    """The text of each cell of each row of ``table`` (header rows included)."""
    return [[text(cell) for cell in row if cell.tag in ("td", "th")] for row in table.iter("tr")]


def texts(elements: Iterator[Element] | list[Element]) -> list[str]:
    return [text(element) for element in elements]
