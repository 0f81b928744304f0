"""Contractor statements: what a contractor is paid for a period — only the work orders its
customer accepted in that period, priced at the contractor rate in force on the day of the work;
work completed but not accepted (or disputed) is listed as awaiting acceptance, unpaid.

A work order is on one statement at most (``ContractorStatementLine.work_order`` is one-to-one),
so it is never paid twice; an issued statement is frozen.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pacta.audit.services import Actor, change_record, require_reason, snapshot
from pacta.billing.errors import (
    ContractorRateMissing,
    StatementIssued,
    StatementPeriodNotEnded,
    StatementPeriodOverlaps,
)
from pacta.billing.models import ContractorRate, ContractorStatement, ContractorStatementLine
from pacta.billing.selectors import day_bounds, work_orders_of_contractor
from pacta.domain.errors import InvalidInput
from pacta.domain.money import Money

_HOURS = Decimal("0.001")


@dataclass(frozen=True)
class PayableLine:
    work_order: Any
    description: str
    quantity: Decimal
    unit_price: Decimal
    amount: Money


def work_day(work_order: Any) -> dt.date:
    """The day of the work: its first time entry's start (else its completion), in the site's
    business zone (the project's ``TIME_ZONE``)."""
    first = work_order.time_entries.order_by("started_at").first()
    moment = first.started_at if first is not None else work_order.completed_at
    return timezone.localdate(moment)


def _hours(work_order: Any) -> Decimal:
    seconds = sum(
        (entry.ended_at - entry.started_at).total_seconds()
        for entry in work_order.time_entries.all()
    )
    return (Decimal(int(seconds)) / Decimal(3600)).quantize(_HOURS)


def contractor_rate_in_force(*, contractor: Any, service_id: Any, day: dt.date) -> Any:
    """The contractor's rate for ``service_id`` in force on ``day`` (one for that service wins
    over one for every service); None when there is none."""
    rates = ContractorRate.objects.filter(contractor=contractor, effective_on__lte=day)
    for candidates in (rates.filter(service_id=service_id), rates.filter(service__isnull=True)):
        rate = candidates.order_by("-effective_on", "-id").first()
        if rate is not None:
            return rate
    return None


def payable_lines(*, contractor: Any, starts_on: dt.date, ends_on: dt.date) -> list[PayableLine]:
    """The lines due for the work orders the customer accepted in the period and that are on no
    statement yet; refuses when a work order had no rate in force on its day."""
    start, end = day_bounds(starts_on, ends_on)
    paid = ContractorStatementLine.objects.values("work_order_id")
    accepted = (
        work_orders_of_contractor(contractor)
        .filter(status="accepted", customer_decided_at__gte=start, customer_decided_at__lt=end)
        .exclude(pk__in=paid)
        .prefetch_related("time_entries")
        .order_by("customer_decided_at", "id")
    )
    lines = []
    for work_order in accepted:
        day = work_day(work_order)
        rate = contractor_rate_in_force(
            contractor=contractor, service_id=work_order.ticket.service_id, day=day
        )
        if rate is None:
            raise ContractorRateMissing(
                _("Work order %(work_order)s has no contractor rate in force on %(day)s.")
                % {"work_order": work_order.reference, "day": day.isoformat()}
            )
        quantity = Decimal(1) if rate.per_visit else _hours(work_order)
        unit = _("visit") if rate.per_visit else _("hours")
        lines.append(
            PayableLine(
                work_order=work_order,
                description=f"{work_order.reference} ({day.isoformat()}): {quantity} {unit}",
                quantity=quantity,
                unit_price=rate.unit_price,
                amount=(Money.of(rate.unit_price, rate.currency) * quantity).rounded(),
            )
        )
    return lines


def _overlaps(statement: ContractorStatement) -> StatementPeriodOverlaps:
    """The refusal of a period that overlaps ``statement`` (of the same contractor), naming it:
    drafting the same period again is refused too, so a period is drafted once."""
    values = {
        "starts": statement.starts_on.isoformat(),
        "ends": statement.ends_on.isoformat(),
        "id": statement.pk,
    }
    if statement.issued_at is None:
        message = _(
            "The period overlaps the draft statement %(id)s for %(starts)s–%(ends)s: "
            "review or issue that one."
        )
    else:
        message = _("The period overlaps the statement issued for %(starts)s–%(ends)s.")
    message = message % values
    return StatementPeriodOverlaps(message, fields={"starts_on": [message], "ends_on": [message]})


@transaction.atomic
def contractor_statement_create(
    *,
    actor: Actor,
    contractor: Any,
    starts_on: dt.date,
    ends_on: dt.date,
    now: dt.datetime,
    reason: str,
    currency: str = "EUR",
) -> ContractorStatement:
    """Write the (draft) statement of ``contractor`` for ``starts_on``–``ends_on``: one line per
    work order its customers accepted in the period, not on a statement yet. Refused: a period
    backwards or not ended yet (``ends_on``), or overlapping another statement of the contractor,
    draft or issued (so the same period drafted twice is one statement)."""
    require_reason(reason)
    if ends_on < starts_on:
        raise InvalidInput.on("ends_on", _("The period ends before it starts."))
    if ends_on >= timezone.localdate(now):
        message = _("The period ends on %(day)s: it has not ended yet.") % {
            "day": ends_on.isoformat()
        }
        raise StatementPeriodNotEnded(message, fields={"ends_on": [message]})
    # One statement of a contractor is made at a time: the contractor's row is locked, so a
    # second draft made at the same moment sees the first and is refused as overlapping.
    list(type(contractor)._default_manager.select_for_update().filter(pk=contractor.pk))
    overlapping = (
        ContractorStatement.objects.filter(
            contractor=contractor, starts_on__lte=ends_on, ends_on__gte=starts_on
        )
        .order_by("starts_on", "id")
        .first()
    )
    if overlapping is not None:
        raise _overlaps(overlapping)
    lines = payable_lines(contractor=contractor, starts_on=starts_on, ends_on=ends_on)
    total = Money.zero(currency)
    for line in lines:
        total = total + line.amount
    try:
        # Where rows are not locked (SQLite), the unique period (or a work order on one
        # statement only) refuses a second draft made at the same moment.
        with transaction.atomic():
            statement = ContractorStatement.objects.create(
                contractor=contractor,
                starts_on=starts_on,
                ends_on=ends_on,
                currency=currency,
                total=total.amount,
                created_at=now,
            )
            ContractorStatementLine.objects.bulk_create(
                ContractorStatementLine(
                    statement=statement,
                    work_order=line.work_order,
                    description=line.description,
                    quantity=line.quantity,
                    unit_price=line.unit_price,
                    amount=line.amount.amount,
                )
                for line in lines
            )
    except IntegrityError:
        raise StatementPeriodOverlaps(
            _("Another statement of this contractor was just made for this period.")
        ) from None
    change_record(
        actor=actor,
        action="create",
        instance=statement,
        before=None,
        after=snapshot(statement),
        reason=reason,
        now=now,
    )
    return statement


@transaction.atomic
def contractor_statement_issue(
    *, actor: Actor, statement: ContractorStatement, now: dt.datetime, reason: str
) -> ContractorStatement:
    """Issue (freeze) ``statement``: it never changes afterwards."""
    require_reason(reason)
    statement = ContractorStatement.objects.select_for_update().get(pk=statement.pk)
    if statement.issued_at is not None:
        raise StatementIssued(_("The statement was issued already."))
    before = snapshot(statement)
    statement.issued_at = now
    statement.save(update_fields=["issued_at"])
    change_record(
        actor=actor,
        action="update",
        instance=statement,
        before=before,
        after=snapshot(statement),
        reason=reason,
        now=now,
    )
    return statement
