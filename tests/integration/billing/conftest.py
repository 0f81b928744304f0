"""Completed work orders of two contracts for the billing tests: a month of visits with three
included (the fourth billable), repairs with parts and travel, and a visit of the next month."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pacta.service.services import work_order_update
from tests.support import make
from tests.support.make import at


def included_visits(contract, services, quantity="3"):
    """Three included visits a month on the contract's version. There is no service writing
    allowances yet (issue 4 leaves their CRUD for later), so the row is written directly."""
    from pacta.contracts.models import Allowance

    allowance = Allowance.objects.create(
        version=contract.versions.get(),
        code="visits",
        kind="included_visits",
        label="Included visits",
        quantity=Decimal(quantity),
    )
    allowance.services.set(services)
    return allowance


def completed(ticket, technician, entries, parts=()):
    """A work order with its time entries ((start, end, kind) in Madrid time) and parts, done."""
    work_order = make.work_order(
        ticket,
        technician,
        scheduled_start_at=at(entries[0][0]),
        scheduled_end_at=at(entries[-1][1]),
    )
    for started, ended, kind in entries:
        make.time_entry(work_order, started_at=at(started), ended_at=at(ended), kind=kind)
    for product, quantity in parts:
        make.part_used(work_order, product, quantity=Decimal(quantity))
    work_order_update(actor=None, work_order=work_order, values={"status": "completed"})
    return work_order


@pytest.fixture
def month():
    """Work orders by name; created out of the order of their work on purpose."""
    customer = make.customer()
    north, south = make.site(customer), make.site(customer)
    visit = make.service(code="PM", name="Preventive visit", default_price=Decimal("60.00"))
    repair = make.service(code="REPAIR", name="Repair", default_price=Decimal("55.00"))
    part = make.product(sku="FLT-1", name="Filter", price=Decimal("12.50"))
    prices = make.price_list(name="HVAC 2026")
    make.price_list_line(prices, service=repair, unit_price=Decimal("55.00"))
    contract = make.contract(
        customer,
        sites=[north, south],
        scope=[(visit, "included"), (repair, "billable")],
        price_list=prices,
        number="C-100",
    )
    included_visits(contract, [visit])
    other = make.customer()
    plant = make.site(other)
    other_contract = make.contract(
        other, sites=[plant], scope=[(repair, "billable")], number="C-200"
    )
    technician = make.user("technician")

    def job(site, service, entries, parts=(), on=contract):
        return completed(make.ticket(site, service, contract=on), technician, entries, parts)

    return {
        "visit 10 Mar": job(north, visit, [("2026-03-10 09:00", "2026-03-10 10:00", "work")]),
        "repair 4 Mar": job(
            south,
            repair,
            [
                ("2026-03-04 13:30", "2026-03-04 14:00", "travel"),
                ("2026-03-04 14:00", "2026-03-04 16:30", "work"),
            ],
            parts=[(part, "2")],
        ),
        "visit 3 Mar": job(south, visit, [("2026-03-03 09:00", "2026-03-03 09:45", "work")]),
        "repair 5 Mar": job(
            plant,
            repair,
            [("2026-03-05 20:00", "2026-03-05 23:30", "work")],
            parts=[(part, "1")],
            on=other_contract,
        ),
        "visit 17 Mar": job(north, visit, [("2026-03-17 08:00", "2026-03-17 09:00", "work")]),
        "visit 24 Mar": job(
            south,
            visit,
            [
                ("2026-03-24 10:00", "2026-03-24 11:00", "work"),
                ("2026-03-24 11:15", "2026-03-24 12:15", "work"),
            ],
        ),
        "visit 2 Apr": job(north, visit, [("2026-04-02 09:00", "2026-04-02 10:00", "work")]),
    }
