"""Bank account numbers of the SEPA scheme: IBAN (ISO 13616) and BIC (ISO 9362).

An IBAN is written in groups of four and in any case; :func:`normalise` keeps the letters and
digits only, in upper case. :func:`validate_iban` checks, in this order: the characters, the
country (one of the SEPA scheme's), the length that country's IBANs have, and the check digits
(the whole number, its first four characters moved to the end and letters read as 10..35,
leaves 1 when divided by 97). :func:`validate_bic` checks a BIC's shape (8 or 11 characters).
Each refusal names the field it was given for.
"""

from __future__ import annotations

import re

from pacta.domain.errors import InvalidInput
from pacta.domain.text import gettext_noop

#: IBAN length of each country of the SEPA scheme (SWIFT's IBAN registry). French overseas
#: departments and Åland use the French and Finnish IBANs.
IBAN_LENGTHS: dict[str, int] = {
    "AD": 24,
    "AL": 28,
    "AT": 20,
    "BE": 16,
    "BG": 22,
    "CH": 21,
    "CY": 28,
    "CZ": 24,
    "DE": 22,
    "DK": 18,
    "EE": 20,
    "ES": 24,
    "FI": 18,
    "FR": 27,
    "GB": 22,
    "GI": 23,
    "GR": 27,
    "HR": 21,
    "HU": 28,
    "IE": 22,
    "IS": 26,
    "IT": 27,
    "LI": 21,
    "LT": 20,
    "LU": 20,
    "LV": 21,
    "MC": 27,
    "MD": 24,
    "ME": 22,
    "MK": 19,
    "MT": 31,
    "NL": 18,
    "NO": 15,
    "PL": 28,
    "PT": 25,
    "RO": 24,
    "SE": 24,
    "SI": 19,
    "SK": 24,
    "SM": 27,
    "VA": 22,
}

_IBAN_SHAPE = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]+")
_BIC_SHAPE = re.compile(r"[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?")
#: country, check digits, creditor business code (any three), national identifier
_CREDITOR_ID_SHAPE = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{3}[A-Z0-9]{1,28}")


class InvalidIban(InvalidInput):
    """Not an IBAN of the SEPA scheme: wrong characters, country, length or check digits."""

    code = "invalid_iban"
    default_detail = gettext_noop("This is not a valid IBAN.")


class InvalidBic(InvalidInput):
    """Not a BIC: 4 letters (bank), 2 letters (country), 2 letters or digits (place), and
    optionally 3 letters or digits (branch)."""

    code = "invalid_bic"
    default_detail = gettext_noop("This is not a valid BIC.")


class InvalidCreditorId(InvalidInput):
    """Not a SEPA creditor identifier: country, check digits, business code, national id."""

    code = "invalid_creditor_id"
    default_detail = gettext_noop("This is not a valid SEPA creditor identifier.")


def normalise(value: str) -> str:
    """The IBAN or BIC without spaces, in upper case (``es91 2100 …`` → ``ES912100…``)."""
    return "".join(str(value).split()).upper()


def _as_number(text: str) -> int:
    """Letters read as 10 (A) … 35 (Z), digits as themselves, all in one integer."""
    return int("".join(str(int(ch, 36)) for ch in text))


def iban_remainder(iban: str) -> int:
    """The ISO 7064 mod-97 remainder of a normalised IBAN (1 for a valid one)."""
    return _as_number(iban[4:] + iban[:4]) % 97


def check_digits(country: str, bban: str) -> str:
    """The two check digits of the IBAN of ``bban`` (the national account number) in
    ``country``: ``check_digits("ES", "21000418450200051332") == "91"``."""
    remainder = _as_number(normalise(bban) + country.upper() + "00") % 97
    return f"{98 - remainder:02d}"


def iban_from(country: str, bban: str) -> str:
    """The IBAN of a national account number, with its check digits computed."""
    return country.upper() + check_digits(country, bban) + normalise(bban)


def _refuse(error: type[InvalidInput], field: str, detail: str, **params: object) -> InvalidInput:
    message = detail % {"field": field, **params}
    return error(detail, fields={field: [message]}, params={"field": field, **params})


def validate_iban(value: str, *, field: str = "iban") -> str:
    """The normalised IBAN, or :class:`InvalidIban` naming ``field`` and what is wrong."""
    iban = normalise(value or "")
    if not iban:
        raise _refuse(InvalidIban, field, gettext_noop("%(field)s: the IBAN is missing."))
    if not _IBAN_SHAPE.fullmatch(iban):
        raise _refuse(
            InvalidIban,
            field,
            gettext_noop(
                "%(field)s: an IBAN is two letters, two check digits, then letters and digits only."
            ),
        )
    country = iban[:2]
    expected = IBAN_LENGTHS.get(country)
    if expected is None:
        raise _refuse(
            InvalidIban,
            field,
            gettext_noop("%(field)s: %(country)s is not a country of the SEPA scheme."),
            country=country,
        )
    if len(iban) != expected:
        raise _refuse(
            InvalidIban,
            field,
            gettext_noop(
                "%(field)s: an IBAN of %(country)s has %(expected)d characters, not %(length)d."
            ),
            country=country,
            expected=expected,
            length=len(iban),
        )
    if iban_remainder(iban) != 1:
        raise _refuse(
            InvalidIban,
            field,
            gettext_noop("%(field)s: the IBAN's check digits are wrong (a typing mistake?)."),
        )
    return iban


def validate_bic(value: str, *, field: str = "bic") -> str:
    """The normalised BIC, or :class:`InvalidBic` naming ``field``."""
    bic = normalise(value or "")
    if not _BIC_SHAPE.fullmatch(bic):
        raise _refuse(
            InvalidBic,
            field,
            gettext_noop(
                "%(field)s: a BIC has 8 or 11 letters and digits (bank, country, place, branch)."
            ),
        )
    return bic


def validate_creditor_id(value: str, *, field: str = "creditor_id") -> str:
    """The normalised SEPA creditor identifier (``DE98ZZZ09999999999``), or
    :class:`InvalidCreditorId`: its check digits are those of the national identifier and the
    country, the three characters of the business code between them left out."""
    creditor_id = normalise(value or "")
    if not _CREDITOR_ID_SHAPE.fullmatch(creditor_id) or creditor_id[:2] not in IBAN_LENGTHS:
        raise _refuse(
            InvalidCreditorId,
            field,
            gettext_noop(
                "%(field)s: a creditor identifier is a SEPA country, two check digits, a "
                "three-character business code and the national identifier."
            ),
        )
    if check_digits(creditor_id[:2], creditor_id[7:]) != creditor_id[2:4]:
        raise _refuse(
            InvalidCreditorId,
            field,
            gettext_noop("%(field)s: the creditor identifier's check digits are wrong."),
        )
    return creditor_id
