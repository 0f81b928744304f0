"""The technician's phone (390 × 844): a job run without signal — status, checklist, timer, a
part, a photo, an expense with its receipt, the customer's signature — queued on the phone, then
sent when back online; the first answer is lost on the way, the phone sends again, and the
server has exactly one copy of each. The service worker opens the job in hand without signal.
A manager approves a step outside the contracted scope with one tap, and rejects one from the
e-mail's signed link."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import Page, Route, expect

from pacta.comms.models import OutboundMessage
from pacta.service.models import (
    ChecklistItem,
    Expense,
    PartUsed,
    Photo,
    Signature,
    SyncOperation,
    TimeEntry,
    WorkOrder,
)
from pacta.service.services.fieldwork import (
    checklist_item_approval_token,
    work_order_arrive,
)
from tests.browser.conftest import sign_in
from tests.integration.service.test_field_pages import job_today
from tests.integration.service.test_fieldwork import image_bytes
from tests.support import make

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def job():
    customer = make.customer(
        legal_name="Talleres Vega S.L.", language="en", email="taller@vega.example"
    )
    site = make.site(customer, name="Taller Vega", access_notes="Ring at the side gate")
    service = make.service(name="Compressor service")
    contract = make.contract(customer, sites=[site], scope=[(service, "included")])
    make.checklist_step(service, position=1, text="Lock out the power", is_safety=True)
    make.checklist_step(service, position=2, text="Drain the tank")
    technician = make.user("technician", first_name="Luis", last_name="Vega")
    work_order = job_today(
        site, service, technician, contract=contract, subject="Compressor overheats"
    )
    return {
        "technician": technician,
        "work_order": work_order,
        "product": make.product(name="Oil filter", sku="OF-10"),
    }


def _sign(page: Page) -> None:
    pad = page.locator("#signature-pad")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    assert box is not None
    x, y = box["x"], box["y"]
    page.mouse.move(x + 20, y + 30)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(x + 20 + step * 25, y + 30 + (step % 3) * 20)
    page.mouse.up()


def test_a_job_run_without_signal_reaches_the_server_once(phone: Page, job):
    work_order = job["work_order"]
    sign_in(phone, job["technician"].username, make.PASSWORD)
    phone.goto("/field/")
    phone.get_by_role("link", name="Talleres Vega S.L.").click()
    expect(phone.get_by_test_id("access-notes")).to_have_text("Access: Ring at the side gate")
    expect(phone.get_by_test_id("coverage")).to_contain_text(
        "This job is included in the contract fee: nothing to bill."
    )

    phone.context.set_offline(True)
    phone.get_by_role("button", name="On my way").tap()
    phone.get_by_role("button", name="On site").tap()
    phone.get_by_label("Lock out the power").check()
    phone.get_by_label("Drain the tank").check()
    phone.get_by_role("button", name="Start").tap()
    phone.wait_for_timeout(300)
    phone.get_by_role("button", name="Stop").tap()
    phone.select_option("#part-product", label="Oil filter (OF-10)")
    phone.fill("#part-quantity", "2")
    phone.get_by_role("button", name="Add part").tap()
    phone.set_input_files(
        "#photo-file",
        files=[{"name": "after.png", "mimeType": "image/png", "buffer": image_bytes("PNG")}],
    )
    phone.select_option("#photo-kind", "after")
    phone.get_by_role("button", name="Add photo").tap()
    phone.fill("#expense-description", "Parking")
    phone.fill("#expense-amount", "3,50")
    phone.set_input_files(
        "#expense-receipt",
        files=[{"name": "r.jpg", "mimeType": "image/jpeg", "buffer": image_bytes("JPEG")}],
    )
    phone.get_by_role("button", name="Add expense").tap()
    phone.get_by_role("button", name="Work complete").tap()
    _sign(phone)
    phone.fill("#signer-name", "Marta Gil")
    phone.get_by_role("button", name="Accept and sign").tap()

    expect(phone.get_by_test_id("queue")).to_have_attribute("data-count", "11")
    expect(phone.get_by_test_id("signed")).to_have_text("Signed by Marta Gil")
    assert WorkOrder.objects.get(pk=work_order.pk).status == "scheduled"  # nothing sent yet
    assert SyncOperation.objects.count() == 0

    # back online: the server applies the batch, but its answer never reaches the phone
    lost: list[int] = []

    def lose_the_first_answer(route: Route) -> None:
        if not lost:
            route.fetch()  # the server receives and applies it
            lost.append(1)
            route.abort()
        else:
            route.continue_()

    phone.route("**/api/v1/sync/", lose_the_first_answer)
    phone.context.set_offline(False)
    expect(phone.get_by_test_id("queue")).to_have_attribute("data-last-send", "failed")
    expect(phone.get_by_test_id("queue")).to_have_attribute("data-count", "11")
    phone.get_by_role("button", name="Send now").tap()  # the phone sends the same batch again

    expect(phone.get_by_test_id("status")).to_have_text("accepted by the customer")
    expect(phone.get_by_test_id("queue")).to_have_text("Everything is sent.")
    assert lost == [1]
    stored = WorkOrder.objects.get(pk=work_order.pk)
    assert stored.status == "accepted"
    assert SyncOperation.objects.count() == 11
    assert all(op.status == 200 for op in SyncOperation.objects.all())
    items = ChecklistItem.objects.filter(work_order=work_order).order_by("position")
    assert [(i.text, i.done_at is not None) for i in items] == [
        ("Lock out the power", True),
        ("Drain the tank", True),
    ]
    assert TimeEntry.objects.filter(work_order=work_order).count() == 1
    assert [(p.product.name, p.quantity) for p in PartUsed.objects.all()] == [
        ("Oil filter", Decimal("2.000"))
    ]
    photo, receipt = Photo.objects.order_by("kind")
    assert (photo.kind, photo.content_type) == ("after", "image/png")
    (expense,) = Expense.objects.all()
    assert (expense.description, expense.amount, expense.receipt) == (
        "Parking",
        Decimal("3.50"),
        receipt,
    )
    assert (receipt.kind, receipt.content_type) == ("receipt", "image/jpeg")
    (signature,) = Signature.objects.all()
    assert signature.signer_name == "Marta Gil"
    with signature.image.open("rb") as drawn:
        assert drawn.read(8) == b"\x89PNG\r\n\x1a\n"
    assert OutboundMessage.objects.filter(key__contains="en-route").count() == 1
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390


def test_the_job_in_hand_opens_without_signal(phone: Page, job):
    sign_in(phone, job["technician"].username, make.PASSWORD)
    phone.goto(f"/field/jobs/{job['work_order'].pk}/")
    # the worker installs and takes the page over (clients.claim)
    phone.wait_for_function("() => !!navigator.serviceWorker.controller")
    phone.reload()  # now through the worker, which keeps the page
    phone.context.set_offline(True)
    phone.reload()
    expect(phone.get_by_test_id("customer")).to_have_text("Talleres Vega S.L.")
    expect(phone.get_by_role("button", name="On my way")).to_be_visible()


def test_a_manager_approves_with_one_tap_and_rejects_from_the_link(phone: Page):
    customer = make.customer(language="en")
    site = make.site(customer)
    boiler, gas = make.service(name="Boiler service"), make.service(name="Gas line work")
    contract = make.contract(customer, sites=[site], scope=[(boiler, "included")])
    make.checklist_step(boiler, position=1, text="Replace the gas valve", requires_service=gas)
    make.checklist_step(boiler, position=2, text="Reroute the flue", requires_service=gas)
    technician = make.user("technician", first_name="Ana")
    work_order = make.work_order(make.ticket(site, boiler, contract=contract), technician)
    work_order_arrive(actor=technician, work_order=work_order)
    valve, flue = ChecklistItem.objects.filter(work_order=work_order).order_by("position")
    manager = make.user("manager")
    sign_in(phone, manager.username, make.PASSWORD)

    phone.goto("/field/approvals/")
    card = phone.get_by_test_id(f"approval-{valve.pk}")
    expect(card).to_contain_text("Work of Gas line work, which the contract does not cover.")
    card.get_by_role("button", name="Approve").tap()

    expect(phone.get_by_role("status")).to_have_text("Approved: Replace the gas valve")
    expect(phone.get_by_test_id(f"approval-{valve.pk}")).to_have_count(0)
    valve.refresh_from_db()
    assert (valve.approval, valve.decided_by_id) == ("approved", manager.pk)

    phone.goto(f"/field/approvals/{checklist_item_approval_token(flue)}/")
    card = phone.get_by_test_id(f"approval-{flue.pk}")
    card.get_by_text("Reject…").tap()
    card.get_by_role("button", name="Reject").tap()
    expect(card.get_by_role("alert")).to_have_text("Say why: a reason is required for this change.")
    phone.fill(f"#reason-{flue.pk}", "Needs a quote")
    phone.get_by_test_id(f"approval-{flue.pk}").get_by_role("button", name="Reject").tap()
    expect(phone.get_by_test_id("nothing-pending")).to_be_visible()
    flue.refresh_from_db()
    assert (flue.approval, flue.decision_reason) == ("rejected", "Needs a quote")
    phone.goto(f"/field/approvals/{checklist_item_approval_token(flue)}/")
    expect(phone.get_by_test_id("decided")).to_have_text("Already decided: rejected.")
    assert phone.goto("/field/approvals/forged-token/").status == 404
