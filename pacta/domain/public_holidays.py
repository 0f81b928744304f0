"""Public holidays by country and subdivision, from the ``holidays`` package, year by year."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import lru_cache

import holidays

from pacta.domain.errors import InvalidInput
from pacta.domain.text import gettext_noop


def _check(country: str, subdivision: str) -> None:
    supported = holidays.list_supported_countries()
    if country not in supported:
        raise InvalidInput(
            gettext_noop("%(country)s is not a country the holidays calendar knows."),
            code="unknown_holiday_country",
            fields={"holiday_country": [gettext_noop("Unknown country code.")]},
            params={"country": country},
        )
    if subdivision and subdivision not in supported[country]:
        raise InvalidInput(
            gettext_noop("%(subdivision)s is not a subdivision of %(country)s."),
            code="unknown_holiday_subdivision",
            fields={"holiday_subdivision": [gettext_noop("Unknown subdivision.")]},
            params={"subdivision": subdivision, "country": country},
        )


@lru_cache(maxsize=4096)
def _year(country: str, subdivision: str, year: int) -> frozenset[dt.date]:
    days = holidays.country_holidays(country, subdiv=subdivision or None, years=year)
    return frozenset(days)


def public_holidays(country: str, subdivision: str = "") -> Callable[[int], frozenset[dt.date]]:
    """A source of one year's public holidays (e.g. ``("ES", "MD")``, ``("FR", "57")``,
    ``("RU", "")``), for :class:`pacta.domain.calendar.BusinessCalendar`'s ``holidays``."""
    _check(country, subdivision)

    def of_year(year: int) -> frozenset[dt.date]:
        return _year(country, subdivision, year)

    return of_year
