"""POST /api/v1/sync/ over real HTTP: the phone's batch of operations applied once each, in
order; a retried batch answers the same and writes nothing twice; a refused operation is
reported and the others still apply."""

from __future__ import annotations

import base64
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command

from pacta.reports.models import IssuedReport
from pacta.service.models import (
    ChecklistItem,
    Expense,
    PartUsed,
    Photo,
    Signature,
    SyncOperation,
    TimeEntry,
)
from tests.integration.service.test_fieldwork import image_bytes
from tests.support import make
from tests.support.make import at
from tests.support.state import row, table_counts

pytestmark = pytest.mark.django_db(transaction=True)

LEAVES = at("2026-03-03 08:30")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def job():
    customer = make.customer(language="en", email="ops@taller.example")
    site = make.site(customer)
    service = make.service(name="Compressor service")
    contract = make.contract(customer, sites=[site], scope=[(service, "included")])
    make.checklist_step(service, position=1, text="Lock out the power", is_safety=True)
    make.checklist_step(service, position=2, text="Drain the tank")
    technician = make.user("technician")
    work_order = make.work_order(make.ticket(site, service, contract=contract), technician)
    return {
        "technician": technician,
        "work_order": work_order,
        "product": make.product(name="Oil filter"),
    }


def op(work_order, what, minutes, **data):
    return {
        "id": str(uuid.uuid4()),
        "work_order": work_order.pk,
        "kind": what,
        "made_at": (LEAVES + timedelta(minutes=minutes)).isoformat(),
        "data": data,
    }


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_a_visit_recorded_offline_syncs_once_however_often_it_is_sent(api, job):
    work_order, technician = job["work_order"], job["technician"]
    client = api(technician)
    first = [op(work_order, "depart", 0), op(work_order, "arrive", 30)]
    answered = client.post("/sync/", {"operations": first})
    assert answered.status_code == 200, answered.text
    assert [(r["status"], r["result"], r["replayed"]) for r in answered.json()["results"]] == [
        (200, {"work_order": work_order.pk, "status": "en_route"}, False),
        (200, {"work_order": work_order.pk, "status": "on_site"}, False),
    ]
    safety, drain = ChecklistItem.objects.filter(work_order=work_order).order_by("position")

    signature = "data:image/png;base64," + b64(image_bytes("PNG", (200, 80)))
    batch = [
        op(work_order, "checklist_tick", 31, item=safety.pk),
        op(work_order, "checklist_tick", 32, item=drain.pk, note="Water drained"),
        op(work_order, "timer_start", 33),
        op(work_order, "part", 40, product=job["product"].pk, quantity="2"),
        op(work_order, "photo", 41, image=b64(image_bytes("JPEG")), kind="after", filename="a.jpg"),
        op(
            work_order,
            "expense",
            42,
            description="Parking",
            amount="3.20",
            receipt=b64(image_bytes()),
        ),
        op(work_order, "timer_stop", 93),
        op(
            work_order,
            "time_entry",
            94,
            started_at=(LEAVES).isoformat(),
            ended_at=(LEAVES + timedelta(minutes=30)).isoformat(),
            kind="travel",
        ),
        op(work_order, "complete", 95),
        op(work_order, "signature", 96, image=signature, signer_name="Luis Vega"),
    ]

    answered = client.post("/sync/", {"operations": batch})

    assert answered.status_code == 200, answered.text
    results = answered.json()["results"]
    assert [r["id"] for r in results] == [o["id"] for o in batch]
    assert [r["status"] for r in results] == [200] * 10, results
    part, photo = PartUsed.objects.get(), Photo.objects.get(kind="after")
    expense, signed = Expense.objects.get(), Signature.objects.get()
    assert results[3]["result"] == {"part_used": part.pk}
    assert results[4]["result"] == {"photo": photo.pk}
    assert results[5]["result"] == {"expense": expense.pk, "receipt": expense.receipt_id}
    assert results[9]["result"] == {"signature": signed.pk, "status": "accepted"}
    work = TimeEntry.objects.get(kind="work")
    assert (work.started_at, work.ended_at) == (
        LEAVES + timedelta(minutes=33),
        LEAVES + timedelta(minutes=93),
    )
    assert results[6]["result"] == {"time_entry": work.pk}
    assert (part.quantity, expense.amount, signed.signer_name) == (
        Decimal("2.000"),
        Decimal("3.20"),
        "Luis Vega",
    )
    assert row(safety)["done_at"] == LEAVES + timedelta(minutes=31)
    assert row(drain)["note"] == "Water drained"
    stored = row(work_order)
    assert (stored["status"], stored["completed_at"]) == (
        "accepted",
        LEAVES + timedelta(minutes=95),
    )

    # the phone did not hear the answer and sends the same batch again: same answers, no copies
    counts = table_counts()
    again = client.post("/sync/", {"operations": first + batch})
    assert again.status_code == 200
    assert [(r["status"], r["result"]) for r in again.json()["results"][2:]] == [
        (r["status"], r["result"]) for r in results
    ]
    assert all(r["replayed"] for r in again.json()["results"])
    assert table_counts() == counts
    assert SyncOperation.objects.count() == 12
    assert (PartUsed.objects.count(), Photo.objects.count(), TimeEntry.objects.count()) == (1, 2, 2)

    # the closure report is issued once, after commit
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    assert IssuedReport.objects.filter(work_order=work_order, kind="closure").count() == 1


def test_a_refused_operation_is_reported_and_the_others_apply(api, job):
    work_order, technician = job["work_order"], job["technician"]
    client = api(technician)
    client.post("/sync/", {"operations": [op(work_order, "arrive", 0)]})
    safety = ChecklistItem.objects.get(work_order=work_order, position=1)
    batch = [
        op(work_order, "complete", 1),  # the safety step is not done yet
        op(work_order, "part", 2, product=job["product"].pk, quantity="0"),
        op(work_order, "photo", 3, image=b64(b"%PDF-1.4")),
        op(work_order, "signature", 4, image=b64(image_bytes()), signer_name=""),
        op(work_order, "checklist_tick", 5, item=safety.pk),
        op(work_order, "part", 6, product=job["product"].pk, quantity="1.5"),
    ]

    results = client.post("/sync/", {"operations": batch}).json()["results"]

    assert [(r["status"], r["result"].get("code")) for r in results] == [
        (400, "checklist_incomplete"),
        (400, "invalid"),
        (400, "upload_refused"),
        (400, "invalid"),
        (200, None),
        (200, None),
    ]
    assert results[0]["result"]["fields"] == {
        "checklist": ["Safety step “Lock out the power” is not done."]
    }
    assert list(results[1]["result"]["fields"]) == ["quantity"]
    assert results[2]["result"]["fields"] == {"image": ["The file is not an image."]}
    assert results[3]["result"]["fields"] == {
        "signer_name": ["Write the name of the person who signs."]
    }
    assert PartUsed.objects.get().quantity == Decimal("1.500")
    assert row(work_order)["status"] == "on_site"
    # a refusal is answered the same on a retry, and still writes nothing
    counts = table_counts()
    again = client.post("/sync/", {"operations": batch[:1]}).json()["results"]
    assert (again[0]["status"], again[0]["result"], again[0]["replayed"]) == (
        400,
        results[0]["result"],
        True,
    )
    assert table_counts() == counts


def test_bad_operations_name_their_field_and_others_work_orders_are_not_found(api, job):
    work_order, technician = job["work_order"], job["technician"]
    other = make.work_order(work_order.ticket, make.user("technician"))
    client = api(technician)

    empty = client.post("/sync/", {"operations": []})
    assert empty.status_code == 400
    assert empty.json()["code"] == "invalid"
    counts = table_counts()
    results = client.post(
        "/sync/",
        {
            "operations": [
                op(other, "arrive", 0),
                op(work_order, "checklist_tick", 1, item="x"),
                op(work_order, "photo", 2, image="***"),
                {**op(work_order, "arrive", 3), "made_at": "2099-01-01T00:00:00Z"},
            ]
        },
    ).json()["results"]
    assert [(r["status"], r["result"]["code"]) for r in results] == [
        (404, "not_found"),
        (400, "invalid"),
        (400, "invalid"),
        (400, "invalid"),
    ]
    assert results[1]["result"]["fields"] == {"item": ["A valid integer is required."]}
    assert results[2]["result"]["fields"] == {"image": ["Send the image as base64."]}
    assert results[3]["result"]["fields"] == {"made_at": ["This operation is dated in the future."]}
    assert table_counts() == counts

    # a customer may not record a visit; nobody replays another user's operation
    customer_user = make.user("customer", customer=work_order.ticket.customer)
    done = op(work_order, "arrive", 0)
    assert client.post("/sync/", {"operations": [done]}).json()["results"][0]["status"] == 200
    refused = api(customer_user).post("/sync/", {"operations": [op(work_order, "depart", 1)]})
    assert refused.json()["results"][0]["status"] == 403
    manager = make.user("manager")
    taken = api(manager).post("/sync/", {"operations": [done]}).json()["results"][0]
    assert (taken["status"], taken["result"]["code"]) == (409, "operation_id_taken")
    assert api().post("/sync/", {"operations": [done]}).status_code == 401
