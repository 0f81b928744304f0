"""`manage.py rate_work_orders` (all, since a date, one contract; a progress line per batch)
and the task that rates a work order once its completion commits."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from pacta.billing.models import Rating
from pacta.billing.services import work_order_rate_after_commit
from tests.support.state import table_counts


def rate(*args):
    out = StringIO()
    call_command("rate_work_orders", *args, stdout=out)
    return out.getvalue().splitlines()


@pytest.mark.django_db
def test_the_command_rates_every_completed_work_order_then_skips_them(month):
    assert rate("--batch", "4") == [
        "4 / 7 work orders: 4 rated, 0 unchanged",
        "7 / 7 work orders: 7 rated, 0 unchanged",
        "Rated 7 work orders; 0 were unchanged.",
    ]
    before = table_counts()
    assert rate()[-1] == "Rated 0 work orders; 7 were unchanged."
    assert table_counts() == before


@pytest.mark.django_db
def test_the_command_rates_one_contract_or_the_work_since_a_day(month):
    other = month["repair 5 Mar"]
    assert rate("--contract", str(other.ticket.contract_id))[-1] == (
        "Rated 1 work orders; 0 were unchanged."
    )
    assert list(Rating.objects.values_list("work_order", flat=True)) == [other.pk]
    assert rate("--since", "2026-03-20")[-1] == "Rated 2 work orders; 0 were unchanged."
    assert set(Rating.objects.values_list("work_order", flat=True)) == {
        other.pk,
        month["visit 24 Mar"].pk,
        month["visit 2 Apr"].pk,
    }


@pytest.mark.django_db
def test_the_command_refuses_a_day_it_cannot_read_and_writes_nothing(month):
    before = table_counts()
    with pytest.raises(CommandError, match="--since takes a date"):
        rate("--since", "20 March")
    assert table_counts() == before


@pytest.mark.django_db(transaction=True)
def test_completing_queues_the_rating_after_commit_and_the_worker_rates_it_once(month):
    visit = month["visit 3 Mar"]
    with transaction.atomic():
        work_order_rate_after_commit(visit)
        work_order_rate_after_commit(visit)  # called twice: still one rating
        assert Rating.objects.count() == 0
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    rating = Rating.objects.get()
    assert (rating.work_order_id, rating.sequence) == (visit.pk, 1)

    with transaction.atomic():
        work_order_rate_after_commit(visit)
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    assert list(Rating.objects.values_list("pk", flat=True)) == [rating.pk]
