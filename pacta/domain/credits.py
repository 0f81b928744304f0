"""Credits: goodwill given by someone allowed to, and service credits earned by SLA breaches.

A credit is a charge line of type *credit* with a negative amount, so an invoice sums it like any
other line. A goodwill credit is hours (priced at a given unit price) or money, with a reason
and an approver whose role ``may_approve`` accepts. An SLA-breach credit is the contract's rule
applied to the period's SLA results: ``percent_per_breach`` of the period fee per breached
target of the rule's kinds (resolution by default), at most ``cap_percent``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal

from pacta.domain.errors import FieldErrors, Forbidden, InvalidInput
from pacta.domain.money import Money, to_decimal
from pacta.domain.rating.lines import ChargeLine, ChargeType, Phrase, price_amount
from pacta.domain.rating.terms import ContractTerms
from pacta.domain.sla import BREACHED, TicketClocks
from pacta.domain.text import gettext_noop

_ZERO = Decimal(0)
_ONE = Decimal(1)
_HUNDRED = Decimal(100)


def goodwill_credit(
    *,
    terms: ContractTerms,
    reason: str,
    approver_role: str,
    may_approve: Callable[[str], bool],
    hours: Decimal | None = None,
    unit_price: Decimal | None = None,
    amount: Decimal | None = None,
    tax_rate: Decimal = _ZERO,
) -> ChargeLine:
    """A goodwill credit of ``hours`` at ``unit_price``, or of ``amount`` (not both)."""
    errors = FieldErrors()
    if not reason or not reason.strip():
        errors.add("reason", gettext_noop("Say why the credit is given."))
    if (hours is None) == (amount is None):
        errors.add("hours", gettext_noop("Give either hours or an amount."))
    elif hours is not None:
        if to_decimal(hours, field="hours") <= 0:
            errors.add("hours", gettext_noop("Give more than zero hours."))
        if unit_price is None or to_decimal(unit_price, field="unit_price") < 0:
            errors.add("unit_price", gettext_noop("Hours need a unit price (0 or more)."))
    elif amount is not None and to_decimal(amount, field="amount") <= 0:
        errors.add("amount", gettext_noop("Give an amount more than zero."))
    errors.raise_if_any()
    if not may_approve(approver_role):
        raise Forbidden(
            gettext_noop("A %(role)s may not approve a goodwill credit."),
            code="approver_not_allowed",
            params={"role": approver_role},
        )
    currency = terms.currency
    quantum = Money.zero(currency).quantum
    if hours is not None and unit_price is not None:
        quantity, price, unit = hours, unit_price, "hour"
    else:
        assert amount is not None
        quantity, price, unit = _ONE, amount, "credit"
    value = price_amount(quantity, price, _ONE, quantum)
    return ChargeLine(
        charge_type=ChargeType.CREDIT,
        code="goodwill",
        label=reason,
        quantity=quantity,
        unit=unit,
        unit_price=Money(-price, currency),
        multiplier=_ONE,
        amount=Money(-value, currency),
        tax_rate=tax_rate,
        trace=terms.trace(
            (
                Phrase(
                    gettext_noop("goodwill: %(reason)s (approved by a %(role)s)"),
                    {"reason": reason, "role": approver_role},
                ),
                terms.phrase(),
            ),
        ),
    )


def count_breaches(results: Sequence[TicketClocks], targets: frozenset[str]) -> int:
    """How many targets of the kinds ``targets`` the tickets' clocks breached."""
    return sum(
        1
        for result in results
        for clock in result.clocks
        if clock.name in targets and clock.state == BREACHED
    )


def sla_breach_credit(
    *, terms: ContractTerms, results: Sequence[TicketClocks]
) -> ChargeLine | None:
    """The service credit the period's SLA ``results`` earn under the terms' rule (None when
    the terms have no rule or nothing was breached)."""
    rule = terms.sla_credit
    if rule is None:
        return None
    breaches = count_breaches(results, rule.targets)
    if not breaches:
        return None
    if terms.period_fee <= 0:
        raise InvalidInput.on("period_fee", gettext_noop("A service credit needs a period fee."))
    earned = rule.percent_per_breach * breaches
    percent = min(earned, rule.cap_percent)
    currency = terms.currency
    value = price_amount(terms.period_fee, percent / _HUNDRED, _ONE, Money.zero(currency).quantum)
    phrases = [
        Phrase(
            gettext_noop("%(breaches)s breached targets × %(percent)s%% of the period fee"),
            {"breaches": breaches, "percent": rule.percent_per_breach},
        )
    ]
    if earned > rule.cap_percent:
        phrases.append(
            Phrase(gettext_noop("capped at %(cap)s%% per period"), {"cap": rule.cap_percent})
        )
    phrases.append(terms.phrase())
    return ChargeLine(
        charge_type=ChargeType.CREDIT,
        code="sla_breach",
        label=gettext_noop("SLA service credit"),
        quantity=percent,
        unit="percent",
        unit_price=Money(-terms.period_fee / _HUNDRED, currency),
        multiplier=_ONE,
        amount=Money(-value, currency),
        tax_rate=rule.tax_rate,
        trace=terms.trace(
            tuple(phrases),
        ),
    )
