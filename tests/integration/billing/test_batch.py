"""Rating many work orders at once (``work_orders_rate``): the same ratings, lines, traces and
ledger as ``work_order_rate`` one by one in the order of the work; balances carried within a
batch; unchanged work skipped; a correction reverses and re-rates; a failure leaves nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction

from pacta.audit.models import AuditEntry
from pacta.billing.errors import WorkOrderNotCompleted
from pacta.billing.models import ChargeLine, Rating
from pacta.billing.services import work_order_rate, work_orders_rate
from pacta.entitlements.models import LedgerEntry
from pacta.service.services import time_entry_update
from tests.support import make
from tests.support.make import at
from tests.support.state import table_counts

pytestmark = pytest.mark.django_db

NOW = at("2026-04-20 12:00")
IN_ORDER_OF_WORK = [
    "visit 3 Mar",
    "repair 4 Mar",
    "repair 5 Mar",
    "visit 10 Mar",
    "visit 17 Mar",
    "visit 24 Mar",
    "visit 2 Apr",
]


class Rollback(Exception):
    pass


def stored(names):
    """Everything rating wrote, by work order name, without the row ids."""
    ratings = {r.pk: (names[r.work_order_id], r.sequence) for r in Rating.objects.all()}
    return {
        "ratings": sorted(
            (
                names[r.work_order_id],
                r.sequence,
                r.contract_version_id,
                r.period_on,
                r.fingerprint,
                r.total,
                r.awaiting_approval,
                r.superseded_at,
            )
            for r in Rating.objects.all()
        ),
        "lines": sorted(
            (
                ratings[line.rating_id],
                line.position,
                line.charge_type,
                line.code,
                line.label,
                line.quantity,
                line.unit,
                line.unit_price,
                line.multiplier,
                line.amount,
                line.tax_rate,
                repr(line.trace),
                repr(line.words),
                line.approval,
            )
            for line in ChargeLine.objects.all()
        ),
        "ledger": sorted(
            (
                row.contract_id,
                row.allowance_code,
                row.site_id,
                row.period_on,
                row.kind,
                row.quantity,
                names.get(row.work_order_id),
                row.reference if row.reference.startswith("period") else "rating",
            )
            for row in LedgerEntry.objects.all()
        ),
        "audit": AuditEntry.objects.filter(entity_type="billing.rating").count(),
    }


def charge_types(work_order):
    rating = Rating.objects.get(work_order=work_order, superseded_at__isnull=True)
    return [
        (line.charge_type, line.code, line.amount) for line in rating.lines.order_by("position")
    ]


def rated_one_by_one_then_undone(month, names):
    """What ``work_order_rate`` stores called for each work order in the order of the work;
    then rolled back, so the batch starts from the same database."""
    try:
        with transaction.atomic():
            for name in IN_ORDER_OF_WORK:
                work_order_rate(actor=None, work_order=month[name], now=NOW)
            raise Rollback(stored(names))
    except Rollback as undone:
        return undone.args[0]


def test_a_batch_stores_what_rating_one_by_one_in_the_order_of_work_stores(month):
    names = {w.pk: name for name, w in month.items()}
    one_by_one = rated_one_by_one_then_undone(month, names)
    assert Rating.objects.count() == 0

    run = work_orders_rate(actor=None, work_orders=list(month.values()), now=NOW, batch=3)
    assert (run.rated, run.unchanged) == (7, 0)
    assert [names[r.work_order_id] for r in run.ratings] == IN_ORDER_OF_WORK
    assert stored(names) == one_by_one
    assert len(one_by_one["lines"]) == 10


def test_the_fourth_visit_of_the_month_is_billable_within_one_batch(month):
    work_orders_rate(actor=None, work_orders=list(month.values()), now=NOW)
    included = [("included", "PM", Decimal("0.0000"))]
    assert charge_types(month["visit 3 Mar"]) == included
    assert charge_types(month["visit 10 Mar"]) == included
    assert charge_types(month["visit 17 Mar"]) == included
    assert charge_types(month["visit 24 Mar"]) == [("billable", "PM", Decimal("120.0000"))]
    assert charge_types(month["visit 2 Apr"]) == included  # a new month, three visits again
    assert charge_types(month["repair 4 Mar"]) == [
        ("travel", "REPAIR", Decimal("27.5000")),
        ("billable", "REPAIR", Decimal("137.5000")),
        ("parts", "FLT-1", Decimal("25.0000")),
    ]
    draws = LedgerEntry.objects.filter(kind="draw").order_by("period_on", "work_order_id")
    assert [(d.period_on.isoformat(), d.quantity) for d in draws] == [
        ("2026-03-01", Decimal("1.000")),
        ("2026-03-01", Decimal("1.000")),
        ("2026-03-01", Decimal("1.000")),
        ("2026-04-01", Decimal("1.000")),
    ]


def test_rating_a_batch_again_writes_nothing(month):
    first = work_orders_rate(actor=None, work_orders=list(month.values()), now=NOW, batch=2)
    before = table_counts()
    again = work_orders_rate(actor=None, work_orders=list(month.values()), now=NOW, batch=2)
    assert (again.rated, again.unchanged) == (0, 7)
    assert [r.pk for r in again.ratings] == [r.pk for r in first.ratings]
    assert table_counts() == before


def test_a_correction_reverses_and_rerates_and_frees_the_visit_for_the_next(month):
    work_orders_rate(actor=None, work_orders=list(month.values()), now=NOW)
    # The visit of 10 March was really a repair call: moved to the 1st of April.
    entry = month["visit 10 Mar"].time_entries.get()
    time_entry_update(
        actor=None,
        time_entry=entry,
        values={"started_at": at("2026-04-01 09:00"), "ended_at": at("2026-04-01 10:00")},
    )
    before = table_counts()
    run = work_orders_rate(
        actor=None, work_orders=list(month.values()), now=NOW, reason="entry corrected"
    )
    assert (run.rated, run.unchanged) == (1, 6)
    old, new = Rating.objects.filter(work_order=month["visit 10 Mar"]).order_by("sequence")
    assert (old.superseded_at, new.sequence, new.superseded_at) == (NOW, 2, None)
    assert (old.period_on.isoformat(), new.period_on.isoformat()) == ("2026-03-01", "2026-04-01")
    assert charge_types(month["visit 10 Mar"]) == [("included", "PM", Decimal("0.0000"))]
    kinds = LedgerEntry.objects.filter(work_order=month["visit 10 Mar"]).order_by("id")
    assert [(k.kind, k.period_on.isoformat()) for k in kinds] == [
        ("draw", "2026-03-01"),
        ("reverse", "2026-03-01"),
        ("draw", "2026-04-01"),
    ]
    after = table_counts()
    assert after["billing.rating"] - before["billing.rating"] == 1
    assert after["entitlements.ledgerentry"] - before["entitlements.ledgerentry"] == 2
    assert after["audit.auditentry"] - before["audit.auditentry"] == 1


def test_a_failure_mid_batch_leaves_nothing_written(month):
    work_orders_rate(actor=None, work_orders=list(month.values()), now=NOW)
    entry = month["visit 3 Mar"].time_entries.get()
    time_entry_update(actor=None, time_entry=entry, values={"ended_at": at("2026-03-03 10:45")})
    # Rated again first (its draw reversed), then the batch meets work still on site, between
    # the visits of 10 and 17 March in the order of the work.
    unfinished = make.work_order(
        month["visit 17 Mar"].ticket,
        scheduled_start_at=at("2026-03-12 09:00"),
        scheduled_end_at=at("2026-03-12 10:00"),
    )
    before = table_counts()
    with pytest.raises(WorkOrderNotCompleted) as refused:
        work_orders_rate(actor=None, work_orders=[*month.values(), unfinished], now=NOW, batch=100)
    assert refused.value.code == "work_order_not_completed"
    assert table_counts() == before
    current = Rating.objects.get(work_order=month["visit 3 Mar"], superseded_at__isnull=True)
    assert current.sequence == 1
