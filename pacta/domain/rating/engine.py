"""``rate_work_order``: a work record and the terms in force → priced charge lines with traces.

How time becomes lines:

1. Every entry is split on the site's :class:`~pacta.domain.rating.timeline.Timeline` (surcharge
   windows, access hours, local midnights of price changes) and its microseconds are summed per
   (class, work or travel, covered or not). Entries are taken in order of their start, so an
   allowance of time (a prepaid bank, a site hour cap) covers the first minutes worked and the
   minute it runs out splits the entry it falls in.
2. Lines are grouped by (charge type, price line, unit price, multiplier, surcharge rules,
   allowance): one line per group, its quantity the summed time in hours (six decimals), its
   amount rounded half-up once. Splitting an entry in two therefore changes no line.
3. Covered time (included, under warranty, drawn from an allowance) is an *included* line at
   amount zero; its surcharge share (multiplier − 1) is billed as a surcharge line. Billed time
   is *billable* at ×1, a *surcharge* line otherwise, *travel* for travel time, and *needs
   approval* when the service is out of scope and not approved.
4. A service's minimum charge and rounding unit apply to its billed working time (not travel,
   not covered time): the time is raised to the minimum, then up to a whole number of
   increments, and the extra time goes to the line of the last minute worked.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections.abc import Sequence
from decimal import Decimal
from typing import TypeVar, cast
from zoneinfo import ZoneInfo

from pacta.domain.calendar import _zone
from pacta.domain.entitlement import (
    Allowance,
    AllowanceKind,
    BalanceKey,
    Balances,
    LedgerEntry,
    draw,
)
from pacta.domain.errors import FieldErrors, InvalidInput
from pacta.domain.money import Money, quantum_of, to_decimal
from pacta.domain.rating.lines import (
    ChargeLine,
    ChargeType,
    Phrase,
    RatingResult,
    hours_of,
    price_amount,
)
from pacta.domain.rating.terms import (
    ContractTerms,
    Coverage,
    PriceLine,
    PriceList,
    ScopeLine,
    SurchargeRule,
)
from pacta.domain.rating.timeline import Timeline, instant_us
from pacta.domain.rating.work import TimeKind, WorkRecord
from pacta.domain.terms import version_in_force
from pacta.domain.text import gettext_noop

_ZERO = Decimal(0)
_ONE = Decimal(1)
_US_PER_HOUR = 3_600_000_000
_US_PER_MINUTE = 60_000_000
_UNLIMITED = 1 << 62
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_T = TypeVar("_T")

# Where covered or billed time comes from (a line's "source").
INCLUDED, WARRANTY, ALLOWANCE, LIST, OVERAGE, PREMIUM, OUT_OF_SCOPE, APPROVED = (
    "included",
    "warranty",
    "allowance",
    "list",
    "overage",
    "premium",
    "out_of_scope",
    "approved",
)
_SOURCE_PHRASES = {
    INCLUDED: gettext_noop("included in the contract"),
    WARRANTY: gettext_noop("under warranty until %(until_on)s"),
    ALLOWANCE: gettext_noop("drawn from %(allowance)s"),
    OVERAGE: gettext_noop("overage beyond %(allowance)s"),
    PREMIUM: gettext_noop("surcharge share of covered time"),
    OUT_OF_SCOPE: gettext_noop("out of scope: needs approval"),
    APPROVED: gettext_noop("out of scope, approved"),
}


class _Plan:
    """How the work's time is covered: the first ``budget_us`` are covered (source
    ``covered``), the rest is billed (``billed_type``, ``billed_source``). The class holds the
    defaults; a plan sets only what differs (one rating makes one plan)."""

    budget_us = 0
    covered = INCLUDED
    covered_allowance: Allowance | None = None
    covered_key: BalanceKey | None = None
    billed_type = ChargeType.BILLABLE
    billed_source = LIST
    billed_price: Decimal | None = None
    billed_allowance: Allowance | None = None
    billed_key: BalanceKey | None = None
    notes: tuple[Phrase, ...] = ()


class _Prepared:
    """What the rating derives once per contract version (kept in ``ContractTerms.memo``).

    ``allowances``: per service, the visit gates, site hour cap and prepaid bank that apply.
    ``contexts``: an id per rating context (service, coverage, plan), so the groups of a
    timeline class and the line templates are looked up by small integers. ``groups``: the
    registry of line groups (a group's id stands for the group). ``templates``: per (context,
    group, padded), the fields of a charge line but its quantity and amount, trace included.
    """

    __slots__ = ("allowances", "contexts", "group_ids", "groups", "templates")

    def __init__(self) -> None:
        self.allowances: dict[str, _Found] = {}
        self.contexts: dict[tuple[object, ...], int] = {}
        self.group_ids: dict[_Group, int] = {}
        self.groups: list[_Group] = []
        self.templates: dict[tuple[int, int, bool], _Template] = {}

    def group_id(self, group: _Group) -> int:
        found = self.group_ids.get(group)
        if found is None:
            found = self.group_ids[group] = len(self.groups)
            self.groups.append(group)
        return found


class _Found:
    """The allowances of one service, each with whether it is kept per site."""

    __slots__ = ("bank", "cap", "gates")

    def __init__(self, allowances: Sequence[Allowance], code: str) -> None:
        self.gates = tuple(
            (a, a.per_site)
            for kind in (AllowanceKind.INCLUDED_VISITS, AllowanceKind.SITE_VISIT_CAP)
            if (a := _first(allowances, kind, code)) is not None
        )
        cap = _first(allowances, AllowanceKind.SITE_HOUR_CAP, code)
        bank = _first(allowances, AllowanceKind.PREPAID_HOURS, code)
        self.cap = (cap, cap.per_site) if cap is not None else None
        self.bank = (bank, bank.per_site) if bank is not None else None


def _prepared(terms: ContractTerms) -> _Prepared:
    found = terms.memo.get("rating")
    if found is None:
        found = terms.memo["rating"] = _Prepared()
    assert isinstance(found, _Prepared)
    return found


def _terms_on(terms: ContractTerms | Sequence[ContractTerms], day: dt.date) -> ContractTerms:
    if isinstance(terms, ContractTerms):
        return terms
    found = version_in_force(terms, day)
    if found is None:
        raise InvalidInput(
            gettext_noop("No version of the contract's terms is in force on %(day)s."),
            code="no_terms_in_force",
            fields={"terms": [gettext_noop("No version in force on the day of the work.")]},
            params={"day": day.isoformat()},
        )
    return found


def _timeline(terms: ContractTerms, work: WorkRecord, zone: ZoneInfo) -> Timeline:
    site = work.site
    key = (site.timezone, site.holidays, site.access_week, work.emergency)
    timeline = terms.timelines.get(key)
    if timeline is None:
        timeline = Timeline(
            zone,
            site.holidays,
            site.access_week,
            terms.surcharges,
            terms.price_list.effective_days(),
            emergency=work.emergency,
        )
        terms.timelines[key] = timeline
    assert isinstance(timeline, Timeline)
    return timeline


def _first(
    allowances: Sequence[Allowance], kind: AllowanceKind, service_code: str
) -> Allowance | None:
    return next(
        (a for a in allowances if a.kind is kind and a.applies_to_service(service_code)), None
    )


def _key(allowance: Allowance, site_id: str) -> BalanceKey:
    return (allowance.code, site_id if allowance.per_site else "")


def _allowance_phrase(allowance: Allowance) -> dict[str, object]:
    return {"allowance": allowance.label or allowance.code}


def _plan(
    work: WorkRecord,
    terms: ContractTerms,
    prepared: _Prepared,
    coverage: Coverage,
    rated_on: dt.date,
    remaining: dict[BalanceKey, Decimal],
    draws: list[LedgerEntry],
    period_on: dt.date,
) -> _Plan:
    plan = _Plan()
    site_id, code = work.site.site_id, work.service_code
    warranty = work.warranty
    if coverage is Coverage.EXCLUDED:
        if work.approved:
            plan.billed_source = APPROVED
        else:
            plan.billed_type, plan.billed_source = ChargeType.NEEDS_APPROVAL, OUT_OF_SCOPE
        return plan
    if warranty is not None and warranty.covers_labour and rated_on <= warranty.until_on:
        plan.budget_us, plan.covered = _UNLIMITED, WARRANTY
        return plan
    found = prepared.allowances.get(code)
    if found is None:
        found = prepared.allowances[code] = _Found(terms.allowances, code)
    if coverage is Coverage.INCLUDED:
        if work.is_visit and found.gates:
            gates = [(a, (a.code, site_id if per_site else "")) for a, per_site in found.gates]
            used_up = [
                a for a, key in gates if remaining.get(key, _ZERO) < 1 and not a.allows_overage
            ]
            if used_up:
                plan.notes = (
                    Phrase(gettext_noop("%(allowance)s used up"), _allowance_phrase(used_up[0])),
                )
                return plan
            notes = []
            for allowance, key in gates:
                remaining[key] = remaining.get(key, _ZERO) - _ONE
                draws.append(draw(key, _ONE, period_on, work.work_order_id))
                notes.append(
                    Phrase(
                        gettext_noop("visit drawn from %(allowance)s, %(left)s left"),
                        {**_allowance_phrase(allowance), "left": remaining[key]},
                    )
                )
            plan.notes = tuple(notes)
        plan.budget_us = _UNLIMITED
        if found.cap is not None:
            cap, per_site = found.cap
            key = (cap.code, site_id if per_site else "")
            plan.covered, plan.covered_allowance, plan.covered_key = ALLOWANCE, cap, key
            if not cap.allows_overage:
                left = remaining.get(key, _ZERO)
                plan.budget_us = max(int(left * _US_PER_HOUR), 0)
        return plan
    if found.bank is not None:
        bank, per_site = found.bank
        key = (bank.code, site_id if per_site else "")
        left = remaining.get(key, _ZERO)
        plan.budget_us = max(int(left * _US_PER_HOUR), 0)
        plan.covered, plan.covered_allowance, plan.covered_key = ALLOWANCE, bank, key
        if bank.allows_overage:
            plan.billed_source, plan.billed_allowance, plan.billed_key = OVERAGE, bank, key
            plan.billed_price = bank.overage_unit_price
    return plan


def _combined(
    timeline: Timeline, class_id: int, service_code: str
) -> tuple[Decimal, tuple[int, ...]]:
    """The multiplier of a class for a service, and the rules that set it."""
    rule_ids, _epoch = timeline.keys[class_id]
    rules = timeline.rules
    applying = [
        i for i in rule_ids if not rules[i].service_codes or service_code in rules[i].service_codes
    ]
    best: int | None = None
    for i in applying:
        if not rules[i].cumulative and (
            best is None or rules[i].multiplier > rules[best].multiplier
        ):
            best = i
    used = tuple(i for i in applying if i == best or rules[i].cumulative)
    multiplier = _ONE
    for i in used:
        multiplier *= rules[i].multiplier
    return multiplier, used


def _rule_phrase(rule: SurchargeRule) -> Phrase:
    if rule.window is not None:
        return Phrase(
            gettext_noop("%(rule)s %(start)s–%(end)s ×%(multiplier)s"),
            {
                "rule": rule.name,
                "start": rule.window[0],
                "end": rule.window[1],
                "multiplier": rule.multiplier,
            },
        )
    return Phrase(
        gettext_noop("%(rule)s ×%(multiplier)s"), {"rule": rule.name, "multiplier": rule.multiplier}
    )


#: A group of time: (charge type, price line, unit price, multiplier, rule ids, source).
_Group = tuple[ChargeType, PriceLine | None, Decimal, Decimal, tuple[int, ...], str]
#: A line but its quantity and amount: (fields, amounts to zero, unit price, multiplier).
_Template = tuple[dict[str, object], bool, Decimal, Decimal]

_new = object.__new__


def _assemble(cls: type[_T], fields: dict[str, object]) -> _T:
    """An instance of the frozen dataclass ``cls`` from ``fields`` (every field, values this
    module computed): what its ``__init__`` would make, without a call per field."""
    made = _new(cls)
    made.__dict__.update(fields)
    return made


def rate_work_order(
    work: WorkRecord,
    terms: ContractTerms | Sequence[ContractTerms],
    balances: Balances,
) -> RatingResult:
    """Rate ``work`` under ``terms`` (one version, or all of a contract's versions: the one in
    force on the work's local day is used), drawing on ``balances`` (the current period's)."""
    errors = FieldErrors()
    site = work.site
    zone = _zone(site.timezone)
    spans: list[tuple[int, int, int, str, int]] = []
    for index, entry in enumerate(work.time_entries):
        try:
            start = instant_us(entry.started_at)
            end = instant_us(entry.ended_at)
        except (AttributeError, ValueError):
            errors.add(f"time_entries[{index}]", gettext_noop("Give aware dates and times."))
            continue
        if end <= start:
            errors.add(
                f"time_entries[{index}].ended_at",
                gettext_noop("A time entry must end after it starts."),
            )
            continue
        spans.append(
            (start, end, 2 if entry.kind == TimeKind.TRAVEL else 0, entry.technician_id, index)
        )
    if len(spans) > 1:
        spans.sort()
        last_end: dict[str, int] = {}
        for start, end, _travel, technician, index in spans:
            if last_end.get(technician, start) > start:
                errors.add(
                    f"time_entries[{index}]",
                    gettext_noop("Overlaps another time entry of the same technician."),
                )
            last_end[technician] = max(end, last_end.get(technician, end))
    if spans:
        # the local day of the first instant (a whole second decides the day: offsets are)
        rated_on = dt.datetime.fromtimestamp(spans[0][0] // 1_000_000, zone).date()
    elif work.performed_on is not None:
        rated_on = work.performed_on
    else:
        errors.raise_if_any()
        raise InvalidInput.on(
            "performed_on",
            gettext_noop("A work order with no time entries needs its day (performed_on)."),
        )
    terms = _terms_on(terms, rated_on)
    price_list = terms.price_list
    service_code = work.service_code
    scope_line = terms.scope_line(service_code)
    if scope_line is None and not price_list.has(service_code):
        errors.add("service_code", gettext_noop("The contract's terms do not know this service."))
    parts: dict[str, Decimal] = {}
    for index, part in enumerate(work.parts):
        try:
            quantity = to_decimal(part.quantity, field=f"parts[{index}].quantity")
        except InvalidInput as error:
            errors.add(f"parts[{index}].quantity", error.detail)
            continue
        if quantity < 0:
            errors.add(f"parts[{index}].quantity", gettext_noop("A quantity cannot be negative."))
        if price_list.line_on(part.product_code, rated_on, product=True) is None:
            errors.add(
                f"parts[{index}].product_code",
                gettext_noop("This part has no price in force in the price list."),
            )
        parts[part.product_code] = parts.get(part.product_code, _ZERO) + quantity
    travel = work.travel
    if travel is not None and travel.distance_km is not None:
        try:
            if to_decimal(travel.distance_km, field="travel.distance_km") < 0:
                errors.add("travel.distance_km", gettext_noop("A distance cannot be negative."))
        except InvalidInput as error:
            errors.add("travel.distance_km", error.detail)
    errors.raise_if_any()

    currency = price_list.currency
    quantum = quantum_of(currency)  # refuses an unknown currency
    remaining = dict(balances.remaining)
    draws: list[LedgerEntry] = []
    coverage = scope_line.coverage if scope_line is not None else Coverage.EXCLUDED
    prepared = _prepared(terms)
    plan = _plan(work, terms, prepared, coverage, rated_on, remaining, draws, balances.period_on)

    # --- 1. split and sum the time ----------------------------------------------------------
    acc: dict[int, int] = {}
    last_key, last_at = -1, -1
    covered_us = billed_us = 0
    if spans:
        timeline = _timeline(terms, work, zone)
        timeline.cover(spans[0][0], max(span[1] for span in spans))
        starts, classes = timeline.starts, timeline.classes
        left = plan.budget_us
        get = acc.get
        for start, end, travel_bit, _technician, _index in spans:
            i = bisect_right(starts, start) - 1
            s = start
            while True:
                following = starts[i + 1]
                stop = following if following < end else end
                span = stop - s
                base = classes[i] * 4 + travel_bit
                if left >= span:
                    left -= span
                    acc[base + 1] = get(base + 1, 0) + span
                elif left > 0:
                    acc[base + 1] = get(base + 1, 0) + left
                    acc[base] = get(base, 0) + span - left
                    left = 0
                else:
                    acc[base] = get(base, 0) + span
                if stop == end:
                    break
                s = following
                i += 1
            if not travel_bit and left == 0 and end > last_at:
                last_key, last_at = base, end
        for key, us in acc.items():
            if key & 1:
                covered_us += us
            else:
                billed_us += us

    # --- 2. group the time into lines ---------------------------------------------------------
    warranty = work.warranty
    until_on = warranty.until_on if plan.covered == WARRANTY and warranty is not None else None
    context = (
        service_code,
        str(coverage),
        plan.covered,
        plan.billed_type is ChargeType.NEEDS_APPROVAL,
        plan.billed_source,
        plan.billed_price,
        id(plan.covered_allowance),
        id(plan.billed_allowance),
        until_on,
    )
    contexts = prepared.contexts
    context_id = contexts.get(context)
    if context_id is None:
        context_id = contexts[context] = len(contexts)
    groups: dict[int, int] = {}
    missing_price = False

    def group_of(key: int) -> tuple[int, ...]:
        """The ids of the groups the time of accumulator ``key`` goes to."""
        nonlocal missing_price
        memo_key = (context_id, key)
        known = timeline.memo.get(memo_key)
        if known is None:
            known = timeline.memo[memo_key] = _groups_of(
                timeline, prepared, key, service_code, price_list, plan
            )
        ids, missing = cast(tuple[tuple[int, ...], bool], known)
        missing_price = missing_price or missing
        return ids

    for key, us in acc.items():
        for group_id in group_of(key):
            groups[group_id] = groups.get(group_id, 0) + us
    pad_id = -1
    if scope_line is not None and last_key >= 0:
        worked = sum(us for key, us in acc.items() if not key & 3)
        charged = max(worked, scope_line.minimum_minutes * _US_PER_MINUTE)
        step = scope_line.increment_minutes * _US_PER_MINUTE
        if step:
            charged = -(-charged // step) * step
        if charged > worked:
            pad_id = group_of(last_key)[-1]
            groups[pad_id] = groups.get(pad_id, 0) + charged - worked
    if missing_price:
        raise InvalidInput.on(
            "service_code", gettext_noop("This service has no price in force on the day worked.")
        )

    contract_phrase = terms.phrase()
    lines: list[ChargeLine] = []
    templates = prepared.templates
    trusted = Money.trusted
    for group_id, us in groups.items():
        quantity = hours_of(us)
        template_key = (context_id, group_id, group_id == pad_id)
        template = templates.get(template_key) if not plan.notes else None
        if template is None:
            template = _template(
                prepared.groups[group_id],
                template_key[2],
                work,
                terms,
                scope_line,
                coverage,
                plan,
                contract_phrase,
            )
            if not plan.notes:
                templates[template_key] = template
        fields, included, price, multiplier = template
        charge = _new(ChargeLine)
        charge.__dict__.update(fields)
        charge.__dict__["quantity"] = quantity
        charge.__dict__["amount"] = trusted(
            _ZERO if included else price_amount(quantity, price, multiplier, quantum), currency
        )
        lines.append(charge)
    _draw_time(plan, work, covered_us, billed_us, remaining, draws, balances.period_on)
    if parts:
        lines.extend(
            _part_lines(
                work, terms, parts, rated_on, plan, contract_phrase, remaining, draws, balances
            )
        )
    if travel is not None:
        lines.extend(_travel_lines(work, terms, plan, contract_phrase))
    billed = waiting = _ZERO
    for line in lines:
        if line.charge_type is ChargeType.NEEDS_APPROVAL:
            waiting += line.amount.amount
        else:
            billed += line.amount.amount
    return _assemble(
        RatingResult,
        {
            "work_order_id": work.work_order_id,
            "contract_number": terms.contract_number,
            "version_number": terms.version_number,
            "rated_on": rated_on,
            "lines": tuple(lines),
            "total": trusted(billed, currency),
            "awaiting_approval": trusted(waiting, currency),
            "draws": tuple(draws),
            "balances": _assemble(
                Balances, {"period_on": balances.period_on, "remaining": remaining}
            ),
        },
    )


def _groups_of(
    timeline: Timeline,
    prepared: _Prepared,
    key: int,
    service_code: str,
    price_list: PriceList,
    plan: _Plan,
) -> tuple[tuple[int, ...], bool]:
    """The ids of the groups the time of accumulator ``key`` goes to, and whether it has no
    price (the plan is one of the context the answer is kept for)."""
    class_id, travel_bit, covered = key >> 2, key & 2, key & 1
    multiplier, rule_ids = _combined(timeline, class_id, service_code)
    day = timeline.day_of_epoch(timeline.keys[class_id][1])
    line = price_list.line_on(service_code, day) if day is not None else None
    list_price = line.unit_price if line is not None else _ZERO
    billed_kind = ChargeType.TRAVEL if travel_bit else ChargeType.SURCHARGE
    found: list[_Group]
    if covered:
        found = [(ChargeType.INCLUDED, line, list_price, _ONE, (), plan.covered)]
        if multiplier != _ONE:
            found.append((billed_kind, line, list_price, multiplier - 1, rule_ids, PREMIUM))
        return tuple(prepared.group_id(group) for group in found), False
    price = plan.billed_price if plan.billed_price is not None else list_price
    missing = line is None and plan.billed_price is None
    if plan.billed_type is ChargeType.NEEDS_APPROVAL:
        kind = ChargeType.NEEDS_APPROVAL
    elif travel_bit or multiplier != _ONE:
        kind = billed_kind
    else:
        kind = ChargeType.BILLABLE
    group = (kind, line, price, multiplier, rule_ids, plan.billed_source)
    return (prepared.group_id(group),), missing


def _template(
    group: _Group,
    padded: bool,
    work: WorkRecord,
    terms: ContractTerms,
    scope_line: ScopeLine | None,
    coverage: Coverage,
    plan: _Plan,
    contract_phrase: Phrase,
) -> _Template:
    """A line of ``group`` but its quantity and amount, with its trace."""
    kind, line, price, multiplier, rule_ids, source = group
    price_list = terms.price_list
    rules = terms.surcharges
    allowance = plan.covered_allowance if source == ALLOWANCE else plan.billed_allowance
    allowance = allowance if source in (ALLOWANCE, OVERAGE) else None
    params: dict[str, object] = {}
    if source == WARRANTY and work.warranty is not None:
        params["until_on"] = work.warranty.until_on.isoformat()
    if allowance is not None:
        params.update(_allowance_phrase(allowance))
    phrases = [_rule_phrase(rules[i]) for i in rule_ids] if rule_ids else []
    if source in _SOURCE_PHRASES:
        phrases.append(Phrase(_SOURCE_PHRASES[source], params))
    if kind is not ChargeType.INCLUDED:
        phrases.extend(plan.notes)
    else:
        phrases.extend(n for n in plan.notes if "drawn" in n.template)
    if padded and scope_line is not None:
        phrases.append(
            Phrase(
                gettext_noop("minimum %(minimum)s min, then by %(increment)s min"),
                {
                    "minimum": scope_line.minimum_minutes,
                    "increment": scope_line.increment_minutes,
                },
            )
        )
    phrases.append(contract_phrase)
    if line is not None:
        phrases.append(_price_phrase(price_list.name, line))
    currency = price_list.currency
    fields: dict[str, object] = {
        "charge_type": kind,
        "code": work.service_code,
        "label": line.label if line is not None else work.service_code,
        "unit": "hour",
        "unit_price": Money(price, currency),
        "multiplier": multiplier,
        "tax_rate": line.tax_rate if line is not None else _ZERO,
        "trace": terms.trace(
            tuple(phrases),
            coverage=coverage.value,
            price_list=price_list.name,
            price_line=line.label if line is not None else "",
            price_line_effective_on=line.effective_on if line is not None else None,
            surcharges=tuple(rules[i].name for i in rule_ids),
            allowance_code=allowance.code if allowance is not None else "",
        ),
    }
    return fields, kind is ChargeType.INCLUDED, price, multiplier


def _price_phrase(price_list: str, line: PriceLine) -> Phrase:
    return Phrase(
        gettext_noop("price list '%(price_list)s' line '%(line)s'"),
        {"price_list": price_list, "line": line.label},
    )


def _draw_time(
    plan: _Plan,
    work: WorkRecord,
    covered_us: int,
    billed_us: int,
    remaining: dict[BalanceKey, Decimal],
    draws: list[LedgerEntry],
    period_on: dt.date,
) -> None:
    for key, us in ((plan.covered_key, covered_us), (plan.billed_key, billed_us)):
        if key is None or not us:
            continue
        hours = hours_of(us)
        remaining[key] = remaining.get(key, _ZERO) - hours
        draws.append(draw(key, hours, period_on, work.work_order_id))


def _part_lines(
    work: WorkRecord,
    terms: ContractTerms,
    parts: dict[str, Decimal],
    rated_on: dt.date,
    plan: _Plan,
    contract_phrase: Phrase,
    remaining: dict[BalanceKey, Decimal],
    draws: list[LedgerEntry],
    balances: Balances,
) -> list[ChargeLine]:
    price_list = terms.price_list
    currency = price_list.currency
    quantum = Money.zero(currency).quantum
    warranty = work.warranty
    under_warranty = (
        warranty is not None and warranty.covers_parts and rated_on <= warranty.until_on
    )
    lines: list[ChargeLine] = []
    eligible: dict[str, Decimal] = {}
    for code, quantity in parts.items():
        line = price_list.line_on(code, rated_on, product=True)
        assert line is not None  # checked with the input
        phrases = [contract_phrase, _price_phrase(price_list.name, line)]
        if under_warranty and warranty is not None:
            kind, amount = ChargeType.INCLUDED, _ZERO
            phrases.insert(
                0, Phrase(_SOURCE_PHRASES[WARRANTY], {"until_on": warranty.until_on.isoformat()})
            )
        else:
            amount = price_amount(quantity, line.unit_price, _ONE, quantum)
            kind = (
                ChargeType.NEEDS_APPROVAL
                if plan.billed_type is ChargeType.NEEDS_APPROVAL
                else ChargeType.PARTS
            )
            if kind is ChargeType.NEEDS_APPROVAL:
                phrases.insert(0, Phrase(_SOURCE_PHRASES[OUT_OF_SCOPE]))
            else:
                eligible[code] = amount
        lines.append(
            ChargeLine(
                charge_type=kind,
                code=code,
                label=line.label,
                quantity=quantity,
                unit=line.unit,
                unit_price=Money(line.unit_price, currency),
                multiplier=_ONE,
                amount=Money(amount, currency),
                tax_rate=line.tax_rate,
                trace=terms.trace(
                    tuple(phrases),
                    price_list=price_list.name,
                    price_line=line.label,
                    price_line_effective_on=line.effective_on,
                ),
            )
        )
    for allowance in terms.allowances:
        if allowance.kind is not AllowanceKind.PARTS_ALLOWANCE:
            continue
        key = _key(allowance, work.site.site_id)
        cost = sum(
            (amount for code, amount in eligible.items() if allowance.applies_to_product(code)),
            _ZERO,
        )
        cover = min(cost, max(remaining.get(key, _ZERO), _ZERO))
        if cover <= 0:
            continue
        for code in [c for c in eligible if allowance.applies_to_product(c)]:
            del eligible[code]
        remaining[key] = remaining.get(key, _ZERO) - cover
        draws.append(draw(key, cover, balances.period_on, work.work_order_id))
        lines.append(
            ChargeLine(
                charge_type=ChargeType.INCLUDED,
                code=allowance.code,
                label=allowance.label or allowance.code,
                quantity=_ONE,
                unit="allowance",
                unit_price=Money(-cover, currency),
                multiplier=_ONE,
                amount=Money(-cover, currency),
                tax_rate=_ZERO,
                trace=terms.trace(
                    (
                        Phrase(_SOURCE_PHRASES[ALLOWANCE], _allowance_phrase(allowance)),
                        contract_phrase,
                    ),
                    allowance_code=allowance.code,
                ),
            )
        )
    return lines


def _travel_lines(
    work: WorkRecord, terms: ContractTerms, plan: _Plan, contract_phrase: Phrase
) -> list[ChargeLine]:
    travel = work.travel
    if travel is None:
        return []
    currency = terms.currency
    zone_code = travel.zone_code or work.site.zone_code
    rule = None
    quantity, unit = _ONE, "trip"
    if travel.distance_km is not None:
        rule = next((r for r in terms.travel_rules if r.per_km), None)
        quantity, unit = to_decimal(travel.distance_km), "km"
    if rule is None:
        rule = next(
            (r for r in terms.travel_rules if not r.per_km and r.zone_code == zone_code), None
        )
        quantity, unit = _ONE, "trip"
    if rule is None:
        return []
    amount = price_amount(quantity, rule.unit_price, _ONE, Money.zero(currency).quantum)
    kind = (
        ChargeType.NEEDS_APPROVAL
        if plan.billed_type is ChargeType.NEEDS_APPROVAL
        else ChargeType.TRAVEL
    )
    where = (
        Phrase(gettext_noop("%(km)s km"), {"km": quantity})
        if unit == "km"
        else Phrase(gettext_noop("zone %(zone)s"), {"zone": zone_code})
    )
    return [
        ChargeLine(
            charge_type=kind,
            code=rule.zone_code or "km",
            label=rule.label,
            quantity=quantity,
            unit=unit,
            unit_price=Money(rule.unit_price, currency),
            multiplier=_ONE,
            amount=Money(amount, currency),
            tax_rate=rule.tax_rate,
            trace=terms.trace(
                (
                    where,
                    Phrase(gettext_noop("travel '%(label)s'"), {"label": rule.label}),
                    contract_phrase,
                ),
            ),
        )
    ]
