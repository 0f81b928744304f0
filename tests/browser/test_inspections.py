"""A technician on a phone (390 × 844) inspects a fire extinguisher: starts the inspection,
types the pressure, taps the seal's verdict, and finishes; the readings are stored once."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from pacta.service.models import Inspection, InspectionReading
from tests.browser.conftest import sign_in
from tests.integration.service.test_inspections import extinguisher_template
from tests.support import make

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_technician_reads_an_extinguisher_on_the_phone(phone: Page):
    customer = make.customer(language="en")
    site = make.site(customer, name="Hotel Mirador")
    service = make.service(name="Fire safety check")
    contract = make.contract(customer, sites=[site], scope=[(service, "included")])
    unit = make.equipment(site, manufacturer="Ansul", model="PS6", serial_number="EX-0042", name="")
    technician = make.user("technician", first_name="Pierre")
    work_order = make.work_order(make.ticket(site, service, contract=contract), technician)
    _template, pressure, seal = extinguisher_template(service)
    sign_in(phone, technician.username, make.PASSWORD)

    phone.goto(f"/inspections/work-orders/{work_order.pk}/")
    phone.select_option("#equipment", label=str(unit))
    phone.get_by_role("button", name="Start").click()

    expect(phone.get_by_role("heading", level=1)).to_have_text("Fire extinguisher (6 kg powder)")
    phone.fill(f"#value-{pressure.pk}", "13,5")
    # the finish button is within the thumb's reach: the form's actions stick to the bottom
    phone.get_by_role("button", name="Save and finish").click()
    expect(phone.get_by_role("alert")).to_have_text(
        "Read every parameter before finishing; missing: Seal intact."
    )
    expect(phone.get_by_test_id("parameter-1").locator(".outcome")).to_have_text("pass")

    phone.get_by_test_id("parameter-2").get_by_text("pass").tap()
    phone.fill(f"#note-{seal.pk}", "New seal fitted")
    phone.get_by_role("button", name="Save and finish").click()

    expect(phone.get_by_test_id("result")).to_have_text("Finished: pass")
    inspection = Inspection.objects.get()
    assert (inspection.result, inspection.equipment_id, inspection.completed_by_id) == (
        "pass",
        unit.pk,
        technician.pk,
    )
    readings = InspectionReading.objects.order_by("parameter__position")
    assert [(r.value, r.passed, r.note) for r in readings] == [
        (Decimal("13.5000"), True, ""),
        (None, True, "New seal fitted"),
    ]
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390  # nothing wider than the screen
