"""Rating completed work orders in batches: what ``work_order_rate`` does for one, for many.

A batch reads what it rates from at once (the work orders locked, their time entries and
parts, the contracts' versions, calendars' holidays, tax rates, the terms of each version, the
current ratings, the approvals given, the ledger balances), rates each work order in the order
of the work, and writes the ratings, their charge lines, the ledger draws and the audit rows
in bulk, in one transaction: a crash leaves no work order half rated.

Balances are carried from one work order to the next of the same contract and period, so the
fourth visit of a month with three included is billable even within one batch. A work order
whose fingerprint (its work, the version of the terms, the approvals given) is unchanged is
skipped; one that changed supersedes its rating (kept, with its lines) and reverses its draws.
``work_order_rate`` is this with a batch of one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Max, Min, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from pacta.accounts.access import SYSTEM
from pacta.audit.services import (
    Action,
    Actor,
    actor_user,
    change_entry,
    change_record_bulk,
    rows_insert_values,
    snapshot,
)
from pacta.billing.errors import NoTermsInForce, WorkOrderNotCompleted
from pacta.billing.models import Approval, ChargeLine, ChargeType, Rating
from pacta.catalog.selectors import product_list, tax_rate_list, tax_rate_percent_on
from pacta.contracts.mappers import rating_rules_of, rating_terms, rules_in_force
from pacta.contracts.selectors import contract_list, contract_version_list
from pacta.domain import rating
from pacta.domain.entitlement import Balances
from pacta.domain.periods import Period, period_of
from pacta.domain.terms import version_in_force
from pacta.entitlements.services import (
    entitlement_balances,
    entitlement_period_open,
    ledger_append_many,
    ledger_reverse_draws,
)
from pacta.service.selectors import (
    RATEABLE_STATUSES,
    part_used_list,
    time_entry_list,
    work_order_list,
)
from pacta.sla.selectors import calendar_holidays

WorkOrder = Any
#: Work orders per batch (one transaction each).
BATCH = 500
#: Rows per INSERT statement of the bulk writes.
BULK = 1000
SUPERSEDED = "work changed: rated again"


@dataclass
class RatingRun:
    """What a run did: the current rating of each work order (in the order rated), how many
    were rated (a new rating written) and how many were unchanged (nothing written)."""

    ratings: list[Rating] = field(default_factory=list)
    rated: int = 0
    unchanged: int = 0

    @property
    def done(self) -> int:
        return self.rated + self.unchanged


# --- the work record, its fingerprint, the stored trace -------------------------------------
#: A time entry as a batch reads it: (technician id, started at, ended at, kind).
Entry = tuple[Any, dt.datetime, dt.datetime, str]
#: A part used: (product, quantity).
Part = tuple[Any, Decimal]


def _work_day(
    work_order: WorkOrder, entries: Sequence[Entry], zone: ZoneInfo, now: dt.datetime
) -> dt.date:
    if entries:  # in order of their start
        return entries[0][1].astimezone(zone).date()
    moment = work_order.scheduled_start_at or now
    return moment.astimezone(zone).date()


def _work_record(
    work_order: WorkOrder,
    day: dt.date,
    entries: Sequence[Entry],
    parts: Sequence[Part],
    *,
    holidays: Any,
    approved: bool,
) -> rating.WorkRecord:
    ticket = work_order.ticket
    site = ticket.site
    equipment = ticket.equipment
    warranty = None
    if equipment is not None and equipment.warranty_until is not None:
        warranty = rating.Warranty(
            until_on=equipment.warranty_until,
            covers_labour=True,
            covers_parts=True,
        )
    return rating.WorkRecord(
        work_order_id=str(work_order.pk),
        service_code=ticket.service.code,
        site=rating.Site(
            site_id=str(site.pk),
            timezone=site.time_zone,
            zone_code=site.zone_code,
            holidays=holidays,
            access_hours={
                day_: [tuple(w) for w in windows]
                for day_, windows in (site.access_hours or {}).items()
            }
            or None,
        ),
        time_entries=tuple(
            rating.TimeEntry(
                technician_id=str(technician_id),
                started_at=started_at,
                ended_at=ended_at,
                kind=rating.TimeKind(kind),
            )
            for technician_id, started_at, ended_at, kind in entries
        ),
        parts=tuple(rating.PartUsed(product.sku, quantity) for product, quantity in parts),
        travel=rating.Travel(zone_code=site.zone_code, distance_km=work_order.travel_km),
        priority=ticket.priority,
        emergency=ticket.priority == "critical",
        warranty=warranty,
        approved=approved,
        performed_on=day,
    )


def _work_days(work: rating.WorkRecord) -> tuple[dt.date, dt.date]:
    """The first and last local day of the work."""
    zone = ZoneInfo(work.site.timezone)
    first_on = work.performed_on or dt.date.min
    last_on = max((e.ended_at.astimezone(zone).date() for e in work.time_entries), default=first_on)
    return first_on, max(first_on, last_on)


def _digest(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def _fingerprint(work: rating.WorkRecord, version: Any, rules: str) -> str:
    """What the rating of ``work`` reads, hashed; ``rules`` is the digest of the rules in force
    on its days (a price-list rule changed or replaced is noticed)."""
    data = {
        "version": version.pk,
        "rules": rules,
        "service": work.service_code,
        "site": [work.site.site_id, work.site.timezone, work.site.zone_code],
        "access": work.site.access_hours,
        "entries": sorted(
            [e.technician_id, e.started_at.isoformat(), e.ended_at.isoformat(), str(e.kind)]
            for e in work.time_entries
        ),
        "parts": sorted([p.product_code, str(p.quantity)] for p in work.parts),
        "travel": [work.travel.zone_code, str(work.travel.distance_km)] if work.travel else None,
        "priority": work.priority,
        "warranty": str(work.warranty) if work.warranty else None,
        "approved": work.approved,
        "day": work.performed_on.isoformat() if work.performed_on else None,
    }
    return _digest(data)


def _trace(trace: rating.Trace) -> dict[str, Any]:
    return {
        "contract": trace.contract_number,
        "version": trace.version_number,
        "coverage": trace.coverage,
        "price_list": trace.price_list,
        "price_line": trace.price_line,
        "price_line_effective_on": (
            trace.price_line_effective_on.isoformat() if trace.price_line_effective_on else None
        ),
        "surcharges": list(trace.surcharges),
        "allowance": trace.allowance_code,
    }


def _words(trace: rating.Trace) -> list[list[Any]]:
    """The trace's phrases as stored: each template with its values (a quantity as its text,
    which is what the template shows)."""
    return [
        [phrase.template, json.loads(json.dumps(dict(phrase.params), cls=DjangoJSONEncoder))]
        for phrase in trace.phrases
    ]


#: The columns of a charge line a rating writes (the rest keep their defaults).
LINE_FIELDS = (
    "rating",
    "position",
    "charge_type",
    "code",
    "label",
    "quantity",
    "unit",
    "unit_price",
    "multiplier",
    "amount",
    "tax_rate",
    "trace",
    "words",
    "approval",
)


def _charge_lines(stored: Rating, result: rating.RatingResult) -> list[tuple[Any, ...]]:
    """The rows of ``stored``'s charge lines, in the order of ``LINE_FIELDS``."""
    return [
        (
            stored.pk,
            position,
            ChargeType(line.charge_type.value),
            line.code,
            line.label,
            line.quantity,
            line.unit,
            line.unit_price.amount,
            line.multiplier,
            line.amount.amount,
            line.tax_rate,
            _trace(line.trace),
            _words(line.trace),
            (
                Approval.PENDING
                if line.charge_type is rating.ChargeType.NEEDS_APPROVAL
                else Approval.NOT_NEEDED
            ),
        )
        for position, line in enumerate(result.lines, start=1)
    ]


# --- the order of the work ------------------------------------------------------------------
def _in_order_of_work(
    work_orders: Iterable[WorkOrder] | QuerySet[Any], now: dt.datetime
) -> list[Any]:
    """The work orders' ids in the order of their work: the start of their first time entry
    (else their scheduled start, else now), then id."""
    if isinstance(work_orders, QuerySet):
        queryset = work_orders
    else:
        pks = list(dict.fromkeys(getattr(w, "pk", w) for w in work_orders))
        queryset = work_order_list(audience=SYSTEM).filter(pk__in=pks)
    rows = (
        queryset.order_by()
        .annotate(first_started_at=Min("time_entries__started_at"))
        .values_list("pk", "first_started_at", "scheduled_start_at")
    )
    return [
        pk
        for pk, _first, _scheduled in sorted(
            rows, key=lambda row: (row[1] or row[2] or now, row[0])
        )
    ]


# --- what a run reads once ------------------------------------------------------------------
class _Reads:
    """What the batches of a run share: tax rates, holidays per calendar, the catalog rows
    seen, the rules of each version, and its terms (one set per version and epoch of the
    day-dependent parts), which keep the timelines the core builds on them."""

    def __init__(self) -> None:
        self.tax_rates = list(tax_rate_list(audience=SYSTEM))
        self.holidays: dict[Any, Any] = {}
        self.services: dict[Any, Any] = {}
        self.products: dict[Any, Any] = {}
        self.terms: dict[tuple[Any, ...], tuple[rating.ContractTerms, set[Any], set[Any]]] = {}
        self.rules: dict[Any, list[Any]] = {}
        self.digests: dict[tuple[Any, dt.date, dt.date], str] = {}

    def rules_of(self, version: Any) -> list[Any]:
        if version.pk not in self.rules:
            self.rules[version.pk] = rating_rules_of(version)
        return self.rules[version.pk]

    def rules_digest(self, version: Any, work: rating.WorkRecord) -> str:
        """The digest of the rules ``version`` reads for work on the days of ``work``."""
        first_on, last_on = _work_days(work)
        key = (version.pk, first_on, last_on)
        if key not in self.digests:
            self.digests[key] = _digest(
                rules_in_force(
                    version, first_on=first_on, last_on=last_on, rules=self.rules_of(version)
                )
            )
        return self.digests[key]

    def holidays_of(self, calendar: Any) -> Any:
        if calendar is None:
            return None
        if calendar.pk not in self.holidays:
            self.holidays[calendar.pk] = calendar_holidays(calendar)
        return self.holidays[calendar.pk]

    def terms_of(self, version: Any, day: dt.date) -> rating.ContractTerms:
        """The terms of ``version`` on ``day``, pricing every service and product seen so far
        at its catalog price where the price list has no line for it."""
        # The terms read the day only for the tax rates in force and the price list's travel
        # rules valid on it: one set of terms per version and such epoch.
        taxes = tuple(tax_rate_percent_on(rate, day) for rate in self.tax_rates)
        travel = tuple(
            rule.pk
            for data, rule in self.rules_of(version)
            if rule is not None
            and data[1] == "travelrule"
            and (rule.valid_from is None or rule.valid_from <= day)
            and (rule.valid_to is None or rule.valid_to >= day)
        )
        key = (version.pk, taxes, travel)
        found = self.terms.get(key)
        if (
            found is not None
            and len(found[1]) == len(self.services)
            and len(found[2]) == len(self.products)
        ):
            return found[0]
        terms = rating_terms(
            version,
            on=day,
            services=list(self.services.values()),
            products=list(self.products.values()),
        )
        self.terms[key] = (terms, set(self.services), set(self.products))
        return terms


# --- one batch ------------------------------------------------------------------------------
def _locked(pks: Sequence[Any]) -> list[WorkOrder]:
    """The batch's work orders locked for the transaction, in the order of ``pks``."""
    rows = (
        work_order_list(audience=SYSTEM)
        .select_related(None)
        .select_for_update(of=("self",))
        .select_related("ticket__site", "ticket__service", "ticket__equipment")
        .filter(pk__in=pks)
        .order_by("pk")  # every worker locks in the same order: no deadlock
    )
    by_pk = {row.pk: row for row in rows}
    return [by_pk[pk] for pk in pks if pk in by_pk]


class _Batch:
    """What a batch read at once, the balances it carries, and the rows it has yet to write."""

    def __init__(
        self,
        work_orders: list[WorkOrder],
        reads: _Reads,
        *,
        actor: Actor,
        now: dt.datetime,
        reason: str,
    ) -> None:
        self.reads, self.actor, self.now, self.reason = reads, actor, now, reason
        pks = [w.pk for w in work_orders]
        self.entries: dict[Any, list[Entry]] = {pk: [] for pk in pks}
        for row in (
            time_entry_list(audience=SYSTEM)
            .filter(work_order__in=pks)
            .order_by("work_order", "started_at", "id")
            .values_list("work_order", "technician", "started_at", "ended_at", "kind")
        ):
            self.entries[row[0]].append(row[1:])
        used = list(
            part_used_list(audience=SYSTEM)
            .filter(work_order__in=pks)
            .order_by("work_order", "id")
            .values_list("work_order", "product", "quantity")
        )
        missing = {product for _w, product, _q in used} - set(reads.products)
        if missing:
            reads.products.update(
                (row.pk, row)
                for row in product_list(audience=SYSTEM).filter(pk__in=missing).select_related(None)
            )
        self.parts: dict[Any, list[Part]] = {pk: [] for pk in pks}
        for work_order, product, quantity in used:
            self.parts[work_order].append((reads.products[product], quantity))
        for work_order in work_orders:
            reads.services.setdefault(work_order.ticket.service_id, work_order.ticket.service)
        contract_ids = {w.ticket.contract_id for w in work_orders} - {None}
        # The contracts are locked too: their ledgers' balances are read and drawn on, so two
        # workers rating other work orders of the same contract take turns.
        self.contracts = {
            row.pk: row
            for row in contract_list(audience=SYSTEM)
            .select_related(None)
            .prefetch_related(None)
            .select_for_update()
            .filter(pk__in=contract_ids)
            .order_by("pk")
        }
        self.versions: dict[Any, list[Any]] = {pk: [] for pk in contract_ids}
        for version in (
            contract_version_list(audience=SYSTEM)
            .prefetch_related(None)
            .select_related("calendar", "price_list")
            .filter(contract__in=contract_ids)
        ):
            version.contract = self.contracts[version.contract_id]
            self.versions[version.contract_id].append(version)
        self.current = {
            r.work_order_id: r
            for r in Rating.objects.filter(work_order__in=pks, superseded_at__isnull=True)
        }
        self.sequences = dict(
            Rating.objects.filter(work_order__in=pks)
            .order_by()
            .values("work_order")
            .annotate(last=Max("sequence"))
            .values_list("work_order", "last")
        )
        self.approved = set(
            ChargeLine.objects.filter(rating__work_order__in=pks, approval=Approval.APPROVED)
            .values_list("rating__work_order", flat=True)
            .distinct()
        )
        self.sites: dict[Any, list[str]] = {}
        self.opened: set[tuple[Any, dt.date]] = set()
        self.balances: dict[tuple[Any, dt.date], Balances] = {}
        # To write: ratings superseded, new ratings with their results and contracts.
        self.superseded: list[Rating] = []
        self.new: list[tuple[Rating, rating.RatingResult, Any]] = []

    def balances_of(self, contract: Any, period_on: dt.date) -> Balances:
        key = (contract.pk, period_on)
        if key not in self.balances:
            self.balances[key] = entitlement_balances(contract=contract, period_on=period_on)
        return self.balances[key]

    # -- the ledger, in the order of the work
    def open_period(
        self, contract: Any, version: Any, terms: rating.ContractTerms, period: Period
    ) -> None:
        key = (contract.pk, period.starts_on)
        if key in self.opened:
            return
        self.opened.add(key)
        if period.starts_on > contract.starts_on:
            previous: dt.date | None = period_of(
                starts_on=contract.starts_on,
                length=version.billing_period,
                day=period.starts_on - dt.timedelta(days=1),
            ).starts_on
        else:
            previous = None
        if contract.pk not in self.sites:
            self.sites[contract.pk] = [
                str(pk) for pk in contract.sites.values_list("pk", flat=True)
            ]
        # Closing the previous period reads its balances from the ledger: write what this batch
        # drew on the contract first.
        if any(owner.pk == contract.pk for _s, _r, owner in self.new):
            self.flush()
        opened = entitlement_period_open(
            contract=contract,
            allowances=terms.allowances,
            period_on=period.starts_on,
            previous_period_on=previous,
            site_ids=self.sites[contract.pk],
            actor=self.actor,
            now=self.now,
        )
        if opened and previous is not None:
            self.balances.pop((contract.pk, previous), None)  # its close was just written

    def supersede(self, current: Rating, contract: Any) -> None:
        current.superseded_at = self.now
        self.superseded.append(current)
        reversals = ledger_reverse_draws(
            contract=contract,
            reference=f"rating {current.pk}",
            actor=self.actor,
            now=self.now,
            reason=self.reason or SUPERSEDED,
        )
        for row in reversals:
            key = (contract.pk, row.period_on)
            if key in self.balances:
                held = self.balances[key]
                slot = (row.allowance_code, str(row.site_id or ""))
                remaining = dict(held.remaining)
                remaining[slot] = held.of(slot) + row.quantity  # a draw given back
                self.balances[key] = Balances(held.period_on, remaining)

    # -- one work order
    def rate(self, work_order: WorkOrder) -> Rating:
        if work_order.status not in RATEABLE_STATUSES:
            raise WorkOrderNotCompleted(
                _("%(work_order)s is %(status)s: only completed work is rated.")
                % {"work_order": work_order.reference, "status": work_order.get_status_display()}
            )
        ticket = work_order.ticket
        if ticket.contract_id is None:
            raise NoTermsInForce(
                _("%(work_order)s is not under a contract: there are no terms to rate it by.")
                % {"work_order": work_order.reference}
            )
        contract = self.contracts[ticket.contract_id]
        zone = ZoneInfo(ticket.site.time_zone)
        entries = self.entries[work_order.pk]
        day = _work_day(work_order, entries, zone, self.now)
        version = version_in_force(self.versions[contract.pk], day)
        if version is None:
            raise NoTermsInForce(
                _("Contract %(contract)s had no terms in force on %(day)s.")
                % {"contract": contract.number, "day": day.isoformat()}
            )
        work = _work_record(
            work_order,
            day,
            entries,
            self.parts[work_order.pk],
            holidays=self.reads.holidays_of(version.calendar),
            approved=work_order.pk in self.approved,
        )
        fingerprint = _fingerprint(work, version, self.reads.rules_digest(version, work))
        current = self.current.get(work_order.pk)
        if current is not None and current.fingerprint == fingerprint:
            return current

        terms = self.reads.terms_of(version, day)
        period = period_of(starts_on=contract.starts_on, length=version.billing_period, day=day)
        self.open_period(contract, version, terms, period)
        if current is not None:
            self.supersede(current, contract)
        result = rating.rate_work_order(work, terms, self.balances_of(contract, period.starts_on))
        self.balances[(contract.pk, period.starts_on)] = result.balances
        sequence = self.sequences.get(work_order.pk, 0) + 1
        stored = Rating(
            work_order=work_order,
            sequence=sequence,
            contract_version=version,
            period_on=period.starts_on,
            fingerprint=fingerprint,
            currency=result.total.currency,
            total=result.total.amount,
            awaiting_approval=result.awaiting_approval.amount,
            rated_at=self.now,
            rated_by=actor_user(self.actor),
            reason=self.reason,
        )
        self.sequences[work_order.pk] = sequence
        self.current[work_order.pk] = stored
        self.new.append((stored, result, contract))
        return stored

    # -- the writes, in bulk
    def flush(self) -> None:
        if self.superseded:
            Rating.objects.filter(pk__in=[r.pk for r in self.superseded]).update(
                superseded_at=self.now
            )
            self.superseded = []
        if not self.new:
            return
        ratings = Rating.objects.bulk_create(
            [stored for stored, _r, _c in self.new], batch_size=BULK
        )
        rows_insert_values(
            ChargeLine,
            LINE_FIELDS,
            (row for stored, result, _c in self.new for row in _charge_lines(stored, result)),
        )
        ledger_append_many(
            drawn=[
                (contract, stored.work_order, f"rating {stored.pk}", result.draws)
                for stored, result, contract in self.new
            ],
            actor=self.actor,
            now=self.now,
            reason=self.reason,
        )
        change_record_bulk(
            change_entry(
                actor=self.actor,
                action=Action.CREATE,
                instance=stored,
                before=None,
                after=snapshot(stored),
                reason=self.reason,
                now=self.now,
            )
            for stored in ratings
        )
        self.new = []


def _rate_batch(
    pks: Sequence[Any],
    reads: _Reads,
    *,
    actor: Actor,
    now: dt.datetime,
    reason: str,
    run: RatingRun,
) -> None:
    with transaction.atomic():
        work_orders = _locked(pks)
        batch = _Batch(work_orders, reads, actor=actor, now=now, reason=reason)
        ratings = []
        written = 0
        for work_order in work_orders:
            before = batch.current.get(work_order.pk)
            stored = batch.rate(work_order)
            written += stored is not before
            ratings.append(stored)
        batch.flush()
    run.ratings.extend(ratings)
    run.rated += written
    run.unchanged += len(ratings) - written


def work_orders_rate(
    *,
    actor: Actor,
    work_orders: Iterable[WorkOrder] | QuerySet[Any],
    now: dt.datetime | None = None,
    batch: int = BATCH,
    reason: str = "",
    progress: Callable[[RatingRun, int], None] | None = None,
) -> RatingRun:
    """Rate completed work orders (instances, ids, or a queryset of them) in the order of their
    work, ``batch`` at a time, each batch in one transaction; the same ratings, lines, traces
    and draws as ``work_order_rate`` one by one in that order. ``progress(run, total)`` is
    called after each batch. A work order not completed, or without terms in force on its
    day, refuses its whole batch (earlier batches stay rated)."""
    now = now or timezone.now()
    if batch < 1:
        raise ValueError("batch must be at least 1")
    pks = _in_order_of_work(work_orders, now)
    reads = _Reads()
    run = RatingRun()
    for first in range(0, len(pks), batch):
        _rate_batch(pks[first : first + batch], reads, actor=actor, now=now, reason=reason, run=run)
        if progress is not None:
            progress(run, len(pks))
    return run


# --- the calls the adapters make ------------------------------------------------------------
def work_order_rate_after_commit(work_order: WorkOrder) -> None:
    """Call in the transaction that completes or accepts ``work_order`` (or corrects its
    time or parts afterwards): when it commits, a task rates it. Rating is idempotent, so
    calling this more than once rates it once."""
    _rate_after_commit(work_order.pk)


def _rate_after_commit(pk: int) -> None:
    from pacta.billing.tasks import work_orders_rate_task

    transaction.on_commit(lambda: work_orders_rate_task.enqueue([pk]))


def work_order_rate_if_done(work_order_id: int | None) -> None:
    """Call in the transaction that wrote a work order, or its time or parts, through a
    generic path (the API's records, the back office): if the work order is completed or
    accepted when that write is done, it is rated after commit — a completion set by hand
    rates it, a correction of its time or parts rates it again."""
    if work_order_id is None:
        return
    done = work_order_list(audience=SYSTEM).filter(pk=work_order_id, status__in=RATEABLE_STATUSES)
    if done.exists():
        _rate_after_commit(work_order_id)
