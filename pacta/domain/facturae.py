"""Facturae 3.2.2, the pure part: the codes the Spanish e-invoice format asks for that follow
from what we store (residence and person type of a party, unit of measure, the series of an
invoice number, the DIR3 codes of a public body's administrative centres) and what a party
lacks for it.

DIR3 is the Spanish public sector's directory of units: a public customer's invoices name its
accounting office (role 01), managing body (02) and processing unit (03), each by its DIR3 code
(letters and digits, up to ten: ``L01281343``), as FACe asks for.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

#: Member states of the European Union (ISO 3166-1 alpha-2): a buyer there is ``U``.
EU_COUNTRIES = frozenset(
    {
        "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU",
        "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
    }
)  # fmt: skip

#: The three centres of a public buyer, in Facturae's role order: (role code, customer field).
DIR3_ROLES = (
    ("01", "dir3_accounting_office"),
    ("02", "dir3_managing_body"),
    ("03", "dir3_processing_unit"),
)

_DIR3 = re.compile(r"[A-Z0-9]{1,10}")
#: A Spanish NIF of a person: eight digits and a letter, or an NIE (X, Y, Z) or a K, L, M NIF.
_PERSON_NIF = re.compile(r"([0-9]{8}|[KLMXYZ][0-9]{7})[A-Z]")
_POST_CODE_ES = re.compile(r"[0-9]{5}")

#: UN/ECE Recommendation 20 codes (as :func:`pacta.domain.einvoice.unit_code` gives them) to
#: Facturae's UnitOfMeasure list; anything else is ``01`` (units).
_UNITS = {"C62": "01", "HUR": "02", "KGM": "03", "LTR": "04", "KMT": "22", "MTR": "25"}


def is_dir3_code(code: str) -> bool:
    """Whether ``code`` has the shape of a DIR3 code: letters and digits, up to ten."""
    return bool(_DIR3.fullmatch(code))


def residence_type(country: str) -> str:
    """``R`` resident in Spain, ``U`` in another EU member state, ``E`` elsewhere."""
    country = country.upper()
    if country == "ES":
        return "R"
    return "U" if country in EU_COUNTRIES else "E"


def tax_number(tax_id: str, country: str) -> str:
    """The tax identification number as Facturae writes it: a Spanish party's NIF without the
    ``ES`` of its VAT number; any other party's VAT number as it is."""
    tax_id = tax_id.replace(" ", "").upper()
    if country.upper() == "ES" and tax_id.startswith("ES") and len(tax_id) == 11:
        return tax_id[2:]
    return tax_id


def person_type(tax_id: str, country: str) -> str:
    """``F`` for a person (a Spanish NIF or NIE of a person), ``J`` for a legal entity (a
    Spanish CIF, and every foreign party: we invoice companies abroad)."""
    if country.upper() == "ES" and _PERSON_NIF.fullmatch(tax_number(tax_id, country)):
        return "F"
    return "J"


def person_name(name: str) -> tuple[str, str, str]:
    """A person's full name as (name, first surname, second surname): the first word is the
    name, the next the first surname, the rest the second (``Ana García López``)."""
    words = name.split()
    if len(words) < 2:
        return (name.strip(), name.strip(), "")
    return (words[0], words[1], " ".join(words[2:]))


def unit_of_measure(unit_code: str) -> str:
    """Facturae's UnitOfMeasure of a UN/ECE Recommendation 20 unit code."""
    return _UNITS.get(unit_code, "05" if unit_code == "MIN" else "01")


def series_split(number: str, series: str) -> tuple[str, str]:
    """(series code, number within the series) of a printed invoice number: ``F2026-00042`` of
    series ``F`` is (``F``, ``2026-00042``). A number not starting with its series keeps it."""
    if series and number.startswith(series) and len(number) > len(series):
        return series, number[len(series) :]
    return series, number


def party_missing(party: Mapping[str, str]) -> list[str]:
    """What Facturae needs of a party and ``party`` (name, vat_id, address, postal_code, city,
    region, country) lacks, in that order: a Spanish address needs a five-digit postal code."""
    missing = [
        key
        for key in ("name", "vat_id", "address", "postal_code", "city", "region", "country")
        if not party.get(key)
    ]
    code = party.get("postal_code", "")
    if code and party.get("country", "").upper() == "ES" and not _POST_CODE_ES.fullmatch(code):
        missing.append("postal_code")
    return missing
