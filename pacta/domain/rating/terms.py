"""The terms a work order is rated under, as frozen values the app builds from its rows.

``ContractTerms`` is one version of a contract's terms: its scope (coverage per service code),
its price list (dated lines per service or product), its surcharge and travel rules, its
allowances and its SLA credit rule. Everything is checked when built, so a rule that names an
unknown service, a window with no length or a multiplier of zero never reaches the rating.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pacta.domain.calendar import WEEKDAYS
from pacta.domain.entitlement import Allowance
from pacta.domain.errors import FieldErrors, InvalidInput
from pacta.domain.money import to_decimal
from pacta.domain.rating.lines import Phrase, Trace
from pacta.domain.text import gettext_noop

_ZERO = Decimal(0)
_ONE = Decimal(1)
_DAY_MINUTES = 24 * 60


class Coverage(StrEnum):
    """How a service stands in a contract's scope."""

    INCLUDED = "included"
    BILLABLE = "billable"
    EXCLUDED = "excluded"


def clock_minutes(clock: str, *, field_name: str) -> int:
    """ "HH:MM" (00:00..24:00) as minutes after midnight."""
    try:
        hours, minutes = clock.split(":")
        value = int(hours) * 60 + int(minutes)
        if len(hours) != 2 or len(minutes) != 2 or int(minutes) > 59 or value > _DAY_MINUTES:
            raise ValueError
    except (AttributeError, ValueError):
        raise InvalidInput.on(field_name, gettext_noop('A time of day is "HH:MM".')) from None
    return value


def _decimal(value: object, field_name: str, errors: FieldErrors) -> Decimal:
    """``value`` as a Decimal; a bad one is reported and read as 0 (callers refuse only < 0)."""
    try:
        return to_decimal(value, field=field_name)
    except InvalidInput as error:
        for name, messages in error.fields.items():
            for message in messages:
                errors.add(name, message)
        return _ZERO


@dataclass(frozen=True)
class ScopeLine:
    """One service's coverage under a contract version, with how its time is charged:
    ``minimum_minutes`` (e.g. 60: the first hour is charged in full) and ``increment_minutes``
    (e.g. 15: then by started quarter hour); 0 means none."""

    service_code: str
    coverage: Coverage
    minimum_minutes: int = 0
    increment_minutes: int = 0


@dataclass(frozen=True)
class PriceLine:
    """The price of one service (``unit`` "hour") or one product from ``effective_on`` on."""

    code: str
    label: str
    unit_price: Decimal
    effective_on: dt.date
    tax_rate: Decimal = _ZERO
    unit: str = "hour"
    is_product: bool = False


def _effective_on(line: PriceLine) -> dt.date:
    return line.effective_on


@dataclass(frozen=True)
class PriceList:
    name: str
    currency: str
    lines: tuple[PriceLine, ...]
    _by_code: dict[tuple[bool, str], list[PriceLine]] = field(
        init=False, repr=False, compare=False, hash=False
    )

    def __post_init__(self) -> None:
        errors = FieldErrors()
        by_code: dict[tuple[bool, str], list[PriceLine]] = {}
        for index, line in enumerate(self.lines):
            where = f"price_list.lines[{index}]"
            price = _decimal(line.unit_price, f"{where}.unit_price", errors)
            if price < 0:
                errors.add(f"{where}.unit_price", gettext_noop("A price cannot be negative."))
            _decimal(line.tax_rate, f"{where}.tax_rate", errors)
            by_code.setdefault((line.is_product, line.code), []).append(line)
        for lines in by_code.values():
            lines.sort(key=lambda line: line.effective_on)
        errors.raise_if_any()
        object.__setattr__(self, "_by_code", by_code)

    def has(self, code: str, *, product: bool = False) -> bool:
        return (product, code) in self._by_code

    def line_on(self, code: str, on: dt.date, *, product: bool = False) -> PriceLine | None:
        """The line of ``code`` in force on ``on`` (the latest effective on or before it)."""
        lines = self._by_code.get((product, code))
        if not lines:
            return None
        if len(lines) == 1:
            return lines[0] if lines[0].effective_on <= on else None
        index = bisect_right(lines, on, key=_effective_on) - 1
        return lines[index] if index >= 0 else None

    def effective_days(self) -> tuple[dt.date, ...]:
        """Every day a price changes: time is split at these local midnights."""
        return tuple(sorted({line.effective_on for line in self.lines}))


@dataclass(frozen=True)
class SurchargeRule:
    """A multiplier for the minutes that meet every condition given.

    ``window`` ("22:00", "06:00" wraps midnight) is a time of day; ``weekdays`` ("sat", "sun")
    the local weekdays; ``on_holidays`` only on the site's public holidays; ``seasons`` date
    ranges (both ends included); ``emergency`` only for emergency work; ``outside_access`` only
    outside the site's access hours; ``service_codes`` limits the rule to those services (empty:
    all). A minute met by several rules gets the highest multiplier of the non-cumulative ones,
    multiplied by every cumulative one.
    """

    name: str
    multiplier: Decimal
    window: tuple[str, str] | None = None
    weekdays: frozenset[str] = frozenset()
    on_holidays: bool = False
    seasons: tuple[tuple[dt.date, dt.date], ...] = ()
    emergency: bool = False
    outside_access: bool = False
    cumulative: bool = False
    service_codes: frozenset[str] = frozenset()

    def window_minutes(self) -> tuple[int, int] | None:
        if self.window is None:
            return None
        start = clock_minutes(self.window[0], field_name="window")
        end = clock_minutes(self.window[1], field_name="window")
        return start, end % _DAY_MINUTES if start else end

    def applies_on(self, day: dt.date, *, holiday: bool) -> bool:
        """Whether the day-level conditions hold on local day ``day``."""
        if self.weekdays and WEEKDAYS[day.weekday()] not in self.weekdays:
            return False
        if self.on_holidays and not holiday:
            return False
        return not self.seasons or any(first <= day <= last for first, last in self.seasons)


@dataclass(frozen=True)
class TravelRule:
    """A travel charge: a flat fee for a zone (``zone_code``) or a price per km (no zone)."""

    label: str
    unit_price: Decimal
    zone_code: str = ""
    per_km: bool = False
    tax_rate: Decimal = _ZERO


@dataclass(frozen=True)
class SlaCreditRule:
    """``percent_per_breach`` of the period fee per breached target of ``targets``, at most
    ``cap_percent`` per period."""

    percent_per_breach: Decimal
    cap_percent: Decimal
    targets: frozenset[str] = frozenset({"resolution"})
    tax_rate: Decimal = _ZERO


@dataclass(frozen=True)
class ContractTerms:
    """One version of a contract's terms (what the app maps from a ContractVersion row)."""

    contract_number: str
    version_number: int
    effective_on: dt.date
    scope: tuple[ScopeLine, ...]
    price_list: PriceList
    surcharges: tuple[SurchargeRule, ...] = ()
    travel_rules: tuple[TravelRule, ...] = ()
    allowances: tuple[Allowance, ...] = ()
    sla_credit: SlaCreditRule | None = None
    period_fee: Decimal = _ZERO
    _scope: dict[str, ScopeLine] = field(init=False, repr=False, compare=False, hash=False)
    #: Prepared timelines per (time zone, holidays, access hours, emergency): see timeline.py.
    timelines: dict[Any, Any] = field(init=False, repr=False, compare=False, hash=False)
    #: What the rating derives from these terms once and reuses (they are frozen and checked
    #: when built): allowances per service, line templates with their traces. See engine.py.
    memo: dict[Any, Any] = field(init=False, repr=False, compare=False, hash=False)

    @property
    def currency(self) -> str:
        return self.price_list.currency

    def __post_init__(self) -> None:
        errors = FieldErrors()
        scope: dict[str, ScopeLine] = {}
        for index, line in enumerate(self.scope):
            where = f"scope[{index}]"
            if line.service_code in scope:
                errors.add(where, gettext_noop("This service is already in the scope."))
            for name in ("minimum_minutes", "increment_minutes"):
                value = getattr(line, name)
                if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                    errors.add(f"{where}.{name}", gettext_noop("Give whole minutes, 0 or more."))
            scope[line.service_code] = line
        known = set(scope) | {line.code for line in self.price_list.lines if not line.is_product}
        for index, rule in enumerate(self.surcharges):
            _check_rule(rule, f"surcharges[{index}]", known, errors)
        for index, travel in enumerate(self.travel_rules):
            price = _decimal(travel.unit_price, f"travel_rules[{index}].unit_price", errors)
            if price < 0:
                errors.add(
                    f"travel_rules[{index}].unit_price", gettext_noop("A price cannot be negative.")
                )
        for index, allowance in enumerate(self.allowances):
            _check_allowance(allowance, f"allowances[{index}]", known, errors)
        if self.sla_credit is not None:
            rule_ = self.sla_credit
            for name in ("percent_per_breach", "cap_percent"):
                value = _decimal(getattr(rule_, name), f"sla_credit.{name}", errors)
                if value < 0:
                    errors.add(f"sla_credit.{name}", gettext_noop("A percentage is 0 or more."))
        if _decimal(self.period_fee, "period_fee", errors) < 0:
            errors.add("period_fee", gettext_noop("A fee cannot be negative."))
        errors.raise_if_any()
        object.__setattr__(self, "_scope", scope)
        object.__setattr__(self, "timelines", {})
        object.__setattr__(self, "memo", {})

    def scope_line(self, service_code: str) -> ScopeLine | None:
        return self._scope.get(service_code)

    def phrase(self) -> Phrase:
        """ "contract C-2026-014 v3"."""
        found = self.memo.get("phrase")
        if found is None:
            found = self.memo["phrase"] = self._phrase()
        assert isinstance(found, Phrase)
        return found

    def _phrase(self) -> Phrase:
        return Phrase(
            gettext_noop("contract %(contract)s v%(version)s"),
            {"contract": self.contract_number, "version": self.version_number},
        )

    def trace(self, phrases: Sequence[Phrase], **fields: Any) -> Trace:
        """A trace of this version with ``phrases`` and the structured ``fields`` given."""
        return Trace(
            contract_number=self.contract_number,
            version_number=self.version_number,
            phrases=tuple(phrases),
            **fields,
        )


def _check_rule(rule: SurchargeRule, where: str, known: set[str], errors: FieldErrors) -> None:
    try:
        multiplier = to_decimal(rule.multiplier, field=f"{where}.multiplier")
    except InvalidInput as error:
        errors.add(f"{where}.multiplier", error.detail)
        multiplier = _ONE
    if multiplier <= 0:
        errors.add(f"{where}.multiplier", gettext_noop("A multiplier must be more than 0."))
    if rule.window is not None:
        try:
            start, end = rule.window_minutes() or (0, 0)
        except InvalidInput:
            errors.add(f"{where}.window", gettext_noop('A time of day is "HH:MM".'))
        else:
            if start == end:
                errors.add(f"{where}.window", gettext_noop("A surcharge window needs a length."))
    for day in rule.weekdays:
        if day not in WEEKDAYS:
            errors.add(
                f"{where}.weekdays", gettext_noop("Weekdays are mon, tue, wed, thu, fri, sat, sun.")
            )
    for first, last in rule.seasons:
        if last < first:
            errors.add(f"{where}.seasons", gettext_noop("A season must end after it starts."))
    _check_services(rule.service_codes, where, known, errors)


def _check_services(
    codes: frozenset[str], where: str, known: set[str], errors: FieldErrors
) -> None:
    for code in sorted(codes):
        if code not in known:
            errors.add(
                f"{where}.service_codes",
                gettext_noop("No scope line or price line has this service."),
            )


def _check_allowance(
    allowance: Allowance, where: str, known: set[str], errors: FieldErrors
) -> None:
    for name in ("quantity", "overage_unit_price", "rollover_limit"):
        value = getattr(allowance, name)
        if value is not None and _decimal(value, f"{where}.{name}", errors) < 0:
            errors.add(f"{where}.{name}", gettext_noop("Cannot be negative."))
    _check_services(allowance.service_codes, where, known, errors)
