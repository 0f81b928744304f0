"""A price-list rule changed mid-month: work before the change is rated with the old rule, work
after it with the new one, and a re-rate notices a rule added for the day of the work."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from pacta.billing.services import work_order_rate
from pacta.contracts.services import surcharge_rule_create
from pacta.service.services import work_order_update
from tests.support import make
from tests.support.make import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def listed():
    repair = make.service(code="REPAIR")
    prices = make.price_list(name="HVAC 2026")
    make.price_list_line(prices, service=repair, unit_price=Decimal("50.00"))
    night = {
        "price_list": prices,
        "name": "night",
        "window_start": "22:00",
        "window_end": "06:00",
    }
    surcharge_rule_create(
        actor=None, values={**night, "multiplier": Decimal("2")}, reason="List rules"
    )
    customer = make.customer()
    site = make.site(customer)
    contract = make.contract(
        customer, sites=[site], scope=[(repair, "billable")], price_list=prices, number="C-9"
    )
    # Made on the 10th: from the 15th on, nights are charged ×2.5.
    surcharge_rule_create(
        actor=None,
        values={**night, "multiplier": Decimal("2.5"), "valid_from": date(2026, 3, 15)},
        reason="Night rate from the 15th",
        now=at("2026-03-10 12:00"),
    )
    technician = make.user("technician")

    def job(start: str, end: str):
        work_order = make.work_order(
            make.ticket(site, repair, contract=contract),
            technician,
            scheduled_start_at=at(start),
            scheduled_end_at=at(end),
        )
        make.time_entry(work_order, started_at=at(start), ended_at=at(end))
        work_order_update(actor=None, work_order=work_order, values={"status": "completed"})
        return work_order

    return {"prices": prices, "job": job}


def lines_of(rating):
    return [
        (line.charge_type, line.quantity, line.multiplier, line.amount, line.trace["surcharges"])
        for line in rating.lines.order_by("position")
    ]


def test_work_of_the_14th_is_rated_with_the_old_rule_and_of_the_16th_with_the_new(listed):
    before = listed["job"]("2026-03-14 21:00", "2026-03-14 23:00")
    after = listed["job"]("2026-03-16 21:00", "2026-03-16 23:00")
    old = work_order_rate(actor=None, work_order=before, now=at("2026-03-17 09:00"))
    new = work_order_rate(actor=None, work_order=after, now=at("2026-03-17 09:00"))
    assert lines_of(old) == [
        ("billable", Decimal("1.000000"), Decimal("1.0000"), Decimal("50.0000"), []),
        ("surcharge", Decimal("1.000000"), Decimal("2.0000"), Decimal("100.0000"), ["night"]),
    ]
    assert lines_of(new) == [
        ("billable", Decimal("1.000000"), Decimal("1.0000"), Decimal("50.0000"), []),
        ("surcharge", Decimal("1.000000"), Decimal("2.5000"), Decimal("125.0000"), ["night"]),
    ]
    assert (old.total, new.total) == (Decimal("150.0000"), Decimal("175.0000"))
    # Rating again with nothing changed gives the same ratings.
    again = work_order_rate(actor=None, work_order=before, now=at("2026-03-18 09:00"))
    assert again.pk == old.pk


def test_a_rule_added_for_the_day_of_rated_work_is_noticed_by_the_re_rate(listed):
    saturday = listed["job"]("2026-03-21 08:00", "2026-03-21 10:00")
    monday = listed["job"]("2026-03-16 08:00", "2026-03-16 10:00")
    first = work_order_rate(actor=None, work_order=saturday, now=at("2026-03-21 11:00"))
    other = work_order_rate(actor=None, work_order=monday, now=at("2026-03-21 11:00"))
    assert first.total == Decimal("100.0000")
    surcharge_rule_create(
        actor=None,
        values={
            "price_list": listed["prices"],
            "name": "weekend",
            "multiplier": Decimal("1.5"),
            "weekdays": ["sat", "sun"],
            "valid_from": date(2026, 3, 21),
        },
        reason="Weekend rate from today",
        now=at("2026-03-21 12:00"),
    )
    second = work_order_rate(actor=None, work_order=saturday, now=at("2026-03-21 13:00"))
    assert (second.sequence, second.total) == (2, Decimal("150.0000"))
    assert lines_of(second) == [
        ("surcharge", Decimal("2.000000"), Decimal("1.5000"), Decimal("150.0000"), ["weekend"]),
    ]
    first.refresh_from_db()
    assert first.superseded_at == at("2026-03-21 13:00")
    # Monday's work is not under the new rule: its rating stands.
    assert work_order_rate(actor=None, work_order=monday, now=at("2026-03-21 13:00")).pk == other.pk
