"""The dispatch board in a real Chromium: a row turns at risk as time passes, without reloading."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from pacta.service.services import ticket_open
from tests.browser.conftest import sign_in
from tests.support import make

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROUND_THE_CLOCK = [{"weekday": day, "starts": "00:00", "ends": "24:00"} for day in range(7)]


def _contract(policy):
    customer = make.customer(legal_name="Frigoríficos Norte S.L.")
    site = make.site(customer, name="Cold store", zone_code="MAD-NORTE")
    service = make.service()
    contract = make.contract(
        customer,
        sites=[site],
        scope=[(service, "included")],
        calendar=make.calendar(time_zone="UTC", windows=ROUND_THE_CLOCK),
        sla_policy=policy,
        starts_on=timezone.localdate() - timedelta(days=30),
        ends_on=None,
    )
    return site, service, contract


def _open_now(site, service, contract, subject):
    now = timezone.now()
    values = {
        "site": site,
        "service": service,
        "contract": contract,
        "priority": "critical",
        "channel": "dispatcher",
        "subject": subject,
        "opened_at": now,
    }
    return ticket_open(actor=None, values=values, now=now)


def test_a_ticket_turns_at_risk_as_time_passes_without_reloading(page: Page, settings):
    settings.PACTA_BOARD_REFRESH_SECONDS = 1
    # a 12-second first response: warning once a quarter is used (3 s), critical at half (6 s)
    policy = make.sla_policy(
        {"critical": (timedelta(seconds=12), timedelta(minutes=5))},
        warning_percent=25,
        critical_percent=50,
    )
    site, service, contract = _contract(policy)
    dispatcher = make.user("dispatcher")
    sign_in(page, dispatcher.username, make.PASSWORD)
    page.get_by_test_id("dispatch-board").click()
    expect(page).to_have_url("/dispatch/")

    ticket = _open_now(site, service, contract, "Cold room at 12 °C")
    page.reload()
    row = page.locator(f'tr[data-ticket="{ticket.reference}"]')
    badge = row.get_by_test_id("risk")
    expect(row).to_have_class("risk-ok")
    expect(badge).to_have_text("on track")
    expect(row.locator("td").nth(2)).to_have_text("first response")
    expect(row.locator("td").nth(3)).to_have_text(f"{ticket.reference} · Cold room at 12 °C")
    expect(row.locator("td").nth(4)).to_have_text("Frigoríficos Norte S.L.")
    expect(row.locator("td").nth(6)).to_have_text("MAD-NORTE")
    expect(row.locator("td").nth(7)).to_have_text("critical")
    expect(row.locator("td").nth(8)).to_have_text("—")

    reloads: list[str] = []
    page.on("framenavigated", lambda frame: reloads.append(frame.url))
    expect(row).to_have_class("risk-warning", timeout=15_000)
    expect(badge).to_have_text("warning")
    expect(row).to_have_class("risk-critical", timeout=15_000)
    expect(badge).to_have_text("critical")
    expect(row).to_have_class("risk-breached", timeout=15_000)
    expect(badge).to_have_text("breached")
    expect(row.get_by_test_id("remaining")).to_have_text("−0:01", timeout=5_000)
    assert reloads == []  # the rows changed in place: the page was never reloaded


def test_the_board_reads_on_a_phone(phone: Page):
    site, service, contract = _contract(make.sla_policy())
    ticket = _open_now(site, service, contract, "Freezer alarm")
    dispatcher = make.user("dispatcher")
    sign_in(phone, dispatcher.username, make.PASSWORD)
    phone.goto("/dispatch/")
    row = phone.locator(f'tr[data-ticket="{ticket.reference}"]')
    expect(row.get_by_test_id("risk")).to_have_text("on track")
    expect(row).to_be_visible()
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
