"""Credits: goodwill with an approver whose role may give it, SLA-breach service credits capped
per period."""

from __future__ import annotations

import pytest

from pacta.domain.credits import goodwill_credit, sla_breach_credit
from pacta.domain.errors import Forbidden, InvalidInput
from pacta.domain.rating import SlaCreditRule
from pacta.domain.sla import BREACHED, MET
from tests.unit.rating_fixtures import D, clocks, terms

RULE = SlaCreditRule(percent_per_breach=D(5), cap_percent=D(20))


def managers(role: str) -> bool:
    return role in {"manager", "admin"}


def test_an_sla_breach_earns_five_percent_of_the_fee_per_breached_resolution():
    t = terms(sla_credit=RULE, period_fee=D("1200.00"))
    results = [
        clocks(("response", BREACHED), ("resolution", BREACHED)),
        clocks(("resolution", MET)),
        clocks(("resolution", BREACHED)),
    ]
    line = sla_breach_credit(terms=t, results=results)
    assert line is not None
    assert (line.charge_type.value, line.quantity, str(line.amount)) == (
        "credit",
        D(10),
        "-120.00 EUR",
    )
    assert line.trace.words == ("2 breached targets × 5% of the period fee, contract C-2026-014 v3")


def test_an_sla_credit_is_capped_at_twenty_percent_per_period():
    t = terms(sla_credit=RULE, period_fee=D("999.99"))
    line = sla_breach_credit(terms=t, results=[clocks(("resolution", BREACHED))] * 6)
    assert line is not None
    assert (line.quantity, str(line.amount)) == (D(20), "-200.00 EUR")  # 199.998 half-up
    assert line.trace.words == (
        "6 breached targets × 5% of the period fee, capped at 20% per period, "
        "contract C-2026-014 v3"
    )


def test_no_rule_or_no_breach_earns_nothing():
    assert sla_breach_credit(terms=terms(), results=[clocks(("resolution", BREACHED))]) is None
    t = terms(sla_credit=RULE, period_fee=D(100))
    assert sla_breach_credit(terms=t, results=[clocks(("response", BREACHED))]) is None


def test_a_goodwill_credit_in_hours_or_money_needs_a_reason_and_an_approver_who_may():
    hours = goodwill_credit(
        terms=terms(),
        reason="Second visit for the same fault",
        approver_role="manager",
        may_approve=managers,
        hours=D("1.5"),
        unit_price=D("80.00"),
    )
    assert (hours.charge_type.value, hours.quantity, str(hours.amount)) == (
        "credit",
        D("1.5"),
        "-120.00 EUR",
    )
    assert hours.trace.words == (
        "goodwill: Second visit for the same fault (approved by a manager), contract C-2026-014 v3"
    )
    money = goodwill_credit(
        terms=terms(), reason="Late", approver_role="admin", may_approve=managers, amount=D("25")
    )
    assert str(money.amount) == "-25.00 EUR"
    with pytest.raises(Forbidden) as refused:
        goodwill_credit(
            terms=terms(),
            reason="Late",
            approver_role="technician",
            may_approve=managers,
            amount=D(25),
        )
    assert refused.value.message == "A technician may not approve a goodwill credit."
    with pytest.raises(InvalidInput) as bad:
        goodwill_credit(terms=terms(), reason=" ", approver_role="manager", may_approve=managers)
    assert bad.value.fields == {
        "reason": ["Say why the credit is given."],
        "hours": ["Give either hours or an amount."],
    }
