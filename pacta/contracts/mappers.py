"""Contract terms rows → the frozen values the rating core reads (pacta.domain.rating)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet

from pacta.audit.services import snapshot
from pacta.catalog.selectors import tax_rate_percent_on
from pacta.contracts.models import (
    Allowance,
    ContractVersion,
    SurchargeRule,
    TravelRule,
)
from pacta.domain import rating
from pacta.domain.entitlement import Allowance as DomainAllowance
from pacta.domain.entitlement import AllowanceKind

_ZERO = Decimal(0)
#: A catalog default price applies from the beginning of time (price lists override it).
_ALWAYS = dt.date(1, 1, 1)


def _percent(tax_rate: object, on: dt.date) -> Decimal:
    percent = tax_rate_percent_on(tax_rate, on)  # type: ignore[arg-type]
    return percent if percent is not None else _ZERO


def _price_list(
    version: ContractVersion,
    services: Iterable[object],
    products: Iterable[object],
    on: dt.date,
) -> rating.PriceList:
    lines: list[rating.PriceLine] = []
    listed: set[tuple[bool, str]] = set()
    price_list = version.price_list
    currency = version.contract.currency
    if price_list is not None:
        currency = price_list.currency
        for row in price_list.lines.select_related(
            "service__tax_rate", "product__tax_rate"
        ).order_by("effective_on", "id"):
            item = row.service or row.product
            is_product = row.product_id is not None
            code = row.product.sku if is_product else row.service.code
            listed.add((is_product, code))
            lines.append(
                rating.PriceLine(
                    code=code,
                    label=row.label or item.name,
                    unit_price=row.unit_price,
                    effective_on=row.effective_on,
                    tax_rate=_percent(item.tax_rate, on),
                    unit=row.product.unit if is_product else row.service.unit,
                    is_product=is_product,
                )
            )
    # Services and parts the price list does not name: their catalog price.
    for service in services:
        if (False, service.code) not in listed:  # type: ignore[attr-defined]
            listed.add((False, service.code))  # type: ignore[attr-defined]
            lines.append(
                rating.PriceLine(
                    code=service.code,  # type: ignore[attr-defined]
                    label=service.name,  # type: ignore[attr-defined]
                    unit_price=service.default_price,  # type: ignore[attr-defined]
                    effective_on=_ALWAYS,
                    tax_rate=_percent(service.tax_rate, on),  # type: ignore[attr-defined]
                    unit=service.unit,  # type: ignore[attr-defined]
                )
            )
    for product in products:
        sku = product.sku  # type: ignore[attr-defined]
        if (True, sku) not in listed:
            lines.append(
                rating.PriceLine(
                    code=sku,
                    label=product.name,  # type: ignore[attr-defined]
                    unit_price=product.price,  # type: ignore[attr-defined]
                    effective_on=_ALWAYS,
                    tax_rate=_percent(product.tax_rate, on),  # type: ignore[attr-defined]
                    unit=product.unit,  # type: ignore[attr-defined]
                    is_product=True,
                )
            )
    name = price_list.name if price_list is not None else ""
    return rating.PriceList(name=name, currency=currency, lines=tuple(lines))


def _seasons_within_days(rule: SurchargeRule) -> list[list[str]] | None:
    """The rule's seasons cut to the days it is valid (None: it applies on none of them), so a
    dated price-list rule is read on the local date of each minute, like a season."""
    seasons = list(rule.seasons or ())
    if rule.valid_from is None and rule.valid_to is None:
        return seasons
    low, high = rule.valid_from or dt.date.min, rule.valid_to or dt.date.max
    ranges = [(dt.date.fromisoformat(a), dt.date.fromisoformat(b)) for a, b in seasons]
    kept = [
        [max(a, low).isoformat(), min(b, high).isoformat()]
        for a, b in ranges or [(low, high)]
        if a <= high and b >= low
    ]
    return kept or None


def _surcharge(rule: SurchargeRule) -> rating.SurchargeRule:
    window = (rule.window_start, rule.window_end) if rule.window_start else None
    return rating.SurchargeRule(
        name=rule.name,
        multiplier=rule.multiplier,
        window=window,
        weekdays=frozenset(rule.weekdays or ()),
        on_holidays=rule.on_holidays,
        seasons=tuple(
            (dt.date.fromisoformat(first), dt.date.fromisoformat(last))
            for first, last in _seasons_within_days(rule) or ()
        ),
        emergency=rule.emergency,
        outside_access=rule.outside_access,
        cumulative=rule.cumulative,
        service_codes=frozenset(service.code for service in rule.services.all()),
    )


def _travel(rule: TravelRule, on: dt.date) -> rating.TravelRule:
    return rating.TravelRule(
        label=rule.label,
        unit_price=rule.unit_price,
        zone_code=rule.zone_code,
        per_km=rule.per_km,
        tax_rate=_percent(rule.tax_rate, on),
    )


def _allowance(row: Allowance) -> DomainAllowance:
    limit: Decimal | None = _ZERO
    if row.rolls_over:
        limit = row.rollover_limit
    return DomainAllowance(
        code=row.code,
        kind=AllowanceKind(row.kind),
        quantity=row.quantity,
        label=row.label,
        service_codes=frozenset(service.code for service in row.services.all()),
        product_codes=frozenset(product.sku for product in row.products.all()),
        allows_overage=row.allows_overage,
        overage_unit_price=row.overage_unit_price,
        rollover_limit=limit,
    )


def _valid_on(rules: QuerySet[Any], on: dt.date) -> list[Any]:
    return list(
        rules.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=on)).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=on)
        )
    )


def _within(data: dict[str, Any], rule: Any, first_on: dt.date, last_on: dt.date) -> Any:
    """A dated rule's data with its days cut to the work's: ending (or replacing) it after the
    work does not change what rated the work."""
    data["valid_from"] = max(rule.valid_from or first_on, first_on).isoformat()
    data["valid_to"] = min(rule.valid_to or last_on, last_on).isoformat()
    return data


def rating_rules_of(version: ContractVersion) -> list[tuple[list[Any], Any]]:
    """The rules a rating under ``version`` reads, loaded once: each as its fingerprint data
    and, for a rule of the price list (dated), the rule itself, whose days
    :func:`rules_in_force` checks."""
    found: list[tuple[list[Any], Any]] = [
        (["scope", snapshot(line)], None) for line in version.scope_lines.order_by("service_id")
    ]
    for model in (SurchargeRule, TravelRule):
        label = model._meta.model_name
        found += [
            (["version", label, snapshot(rule)], None)
            for rule in model.objects.filter(version=version).order_by("id")
        ]
        if version.price_list_id is not None:
            found += [
                (["price_list", label, snapshot(rule)], rule)
                for rule in model.objects.filter(price_list=version.price_list_id).order_by("id")
            ]
    found += [(["allowance", snapshot(row)], None) for row in version.allowances.order_by("id")]
    return found


def rules_in_force(
    version: ContractVersion,
    *,
    first_on: dt.date,
    last_on: dt.date,
    rules: list[tuple[list[Any], Any]] | None = None,
) -> list[Any]:
    """What the rating of work from ``first_on`` to ``last_on`` reads of the rules, as plain
    data (for its fingerprint): the version's rules, allowances and scope, and the rules of its
    price list valid on any of those days. A rule changed, ended or replaced changes it.
    ``rules`` is :func:`rating_rules_of` of ``version`` when the caller has it already."""
    found: list[Any] = []
    for data, dated in rating_rules_of(version) if rules is None else rules:
        if dated is None:
            found.append(data)
        elif (dated.valid_from is None or dated.valid_from <= last_on) and (
            dated.valid_to is None or dated.valid_to >= first_on
        ):
            found.append([*data[:2], _within(dict(data[2]), dated, first_on, last_on)])
    return found


def rating_terms(
    version: ContractVersion,
    *,
    on: dt.date,
    services: Iterable[object] = (),
    products: Iterable[object] = (),
) -> rating.ContractTerms:
    """``version`` as the rating core reads it; tax rates as in force on ``on``. The services
    in scope, ``services`` and ``products`` (catalog rows: the work's service, the parts used)
    are priced at their catalog price where the price list has no line for them."""
    scope = list(version.scope_lines.select_related("service__tax_rate"))
    owners = {"version": version}
    rules = list(SurchargeRule.objects.filter(**owners).prefetch_related("services"))
    travel = list(TravelRule.objects.filter(**owners).select_related("tax_rate"))
    if version.price_list_id is not None:
        # A dated rule applies on its days only: within them, on the local date of each minute
        # (its seasons are cut to them); a travel fee is charged by the rule valid on ``on``.
        rules += [
            rule
            for rule in SurchargeRule.objects.filter(
                price_list=version.price_list_id
            ).prefetch_related("services")
            if _seasons_within_days(rule) is not None
        ]
        travel += _valid_on(
            TravelRule.objects.filter(price_list=version.price_list_id).select_related("tax_rate"),
            on,
        )
    credit = None
    if version.sla_credit_percent is not None:
        credit = rating.SlaCreditRule(
            percent_per_breach=version.sla_credit_percent,
            cap_percent=(
                version.sla_credit_cap_percent
                if version.sla_credit_cap_percent is not None
                else Decimal(100)
            ),
        )
    return rating.ContractTerms(
        contract_number=version.contract.number,
        version_number=version.number,
        effective_on=version.effective_on,
        scope=tuple(
            rating.ScopeLine(
                service_code=line.service.code,
                coverage=rating.Coverage(line.coverage),
                minimum_minutes=line.minimum_minutes,
                increment_minutes=line.increment_minutes,
            )
            for line in scope
        ),
        price_list=_price_list(
            version, [*(line.service for line in scope), *services], products, on
        ),
        surcharges=tuple(_surcharge(rule) for rule in rules),
        travel_rules=tuple(_travel(rule, on) for rule in travel),
        allowances=tuple(
            _allowance(row)
            for row in version.allowances.prefetch_related("services", "products").order_by("code")
        ),
        sla_credit=credit,
        period_fee=version.subscription_fee,
    )
