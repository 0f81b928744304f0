"""Allowances and their append-only ledger: grants, draws, expiry, rollover, reversals.

An allowance is granted per billing period (``quantity``) to a contract, or to each site for a
site cap. Its balance is never stored: it is the sum of the ledger entries of its key
(allowance code, site id — "" for a contract-wide allowance) and period, see
:func:`derive_balances`. The rating draws from the balances it is given and returns its draws as
ledger entries; :func:`close_period` computes the entries that end a period (expiry, rollover)
and open the next (grants). A draw never takes a balance below zero unless the allowance allows
overage.

Units: visits are counted (Decimal whole numbers), hours are Decimal hours (drawn by the
microsecond, six decimals), a parts allowance is money in the contract's currency (Decimal).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

_ZERO = Decimal(0)


class AllowanceKind(StrEnum):
    #: visits of included services covered per period (the 4th of 3 is billable)
    INCLUDED_VISITS = "included_visits"
    #: at most N included visits per site per period; beyond, the visit is billable
    SITE_VISIT_CAP = "site_visit_cap"
    #: at most N included hours per site per period; beyond, the time is billable
    SITE_HOUR_CAP = "site_hour_cap"
    #: hours paid in advance, drawn by billable time; beyond, overage at ``overage_unit_price``
    PREPAID_HOURS = "prepaid_hours"
    #: money for parts, drawn by the parts used
    PARTS_ALLOWANCE = "parts_allowance"


PER_SITE = frozenset({AllowanceKind.SITE_VISIT_CAP, AllowanceKind.SITE_HOUR_CAP})


class LedgerKind(StrEnum):
    GRANT = "grant"
    DRAW = "draw"
    EXPIRE = "expire"
    ROLLOVER = "rollover"
    REVERSE = "reverse"


#: How each kind moves a balance (a reversal moves it back by the entry it reverses).
_SIGN = {LedgerKind.GRANT: 1, LedgerKind.ROLLOVER: 1, LedgerKind.DRAW: -1, LedgerKind.EXPIRE: -1}


@dataclass(frozen=True)
class Allowance:
    """What a contract version grants per period (the app maps it from an allowance row).

    ``service_codes`` limits visits and hours to those services, ``product_codes`` a parts
    allowance to those products (empty: all). ``rollover_limit`` is how much of an unused
    balance passes into the next period (None: all of it; 0: none, it expires).
    """

    code: str
    kind: AllowanceKind
    quantity: Decimal
    label: str = ""
    service_codes: frozenset[str] = frozenset()
    product_codes: frozenset[str] = frozenset()
    allows_overage: bool = False
    overage_unit_price: Decimal | None = None
    rollover_limit: Decimal | None = _ZERO

    @property
    def per_site(self) -> bool:
        return self.kind in PER_SITE

    def applies_to_service(self, code: str) -> bool:
        return not self.service_codes or code in self.service_codes

    def applies_to_product(self, code: str) -> bool:
        return not self.product_codes or code in self.product_codes


#: A balance's key: (allowance code, site id — "" for contract-wide allowances).
BalanceKey = tuple[str, str]


@dataclass(frozen=True)
class LedgerEntry:
    """One row of the append-only entitlement ledger. ``quantity`` is never negative: the kind
    says which way it moves the balance; a reversal names the entry it undoes (``reverses``,
    that entry's ``entry_id``)."""

    allowance_code: str
    site_id: str
    kind: LedgerKind
    quantity: Decimal
    period_on: dt.date
    work_order_id: str = ""
    entry_id: str = ""
    reverses: str = ""

    @property
    def key(self) -> BalanceKey:
        return (self.allowance_code, self.site_id)


@dataclass(frozen=True)
class Balances:
    """What remains of each allowance in the billing period starting ``period_on``."""

    period_on: dt.date
    remaining: Mapping[BalanceKey, Decimal]

    def of(self, key: BalanceKey) -> Decimal:
        return self.remaining.get(key, _ZERO)


def derive_balances(entries: Iterable[LedgerEntry], period_on: dt.date) -> Balances:
    """The balances of period ``period_on`` rebuilt from the whole ledger (in any order)."""
    entries = list(entries)
    by_id = {entry.entry_id: entry for entry in entries if entry.entry_id}
    remaining: dict[BalanceKey, Decimal] = {}
    for entry in entries:
        if entry.period_on != period_on:
            continue
        if entry.kind is LedgerKind.REVERSE:
            undone = by_id.get(entry.reverses)
            sign = -_SIGN[undone.kind] if undone is not None else 0
        else:
            sign = _SIGN[entry.kind]
        remaining[entry.key] = remaining.get(entry.key, _ZERO) + sign * entry.quantity
    return Balances(period_on, remaining)


def close_period(
    allowances: Sequence[Allowance],
    balances: Balances,
    *,
    next_period_on: dt.date,
    site_ids: Sequence[str] = (),
) -> list[LedgerEntry]:
    """The entries that end ``balances``' period and open the next one.

    For each allowance (per site in ``site_ids`` for a site cap): an unused balance rolls over
    up to ``rollover_limit`` and the rest expires (an expiry in the old period, a rollover in
    the new); a balance below zero (overage, billed when drawn) is settled by a grant back to
    zero in the old period; then the next period's grant.
    """
    entries: list[LedgerEntry] = []
    old = balances.period_on
    for allowance in allowances:
        for site_id in site_ids if allowance.per_site else ("",):
            key = (allowance.code, site_id)
            left = balances.of(key)
            if left > 0:
                limit = allowance.rollover_limit
                carried = left if limit is None else min(left, limit)
                entries.append(_entry(key, LedgerKind.EXPIRE, left, old))
                if carried > 0:
                    entries.append(_entry(key, LedgerKind.ROLLOVER, carried, next_period_on))
            elif left < 0:
                entries.append(_entry(key, LedgerKind.GRANT, -left, old))
            entries.append(_entry(key, LedgerKind.GRANT, allowance.quantity, next_period_on))
    return entries


def _entry(key: BalanceKey, kind: LedgerKind, quantity: Decimal, on: dt.date) -> LedgerEntry:
    return LedgerEntry(key[0], key[1], kind, quantity, on)


_new = object.__new__


def draw(key: BalanceKey, quantity: Decimal, period_on: dt.date, work_order_id: str) -> LedgerEntry:
    """A draw of ``quantity`` (values the rating computed: what ``LedgerEntry(...)`` would make,
    without its call per field)."""
    entry = _new(LedgerEntry)
    entry.__dict__.update(
        {
            "allowance_code": key[0],
            "site_id": key[1],
            "kind": LedgerKind.DRAW,
            "quantity": quantity,
            "period_on": period_on,
            "work_order_id": work_order_id,
            "entry_id": "",
            "reverses": "",
        }
    )
    return entry
