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
from collections.abc import Sequence
from decimal import Decimal
from types import ModuleType
from typing import TypeVar

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
    SurchargeRule,
)
from pacta.domain.rating.timeline import LocalDays, Timeline, instant_us, local_days, split
from pacta.domain.rating.work import Site, TimeKind, WorkRecord
from pacta.domain.terms import version_in_force
from pacta.domain.text import gettext_noop

_ZERO = Decimal(0)
_ONE = Decimal(1)
_US_PER_HOUR = 3_600_000_000
_US_PER_MINUTE = 60_000_000
_UNLIMITED = 1 << 62
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_T = TypeVar("_T")
#: Enum members looked up once (a member lookup on the class is slow in Python 3.11).
_EXCLUDED = Coverage.EXCLUDED
_INCLUDED = Coverage.INCLUDED

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
    """How one kind of work on one service is covered and billed under a version of terms.

    Covered time (up to the rating's budget) has source ``covered``; the rest is billed as
    ``billed_type`` with source ``billed_source``. A plan is static: the prepared terms keep one
    per (service, kind of plan) and every rating of that kind reuses it, with the line
    ``templates`` it derived (per group and padding) and, in each template, the lines it made
    (per quantity of time). What differs per rating (the budget, the balances' keys, the notes
    of visits drawn) is the rating's own.
    """

    __slots__ = (
        "billed_allowance",
        "billed_price",
        "billed_source",
        "billed_type",
        "covered",
        "covered_allowance",
        "id",
        "templates",
        "until_on",
    )

    def __init__(self, plan_id: int) -> None:
        self.id = plan_id
        self.covered = INCLUDED
        self.covered_allowance: Allowance | None = None
        self.billed_type = ChargeType.BILLABLE
        self.billed_source = LIST
        self.billed_price: Decimal | None = None
        self.billed_allowance: Allowance | None = None
        self.until_on: dt.date | None = None
        self.templates: dict[int, _Template] = {}


class _Template:
    """A line but its quantity and amount (trace included), and the lines made from it."""

    __slots__ = ("fields", "included", "lines", "multiplier", "price", "waits")

    def __init__(
        self, fields: dict[str, object], included: bool, price: Decimal, multiplier: Decimal
    ) -> None:
        self.fields = fields
        self.included = included
        self.price = price
        self.multiplier = multiplier
        #: whether its lines need approval (they count in ``awaiting_approval``, not the total)
        self.waits = fields["charge_type"] is ChargeType.NEEDS_APPROVAL
        self.lines: dict[int, ChargeLine] = {}

    def line(self, us: int, quantum: Decimal, currency: str) -> ChargeLine:
        """The line of ``us`` microseconds: their hours, priced by the kernel."""
        quantity = hours_of(us)
        charge = _new(ChargeLine)
        charge.__dict__.update(self.fields)
        charge.__dict__["quantity"] = quantity
        amount = (
            _ZERO if self.included else price_amount(quantity, self.price, self.multiplier, quantum)
        )
        charge.__dict__["amount"] = Money.trusted(amount, currency)
        return charge


#: How many lines a template keeps (per quantity of time) before it starts afresh.
_LINES_KEPT = 4096


class _Service:
    """What the rating derives once per service of a contract version: its scope line and
    coverage, whether the terms know it, the visit gates, site hour cap and prepaid bank that
    apply (each with whether it is kept per site), and its plans."""

    __slots__ = (
        "bank",
        "cap",
        "code",
        "coverage",
        "gates",
        "known",
        "pads",
        "plans",
        "scope_line",
    )

    def __init__(self, terms: ContractTerms, code: str) -> None:
        allowances = terms.allowances
        self.code = code
        self.scope_line = terms.scope_line(code)
        self.known = self.scope_line is not None or terms.price_list.has(code)
        self.coverage = (
            self.scope_line.coverage if self.scope_line is not None else Coverage.EXCLUDED
        )
        #: whether a minimum charge or a rounding unit may raise the time worked
        self.pads = self.scope_line is not None and bool(
            self.scope_line.minimum_minutes or self.scope_line.increment_minutes
        )
        self.gates = tuple(
            (a, a.per_site)
            for kind in (AllowanceKind.INCLUDED_VISITS, AllowanceKind.SITE_VISIT_CAP)
            if (a := _first(allowances, kind, code)) is not None
        )
        cap = _first(allowances, AllowanceKind.SITE_HOUR_CAP, code)
        bank = _first(allowances, AllowanceKind.PREPAID_HOURS, code)
        self.cap = (cap, cap.per_site) if cap is not None else None
        self.bank = (bank, bank.per_site) if bank is not None else None
        self.plans: dict[object, _Plan] = {}

    def plan(self, prepared: _Prepared, kind: object) -> _Plan:
        """The plan of ``kind``: "approved", "out_of_scope", ("warranty", until), "included",
        "cap", "bank", "bank_overage" or "list"."""
        found = self.plans.get(kind)
        if found is not None:
            return found
        plan = self.plans[kind] = _Plan(prepared.next_plan_id())
        if kind == "approved":
            plan.billed_source = APPROVED
        elif kind == "out_of_scope":
            plan.billed_type, plan.billed_source = ChargeType.NEEDS_APPROVAL, OUT_OF_SCOPE
        elif isinstance(kind, tuple):
            plan.covered, plan.until_on = WARRANTY, kind[1]
        elif kind == "cap" and self.cap is not None:
            plan.covered, plan.covered_allowance = ALLOWANCE, self.cap[0]
        elif kind in ("bank", "bank_overage") and self.bank is not None:
            bank = self.bank[0]
            plan.covered, plan.covered_allowance = ALLOWANCE, bank
            if kind == "bank_overage":
                plan.billed_source, plan.billed_allowance = OVERAGE, bank
                plan.billed_price = bank.overage_unit_price
        return plan


class _Prepared:
    """What the rating derives once per contract version (kept in ``ContractTerms.memo``).

    ``services``: per service code, its :class:`_Service`. ``groups``: the registry of line
    groups (a group's id stands for the group). ``sites``: per site value seen and whether the
    work is an emergency (by the value's identity, the value kept with it), its timeline.
    """

    __slots__ = ("group_ids", "groups", "plan_count", "quantum", "services", "sites")

    def __init__(self) -> None:
        self.quantum: Decimal | None = None
        self.services: dict[str, _Service] = {}
        self.group_ids: dict[_Group, int] = {}
        self.groups: list[_Group] = []
        self.plan_count = 0
        self.sites: dict[int, tuple[Site, Timeline]] = {}

    def group_id(self, group: _Group) -> int:
        found = self.group_ids.get(group)
        if found is None:
            found = self.group_ids[group] = len(self.groups)
            self.groups.append(group)
        return found

    def next_plan_id(self) -> int:
        self.plan_count += 1
        return self.plan_count


#: How many site values a version's terms remember by identity before starting afresh.
_SITES_KEPT = 1024


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


def _timeline(terms: ContractTerms, prepared: _Prepared, work: WorkRecord) -> Timeline:
    """The timeline of the work's site under ``terms`` (looked up by the site value first)."""
    site = work.site
    if len(prepared.sites) >= _SITES_KEPT:
        prepared.sites.clear()
    key = (site.timezone, site.holidays, site.access_week, work.emergency)
    found = terms.timelines.get(key)
    if found is None:
        found = Timeline(
            _zone(site.timezone),
            site.holidays,
            site.access_week,
            terms.surcharges,
            terms.price_list.effective_days(),
            emergency=work.emergency,
        )
        terms.timelines[key] = found
    assert isinstance(found, Timeline)
    prepared.sites[id(site) * 2 + work.emergency] = (site, found)
    return found


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


#: A rating's plan: the static plan, its budget of covered time, the notes of the visits it
#: drew (or found used up), and the balances drawn by covered and by billed time.
_Cover = tuple[_Plan, int, tuple[Phrase, ...], BalanceKey | None, BalanceKey | None]


def _plan(
    work: WorkRecord,
    service: _Service,
    prepared: _Prepared,
    rated_on: dt.date,
    remaining: dict[BalanceKey, Decimal],
    draws: list[LedgerEntry],
    period_on: dt.date,
) -> _Cover:
    coverage = service.coverage
    if coverage is _EXCLUDED:
        return (
            service.plan(prepared, "approved" if work.approved else "out_of_scope"),
            0,
            (),
            None,
            None,
        )
    warranty = work.warranty
    if warranty is not None and warranty.covers_labour and rated_on <= warranty.until_on:
        return service.plan(prepared, ("warranty", warranty.until_on)), _UNLIMITED, (), None, None
    site_id = work.site.site_id
    if coverage is _INCLUDED:
        notes: tuple[Phrase, ...] = ()
        if work.is_visit and service.gates:
            gates = [(a, (a.code, site_id if per_site else "")) for a, per_site in service.gates]
            used_up = [
                a for a, key in gates if remaining.get(key, _ZERO) < 1 and not a.allows_overage
            ]
            if used_up:
                notes = (
                    Phrase(gettext_noop("%(allowance)s used up"), _allowance_phrase(used_up[0])),
                )
                return service.plan(prepared, "included"), 0, notes, None, None
            drawn = []
            for allowance, key in gates:
                remaining[key] = remaining.get(key, _ZERO) - _ONE
                draws.append(draw(key, _ONE, period_on, work.work_order_id))
                drawn.append(
                    Phrase(
                        gettext_noop("visit drawn from %(allowance)s, %(left)s left"),
                        {**_allowance_phrase(allowance), "left": remaining[key]},
                    )
                )
            notes = tuple(drawn)
        if service.cap is None:
            return service.plan(prepared, "included"), _UNLIMITED, notes, None, None
        cap, per_site = service.cap
        key = (cap.code, site_id if per_site else "")
        budget = _UNLIMITED if cap.allows_overage else _budget(remaining.get(key, _ZERO))
        return service.plan(prepared, "cap"), budget, notes, key, None
    if service.bank is None:
        return service.plan(prepared, "list"), 0, (), None, None
    bank, per_site = service.bank
    key = (bank.code, site_id if per_site else "")
    budget = _budget(remaining.get(key, _ZERO))
    if bank.allows_overage:
        return service.plan(prepared, "bank_overage"), budget, (), key, key
    return service.plan(prepared, "bank"), budget, (), key, None


#: The budget of time (µs, never negative) of each balance of hours met so far.
_BUDGETS: dict[Decimal, int] = {}


def _budget(hours: Decimal) -> int:
    budget = _BUDGETS.get(hours)
    if budget is None:
        if len(_BUDGETS) >= _HOURS_KEPT:
            _BUDGETS.clear()
        budget = _BUDGETS[hours] = max(int(hours * _US_PER_HOUR), 0)
    return budget


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

_new = object.__new__


def _assemble(cls: type[_T], fields: dict[str, object]) -> _T:
    """An instance of the frozen dataclass ``cls`` from ``fields`` (every field, values this
    module computed): what its ``__init__`` would make, without a call per field."""
    made = _new(cls)
    made.__dict__.update(fields)
    return made


#: The local dates of the time zones met so far, by name (a name that is not one is refused
#: each time).
_DAYS: dict[str, LocalDays] = {}
_TRAVEL = TimeKind.TRAVEL
_NEEDS_APPROVAL = ChargeType.NEEDS_APPROVAL
_trusted = Money.trusted
#: Zero in each currency met so far (Money is immutable: one value serves every rating).
_NOTHING: dict[str, Money] = {}


def _nothing(currency: str) -> Money:
    zero = _NOTHING.get(currency)
    if zero is None:
        zero = _NOTHING[currency] = _trusted(_ZERO, currency)
    return zero


#: The C accelerator of ``_spans`` and ``split`` (pacta/domain/_timeline.c), or None where it
#: is not built: the Python functions are the definition; the C ones answer the same or None.
accelerator: ModuleType | None
try:
    from pacta.domain import _timeline as accelerator
except ImportError:  # pragma: no cover - built wherever a C compiler is
    accelerator = None


def _spans(work: WorkRecord, errors: FieldErrors) -> tuple[int, int, tuple[int, ...]] | None:
    """The work's time entries as (first start, last end, [start, end, travel bit, ...]) in
    UTC microseconds, in the order of their start; bad entries are reported to ``errors``.
    None when there is no good entry."""
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
    if not spans:
        return None
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
    flat = tuple(value for span in spans for value in span[:3])
    return spans[0][0], max(span[1] for span in spans), flat


def rate_work_order(
    work: WorkRecord,
    terms: ContractTerms | Sequence[ContractTerms],
    balances: Balances,
) -> RatingResult:
    """Rate ``work`` under ``terms`` (one version, or all of a contract's versions: the one in
    force on the work's local day is used), drawing on ``balances`` (the current period's)."""
    site = work.site
    days = _DAYS.get(site.timezone)
    if days is None:
        days = _DAYS[site.timezone] = local_days(_zone(site.timezone))
    fast = accelerator
    spans = fast.rating_spans(work.time_entries, _TRAVEL) if fast is not None else None
    errors: FieldErrors | None = None
    if spans is None:
        errors = FieldErrors()
        spans = _spans(work, errors)
    if spans is not None:
        rated_on = days.day_of(spans[0])
    elif work.performed_on is not None:
        rated_on = work.performed_on
    else:
        if errors is not None:
            errors.raise_if_any()
        raise InvalidInput.on(
            "performed_on",
            gettext_noop("A work order with no time entries needs its day (performed_on)."),
        )
    if not isinstance(terms, ContractTerms):
        terms = _terms_on(terms, rated_on)
    price_list = terms.price_list
    service_code = work.service_code
    prepared = terms.memo.get("rating")
    if prepared is None:
        prepared = _prepared(terms)
    service = prepared.services.get(service_code)
    if service is None:
        service = prepared.services[service_code] = _Service(terms, service_code)
    parts: dict[str, Decimal] = {}
    travel = work.travel
    if (
        errors
        or not service.known
        or work.parts
        or (travel is not None and travel.distance_km is not None)
    ):
        parts = _checked(work, service, price_list, rated_on, errors or FieldErrors())

    currency = price_list.currency
    quantum = prepared.quantum
    if quantum is None:
        quantum = prepared.quantum = quantum_of(currency)  # refuses an unknown currency
    remaining = dict(balances.remaining)
    draws: list[LedgerEntry] = []
    period_on = balances.period_on
    plan, budget, notes, covered_key, billed_key = _plan(
        work, service, prepared, rated_on, remaining, draws, period_on
    )

    # --- 1. split the time, sum it per group ------------------------------------------------
    groups: dict[int, int] = {}
    covered_us = billed_us = 0
    pad_id = -1
    if spans is not None:
        seen = prepared.sites.get(id(site) * 2 + work.emergency)
        timeline = seen[1] if seen is not None and seen[0] is site else None
        if timeline is None:
            timeline = _timeline(terms, prepared, work)
        if not (timeline.low <= spans[0] and spans[1] < timeline.high):
            timeline.cover(spans[0], spans[1])
        of_plan: dict[int, tuple[tuple[int, ...], bool]] | None = timeline.memo.get(plan.id)
        if of_plan is None:
            of_plan = timeline.memo[plan.id] = {}
        sums = (
            fast.rating_group(spans[2], timeline.starts, timeline.classes, budget, of_plan)
            if fast is not None
            else None
        )
        if sums is None:
            sums = _group(
                spans[2], timeline, prepared, service_code, price_list, plan, budget, of_plan, fast
            )
        groups, covered_us, billed_us, worked, last_key = sums
        if service.pads and last_key >= 0:
            scope_line = service.scope_line
            assert scope_line is not None
            charged = max(worked, scope_line.minimum_minutes * _US_PER_MINUTE)
            step = scope_line.increment_minutes * _US_PER_MINUTE
            if step:
                charged = -(-charged // step) * step
            if charged > worked:
                found = of_plan.get(last_key)
                if found is None:
                    found = of_plan[last_key] = _groups_of(
                        timeline, prepared, last_key, service_code, price_list, plan
                    )
                if found[1]:
                    raise _no_price()
                pad_id = found[0][-1]
                groups[pad_id] = groups.get(pad_id, 0) + charged - worked

    lines: list[ChargeLine] = []
    templates = plan.templates
    billed = waiting = _ZERO
    for group_id, us in groups.items():
        padded_id = group_id * 2 + (group_id == pad_id)
        template = templates.get(padded_id) if not notes else None
        if template is None:
            template = _template(
                prepared.groups[group_id],
                group_id == pad_id,
                work,
                terms,
                service,
                plan,
                notes,
                terms.phrase(),
            )
            if not notes:
                templates[padded_id] = template
        made = template.lines
        charge = made.get(us)
        if charge is None:
            charge = template.line(us, quantum, currency)
            if len(made) >= _LINES_KEPT:
                made.clear()
            made[us] = charge
        lines.append(charge)
        amount = charge.amount.amount
        if template.waits:
            waiting = amount if waiting is _ZERO else waiting + amount
        else:
            billed = amount if billed is _ZERO else billed + amount
    if covered_key is not None and covered_us:
        _draw_time(covered_key, covered_us, remaining, draws, period_on, work.work_order_id)
    if billed_key is not None and billed_us:
        _draw_time(billed_key, billed_us, remaining, draws, period_on, work.work_order_id)
    if parts or travel is not None:
        more = (
            _part_lines(
                work, terms, parts, rated_on, plan, terms.phrase(), remaining, draws, balances
            )
            if parts
            else []
        )
        if travel is not None:
            more.extend(_travel_lines(work, terms, plan, terms.phrase()))
        for line in more:
            if line.charge_type is _NEEDS_APPROVAL:
                waiting += line.amount.amount
            else:
                billed += line.amount.amount
        lines.extend(more)
    after = _new(Balances)
    after.__dict__.update({"period_on": period_on, "remaining": remaining})
    result = _new(RatingResult)
    result.__dict__.update(
        {
            "work_order_id": work.work_order_id,
            "contract_number": terms.contract_number,
            "version_number": terms.version_number,
            "rated_on": rated_on,
            "lines": tuple(lines),
            "total": _trusted(billed, currency),
            "awaiting_approval": _nothing(currency)
            if waiting is _ZERO
            else _trusted(waiting, currency),
            "draws": tuple(draws),
            "balances": after,
        }
    )
    return result


def _draw_time(
    key: BalanceKey,
    us: int,
    remaining: dict[BalanceKey, Decimal],
    draws: list[LedgerEntry],
    period_on: dt.date,
    work_order_id: str,
) -> None:
    """Draw ``us`` of time, in hours, from the balance ``key``."""
    hours = _HOURS.get(us)
    if hours is None:
        if len(_HOURS) >= _HOURS_KEPT:
            _HOURS.clear()
        hours = _HOURS[us] = hours_of(us)
    remaining[key] = remaining.get(key, _ZERO) - hours
    draws.append(draw(key, hours, period_on, work_order_id))


def _group(
    flat: tuple[int, ...],
    timeline: Timeline,
    prepared: _Prepared,
    service_code: str,
    price_list: PriceList,
    plan: _Plan,
    budget: int,
    of_plan: dict[int, tuple[tuple[int, ...], bool]],
    fast: ModuleType | None,
) -> tuple[dict[int, int], int, int, int, int]:
    """Split the spans ``flat`` (see :func:`~pacta.domain.rating.timeline.split`) and sum
    their time per line group: (microseconds per group id in the order groups were first met,
    covered µs, billed µs, working µs billed, the key of the last minute billed or -1).
    ``of_plan`` keeps the groups of each accumulator key under ``plan`` on this timeline (the
    C accelerator's ``rating_group`` answers from it once it knows every key). Refuses time
    that has no price in force."""
    starts, classes = timeline.starts, timeline.classes
    sums = fast.rating_split(flat, starts, classes, budget) if fast is not None else None
    if sums is None:
        sums = split(flat, starts, classes, budget)
    acc, covered_us, billed_us, last_key = sums
    groups: dict[int, int] = {}
    missing_price = False
    worked = 0
    for key, us in acc.items():
        found = of_plan.get(key)
        if found is None:
            found = of_plan[key] = _groups_of(
                timeline, prepared, key, service_code, price_list, plan
            )
        missing_price = missing_price or found[1]
        for group_id in found[0]:
            groups[group_id] = groups.get(group_id, 0) + us
        if not key & 3:
            worked += us
    if missing_price:
        raise _no_price()
    return groups, covered_us, billed_us, worked, last_key


def _no_price() -> InvalidInput:
    return InvalidInput.on(
        "service_code", gettext_noop("This service has no price in force on the day worked.")
    )


def _checked(
    work: WorkRecord,
    service: _Service,
    price_list: PriceList,
    rated_on: dt.date,
    errors: FieldErrors,
) -> dict[str, Decimal]:
    """Check the service, the parts and the travel (after the time entries, whose errors
    ``errors`` holds), raising every error at once; the quantity of each part used, summed
    per product."""
    if not service.known:
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
    return parts


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
    service: _Service,
    plan: _Plan,
    notes: tuple[Phrase, ...],
    contract_phrase: Phrase,
) -> _Template:
    """A line of ``group`` but its quantity and amount, with its trace."""
    kind, line, price, multiplier, rule_ids, source = group
    price_list = terms.price_list
    rules = terms.surcharges
    allowance = plan.covered_allowance if source == ALLOWANCE else plan.billed_allowance
    allowance = allowance if source in (ALLOWANCE, OVERAGE) else None
    params: dict[str, object] = {}
    if source == WARRANTY and plan.until_on is not None:
        params["until_on"] = plan.until_on.isoformat()
    if allowance is not None:
        params.update(_allowance_phrase(allowance))
    phrases = [_rule_phrase(rules[i]) for i in rule_ids] if rule_ids else []
    if source in _SOURCE_PHRASES:
        phrases.append(Phrase(_SOURCE_PHRASES[source], params))
    if kind is not ChargeType.INCLUDED:
        phrases.extend(notes)
    else:
        phrases.extend(n for n in notes if "drawn" in n.template)
    scope_line = service.scope_line
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
            coverage=service.coverage.value,
            price_list=price_list.name,
            price_line=line.label if line is not None else "",
            price_line_effective_on=line.effective_on if line is not None else None,
            surcharges=tuple(rules[i].name for i in rule_ids),
            allowance_code=allowance.code if allowance is not None else "",
        ),
    }
    return _Template(fields, kind is ChargeType.INCLUDED, price, multiplier)


def _price_phrase(price_list: str, line: PriceLine) -> Phrase:
    return Phrase(
        gettext_noop("price list '%(price_list)s' line '%(line)s'"),
        {"price_list": price_list, "line": line.label},
    )


#: Durations in hours already computed (Decimal values, shared), by microseconds.
_HOURS: dict[int, Decimal] = {}
_HOURS_KEPT = 1 << 16


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
