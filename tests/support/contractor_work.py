"""A contractor's month of work for the contractor-statement tests: a company with a technician,
hourly rates (one changing on 10 March) and a per-visit rate for upkeep, and work orders it did,
accepted or disputed by the customer on a given day, or still awaiting."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from pacta.billing.models import ContractorRate
from pacta.service.models import WorkOrder
from pacta.service.services import work_order_update
from tests.support import make
from tests.support.make import at

Q = Decimal


def contractor_shop(name: str = "Frío Norte S.L.") -> dict[str, Any]:
    customer = make.customer()
    site = make.site(customer)
    repair = make.service(code="REPAIR", name="Repair")
    upkeep = make.service(code="PM", name="Upkeep")
    company = make.contractor(name=name)
    technician = make.user("technician", contractor=company)
    ContractorRate.objects.create(
        contractor=company,
        unit_price=Q("40.00"),
        currency="EUR",
        effective_on=date(2026, 1, 1),
    )
    ContractorRate.objects.create(
        contractor=company,
        unit_price=Q("45.50"),
        currency="EUR",
        effective_on=date(2026, 3, 10),
    )
    ContractorRate.objects.create(
        contractor=company,
        service=upkeep,
        per_visit=True,
        unit_price=Q("120.00"),
        currency="EUR",
        effective_on=date(2026, 1, 1),
    )
    return {
        "site": site,
        "repair": repair,
        "upkeep": upkeep,
        "company": company,
        "technician": technician,
    }


def contractor_job(
    shop: dict[str, Any],
    service: Any,
    *,
    day: str,
    hours: tuple[str, str] = ("09:00", "10:20"),
    decide: bool | None = None,
    decided_on: str | None = None,
) -> Any:
    """A work order of ``shop``'s technician on ``day``, completed that day at 18:00, then
    accepted (``decide=True``) or disputed (``False``) on ``decided_on`` at 12:00."""
    ticket = make.ticket(shop["site"], service, opened_at=at(f"{day} 08:00"))
    work_order = make.work_order(
        ticket,
        shop["technician"],
        scheduled_start_at=at(f"{day} 09:00"),
        scheduled_end_at=at(f"{day} 11:00"),
    )
    make.time_entry(
        work_order, started_at=at(f"{day} {hours[0]}"), ended_at=at(f"{day} {hours[1]}")
    )
    work_order_update(actor=None, work_order=work_order, values={"status": "completed"})
    WorkOrder.objects.filter(pk=work_order.pk).update(completed_at=at(f"{day} 18:00"))
    if decide is not None:
        WorkOrder.objects.filter(pk=work_order.pk).update(
            status="accepted" if decide else "disputed",
            customer_decided_at=at(f"{decided_on or day} 12:00"),
        )
    return WorkOrder.objects.get(pk=work_order.pk)
