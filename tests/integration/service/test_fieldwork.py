"""The visit on the technician's phone, through the services: the status flow, the checklist
with its safety steps and out-of-scope approvals, the timer, photos, expenses and the customer's
signature. Every refusal names its field and leaves nothing written."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.core import mail
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import transaction
from PIL import Image

from pacta.comms.models import OutboundMessage
from pacta.domain.errors import Forbidden, InvalidInput
from pacta.reports.models import IssuedReport
from pacta.reports.services import work_order_closed
from pacta.service.errors import (
    AlreadySigned,
    ChecklistIncomplete,
    StepAlreadyDecided,
    StepAwaitsApproval,
    StepRejected,
    TimerRefused,
    UploadRefused,
    WorkOrderStatusRefused,
)
from pacta.service.models import ChecklistItem, Expense, Photo, Signature, TimeEntry
from pacta.service.services import part_used_create
from pacta.service.services.fieldwork import (
    UPLOAD_LARGEST,
    checklist_item_tick,
    checklist_step_decide,
    expense_record,
    photo_add,
    signature_record,
    work_order_arrive,
    work_order_complete,
    work_order_decide,
    work_order_depart,
    work_order_timer_start,
    work_order_timer_stop,
)
from tests.support import make
from tests.support.make import at
from tests.support.state import row, table_counts

pytestmark = pytest.mark.django_db

LEAVES = at("2026-03-03 08:30")
ARRIVES = at("2026-03-03 09:00")


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (40, 30)) -> bytes:
    buffer = BytesIO()
    Image.new("RGB", size, (200, 40, 40)).save(buffer, format=fmt)
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def visit():
    customer = make.customer(
        legal_name="Clínica Norte S.L.", language="en", email="ops@clinica.example"
    )
    site = make.site(customer, name="Clínica Norte")
    boiler = make.service(name="Boiler maintenance")
    gas = make.service(name="Gas line work")
    contract = make.contract(customer, sites=[site], scope=[(boiler, "included")])
    make.checklist_step(boiler, position=1, text="Isolate the gas supply", is_safety=True)
    make.checklist_step(boiler, position=2, text="Clean the burner", is_mandatory=True)
    make.checklist_step(boiler, position=3, text="Check the flue")
    make.checklist_step(boiler, position=4, text="Replace the gas line", requires_service=gas)
    technician = make.user("technician", first_name="Ana", last_name="Ruiz")
    manager = make.user("manager")
    ticket = make.ticket(site, boiler, contract=contract, subject="Yearly boiler service")
    work_order = make.work_order(ticket, technician)
    return {
        "customer": customer,
        "technician": technician,
        "manager": manager,
        "work_order": work_order,
        "product": make.product(name="Gasket"),
    }


def refused(error, call, **kwargs):
    counts = table_counts()
    with pytest.raises(error) as refusal:
        call(**kwargs)
    assert table_counts() == counts
    return refusal.value


def items_of(work_order):
    return list(ChecklistItem.objects.filter(work_order=work_order).order_by("position"))


def on_site(visit):
    technician, work_order = visit["technician"], visit["work_order"]
    work_order_depart(actor=technician, work_order=work_order, now=LEAVES)
    return work_order_arrive(actor=technician, work_order=work_order, now=ARRIVES)


def tick_all_in_scope(visit):
    for item in items_of(visit["work_order"]):
        if item.in_scope:
            checklist_item_tick(actor=visit["technician"], item=item, now=ARRIVES)


def test_leaving_builds_the_checklist_and_queues_the_on_the_way_e_mail(visit):
    technician, work_order = visit["technician"], visit["work_order"]

    moved = work_order_depart(actor=technician, work_order=work_order, now=LEAVES)

    assert (moved.status, moved.en_route_at) == ("en_route", LEAVES)
    assert [
        (i.position, i.text, i.is_mandatory, i.is_safety, i.in_scope, i.approval)
        for i in items_of(work_order)
    ] == [
        (1, "Isolate the gas supply", True, True, True, ""),
        (2, "Clean the burner", True, False, True, ""),
        (3, "Check the flue", False, False, True, ""),
        (4, "Replace the gas line", False, False, False, "pending"),
    ]
    pending = items_of(work_order)[3]
    assert (pending.approval_requested_at, pending.approval_requested_by) == (LEAVES, technician)
    (message,) = OutboundMessage.objects.all()
    assert message.to_email == "ops@clinica.example"
    assert message.key == f"work-order:{work_order.pk}:en-route:{LEAVES.isoformat()}"
    assert "Ana Ruiz" in message.body

    # arriving keeps the checklist as it is (built once)
    work_order_arrive(actor=technician, work_order=work_order, now=ARRIVES)
    assert ChecklistItem.objects.filter(work_order=work_order).count() == 4
    assert row(work_order)["status"] == "on_site"
    assert row(work_order)["arrived_at"] == ARRIVES


def test_the_flow_goes_one_step_at_a_time(visit):
    technician, work_order = visit["technician"], visit["work_order"]
    error = refused(
        WorkOrderStatusRefused, work_order_complete, actor=technician, work_order=work_order
    )
    assert error.code == "status_refused"
    assert (
        error.message
        == f"Work order {work_order.reference} is scheduled: it cannot be completed now."
    )
    assert error.fields == {"status": ["Not possible while scheduled."]}
    on_site(visit)
    refused(WorkOrderStatusRefused, work_order_depart, actor=technician, work_order=work_order)
    refused(
        WorkOrderStatusRefused,
        signature_record,
        actor=technician,
        work_order=work_order,
        data=image_bytes(),
        signer_name="Marta Gil",
    )


def test_completion_waits_for_the_safety_steps_and_the_approvals(visit):
    technician, manager, work_order = visit["technician"], visit["manager"], visit["work_order"]
    on_site(visit)
    safety, burner, _flue, gas_line = items_of(work_order)

    error = refused(
        ChecklistIncomplete, work_order_complete, actor=technician, work_order=work_order
    )
    assert error.code == "checklist_incomplete"
    assert error.fields == {
        "checklist": [
            "Safety step “Isolate the gas supply” is not done.",
            "Mandatory step “Clean the burner” is not done.",
            "“Replace the gas line” waits for a manager's approval.",
        ]
    }

    # the out-of-scope step waits: ticking it is refused
    waits = refused(StepAwaitsApproval, checklist_item_tick, actor=technician, item=gas_line)
    assert waits.code == "step_awaits_approval"
    assert (
        waits.message
        == "“Replace the gas line” is outside the contracted scope and waits for approval."
    )

    checklist_item_tick(actor=technician, item=safety, now=ARRIVES + timedelta(minutes=5))
    checklist_item_tick(actor=technician, item=burner, note="Soot removed", now=ARRIVES)
    assert (row(safety)["done_at"], row(safety)["done_by_id"]) == (
        ARRIVES + timedelta(minutes=5),
        technician.pk,
    )
    # unticking and ticking again
    checklist_item_tick(actor=technician, item=burner, done=False)
    assert (row(burner)["done_at"], row(burner)["note"]) == (None, "Soot removed")
    checklist_item_tick(actor=technician, item=burner, now=ARRIVES)

    # only a manager decides; a rejection says why
    refused(Forbidden, checklist_step_decide, actor=technician, item=gas_line, approve=True)
    no_reason = refused(
        InvalidInput, checklist_step_decide, actor=manager, item=gas_line, approve=False
    )
    assert no_reason.fields == {"reason": ["Say why: a reason is required for this change."]}
    decided = checklist_step_decide(
        actor=manager, item=gas_line, approve=True, now=ARRIVES + timedelta(minutes=20)
    )
    assert (decided.approval, decided.decided_by, decided.decided_at) == (
        "approved",
        manager,
        ARRIVES + timedelta(minutes=20),
    )
    refused(StepAlreadyDecided, checklist_step_decide, actor=manager, item=gas_line, approve=True)

    completed = work_order_complete(
        actor=technician, work_order=work_order, now=ARRIVES + timedelta(hours=1)
    )
    assert (completed.status, completed.completed_at) == ("completed", ARRIVES + timedelta(hours=1))


def test_a_rejected_step_is_not_done_and_does_not_block(visit):
    technician, manager, work_order = visit["technician"], visit["manager"], visit["work_order"]
    on_site(visit)
    tick_all_in_scope(visit)
    gas_line = items_of(work_order)[3]
    checklist_step_decide(actor=manager, item=gas_line, approve=False, reason="Quote first")
    assert (row(gas_line)["approval"], row(gas_line)["decision_reason"]) == (
        "rejected",
        "Quote first",
    )
    error = refused(StepRejected, checklist_item_tick, actor=technician, item=gas_line)
    assert error.code == "step_rejected"
    assert work_order_complete(actor=technician, work_order=work_order).status == "completed"


def test_the_timer_becomes_a_time_entry(visit):
    technician, work_order = visit["technician"], visit["work_order"]
    refused(WorkOrderStatusRefused, work_order_timer_start, actor=technician, work_order=work_order)
    on_site(visit)
    not_running = refused(
        TimerRefused, work_order_timer_stop, actor=technician, work_order=work_order
    )
    assert not_running.fields == {"timer": ["Not running."]}

    work_order_timer_start(actor=technician, work_order=work_order, now=ARRIVES)
    assert (row(work_order)["timer_started_at"], row(work_order)["timer_kind"]) == (ARRIVES, "work")
    twice = refused(TimerRefused, work_order_timer_start, actor=technician, work_order=work_order)
    assert twice.message == "The timer already runs since 09:00."
    refused(
        InvalidInput,
        work_order_timer_start,
        actor=technician,
        work_order=work_order,
        kind="lunch",
    )

    work_order_timer_stop(
        actor=technician, work_order=work_order, note="Burner", now=ARRIVES + timedelta(minutes=75)
    )
    (entry,) = TimeEntry.objects.all()
    assert (entry.technician, entry.started_at, entry.ended_at, entry.kind, entry.note) == (
        technician,
        ARRIVES,
        ARRIVES + timedelta(minutes=75),
        "work",
        "Burner",
    )
    assert (row(work_order)["timer_started_at"], row(work_order)["timer_kind"]) == (None, "")

    # a timer running over 24 hours is refused by the time entry's rule, and keeps running
    work_order_timer_start(
        actor=technician, work_order=work_order, now=ARRIVES + timedelta(hours=2)
    )
    too_long = refused(
        InvalidInput,
        work_order_timer_stop,
        actor=technician,
        work_order=work_order,
        now=ARRIVES + timedelta(hours=27),
    )
    assert too_long.fields == {
        "ended_at": ["A time entry covers at most 24 hours; log longer work as several."]
    }
    assert row(work_order)["timer_started_at"] == ARRIVES + timedelta(hours=2)


def test_completing_stops_the_running_timer(visit):
    technician, manager, work_order = visit["technician"], visit["manager"], visit["work_order"]
    on_site(visit)
    tick_all_in_scope(visit)
    checklist_step_decide(actor=manager, item=items_of(work_order)[3], approve=False, reason="No")
    work_order_timer_start(actor=technician, work_order=work_order, now=ARRIVES)
    work_order_complete(actor=technician, work_order=work_order, now=ARRIVES + timedelta(hours=2))
    (entry,) = TimeEntry.objects.all()
    assert (entry.started_at, entry.ended_at) == (ARRIVES, ARRIVES + timedelta(hours=2))
    assert row(work_order)["timer_started_at"] is None


def test_photos_are_checked_by_their_bytes_and_stored(visit, media):
    technician, work_order = visit["technician"], visit["work_order"]
    on_site(visit)
    data = image_bytes("JPEG", (64, 48))

    photo = photo_add(
        actor=technician,
        work_order=work_order,
        data=data,
        filename="burner.JPG",
        kind="before",
        caption="Burner before",
        now=ARRIVES,
    )

    assert (photo.content_type, photo.size_bytes, photo.width, photo.height, photo.kind) == (
        "image/jpeg",
        len(data),
        64,
        48,
        "before",
    )
    assert photo.image.name.startswith(f"work-orders/{work_order.pk}/photos/")
    assert photo.image.name.endswith(".jpg")
    with default_storage.open(photo.image.name, "rb") as stored:
        assert stored.read() == data
    assert (media / photo.image.name).is_file()

    def bad(data, filename="x.png"):
        return refused(
            UploadRefused,
            photo_add,
            actor=technician,
            work_order=work_order,
            data=data,
            filename=filename,
        )

    not_image = bad(b"%PDF-1.4 not a picture", "photo.png")
    assert (not_image.code, not_image.fields) == (
        "upload_refused",
        {"image": ["The file is not an image."]},
    )
    assert bad(image_bytes("GIF")).fields == {
        "image": ["GIF images are not accepted; use JPEG, PNG, WEBP."]
    }
    assert bad(b"").fields == {"image": ["The file is empty."]}
    large = bad(b"\x89PNG" + b"0" * UPLOAD_LARGEST)
    assert large.fields == {"image": ["The file is 8.0 MB; at most 8 MB is accepted."]}
    assert Photo.objects.count() == 1


def test_an_expense_is_money_with_its_receipt(visit):
    technician, work_order = visit["technician"], visit["work_order"]
    on_site(visit)
    receipt = image_bytes("PNG")

    expense = expense_record(
        actor=technician,
        work_order=work_order,
        description=" Parking ",
        amount="4.50",
        receipt=receipt,
        receipt_name="ticket.png",
        incurred_on=date(2026, 3, 3),
        now=ARRIVES,
    )

    assert (expense.description, expense.amount, expense.currency, expense.incurred_on) == (
        "Parking",
        Decimal("4.50"),
        "EUR",
        date(2026, 3, 3),
    )
    assert (expense.receipt.kind, expense.receipt.content_type, expense.receipt.caption) == (
        "receipt",
        "image/png",
        "Parking",
    )

    def bad(**values):
        base = {"actor": technician, "work_order": work_order, "description": "Toll", "amount": "3"}
        return refused(InvalidInput, expense_record, **{**base, **values}).fields

    assert bad(amount="0") == {"amount": ["An expense is more than zero."]}
    assert bad(amount=2.5) == {"amount": ["Give the amount as a number, e.g. 12.50."]}
    assert bad(amount="1.005") == {"amount": ["An amount has at most two decimals."]}
    assert bad(amount="abc", description=" ") == {
        "amount": ["Give the amount as a number, e.g. 12.50."],
        "description": ["Say what the money was spent on."],
    }
    assert bad(receipt=b"not an image") == {"receipt": ["The file is not an image."]}
    assert Expense.objects.count() == 1


def test_a_part_needs_a_quantity_above_zero(visit):
    work_order = visit["work_order"]
    error = refused(
        InvalidInput,
        part_used_create,
        actor=visit["technician"],
        values={"work_order": work_order, "product": visit["product"], "quantity": Decimal("0")},
    )
    assert list(error.fields) == ["quantity"]


def test_the_customer_signs_and_the_work_is_accepted(visit):
    technician, manager, work_order = visit["technician"], visit["manager"], visit["work_order"]
    on_site(visit)
    tick_all_in_scope(visit)
    checklist_step_decide(actor=manager, item=items_of(work_order)[3], approve=False, reason="No")
    work_order_complete(actor=technician, work_order=work_order, now=ARRIVES + timedelta(hours=1))
    drawn = image_bytes("PNG", (300, 120))

    no_name = refused(
        InvalidInput,
        signature_record,
        actor=technician,
        work_order=work_order,
        data=drawn,
        signer_name="  ",
    )
    assert no_name.fields == {"signer_name": ["Write the name of the person who signs."]}
    jpeg = refused(
        UploadRefused,
        signature_record,
        actor=technician,
        work_order=work_order,
        data=image_bytes("JPEG"),
        signer_name="Marta Gil",
    )
    assert jpeg.fields == {"image": ["JPEG images are not accepted; use PNG."]}

    signed_at = ARRIVES + timedelta(hours=1, minutes=5)
    signature = signature_record(
        actor=technician,
        work_order=work_order,
        data=drawn,
        signer_name=" Marta Gil ",
        signed_at=signed_at,
    )
    assert (signature.signer_name, signature.signed_at, signature.recorded_by) == (
        "Marta Gil",
        signed_at,
        technician,
    )
    with default_storage.open(signature.image.name, "rb") as stored:
        assert stored.read() == drawn
    stored = row(work_order)
    assert (
        stored["status"],
        stored["customer_decided_via"],
        stored["customer_decided_at"],
        stored["customer_decided_by_id"],
    ) == ("accepted", "signature", signed_at, None)
    again = refused(
        AlreadySigned,
        signature_record,
        actor=technician,
        work_order=work_order,
        data=drawn,
        signer_name="Marta Gil",
    )
    assert again.code == "already_signed"
    assert Signature.objects.count() == 1


def test_the_customer_disputes_with_a_reason(visit):
    technician, manager, work_order = visit["technician"], visit["manager"], visit["work_order"]
    on_site(visit)
    tick_all_in_scope(visit)
    checklist_step_decide(actor=manager, item=items_of(work_order)[3], approve=False, reason="No")
    work_order_complete(actor=technician, work_order=work_order)
    customer_user = make.user("customer", customer=visit["customer"])
    refused(
        InvalidInput,
        work_order_decide,
        actor=customer_user,
        work_order=work_order,
        accept=False,
        reason=" ",
    )
    disputed = work_order_decide(
        actor=customer_user, work_order=work_order, accept=False, reason="The boiler still leaks"
    )
    assert (disputed.status, disputed.dispute_reason, disputed.customer_decided_by) == (
        "disputed",
        "The boiler still leaks",
        customer_user,
    )


@pytest.mark.django_db(transaction=True)
def test_completing_mails_the_closure_report_once(visit):
    technician, manager, work_order = visit["technician"], visit["manager"], visit["work_order"]
    on_site(visit)
    tick_all_in_scope(visit)
    checklist_step_decide(actor=manager, item=items_of(work_order)[3], approve=False, reason="No")
    with transaction.atomic():
        work_order_complete(actor=technician, work_order=work_order)
        work_order_closed(work_order)
        work_order_closed(work_order)

    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)

    issued = IssuedReport.objects.get()
    assert (issued.kind, issued.work_order_id) == ("closure", work_order.pk)
    closing = [m for m in mail.outbox if m.attachments]
    assert len(closing) == 1
    assert closing[0].to == ["ops@clinica.example"]
    assert closing[0].attachments[0][0] == issued.filename
