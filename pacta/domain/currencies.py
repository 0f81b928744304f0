"""ISO 4217 currencies pacta accepts, with their minor units (digits after the decimal point).

The table is the active list of ISO 4217 (funds codes, precious metals and testing codes left
out). Rounding to the minor unit happens only at the named points of ``pacta.domain.money``.
"""

from __future__ import annotations

from types import MappingProxyType

from pacta.domain.errors import InvalidInput
from pacta.domain.text import gettext_noop

#: digits after the decimal point -> the codes that have them
_CODES_BY_DIGITS: dict[int, str] = {
    0: "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF",
    2: (
        "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BRL BSD BTN "
        "BWP BYN BZD CAD CDF CHF CNY COP CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD "
        "FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR "
        "KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN "
        "MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD "
        "SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD "
        "TZS UAH USD UYU UZS VES WST XCD YER ZAR ZMW ZWG "
    ),
    3: "BHD IQD JOD KWD LYD OMR TND",
    4: "CLF UYW",
}
_MINOR_UNITS: dict[str, int] = {
    code: digits for digits, codes in _CODES_BY_DIGITS.items() for code in codes.split()
}

MINOR_UNITS = MappingProxyType(_MINOR_UNITS)
CURRENCY_CODES: frozenset[str] = frozenset(_MINOR_UNITS)


def minor_units(code: str) -> int:
    """Digits after the decimal point for ``code``; refuses a code ISO 4217 does not list."""
    try:
        return _MINOR_UNITS[code]
    except KeyError:
        raise InvalidInput(
            gettext_noop("%(code)s is not an ISO 4217 currency code."),
            code="unknown_currency",
            params={"code": code},
        ) from None


def is_currency(code: str) -> bool:
    return code in _MINOR_UNITS
