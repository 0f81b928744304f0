"""`manage.py rate_work_orders` (all, since a date, one contract; a progress line per batch)
and the task that rates a work order once its completion commits."""

from __future__ import annotations

import base64
import uuid
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from pacta.billing.models import Rating
from pacta.billing.services import work_order_rate_after_commit
from tests.integration.service.test_fieldwork import image_bytes
from tests.support import make
from tests.support.make import at
from tests.support.state import table_counts

RATE_TASK = "pacta.billing.tasks.work_orders_rate_task"


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


@pytest.mark.django_db(transaction=True)
def test_a_visit_completed_from_the_phone_is_rated_by_the_worker_once(api, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path  # the closure report's PDF
    customer = make.customer(language="en", email="ops@taller.example")
    site = make.site(customer)
    repair = make.service(code="REPAIR", default_price=Decimal("55.00"))
    contract = make.contract(customer, sites=[site], scope=[(repair, "billable")])
    technician = make.user("technician")
    work_order = make.work_order(make.ticket(site, repair, contract=contract), technician)

    def op(what, at_, **data):
        return {
            "id": str(uuid.uuid4()),
            "work_order": work_order.pk,
            "kind": what,
            "made_at": at(at_).isoformat(),
            "data": data,
        }

    batch = [
        op("depart", "2026-03-03 08:30"),
        op("arrive", "2026-03-03 09:00"),
        op(
            "time_entry",
            "2026-03-03 10:30",
            started_at=at("2026-03-03 09:00").isoformat(),
            ended_at=at("2026-03-03 10:30").isoformat(),
            kind="work",
        ),
        op("complete", "2026-03-03 10:31"),
    ]
    answered = api(technician).post("/sync/", {"operations": batch})
    assert [r["status"] for r in answered.json()["results"]] == [200] * 4, answered.text
    assert Rating.objects.count() == 0  # rated by the worker, not in the request

    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    rating = Rating.objects.get()
    assert (rating.work_order_id, rating.total) == (work_order.pk, Decimal("82.5000"))

    # The customer signs on the phone: accepted, so the rating task runs again (what follows
    # acceptance — a per-job invoice — hangs on it); the rating itself is unchanged.
    signed = [
        op(
            "signature",
            "2026-03-03 10:35",
            image=base64.b64encode(image_bytes()).decode(),
            signer_name="Luis Vega",
        )
    ]
    answered = api(technician).post("/sync/", {"operations": signed})
    assert answered.json()["results"][0]["result"]["status"] == "accepted", answered.text
    queued = DBTaskResult.objects.filter(task_path=RATE_TASK, status="READY")
    assert [task.args_kwargs["args"] for task in queued] == [[[work_order.pk]]]
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    assert list(Rating.objects.values_list("pk", flat=True)) == [rating.pk]
    assert not DBTaskResult.objects.filter(task_path=RATE_TASK, status="READY").exists()


def _repair_visit(technician):
    """A billable repair at 55.00 an hour, scheduled on 3 March, with 1.5 h of work logged."""
    customer = make.customer(language="en", email="ops@taller.example")
    site = make.site(customer)
    repair = make.service(code="REPAIR", default_price=Decimal("55.00"))
    contract = make.contract(customer, sites=[site], scope=[(repair, "billable")])
    work_order = make.work_order(make.ticket(site, repair, contract=contract), technician)
    entry = make.time_entry(work_order)
    return work_order, entry


def _work():
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)


@pytest.mark.django_db(transaction=True)
def test_a_completion_set_through_the_records_api_is_rated_and_a_correction_rates_it_again(api):
    technician, dispatcher = make.user("technician"), make.user("dispatcher")
    work_order, entry = _repair_visit(technician)
    office = api(dispatcher)

    answered = office.patch(f"/work-orders/{work_order.pk}/", {"notes": "parts on order"})
    assert answered.status_code == 200, answered.text
    _work()
    assert Rating.objects.count() == 0  # not completed: nothing to rate

    answered = office.patch(f"/work-orders/{work_order.pk}/", {"status": "completed"})
    assert answered.status_code == 200, answered.text
    assert Rating.objects.count() == 0  # rated by the worker, after commit
    _work()
    first = Rating.objects.get()
    assert (first.work_order_id, first.sequence, first.total) == (
        work_order.pk,
        1,
        Decimal("82.5000"),
    )

    # The time was wrong: two hours, not one and a half. The rating follows the correction.
    answered = office.patch(
        f"/time-entries/{entry.pk}/",
        {"ended_at": at("2026-03-03 11:00").isoformat(), "reason": "the sheet said 11:00"},
    )
    assert answered.status_code == 200, answered.text
    _work()
    ratings = [
        (r.sequence, r.total, r.superseded_at is None) for r in Rating.objects.order_by("sequence")
    ]
    assert ratings == [(1, Decimal("82.5000"), False), (2, Decimal("110.0000"), True)]

    # A part of the catalogue added afterwards rates it a third time; deleting it, a fourth.
    part = make.product(sku="FILTER-1", price=Decimal("12.00"))
    answered = office.post(
        "/parts-used/", {"work_order": work_order.pk, "product": part.pk, "quantity": "2"}
    )
    assert answered.status_code == 201, answered.text
    _work()
    assert Rating.objects.get(superseded_at=None).total == Decimal("134.0000")
    assert office.delete(f"/parts-used/{answered.json()['id']}/").status_code == 204
    _work()
    current = Rating.objects.get(superseded_at=None)
    assert (current.sequence, current.total) == (4, Decimal("110.0000"))

    before = table_counts()
    _work()  # nothing queued, nothing changed
    assert table_counts() == before


@pytest.mark.django_db(transaction=True)
def test_time_corrected_in_the_back_office_rates_the_completed_work_order_again():
    from django.test import Client
    from django.urls import reverse

    from pacta.service.services import work_order_update

    technician = make.user("technician")
    work_order, entry = _repair_visit(technician)
    work_order_update(actor=None, work_order=work_order, values={"status": "completed"})
    call_command("rate_work_orders", stdout=StringIO())
    assert Rating.objects.get().total == Decimal("82.5000")

    client = Client()
    client.force_login(make.user("manager"))
    form = {  # Madrid time, as the back office shows it: 10:00–12:00 = 2 h
        "work_order": work_order.pk,
        "technician": technician.pk,
        "kind": "work",
        "started_at_0": "2026-03-03",
        "started_at_1": "10:00:00",
        "ended_at_0": "2026-03-03",
        "ended_at_1": "12:00:00",
        "note": "",
        "reason": "the sheet said two hours",
    }
    url = reverse("admin:service_timeentry_change", args=[entry.pk])
    response = client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    _work()
    ratings = [
        (r.sequence, r.total, r.superseded_at is None) for r in Rating.objects.order_by("sequence")
    ]
    assert ratings == [(1, Decimal("82.5000"), False), (2, Decimal("110.0000"), True)]
