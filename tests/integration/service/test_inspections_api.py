"""/api/v1/inspections/ over real HTTP: the technician starts, reads and finishes; refusals name
the field and change nothing; the customer reads its own, nobody else's."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pacta.reports.services import inspection_report_issue
from tests.integration.service.test_inspections import extinguisher_template
from tests.support import make
from tests.support.state import table_counts

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def visit():
    customer = make.customer(language="en")
    site = make.site(customer)
    service = make.service()
    contract = make.contract(customer, sites=[site], scope=[(service, "included")])
    technician = make.user("technician")
    work_order = make.work_order(make.ticket(site, service, contract=contract), technician)
    template, pressure, seal = extinguisher_template(service)
    return {
        "customer": customer,
        "technician": technician,
        "work_order": work_order,
        "template": template,
        "pressure": pressure,
        "seal": seal,
    }


def test_a_technician_runs_an_inspection_through_the_api(api, visit):
    client = api(visit["technician"])
    started = client.post(
        "/inspections/", {"work_order": visit["work_order"].pk, "template": visit["template"].pk}
    )
    assert started.status_code == 201, started.text
    inspection = started.json()
    assert (inspection["result"], inspection["equipment"], inspection["readings"]) == ("", None, [])
    url = f"/inspections/{inspection['id']}/"

    counts = table_counts()
    refused = client.post(f"{url}readings/", {"parameter": visit["pressure"].pk})
    assert refused.status_code == 400
    assert refused.json()["fields"] == {"value": ["Give the value read for Pressure."]}
    early = client.post(f"{url}finish/")
    assert early.status_code == 400
    assert early.json()["code"] == "readings_missing"
    assert early.json()["fields"] == {
        "readings": ["No reading for Pressure.", "No reading for Seal intact."]
    }
    assert table_counts() == counts

    reading = client.post(f"{url}readings/", {"parameter": visit["pressure"].pk, "value": "15.5"})
    assert reading.status_code == 200, reading.text
    assert (reading.json()["passed"], Decimal(reading.json()["value"])) == (False, Decimal("15.5"))
    assert (
        client.post(f"{url}readings/", {"parameter": visit["seal"].pk, "passed": True}).status_code
        == 200
    )
    finished = client.post(f"{url}finish/")
    assert finished.status_code == 200, finished.text
    assert finished.json()["result"] == "fail"
    assert [r["passed"] for r in finished.json()["readings"]] == [False, True]
    again = client.post(f"{url}finish/")
    assert (again.status_code, again.json()["code"]) == (409, "inspection_finished")


def test_customers_read_their_inspections_and_reports_and_nobody_elses(api, visit):
    from pacta.service.services.inspections import (
        inspection_finish,
        inspection_reading_record,
        inspection_start,
    )

    inspection = inspection_start(
        actor=None, work_order=visit["work_order"], template=visit["template"]
    )
    inspection_reading_record(
        actor=None, inspection=inspection, parameter=visit["pressure"], value=Decimal("13")
    )
    inspection_reading_record(
        actor=None, inspection=inspection, parameter=visit["seal"], passed=True
    )
    inspection = inspection_finish(actor=None, inspection=inspection)
    issued = inspection_report_issue(inspection_id=inspection.pk)

    own = api(make.user("customer", customer=visit["customer"]))
    assert own.get(f"/inspections/{inspection.pk}/").json()["result"] == "pass"
    assert (
        own.post(
            "/inspections/",
            {"work_order": visit["work_order"].pk, "template": visit["template"].pk},
        ).status_code
        == 403
    )
    listed = own.get("/issued-reports/").json()["results"]
    assert [(r["id"], r["kind"], r["inspection"]) for r in listed] == [
        (issued.pk, "inspection", inspection.pk)
    ]
    pdf = own.get(f"/issued-reports/{issued.pk}/pdf/")
    assert pdf.status_code == 200
    assert pdf.content == issued.file.open("rb").read()

    stranger = api(make.user("customer", customer=make.customer()))
    assert stranger.get(f"/inspections/{inspection.pk}/").status_code == 404
    assert stranger.get(f"/issued-reports/{issued.pk}/pdf/").status_code == 404
    other_technician = api(make.user("technician"))
    assert other_technician.get(f"/inspections/{inspection.pk}/").status_code == 404
    assert other_technician.get("/issued-reports/").status_code == 403


def test_a_bad_pattern_is_refused_naming_the_field(api, visit):
    contract = visit["work_order"].ticket.contract
    client = api(make.user("manager"))
    counts = table_counts()
    refused = client.post(
        "/redaction-rules/", {"contract": contract.pk, "label": "Patients", "pattern": "([A-Z]"}
    )
    assert refused.status_code == 400
    assert list(refused.json()["fields"]) == ["pattern"]
    assert refused.json()["fields"]["pattern"][0].startswith("This is not a regular expression:")
    empty = client.post(
        "/redaction-rules/", {"contract": contract.pk, "label": "Patients", "pattern": "x*"}
    )
    assert empty.json()["fields"] == {
        "pattern": ["This pattern matches empty text: it would mask between every letter."]
    }
    assert table_counts() == counts
    made = client.post(
        "/redaction-rules/",
        {"contract": contract.pk, "label": "Patients", "pattern": r"Sr\. \w+", "reason": "GDPR"},
    )
    assert made.status_code == 201, made.text
    assert api(make.user("dispatcher")).post("/redaction-rules/", {}).status_code == 403
