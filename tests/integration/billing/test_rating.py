"""Rating a completed work order through the services: stored lines with their trace,
idempotent, re-rated on correction (both ratings kept), out-of-scope work decided by a manager."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from pacta.audit.models import AuditEntry
from pacta.billing.errors import NotAwaitingApproval, WorkOrderNotCompleted
from pacta.billing.models import Rating
from pacta.billing.services import charge_line_decide, work_order_rate
from pacta.domain.errors import Forbidden
from pacta.service.services import time_entry_update, work_order_update
from tests.support import make
from tests.support.make import at
from tests.support.state import table_counts

pytestmark = pytest.mark.django_db

NOW = at("2026-03-20 12:00")


@pytest.fixture
def job():
    customer = make.customer()
    site = make.site(customer)
    repair = make.service(code="REPAIR", name="Repair")
    filter_ = make.product(sku="FLT-1", name="Filter", price=Decimal("12.50"))
    prices = make.price_list(name="HVAC 2026")
    make.price_list_line(prices, service=repair, unit_price=Decimal("55.00"))
    make.price_list_line(
        prices, service=repair, unit_price=Decimal("60.00"), effective_on=date(2026, 3, 15)
    )
    contract = make.contract(
        customer, sites=[site], scope=[(repair, "billable")], price_list=prices, number="C-7"
    )
    technician = make.user("technician")
    ticket = make.ticket(site, repair, contract=contract)
    work_order = make.work_order(ticket, technician)
    entry = make.time_entry(work_order)  # Tue 3 March 09:00–10:30 Madrid
    make.part_used(work_order, filter_, quantity=Decimal("2"))
    work_order_update(actor=None, work_order=work_order, values={"status": "completed"})
    return work_order, entry


def lines_of(rating):
    return [
        (line.charge_type, line.code, line.quantity, line.unit_price, line.amount)
        for line in rating.lines.order_by("position")
    ]


def test_a_completed_work_order_is_rated_at_the_price_in_force_that_day(job):
    work_order, _entry = job
    rating = work_order_rate(actor=None, work_order=work_order, now=NOW)
    assert (rating.sequence, rating.total, rating.currency) == (1, Decimal("107.5000"), "EUR")
    assert lines_of(rating) == [
        ("billable", "REPAIR", Decimal("1.500000"), Decimal("55.0000"), Decimal("82.5000")),
        ("parts", "FLT-1", Decimal("2.000000"), Decimal("12.5000"), Decimal("25.0000")),
    ]
    first = rating.lines.get(position=1)
    assert first.trace["contract"] == "C-7"
    assert first.trace["price_list"] == "HVAC 2026"
    assert first.trace["price_line_effective_on"] == "2026-01-01"
    assert (
        AuditEntry.objects.filter(entity_type="billing.rating", entity_id=str(rating.pk)).count()
        == 1
    )


def test_rating_again_with_nothing_changed_writes_nothing(job):
    work_order, _entry = job
    first = work_order_rate(actor=None, work_order=work_order, now=NOW)
    before = table_counts()
    again = work_order_rate(actor=None, work_order=work_order, now=NOW)
    assert again.pk == first.pk
    assert table_counts() == before


def test_a_corrected_time_entry_supersedes_the_rating_and_keeps_both(job):
    work_order, entry = job
    first = work_order_rate(actor=None, work_order=work_order, now=NOW)
    time_entry_update(actor=None, time_entry=entry, values={"ended_at": at("2026-03-03 11:00")})
    second = work_order_rate(actor=None, work_order=work_order, now=NOW, reason="entry corrected")
    first.refresh_from_db()
    assert (first.superseded_at, second.sequence, second.superseded_at) == (NOW, 2, None)
    assert lines_of(second)[0] == (
        "billable",
        "REPAIR",
        Decimal("2.000000"),
        Decimal("55.0000"),
        Decimal("110.0000"),
    )
    assert second.total == Decimal("135.0000")
    assert Rating.objects.filter(work_order=work_order).count() == 2


def test_work_not_completed_is_not_rated_and_nothing_is_written():
    customer = make.customer()
    site = make.site(customer)
    repair = make.service()
    contract = make.contract(customer, sites=[site], scope=[(repair, "billable")])
    work_order = make.work_order(make.ticket(site, repair, contract=contract))
    before = table_counts()
    with pytest.raises(WorkOrderNotCompleted) as refused:
        work_order_rate(actor=None, work_order=work_order, now=NOW)
    assert refused.value.code == "work_order_not_completed"
    assert table_counts() == before


@pytest.fixture
def out_of_scope():
    customer = make.customer()
    site = make.site(customer)
    covered = make.service(code="PM")
    extra = make.service(code="INSTALL", default_price=Decimal("80.00"))
    contract = make.contract(customer, sites=[site], scope=[(covered, "included")])
    # out of scope: a dispatcher opens it anyway, to be billed once approved
    ticket = make.ticket(site, extra, contract=contract, override="billable")
    work_order = make.work_order(ticket, make.user("technician"))
    make.time_entry(work_order)
    work_order_update(actor=None, work_order=work_order, values={"status": "completed"})
    return work_order


def test_out_of_scope_work_waits_for_a_manager_and_is_billed_once_approved(out_of_scope):
    rating = work_order_rate(actor=None, work_order=out_of_scope, now=NOW)
    assert (rating.total, rating.awaiting_approval) == (Decimal("0.0000"), Decimal("120.0000"))
    line = rating.lines.get()
    assert (line.charge_type, line.approval) == ("needs_approval", "pending")

    dispatcher = make.user("dispatcher")
    before = table_counts()
    with pytest.raises(Forbidden):
        charge_line_decide(actor=dispatcher, line=line, approve=True, reason="customer agreed")
    assert table_counts() == before

    manager = make.user("manager")
    current = charge_line_decide(actor=manager, line=line, approve=True, reason="customer agreed")
    assert current.sequence == 2
    assert lines_of(current) == [
        ("billable", "INSTALL", Decimal("1.500000"), Decimal("80.0000"), Decimal("120.0000"))
    ]
    line.refresh_from_db()
    assert (line.approval, line.decided_by, line.decision_reason) == (
        "approved",
        manager,
        "customer agreed",
    )
    with pytest.raises(NotAwaitingApproval):
        charge_line_decide(actor=manager, line=line, approve=False, reason="changed my mind")


def test_rejected_out_of_scope_work_is_written_off_and_never_billed(out_of_scope):
    rating = work_order_rate(actor=None, work_order=out_of_scope, now=NOW)
    line = rating.lines.get()
    current = charge_line_decide(
        actor=make.user("manager"), line=line, approve=False, reason="goodwill: our mistake"
    )
    line.refresh_from_db()
    assert (current.pk, current.total, line.approval) == (rating.pk, Decimal("0.0000"), "rejected")
    again = work_order_rate(actor=None, work_order=out_of_scope, now=NOW)
    assert again.pk == rating.pk
