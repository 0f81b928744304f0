"""The rules of a SEPA direct-debit file (pain.008) that its XSD does not enforce.

The EPC's implementation guidelines ask more than the ISO 20022 schema: amounts with exactly two
decimals, only the SEPA Latin character set in names, references and addresses, identifiers
that neither start nor end with "/" nor hold "//", a structured debtor address with at least the
town and the country (mandatory from November 2026), control sums and counts equal to the
transactions they sum, and end-to-end ids unique in the file. :func:`epc_problems` reads a
file's XML tree and lists what breaks them; :func:`xsd_problems` checks it against the schema
of its version (the one the ``sepaxml`` package ships). Both are pure: bytes in, problems out.

:func:`sepa_text` turns any text into the Latin character set (transliterated, what has no
Latin form becomes a space), so names and addresses typed with accents still make a valid file.
"""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import sepaxml
from lxml import etree
from text_unidecode import unidecode

from pacta.domain.text import gettext_noop

#: The SEPA Latin character set (EPC217-08): letters, digits, / - ? : ( ) . , ' + and space.
LATIN = re.compile(r"[A-Za-z0-9/\-?:().,'+ ]*")
#: Identifiers (message, payment, end-to-end, mandate ids) take the set without spaces.
IDENTIFIER = re.compile(r"[A-Za-z0-9/\-?:().,'+]+")
TWO_DECIMALS = re.compile(r"[0-9]{1,15}\.[0-9]{2}")
TEXT_ELEMENTS = ("Nm", "Ustrd", "StrtNm", "BldgNb", "PstCd", "TwnNm", "AdrLine", "CtrySubDvsn")
ID_ELEMENTS = ("MsgId", "PmtInfId", "EndToEndId", "MndtId")
VERSIONS = ("pain.008.001.08", "pain.008.001.02")


@dataclass(frozen=True)
class Problem:
    """One broken rule: an English template (marked for translation) and its values."""

    template: str
    params: dict[str, Any] = field(default_factory=dict)

    def text(self, translate: Any = str) -> str:
        return str(translate(self.template)) % self.params

    def __str__(self) -> str:
        return self.text()


def sepa_text(value: str, max_length: int) -> str:
    """``value`` in the SEPA Latin character set, spaces collapsed, cut to ``max_length``."""
    latin = unidecode(value or "").replace("&", "+").replace("_", "-")
    kept = "".join(ch if LATIN.fullmatch(ch) else " " for ch in latin)
    return " ".join(kept.split())[:max_length].strip()


def identifier_ok(value: str) -> bool:
    """Whether ``value`` may be a SEPA identifier (mandate reference, end-to-end id …)."""
    return (
        bool(IDENTIFIER.fullmatch(value or ""))
        and not value.startswith("/")
        and not value.endswith("/")
        and "//" not in value
    )


def _local(element: Any) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _children(element: Any, name: str) -> list[Any]:
    return [child for child in element if _local(child) == name]


def _child(element: Any, name: str) -> Any:
    found = _children(element, name)
    return found[0] if found else None


def _all(root: Any, name: str) -> list[Any]:
    return [element for element in root.iter() if _local(element) == name]


def _amount(element: Any, where: str, problems: list[Problem]) -> Decimal | None:
    """The amount of ``element``; a problem noted unless it has exactly two decimals (None:
    not a number at all)."""
    text = (element.text or "").strip() if element is not None else ""
    if not TWO_DECIMALS.fullmatch(text):
        problems.append(
            Problem(
                gettext_noop(
                    "%(where)s: the amount %(amount)s does not have exactly two decimals."
                ),
                {"where": where, "amount": text or "—"},
            )
        )
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _text_rules(root: Any, problems: list[Problem]) -> None:
    for element in root.iter():
        name = _local(element)
        text = element.text or ""
        if name in TEXT_ELEMENTS and not LATIN.fullmatch(text):
            problems.append(
                Problem(
                    gettext_noop("%(element)s %(text)s has characters outside the SEPA set."),
                    {"element": name, "text": repr(text)},
                )
            )
        if name in ID_ELEMENTS and not identifier_ok(text):
            problems.append(
                Problem(
                    gettext_noop("%(element)s %(text)s is not a valid SEPA identifier."),
                    {"element": name, "text": repr(text)},
                )
            )


def _address_rules(transaction: Any, where: str, problems: list[Problem]) -> None:
    debtor = _child(transaction, "Dbtr")
    address = _child(debtor, "PstlAdr") if debtor is not None else None
    town = _child(address, "TwnNm") if address is not None else None
    country = _child(address, "Ctry") if address is not None else None
    if town is None or not (town.text or "").strip():
        problems.append(
            Problem(gettext_noop("%(where)s: the debtor's town is missing."), {"where": where})
        )
    if country is None or not (country.text or "").strip():
        problems.append(
            Problem(gettext_noop("%(where)s: the debtor's country is missing."), {"where": where})
        )


def _sum_rules(node: Any, where: str, amounts: list[Decimal], problems: list[Problem]) -> None:
    count = _child(node, "NbOfTxs")
    if count is None or (count.text or "").strip() != str(len(amounts)):
        problems.append(
            Problem(
                gettext_noop("%(where)s: the count %(count)s is not the %(real)d transactions."),
                {
                    "where": where,
                    "count": count.text if count is not None else "—",
                    "real": len(amounts),
                },
            )
        )
    control = _child(node, "CtrlSum")
    if control is None:
        problems.append(
            Problem(gettext_noop("%(where)s: the control sum is missing."), {"where": where})
        )
        return
    stated = _amount(control, where, problems)
    if stated is not None and stated != sum(amounts, Decimal(0)):
        problems.append(
            Problem(
                gettext_noop("%(where)s: the control sum %(stated)s is not the sum %(real)s."),
                {"where": where, "stated": control.text, "real": f"{sum(amounts, Decimal(0)):.2f}"},
            )
        )


def epc_problems(xml: bytes) -> list[Problem]:
    """What in the pain.008 file ``xml`` breaks the EPC rules (nothing: an empty list)."""
    try:
        root = etree.fromstring(xml, parser=etree.XMLParser(resolve_entities=False))
    except etree.XMLSyntaxError as error:
        return [Problem(gettext_noop("The file is not XML: %(error)s"), {"error": str(error)})]
    problems: list[Problem] = []
    _text_rules(root, problems)
    everything: list[Decimal] = []
    seen: set[str] = set()
    for info in _all(root, "PmtInf"):
        info_id = (
            (_child(info, "PmtInfId").text or "") if _child(info, "PmtInfId") is not None else ""
        )
        amounts = []
        for transaction in _children(info, "DrctDbtTxInf"):
            end_to_end = _all(transaction, "EndToEndId")
            key = (end_to_end[0].text or "") if end_to_end else ""
            where = f"{info_id}/{key}"
            if key in seen:
                problems.append(
                    Problem(gettext_noop("End-to-end id %(id)s is used twice."), {"id": key})
                )
            seen.add(key)
            instructed = _child(transaction, "InstdAmt")
            amount = _amount(instructed, where, problems)
            if instructed is not None and instructed.get("Ccy") != "EUR":
                problems.append(
                    Problem(gettext_noop("%(where)s: SEPA debits are in euros."), {"where": where})
                )
            if amount is not None and amount <= 0:
                problems.append(
                    Problem(
                        gettext_noop("%(where)s: the amount is not above zero."), {"where": where}
                    )
                )
            amounts.append(amount if amount is not None else Decimal(0))
            _address_rules(transaction, where, problems)
        _sum_rules(info, info_id, amounts, problems)
        everything.extend(amounts)
    headers = _all(root, "GrpHdr")
    if not headers:
        problems.append(Problem(gettext_noop("The file has no group header.")))
    else:
        _sum_rules(headers[0], "GrpHdr", everything, problems)
    return problems


@functools.cache
def _schema(version: str) -> Any:
    path = os.path.join(os.path.dirname(sepaxml.__file__), "schemas", f"{version}.xsd")
    return etree.XMLSchema(etree.parse(path))


def xsd_problems(xml: bytes, version: str) -> list[Problem]:
    """What in ``xml`` breaks the ISO 20022 schema of ``version`` (pain.008.001.08 or .02)."""
    if version not in VERSIONS:
        return [
            Problem(
                gettext_noop("%(version)s is not a pain.008 version pacta writes."),
                {"version": version},
            )
        ]
    root = etree.fromstring(xml, parser=etree.XMLParser(resolve_entities=False))
    if etree.QName(root).namespace != f"urn:iso:std:iso:20022:tech:xsd:{version}":
        return [
            Problem(gettext_noop("The file is not a %(version)s document."), {"version": version})
        ]
    schema = _schema(version)
    if schema.validate(root):
        return []
    return [
        Problem(
            gettext_noop("XSD, line %(line)d: %(reason)s"),
            {"line": error.line, "reason": error.message},
        )
        for error in schema.error_log
    ]
