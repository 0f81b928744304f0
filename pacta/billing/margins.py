"""Costs and margin, read (issue 6): per work order with a current rating, done in a range of
days — its revenue (the rating's billed total), its cost (technicians' time at the cost rate
in force on each local day, plus its expenses) and the margin — then rolled up per contract,
customer or month. The arithmetic is `pacta.domain.margins`; this module only reads."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Q

from pacta.accounts.access import Audience
from pacta.billing.models import CostRate, Rating
from pacta.billing.selectors import day_bounds
from pacta.domain import margins
from pacta.service.selectors import expense_list, time_entry_list, work_order_list

GROUPS = ("work_order", "contract", "customer", "period")


@dataclass(frozen=True)
class Job:
    work_order_id: int
    work_order: str
    contract: str
    customer: str
    period: str  # the month of the work, YYYY-MM
    currency: str
    figures: margins.Figures


def job_margins(*, audience: Audience, starts_on: dt.date, ends_on: dt.date) -> list[Job]:
    """The work orders the audience sees, completed from ``starts_on`` to ``ends_on``
    (inclusive) and rated, each with its figures, by completion."""
    start, end = day_bounds(starts_on, ends_on)
    near = (
        Q(completed_at__gte=start, completed_at__lt=end)
        | Q(scheduled_start_at__gte=start, scheduled_start_at__lt=end)
        | Q(time_entries__started_at__gte=start, time_entries__started_at__lt=end)
    )
    rated = Rating.objects.filter(superseded_at__isnull=True).values("work_order_id")
    orders = list(
        work_order_list(audience=audience)
        .filter(near, pk__in=rated)
        .distinct()
        .select_related("ticket__contract", "ticket__customer", "ticket__site")
        .order_by("pk")
    )
    ids = [order.pk for order in orders]
    ratings = {
        rating.work_order_id: rating
        for rating in Rating.objects.filter(work_order_id__in=ids, superseded_at__isnull=True)
    }
    work: dict[int, list[margins.Work]] = defaultdict(list)
    zones = {order.pk: ZoneInfo(order.ticket.site.time_zone) for order in orders}
    entries = time_entry_list(audience=audience).filter(work_order_id__in=ids)
    for entry in entries.order_by("started_at"):
        day = entry.started_at.astimezone(zones[entry.work_order_id]).date()
        microseconds = (entry.ended_at - entry.started_at) // dt.timedelta(microseconds=1)
        work[entry.work_order_id].append(margins.Work(entry.technician_id, day, microseconds))
    spent: dict[int, list[Decimal]] = defaultdict(list)
    for expense in expense_list(audience=audience).filter(work_order_id__in=ids):
        spent[expense.work_order_id].append(expense.amount)
    technicians = {piece.technician_id for pieces in work.values() for piece in pieces}
    rates: dict[int, list[tuple[dt.date, Decimal]]] = defaultdict(list)
    for rate in CostRate.objects.filter(technician_id__in=technicians).order_by("effective_on"):
        rates[rate.technician_id].append((rate.effective_on, rate.hourly_cost))
    jobs = []
    for order in orders:
        rating = ratings.get(order.pk)
        if rating is None:
            continue
        ticket = order.ticket
        contract = ticket.contract
        done_on = _day_of_work(order, work[order.pk], zones[order.pk])
        if not starts_on <= done_on <= ends_on:
            continue
        jobs.append(
            Job(
                work_order_id=order.pk,
                work_order=order.reference,
                contract=contract.number if contract is not None else "",
                customer=ticket.customer.legal_name,
                period=f"{done_on:%Y-%m}",
                currency=rating.currency,
                figures=margins.job_figures(
                    revenue=rating.total,
                    work=work[order.pk],
                    expenses=spent[order.pk],
                    rates=rates,
                ),
            )
        )
    return jobs


def _day_of_work(order: Any, work: list[margins.Work], zone: ZoneInfo) -> dt.date:
    """The local day of a work order's first time entry, else of its completion, else of its
    scheduled start (the day its figures count in)."""
    if work:
        return min(piece.day for piece in work)
    moment = order.completed_at or order.scheduled_start_at
    return moment.astimezone(zone).date()


def margin_rows(jobs: list[Job], *, group: str) -> list[tuple[str, int, margins.Figures]]:
    """The jobs one row each (``group`` "work_order") or rolled up by contract, customer or
    month."""
    if group == "work_order":
        return [(job.work_order, 1, job.figures) for job in jobs]
    key = {"contract": "contract", "customer": "customer", "period": "period"}[group]
    return margins.roll_up(((job.figures, job) for job in jobs), lambda job: getattr(job, key))
