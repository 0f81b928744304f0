"""Rating completed work orders into stored charge lines, and deciding out-of-scope lines.

``work_order_rate`` is idempotent: it fingerprints what it rates from (the work, the terms
version, the approvals given) and returns the current rating when nothing changed. When
something did (a time entry corrected, out-of-scope work approved), the current rating is
superseded, its ledger draws reversed, and a new rating written: both stay on record.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pacta.accounts.roles import Role
from pacta.audit.services import (
    Action,
    Actor,
    actor_user,
    change_record,
    require_reason,
    snapshot,
)
from pacta.billing.errors import NotAwaitingApproval, NoTermsInForce, WorkOrderNotCompleted
from pacta.billing.models import Approval, ChargeLine, ChargeType, Rating
from pacta.billing.services.credits import credit_write_off, credit_write_offs_reverse
from pacta.contracts.mappers import rating_terms
from pacta.contracts.selectors import contract_version_in_force
from pacta.domain import rating
from pacta.domain.errors import Forbidden
from pacta.domain.periods import period_of
from pacta.entitlements.services import (
    entitlement_balances,
    entitlement_period_open,
    ledger_append,
    ledger_reverse_draws,
)
from pacta.service.selectors import RATEABLE_STATUSES, work_order_locked
from pacta.sla.selectors import calendar_holidays

WorkOrder = Any
#: Who decides out-of-scope work.
APPROVERS = frozenset({Role.ADMIN, Role.MANAGER})


def _work_day(
    work_order: WorkOrder, entries: list[Any], zone: ZoneInfo, now: dt.datetime
) -> dt.date:
    if entries:  # in order of their start
        return entries[0].started_at.astimezone(zone).date()
    moment = work_order.scheduled_start_at or now
    return moment.astimezone(zone).date()


def _approved(work_order: WorkOrder) -> bool:
    """Whether a manager approved this work order's out-of-scope work (on any rating)."""
    return ChargeLine.objects.filter(
        rating__work_order=work_order, approval=Approval.APPROVED
    ).exists()


def _work_record(
    work_order: WorkOrder, version: Any, day: dt.date, entries: list[Any], parts: list[Any]
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
            holidays=calendar_holidays(version.calendar),
            access_hours={
                day_: [tuple(w) for w in windows]
                for day_, windows in (site.access_hours or {}).items()
            }
            or None,
        ),
        time_entries=tuple(
            rating.TimeEntry(
                technician_id=str(entry.technician_id),
                started_at=entry.started_at,
                ended_at=entry.ended_at,
                kind=rating.TimeKind(entry.kind),
            )
            for entry in entries
        ),
        parts=tuple(rating.PartUsed(part.product.sku, part.quantity) for part in parts),
        travel=rating.Travel(zone_code=site.zone_code, distance_km=work_order.travel_km),
        priority=ticket.priority,
        emergency=ticket.priority == "critical",
        warranty=warranty,
        approved=_approved(work_order),
        performed_on=day,
    )


def _fingerprint(work: rating.WorkRecord, version: Any) -> str:
    data = {
        "version": version.pk,
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
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


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
    return [[phrase.template, dict(phrase.params)] for phrase in trace.phrases]


def _supersede(current: Rating, *, actor: Actor, now: dt.datetime, reason: str) -> None:
    current.superseded_at = now
    current.save(update_fields=["superseded_at"])
    ledger_reverse_draws(
        contract=current.contract_version.contract,
        reference=f"rating {current.pk}",
        actor=actor,
        now=now,
        reason=reason,
    )


def work_order_rate(
    *, actor: Actor, work_order: WorkOrder, now: dt.datetime | None = None, reason: str = ""
) -> Rating:
    """Rate a completed work order under the terms in force on its day; store lines and draws."""
    now = now or timezone.now()
    with transaction.atomic():
        work_order = work_order_locked(work_order.pk)
        if work_order.status not in RATEABLE_STATUSES:
            raise WorkOrderNotCompleted(
                _("%(work_order)s is %(status)s: only completed work is rated.")
                % {"work_order": work_order.reference, "status": work_order.get_status_display()}
            )
        ticket = work_order.ticket
        contract = ticket.contract
        zone = ZoneInfo(ticket.site.time_zone)
        entries = list(work_order.time_entries.order_by("started_at", "id"))
        parts = list(work_order.parts_used.select_related("product__tax_rate").order_by("id"))
        day = _work_day(work_order, entries, zone, now)
        version = contract_version_in_force(contract, day)
        if version is None:
            raise NoTermsInForce(
                _("Contract %(contract)s had no terms in force on %(day)s.")
                % {"contract": contract.number, "day": day.isoformat()}
            )
        work = _work_record(work_order, version, day, entries, parts)
        fingerprint = _fingerprint(work, version)
        current = Rating.objects.filter(work_order=work_order, superseded_at__isnull=True).first()
        if current is not None and current.fingerprint == fingerprint:
            return current

        terms = rating_terms(
            version,
            on=day,
            services=[ticket.service],
            products=[part.product for part in parts],
        )
        period = period_of(starts_on=contract.starts_on, length=version.billing_period, day=day)
        previous = (
            period_of(
                starts_on=contract.starts_on,
                length=version.billing_period,
                day=period.starts_on - dt.timedelta(days=1),
            ).starts_on
            if period.starts_on > contract.starts_on
            else None
        )
        entitlement_period_open(
            contract=contract,
            allowances=terms.allowances,
            period_on=period.starts_on,
            previous_period_on=previous,
            site_ids=[str(site_id) for site_id in contract.sites.values_list("pk", flat=True)],
            actor=actor,
            now=now,
        )
        if current is not None:
            _supersede(current, actor=actor, now=now, reason=reason or "work changed: rated again")
        balances = entitlement_balances(contract=contract, period_on=period.starts_on)
        result = rating.rate_work_order(work, terms, balances)

        sequence = (
            Rating.objects.filter(work_order=work_order)
            .order_by("-sequence")
            .values_list("sequence", flat=True)
            .first()
            or 0
        ) + 1
        stored = Rating.objects.create(
            work_order=work_order,
            sequence=sequence,
            contract_version=version,
            period_on=period.starts_on,
            fingerprint=fingerprint,
            currency=result.total.currency,
            total=result.total.amount,
            awaiting_approval=result.awaiting_approval.amount,
            rated_at=now,
            rated_by=actor_user(actor),
            reason=reason,
        )
        ChargeLine.objects.bulk_create(
            [
                ChargeLine(
                    rating=stored,
                    position=position,
                    charge_type=ChargeType(line.charge_type.value),
                    code=line.code,
                    label=line.label,
                    quantity=line.quantity,
                    unit=line.unit,
                    unit_price=line.unit_price.amount,
                    multiplier=line.multiplier,
                    amount=line.amount.amount,
                    tax_rate=line.tax_rate,
                    trace=_trace(line.trace),
                    words=_words(line.trace),
                    approval=(
                        Approval.PENDING
                        if line.charge_type is rating.ChargeType.NEEDS_APPROVAL
                        else Approval.NOT_NEEDED
                    ),
                )
                for position, line in enumerate(result.lines, start=1)
            ]
        )
        ledger_append(
            contract=contract,
            entries=result.draws,
            actor=actor,
            now=now,
            work_order=work_order,
            reference=f"rating {stored.pk}",
            reason=reason,
        )
        change_record(
            actor=actor,
            action=Action.CREATE,
            instance=stored,
            before=None,
            after=snapshot(stored),
            reason=reason,
            now=now,
        )
    return stored


def charge_line_decide(
    *,
    actor: Actor,
    line: ChargeLine,
    approve: bool,
    reason: str,
    now: dt.datetime | None = None,
) -> Rating:
    """A manager approves out-of-scope work (then it is billed: the work order is rated again)
    or rejects it (then it is written off: recorded on the line and as a write-off credit).
    Returns the current rating."""
    reason = require_reason(reason)
    now = now or timezone.now()
    role = getattr(actor, "role", None)
    if role not in APPROVERS:
        raise Forbidden(_("Only a manager decides on out-of-scope work."))
    with transaction.atomic():
        line = ChargeLine.objects.select_for_update().select_related("rating").get(pk=line.pk)
        if line.approval != Approval.PENDING or line.rating.superseded_at is not None:
            raise NotAwaitingApproval(_("This line is not awaiting a decision."))
        before = snapshot(line)
        line.approval = Approval.APPROVED if approve else Approval.REJECTED
        line.decided_by = actor_user(actor)
        line.decided_at = now
        line.decision_reason = reason
        line.save(update_fields=["approval", "decided_by", "decided_at", "decision_reason"])
        change_record(
            actor=actor,
            action=Action.UPDATE,
            instance=line,
            before=before,
            after=snapshot(line),
            reason=reason,
            now=now,
        )
        work_order = line.rating.work_order
        credit_write_offs_reverse(actor=actor, work_order=work_order, reason=reason, now=now)
        if approve:
            return work_order_rate(actor=actor, work_order=work_order, now=now, reason=reason)
        credit_write_off(actor=actor, line=line, reason=reason, now=now)
        return line.rating
