"""How a document writes dates, numbers and money for its reader: in the reader's language
(Django's locale formats) and the site's time zone. Call inside ``translation.override``."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils.formats import date_format, number_format

from pacta.domain.currencies import minor_units


def moment(value: dt.datetime | None, zone: ZoneInfo) -> str:
    """An instant as the reader writes it, in ``zone`` ("3 de marzo de 2026 a las 09:00")."""
    if value is None:
        return "—"
    return date_format(value.astimezone(zone), "DATETIME_FORMAT")


def short_moment(value: dt.datetime | None, zone: ZoneInfo) -> str:
    """An instant in a table row ("03/03/2026 09:00")."""
    if value is None:
        return "—"
    return date_format(value.astimezone(zone), "SHORT_DATETIME_FORMAT")


def clock(value: dt.datetime, zone: ZoneInfo) -> str:
    """The time of day alone ("10:30")."""
    return date_format(value.astimezone(zone), "TIME_FORMAT")


def day(value: dt.date | None) -> str:
    return date_format(value, "DATE_FORMAT") if value is not None else "—"


def number(value: Decimal | int | None, places: int | None = None) -> str:
    """A number with the reader's separators; without ``places``, as many decimals as it
    needs (2.000 → "2", 1.500000 → "1,5" in Spanish)."""
    if value is None:
        return "—"
    value = Decimal(value)
    if places is None:
        normal = value.normalize()
        places = max(0, -normal.as_tuple().exponent)  # type: ignore[operator]
        value = normal
    return number_format(value, places, use_l10n=True, force_grouping=True)


def money(amount: Decimal, currency: str) -> str:
    """An amount to the currency's minor unit with the reader's separators, then its ISO code
    ("1.234,50 EUR")."""
    return f"{number(amount, minor_units(currency))} {currency}"


def duration(start: dt.datetime, end: dt.datetime) -> str:
    """Elapsed time as hours and minutes ("1:30")."""
    minutes = int((end - start) // dt.timedelta(minutes=1))
    return f"{minutes // 60}:{minutes % 60:02d}"
