"""tests/acceptance/rating/*.toml: rating scenarios a finance person can read, run on the pure
cores (rating, entitlement, credits) and checked to the cent.

Each file names its contracts (``[contracts.<name>]``: scope, dated prices, surcharge and travel
rules, allowances, SLA credit rule, period fee) and sites (``[sites.<name>]``: zone, time zone,
public holidays, access hours), then lists ``[[scenarios]]``. A scenario is one of:

- work orders (the default): ``[[scenarios.orders]]`` rated in order under the contract at the
  site, each drawing on the balances the previous one left (``balances_before`` to start with;
  a per-site balance is written ``"CODE@site id"``; an order may name another ``site`` of the
  file). Time entries are local wall-clock times in
  the order's ``zone``. Each order states its expected ``[[scenarios.orders.lines]]`` (type,
  code, quantity, unit price, multiplier, amount, and words the trace must contain, in order),
  ``total``, ``awaiting_approval``, ``draws`` and ``balances_after``.
- ``kind = "sla_credit"``: the period's tickets and which of their targets were breached, and
  the expected credit line (or ``line = false``: none).
- ``kind = "goodwill"``: a credit asked for by someone of a role, and the expected line (or the
  expected ``refused`` message).

Every quantity and amount is compared as a Decimal value, so "2" and "2.000000" are the same.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from pacta.domain.credits import goodwill_credit, sla_breach_credit
from pacta.domain.entitlement import Allowance, AllowanceKind, Balances
from pacta.domain.errors import PactaError
from pacta.domain.public_holidays import public_holidays
from pacta.domain.rating import (
    ChargeLine,
    ContractTerms,
    Coverage,
    PartUsed,
    PriceLine,
    PriceList,
    ScopeLine,
    Site,
    SlaCreditRule,
    SurchargeRule,
    TimeEntry,
    TimeKind,
    Travel,
    TravelRule,
    Warranty,
    WorkRecord,
    rate_work_order,
)
from pacta.domain.sla import BREACHED, MET, TicketClocks
from tests.unit.rating_fixtures import clocks

FOLDER = Path(__file__).parent / "rating"
D = Decimal


def _load() -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    found = []
    for path in sorted(FOLDER.glob("*.toml")):
        with path.open("rb") as data:
            document = tomllib.load(data)
        for scenario in document["scenarios"]:
            found.append((path.stem, document, scenario))
    return found


SCENARIOS = _load()
CASES = [
    pytest.param(document, scenario, id=f"{stem}: {scenario['name']}")
    for stem, document, scenario in SCENARIOS
]


# --- building the pure-core values from the files ----------------------------------------------
def _decimal(value: object) -> Decimal:
    assert isinstance(value, str | int), f"write {value!r} as a string or a whole number"
    return D(value)


def _allowance(spec: dict[str, Any]) -> Allowance:
    overage = spec.get("overage_unit_price")
    rollover = spec.get("rollover_limit", "0")
    return Allowance(
        spec["code"],
        AllowanceKind(spec["kind"]),
        _decimal(spec["quantity"]),
        label=spec.get("label", ""),
        service_codes=frozenset(spec.get("services", ())),
        product_codes=frozenset(spec.get("products", ())),
        allows_overage=spec.get("allows_overage", False),
        overage_unit_price=None if overage is None else _decimal(overage),
        rollover_limit=None if rollover == "all" else _decimal(rollover),
    )


def _surcharge(spec: dict[str, Any]) -> SurchargeRule:
    return SurchargeRule(
        spec["name"],
        _decimal(spec["multiplier"]),
        window=tuple(spec["window"]) if "window" in spec else None,  # type: ignore[arg-type]
        weekdays=frozenset(spec.get("weekdays", ())),
        on_holidays=spec.get("on_holidays", False),
        seasons=tuple((first, last) for first, last in spec.get("seasons", ())),
        emergency=spec.get("emergency", False),
        outside_access=spec.get("outside_access", False),
        cumulative=spec.get("cumulative", False),
        service_codes=frozenset(spec.get("services", ())),
    )


def build_terms(spec: dict[str, Any]) -> ContractTerms:
    prices = PriceList(
        spec["price_list"],
        spec["currency"],
        tuple(
            PriceLine(
                line["code"],
                line["label"],
                _decimal(line["unit_price"]),
                line["effective_on"],
                _decimal(line.get("tax_rate", 0)),
                line.get("unit", "hour"),
                line.get("product", False),
            )
            for line in spec["prices"]
        ),
    )
    credit = spec.get("sla_credit")
    return ContractTerms(
        spec["number"],
        spec["version"],
        spec["effective_on"],
        tuple(
            ScopeLine(
                line["service"],
                Coverage(line["coverage"]),
                line.get("minimum_minutes", 0),
                line.get("increment_minutes", 0),
            )
            for line in spec["scope"]
        ),
        prices,
        surcharges=tuple(_surcharge(rule) for rule in spec.get("surcharges", ())),
        travel_rules=tuple(
            TravelRule(
                rule["label"],
                _decimal(rule["unit_price"]),
                zone_code=rule.get("zone", ""),
                per_km=rule.get("per_km", False),
            )
            for rule in spec.get("travel", ())
        ),
        allowances=tuple(_allowance(a) for a in spec.get("allowances", ())),
        sla_credit=None
        if credit is None
        else SlaCreditRule(
            _decimal(credit["percent_per_breach"]),
            _decimal(credit["cap_percent"]),
            targets=frozenset(credit.get("targets", ("resolution",))),
        ),
        period_fee=_decimal(spec.get("period_fee", 0)),
    )


def build_site(spec: dict[str, Any]) -> Site:
    holidays = spec.get("holidays")
    access = spec.get("access_hours")
    return Site(
        spec["id"],
        spec["timezone"],
        zone_code=spec.get("zone", ""),
        holidays=None
        if holidays is None
        else public_holidays(holidays["country"], holidays.get("subdivision", "")),
        access_hours=None
        if access is None
        else {day: [tuple(window) for window in windows] for day, windows in access.items()},
    )


def build_work(order: dict[str, Any], site: Site) -> WorkRecord:
    zone = ZoneInfo(order["zone"])
    warranty = order.get("warranty")
    travel = order.get("travel")
    return WorkRecord(
        order["id"],
        order["service"],
        site,
        time_entries=tuple(
            TimeEntry(
                entry.get("technician", "T1"),
                entry["from"].replace(tzinfo=zone),
                entry["to"].replace(tzinfo=zone),
                TimeKind(entry.get("kind", "work")),
            )
            for entry in order.get("time", ())
        ),
        parts=tuple(
            PartUsed(p["product"], _decimal(p["quantity"])) for p in order.get("parts", ())
        ),
        travel=None
        if travel is None
        else Travel(
            zone_code=travel.get("zone", ""),
            distance_km=None if "km" not in travel else _decimal(travel["km"]),
        ),
        priority=order.get("priority", "normal"),
        emergency=order.get("emergency", False),
        warranty=None
        if warranty is None
        else Warranty(
            warranty["until_on"],
            covers_labour=warranty["covers_labour"],
            covers_parts=warranty["covers_parts"],
        ),
        is_visit=order.get("is_visit", True),
        approved=order.get("approved", False),
        performed_on=order.get("performed_on"),
    )


def _balances(period_on: dt.date, spec: dict[str, Any]) -> Balances:
    return Balances(
        period_on,
        {
            (key.split("@")[0], key.split("@")[1] if "@" in key else ""): _decimal(value)
            for key, value in spec.items()
        },
    )


# --- comparing -------------------------------------------------------------------------------
def seen_line(line: ChargeLine) -> dict[str, object]:
    return {
        "type": line.charge_type.value,
        "code": line.code,
        "quantity": line.quantity,
        "unit_price": line.unit_price.amount,
        "multiplier": line.multiplier,
        "amount": line.amount.amount,
    }


def wanted_line(spec: dict[str, Any]) -> dict[str, object]:
    return {
        "type": spec["type"],
        "code": spec["code"],
        "quantity": _decimal(spec["quantity"]),
        "unit_price": _decimal(spec["unit_price"]),
        "multiplier": _decimal(spec.get("multiplier", 1)),
        "amount": _decimal(spec["amount"]),
    }


def check_trace(line: ChargeLine, spec: dict[str, Any], where: str) -> None:
    """The trace's words hold each expected phrase, in that order, and none of ``not_in_trace``;
    ``price_effective_on`` is the day the price line used took effect."""
    words = line.trace.words
    at = 0
    for phrase in spec.get("trace", ()):
        found = words.find(phrase, at)
        assert found >= 0, f"{where}: {phrase!r} not found (in order) in the trace {words!r}"
        at = found + len(phrase)
    for phrase in spec.get("not_in_trace", ()):
        assert phrase not in words, f"{where}: {phrase!r} should not be in the trace {words!r}"
    if "price_effective_on" in spec:
        assert line.trace.price_line_effective_on == spec["price_effective_on"], where


def check_lines(lines: tuple[ChargeLine, ...], specs: list[dict[str, Any]], where: str) -> None:
    assert [seen_line(line) for line in lines] == [wanted_line(spec) for spec in specs], where
    for index, (line, spec) in enumerate(zip(lines, specs, strict=True)):
        check_trace(line, spec, f"{where} line {index + 1}")


def run_orders(document: dict[str, Any], scenario: dict[str, Any]) -> None:
    terms = build_terms(document["contracts"][scenario["contract"]])
    sites = {name: build_site(spec) for name, spec in document["sites"].items()}
    state = _balances(scenario["period_on"], scenario.get("balances_before", {}))
    for order in scenario["orders"]:
        where = f"order {order['id']}"
        site = sites[order.get("site", scenario["site"])]
        result = rate_work_order(build_work(order, site), terms, state)
        check_lines(result.lines, order["lines"], where)
        assert result.total.amount == _decimal(order["total"]), where
        assert result.awaiting_approval.amount == _decimal(order.get("awaiting_approval", 0)), where
        assert [
            (d.allowance_code + (f"@{d.site_id}" if d.site_id else ""), d.quantity)
            for d in result.draws
        ] == [(d["allowance"], _decimal(d["quantity"])) for d in order.get("draws", ())], where
        assert all(d.work_order_id == order["id"] for d in result.draws), where
        if "balances_after" in order:
            assert result.balances == _balances(scenario["period_on"], order["balances_after"])
        state = result.balances


def _ticket(targets: dict[str, str]) -> TicketClocks:
    """A resolved ticket whose clocks ended as written: {"resolution": "breached", ...}."""
    states = {"breached": BREACHED, "met": MET}
    return clocks(*((name, states[state]) for name, state in targets.items()))


def run_sla_credit(document: dict[str, Any], scenario: dict[str, Any]) -> None:
    terms = build_terms(document["contracts"][scenario["contract"]])
    line = sla_breach_credit(terms=terms, results=[_ticket(t) for t in scenario["tickets"]])
    if scenario["line"] is False:
        assert line is None
        return
    assert line is not None
    check_lines((line,), [scenario["line"]], "credit")


def run_goodwill(document: dict[str, Any], scenario: dict[str, Any]) -> None:
    terms = build_terms(document["contracts"][scenario["contract"]])
    approvers = set(scenario["roles_that_may_approve"])
    ask = scenario["credit"]

    def credit() -> ChargeLine:
        return goodwill_credit(
            terms=terms,
            reason=ask["reason"],
            approver_role=ask["approver_role"],
            may_approve=approvers.__contains__,
            hours=None if "hours" not in ask else _decimal(ask["hours"]),
            unit_price=None if "unit_price" not in ask else _decimal(ask["unit_price"]),
            amount=None if "amount" not in ask else _decimal(ask["amount"]),
        )

    if "refused" in scenario:
        with pytest.raises(PactaError) as refused:
            credit()
        assert refused.value.code == scenario["refused"]["code"]
        assert refused.value.message == scenario["refused"]["message"]
        return
    check_lines((credit(),), [scenario["line"]], "goodwill")


RUNNERS = {"orders": run_orders, "sla_credit": run_sla_credit, "goodwill": run_goodwill}


def test_every_theme_of_the_issue_has_its_file_and_scenarios():
    stems = {stem for stem, _document, _scenario in SCENARIOS}
    assert stems == {"allowances", "coverage", "credits", "prices_and_minimums", "surcharges"}
    assert len(SCENARIOS) == 39


@pytest.mark.parametrize(("document", "scenario"), CASES)
def test_rating_scenario(document, scenario):
    RUNNERS[scenario.get("kind", "orders")](document, scenario)
