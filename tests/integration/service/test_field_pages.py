"""The phone's pages over real HTTP: today's jobs, a job with its coverage in plain words and
its equipment's history, the PWA's manifest and worker; the approval e-mail a waiting step
sends the managers, whose signed link opens the one-tap page (managers only)."""

from __future__ import annotations

import json
import re
import uuid

import httpx
import pytest
from django.core.management import call_command
from django.utils import timezone

from pacta.billing.models import Rating
from pacta.comms.models import OutboundMessage
from pacta.service.models import ChecklistItem
from pacta.service.services.fieldwork import checklist_item_of_token, checklist_step_decide
from tests.support import make
from tests.support.html import by_id, parse, text

pytestmark = pytest.mark.django_db(transaction=True)


def browser_for(live_server, user) -> httpx.Client:
    client = httpx.Client(base_url=live_server.url, timeout=30, follow_redirects=False)
    login = client.get("/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text).group(1)
    signed_in = client.post(
        "/login/",
        data={"username": user.username, "password": make.PASSWORD, "csrfmiddlewaretoken": token},
    )
    assert signed_in.status_code == 302, signed_in.text
    return client


def job_today(site, service, technician, **ticket_values):
    """A work order for ``technician`` starting now (one of today's jobs), of a ticket opened an
    hour ago."""
    now = timezone.now()
    hour = timezone.timedelta(hours=1)
    ticket = make.ticket(site, service, opened_at=now - hour, **ticket_values)
    return make.work_order(ticket, technician, scheduled_start_at=now, scheduled_end_at=now + hour)


@pytest.fixture
def job():
    customer = make.customer(legal_name="Hotel Sol S.A.", language="en", email="ops@sol.example")
    site = make.site(customer, name="Hotel Sol", access_notes="Keys at the front desk")
    hvac, plumbing, gas = (
        make.service(name="HVAC service"),
        make.service(name="Plumbing"),
        make.service(name="Gas line work"),
    )
    contract = make.contract(
        customer, sites=[site], scope=[(hvac, "included"), (plumbing, "billable")]
    )
    make.checklist_step(hvac, position=1, text="Isolate the unit", is_safety=True)
    make.checklist_step(hvac, position=2, text="Replace the gas valve", requires_service=gas)
    unit = make.equipment(site, manufacturer="Daikin", model="FTX", serial_number="D-77", name="")
    earlier = make.ticket(site, hvac, contract=contract, equipment=unit, subject="Noisy fan")
    technician = make.user("technician", first_name="Ana", last_name="Ruiz")
    make.work_order(earlier, technician)  # the history the technician may read: its own visits
    unseen = make.ticket(site, hvac, contract=contract, equipment=unit, subject="Leaking tray")
    make.work_order(unseen, make.user("technician"))
    work_order = job_today(
        site, hvac, technician, contract=contract, equipment=unit, subject="No cooling"
    )
    return {
        "technician": technician,
        "work_order": work_order,
        "earlier": earlier,
        "unit": unit,
    }


def test_the_technician_sees_todays_jobs_and_a_job_in_plain_words(live_server, job):
    client = browser_for(live_server, job["technician"])
    jobs = client.get("/field/")
    assert jobs.status_code == 200
    assert f'href="/field/jobs/{job["work_order"].pk}/"' in jobs.text
    assert "Hotel Sol S.A." in jobs.text

    page = parse(client.get(f"/field/jobs/{job['work_order'].pk}/").text)
    coverage = text(page.find(".//*[@data-testid='coverage']"))
    assert "This job is included in the contract fee: nothing to bill." in coverage
    assert "Included: HVAC service" in coverage
    assert "Billable: Plumbing" in coverage
    assert text(page.find(".//*[@data-testid='access-notes']")) == "Access: Keys at the front desk"
    history = [text(li) for li in page.findall(".//*[@data-testid='equipment']//li")]
    assert history == ["03/02/2026 · Noisy fan (HVAC service)"]  # 2 March, as English writes it
    steps = page.findall(".//*[@data-testid='checklist']//input")
    assert [s.get("data-position") for s in steps] == ["1", "2"]
    data = json.loads(text(by_id(page, "field-job")))
    assert data == {
        "id": job["work_order"].pk,
        "status": "scheduled",
        "timer_started_at": None,
        "sync_url": "/api/v1/sync/",
    }

    # another technician's job is not found; a manager is not a decider of jobs' pages
    other = browser_for(live_server, make.user("technician"))
    assert other.get(f"/field/jobs/{job['work_order'].pk}/").status_code == 404
    assert client.get("/field/approvals/").status_code == 403


def test_the_phone_app_is_installable_and_its_worker_keeps_the_field_pages(live_server, job):
    client = httpx.Client(base_url=live_server.url, timeout=30)
    manifest = client.get("/field/manifest.webmanifest")
    assert manifest.headers["content-type"] == "application/manifest+json"
    assert {k: manifest.json()[k] for k in ("start_url", "scope", "display")} == {
        "start_url": "/field/",
        "scope": "/field/",
        "display": "standalone",
    }
    worker = client.get("/field/sw.js")
    assert worker.headers["content-type"].startswith("text/javascript")
    assert worker.headers["service-worker-allowed"] == "/field/"
    assert '["/static/field/field.js", "/static/field/field.css"' in worker.text
    assert client.get("/static/field/field.js").status_code == 200


def test_a_waiting_step_e_mails_the_managers_a_signed_one_tap_link(live_server, api, job):
    manager = make.user("manager", email="boss@pacta.example", language="es")
    make.user("manager", email="", username="no-mail-manager")
    work_order = job["work_order"]
    operation = {
        "id": str(uuid.uuid4()),
        "work_order": work_order.pk,
        "kind": "arrive",
        "made_at": timezone.now().isoformat(),
    }
    client = api(job["technician"])
    assert client.post("/sync/", {"operations": [operation]}).json()["results"][0]["status"] == 200
    client.post("/sync/", {"operations": [operation]})  # a retry asks nobody twice

    valve = ChecklistItem.objects.get(work_order=work_order, approval="pending")
    (asked,) = OutboundMessage.objects.filter(key__startswith="checklist-item:")
    assert (asked.to_email, asked.language, asked.key) == (
        "boss@pacta.example",
        "es",
        f"checklist-item:{valve.pk}:approval:{manager.pk}",
    )
    link = re.search(r"http://\S+/field/approvals/(\S+)/", asked.body)
    assert link is not None, asked.body
    assert checklist_item_of_token(link.group(1)) == valve.pk
    assert checklist_item_of_token(link.group(1) + "x") is None

    # the technician may not use it; the manager decides there
    technician = browser_for(live_server, job["technician"])
    assert technician.get(f"/field/approvals/{link.group(1)}/").status_code == 403
    boss = browser_for(live_server, manager)
    page = boss.get(f"/field/approvals/{link.group(1)}/")
    assert page.status_code == 200
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    decided = boss.post(
        f"/field/approvals/{link.group(1)}/",
        data={"csrfmiddlewaretoken": token, "item": valve.pk, "decision": "approve"},
    )
    assert (decided.status_code, decided.headers["location"]) == (302, "/field/approvals/")
    valve.refresh_from_db()
    assert (valve.approval, valve.decided_by_id) == ("approved", manager.pk)


def test_completing_through_the_sync_rates_the_work_order_after_commit(live_server, api, job):
    work_order = job["work_order"]
    client = api(job["technician"])

    def send(kind, **data):
        operation = {
            "id": str(uuid.uuid4()),
            "work_order": work_order.pk,
            "kind": kind,
            "made_at": timezone.now().isoformat(),
            "data": data,
        }
        return client.post("/sync/", {"operations": [operation]}).json()["results"][0]

    assert send("arrive")["status"] == 200
    safety, valve = ChecklistItem.objects.filter(work_order=work_order).order_by("position")
    manager = make.user("manager")
    checklist_step_decide(actor=manager, item=valve, approve=False, reason="Quote first")
    assert send("checklist_tick", item=safety.pk)["status"] == 200
    assert send("complete")["status"] == 200

    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)

    assert Rating.objects.filter(work_order=work_order, superseded_at__isnull=True).count() == 1
