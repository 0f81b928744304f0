"""Reading installed equipment, its contract coverage and its intervention history.

Contracts and tickets belong to apps above this one: they are reached through the reverse
relations of :class:`Equipment` (``equipment.contracts``, ``equipment.tickets``), never by
importing those apps.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import F, Prefetch, QuerySet
from django.utils import timezone

from pacta.accounts.access import Audience, visible
from pacta.domain.lifecycle import ContractStatus
from pacta.equipment.models import Equipment


def equipment_list(*, audience: Audience) -> QuerySet[Equipment]:
    return visible(Equipment.objects.select_related("site", "site__customer", "product"), audience)


def _seen(queryset: QuerySet[Any], audience: Audience | None) -> QuerySet[Any]:
    # ``None``: no reader to filter for (the system, or the back office, whose office roles
    # see every row of what they may view).
    return queryset if audience is None else visible(queryset, audience)


def equipment_contracts(equipment: Equipment, *, audience: Audience | None = None) -> QuerySet[Any]:
    """The contracts that cover ``equipment``, earliest start first."""
    contracts = equipment.contracts.all()
    return _seen(contracts, audience).order_by("starts_on", "number", "id")


#: Contracts that no longer bind anything: they do not hold equipment where it is.
_CLOSED = (ContractStatus.EXPIRED.value, ContractStatus.TERMINATED.value)


def equipment_contracts_not_covering(equipment: Equipment, site: Any) -> QuerySet[Any]:
    """The live contracts covering ``equipment`` that do not cover ``site`` (a Site or its id)."""
    site_id = getattr(site, "pk", site)
    return equipment.contracts.exclude(status__in=_CLOSED).exclude(sites=site_id).order_by("number")


def equipment_history(equipment: Equipment, *, audience: Audience | None = None) -> QuerySet[Any]:
    """The tickets that touched ``equipment``, newest first, each with its work orders (and their
    technicians) prefetched in the order they were scheduled.

    Given an ``audience``, only the tickets and work orders it may see are returned (a
    technician sees the tickets of its own work orders, a customer its own tickets).
    """
    tickets = equipment.tickets.all()
    work_order_model = tickets.model._meta.get_field("work_orders").related_model
    work_orders = _seen(
        work_order_model._default_manager.select_related("technician"), audience
    ).order_by(F("scheduled_start_at").asc(nulls_last=True), "id")
    return (
        _seen(tickets, audience)
        .select_related("service")
        .prefetch_related(Prefetch("work_orders", queryset=work_orders))
        .order_by("-opened_at", "-id")
    )


def equipment_is_under_warranty(equipment: Equipment, *, now: dt.datetime | None = None) -> bool:
    """Whether the warranty runs today (through its last day, ``warranty_until`` included)."""
    today = timezone.localdate(now)
    return equipment.warranty_until is not None and today <= equipment.warranty_until
