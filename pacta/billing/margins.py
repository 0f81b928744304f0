"""Costs and margin, read (issue 6): per work order with a current rating, done in a range of
days — its revenue (the rating's billed total), its cost (technicians' time at the cost rate
in force on each local day, the parts used at the product's unit cost in force on the day of
the work, plus its expenses) and the margin — then rolled up per contract,
customer or month. The arithmetic is `pacta.domain.margins`; this module only reads."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.utils.translation import gettext as _

from pacta.accounts.access import Audience
from pacta.billing.models import CostRate, ProductCost, Rating
from pacta.billing.selectors import day_bounds
from pacta.domain import margins
from pacta.domain.errors import InvalidInput
from pacta.service.selectors import (
    expense_list,
    part_used_list,
    time_entry_list,
    work_order_list,
)

#: The access table's row of the report (who may read it).
KIND = "billing.margin"
GROUPS = ("work_order", "contract", "customer", "period")

Row = tuple[str, int, margins.Figures]

#: How the rows may be sorted: by their group's name, or by a figure (``-`` first: largest
#: first). A row without revenue has no share: it sorts below every share.
SORTS: dict[str, Callable[[Row], Any]] = {
    "name": lambda row: row[0],
    "revenue": lambda row: row[2].revenue,
    "labour": lambda row: row[2].labour,
    "parts": lambda row: row[2].parts,
    "expenses": lambda row: row[2].expenses,
    "cost": lambda row: row[2].cost,
    "margin": lambda row: row[2].margin,
    "percent": lambda row: (
        row[2].margin_percent if row[2].margin_percent is not None else Decimal("-Infinity")
    ),
}


@dataclass(frozen=True)
class MarginQuery:
    """What a margins report was asked for, checked."""

    group: str
    sort: str
    starts_on: dt.date
    ends_on: dt.date


_CENT = Decimal("0.01")


def cents(value: Decimal) -> Decimal:
    """An amount of the report as shown: half-up to the cent."""
    return value.quantize(_CENT, rounding=ROUND_HALF_UP)


def figures_shown(figures: margins.Figures) -> dict[str, Any]:
    """A row's figures as the report shows them (CSV, API): amounts half-up to the cent, the
    share as computed (None without revenue), hours half-up to 0.01 without trailing zeros, the
    count of parts without a cost."""
    money = {
        "revenue": figures.revenue,
        "labour_cost": figures.labour,
        "parts_cost": figures.parts,
        "expenses": figures.expenses,
        "cost": figures.cost,
        "margin": figures.margin,
    }
    share = figures.margin_percent
    return {name: str(cents(value)) for name, value in money.items()} | {
        "margin_percent": str(share) if share is not None else None,
        "unpriced_hours": format(cents(figures.unpriced_hours).normalize(), "f"),
        "unpriced_parts": figures.unpriced_parts,
    }


def margin_request(
    *, group: Any, sort: Any, starts_on: Any, ends_on: Any, names: tuple[str, str, str, str]
) -> MarginQuery:
    """A report asked for from outside (text), checked: an unknown group or sort, a missing or
    malformed day or a range that ends before it starts is refused naming the parameter —
    ``names`` are the asker's names of (group, sort, first day, last day)."""
    group_name, sort_name, starts_name, ends_name = names
    group, sort = str(group or "").strip(), str(sort or "").strip()
    if group not in GROUPS:
        raise InvalidInput.on(group_name, _("Group by work order, contract, customer or period."))
    if sort.removeprefix("-") not in SORTS:
        raise InvalidInput.on(
            sort_name,
            _("Sort by name, revenue, labour, parts, expenses, cost, margin or percent."),
        )
    days = []
    for name, value in ((starts_name, starts_on), (ends_name, ends_on)):
        try:
            days.append(dt.date.fromisoformat(str(value or "").strip()))
        except ValueError:
            raise InvalidInput.on(name, _("Give the day as YYYY-MM-DD.")) from None
    if days[1] < days[0]:
        raise InvalidInput.on(ends_name, _("The range ends before it starts."))
    return MarginQuery(group, sort, days[0], days[1])


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
    used: dict[int, list[tuple[int, Decimal]]] = defaultdict(list)
    for part in part_used_list(audience=audience).filter(work_order_id__in=ids).order_by("pk"):
        used[part.work_order_id].append((part.product_id, part.quantity))
    technicians = {piece.technician_id for pieces in work.values() for piece in pieces}
    rates: dict[int, list[tuple[dt.date, Decimal]]] = defaultdict(list)
    for rate in CostRate.objects.filter(technician_id__in=technicians).order_by("effective_on"):
        rates[rate.technician_id].append((rate.effective_on, rate.hourly_cost))
    products = {product_id for parts in used.values() for product_id, _quantity in parts}
    unit_costs: dict[int, list[tuple[dt.date, Decimal]]] = defaultdict(list)
    for cost in ProductCost.objects.filter(product_id__in=products).order_by("effective_on"):
        unit_costs[cost.product_id].append((cost.effective_on, cost.unit_cost))
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
                    parts=[
                        margins.Part(product_id, done_on, quantity)
                        for product_id, quantity in used[order.pk]
                    ],
                    unit_costs=unit_costs,
                ),
            )
        )
    return jobs


def _day_of_work(order: Any, work: list[margins.Work], zone: ZoneInfo) -> dt.date:
    """The local day of a work order's first time entry, else of its completion, else of its
    scheduled start (the day its figures count in, and the day its parts are costed on)."""
    if work:
        return min(piece.day for piece in work)
    moment = order.completed_at or order.scheduled_start_at
    return moment.astimezone(zone).date()


def margin_rows(jobs: list[Job], *, group: str, sort: str = "") -> list[Row]:
    """The jobs one row each (``group`` "work_order") or rolled up by contract, customer or
    month; sorted by ``sort`` (one of SORTS, ``-`` first for largest first) if given."""
    if group == "work_order":
        rows = [(job.work_order, 1, job.figures) for job in jobs]
    else:
        key = {"contract": "contract", "customer": "customer", "period": "period"}[group]
        rows = margins.roll_up(((job.figures, job) for job in jobs), lambda job: getattr(job, key))
    if sort:
        rows.sort(key=SORTS[sort.removeprefix("-")], reverse=sort.startswith("-"))
    return rows
