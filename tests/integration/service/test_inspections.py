"""Inspections on a work order: templates with numeric and pass/fail parameters (catalog),
readings (a value inside [minimum, maximum] passes), finishing with an overall result, and the
inspection report e-mailed with its PDF."""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from pypdf import PdfReader

from pacta.catalog.services import (
    inspection_parameter_create,
    inspection_parameter_update,
    inspection_template_create,
)
from pacta.domain.errors import InvalidInput
from pacta.reports.models import IssuedReport
from pacta.reports.rendering import report_html
from pacta.reports.selectors import inspection_report_get
from pacta.reports.services import inspection_finished
from pacta.service.errors import InspectionFinished, ReadingsMissing
from pacta.service.services import work_order_update
from pacta.service.services.inspections import (
    inspection_finish,
    inspection_reading_record,
    inspection_start,
)
from tests.support import make
from tests.support.html import by_id, parse, rows, text
from tests.support.make import at
from tests.support.state import row, table_counts

NOW = at("2026-03-03 10:00")


def extinguisher_template(service=None, code=" ext-6kg "):
    template = inspection_template_create(
        actor=None,
        values={"code": code, "name": "Fire extinguisher (6 kg powder)", "service": service},
    )
    pressure = inspection_parameter_create(
        actor=None,
        values={
            "template": template,
            "position": 1,
            "label": "Pressure",
            "kind": "numeric",
            "unit": " bar ",
            "minimum": Decimal("12.0"),
            "maximum": Decimal("15.0"),
        },
    )
    seal = inspection_parameter_create(
        actor=None,
        values={"template": template, "position": 2, "label": "Seal intact", "kind": "pass_fail"},
    )
    return template, pressure, seal


@pytest.fixture
def site_visit():
    customer = make.customer(
        legal_name="Hotel Mirador S.A.", language="en", email="facilities@hotel.example"
    )
    site = make.site(customer, name="Hotel Mirador")
    service = make.service(name="Fire safety check")
    contract = make.contract(customer, sites=[site], scope=[(service, "included")])
    unit = make.equipment(site, manufacturer="Ansul", model="PS6", serial_number="EX-0042", name="")
    elsewhere = make.equipment(make.site(customer))
    technician = make.user("technician", first_name="Pierre", last_name="Martin")
    ticket = make.ticket(site, service, contract=contract, subject="Yearly extinguisher check")
    work_order = make.work_order(ticket, technician)
    template, pressure, seal = extinguisher_template(service)
    return {
        "work_order": work_order,
        "unit": unit,
        "elsewhere": elsewhere,
        "technician": technician,
        "template": template,
        "pressure": pressure,
        "seal": seal,
    }


def refused(error, call, **kwargs):
    counts = table_counts()
    with pytest.raises(error) as refusal:
        call(**kwargs)
    assert table_counts() == counts
    return refusal.value


# --- templates -------------------------------------------------------------------------------
@pytest.mark.django_db
def test_a_template_and_its_parameters_are_written_with_their_rules():
    template, pressure, seal = extinguisher_template()
    assert template.code == "EXT-6KG"
    assert (pressure.unit, pressure.minimum, pressure.maximum) == (
        "bar",
        Decimal("12.0"),
        Decimal("15.0"),
    )
    base = {"template": template, "position": 3, "label": "Hose", "kind": "numeric"}

    def bad(**values):
        return refused(
            InvalidInput, inspection_parameter_create, actor=None, values={**base, **values}
        ).fields

    assert bad(unit="", minimum=Decimal(1)) == {
        "unit": ["Give the unit the value is read in (e.g. bar)."]
    }
    assert bad(unit="cm") == {"minimum": ["Give the accepted range: a minimum, a maximum or both."]}
    assert bad(unit="bar", minimum=Decimal("2"), maximum=Decimal("1")) == {
        "maximum": ["The maximum must not be below the minimum."]
    }
    assert bad(kind="pass_fail", unit="bar", maximum=Decimal(1)) == {
        "unit": ["A pass/fail check has no unit."],
        "maximum": ["A pass/fail check has no range."],
    }
    assert bad(position=1, kind="pass_fail") == {
        "position": ["This inspection already has a parameter at this position."]
    }
    # an open range (a maximum alone) is a range
    hose = inspection_parameter_create(
        actor=None, values={**base, "unit": "mm", "maximum": Decimal("3")}
    )
    assert (hose.minimum, hose.maximum) == (None, Decimal("3"))
    with pytest.raises(InvalidInput):
        inspection_parameter_update(actor=None, inspection_parameter=seal, values={"unit": "bar"})
    assert row(seal)["unit"] == ""


# --- inspections -------------------------------------------------------------------------------
@pytest.mark.django_db
def test_readings_pass_inside_the_range_and_the_inspection_passes_when_all_do(site_visit):
    visit = site_visit
    technician = visit["technician"]
    inspection = inspection_start(
        actor=technician,
        work_order=visit["work_order"],
        template=visit["template"],
        equipment=visit["unit"],
        now=NOW,
    )
    assert (inspection.started_at, inspection.started_by_id, inspection.result) == (
        NOW,
        technician.pk,
        "",
    )
    low = inspection_reading_record(
        actor=technician,
        inspection=inspection,
        parameter=visit["pressure"],
        value=Decimal("11.9"),
        now=NOW,
    )
    assert low.passed is False
    # corrected before finishing: the same reading, now at the lower bound, passes
    edge = inspection_reading_record(
        actor=technician,
        inspection=inspection,
        parameter=visit["pressure"],
        value=Decimal("12.0"),
        now=NOW,
    )
    assert (edge.pk, edge.passed, edge.value) == (low.pk, True, Decimal("12.0"))
    upper = inspection_reading_record(
        actor=technician,
        inspection=inspection,
        parameter=visit["pressure"],
        value=Decimal("15.0"),
        now=NOW,
    )
    assert upper.passed is True
    missing = refused(
        ReadingsMissing, inspection_finish, actor=technician, inspection=inspection, now=NOW
    )
    assert missing.message == "Read every parameter before finishing; missing: Seal intact."
    assert missing.fields == {"readings": ["No reading for Seal intact."]}

    inspection_reading_record(
        actor=technician,
        inspection=inspection,
        parameter=visit["seal"],
        passed=True,
        note="ok",
        now=NOW,
    )
    finished = inspection_finish(
        actor=technician, inspection=inspection, now=at("2026-03-03 10:15")
    )
    assert (finished.result, finished.completed_at, finished.completed_by_id) == (
        "pass",
        at("2026-03-03 10:15"),
        technician.pk,
    )
    # finished: its readings no longer change
    refused(
        InspectionFinished,
        inspection_reading_record,
        actor=technician,
        inspection=inspection,
        parameter=visit["seal"],
        passed=False,
    )
    refused(InspectionFinished, inspection_finish, actor=technician, inspection=inspection)


@pytest.mark.django_db
def test_one_failed_reading_fails_the_inspection_of_the_site(site_visit):
    visit = site_visit
    inspection = inspection_start(
        actor=None, work_order=visit["work_order"], template=visit["template"], now=NOW
    )
    assert inspection.equipment_id is None
    inspection_reading_record(
        actor=None, inspection=inspection, parameter=visit["pressure"], value=Decimal("13.5")
    )
    inspection_reading_record(
        actor=None, inspection=inspection, parameter=visit["seal"], passed=False
    )
    assert inspection_finish(actor=None, inspection=inspection).result == "fail"


@pytest.mark.django_db
def test_bad_readings_and_starts_are_refused_naming_the_field(site_visit):
    visit = site_visit
    inspection = inspection_start(
        actor=None, work_order=visit["work_order"], template=visit["template"], now=NOW
    )
    record = inspection_reading_record
    assert refused(
        InvalidInput, record, actor=None, inspection=inspection, parameter=visit["pressure"]
    ).fields == {"value": ["Give the value read for Pressure."]}
    assert refused(
        InvalidInput,
        record,
        actor=None,
        inspection=inspection,
        parameter=visit["seal"],
        value=Decimal("1"),
    ).fields == {
        "value": ["A pass/fail check takes no value."],
        "passed": ["Say whether Seal intact passed."],
    }
    _other, other_pressure, _ = extinguisher_template(code="EXT-2")
    assert list(
        refused(
            InvalidInput,
            record,
            actor=None,
            inspection=inspection,
            parameter=other_pressure,
            value=Decimal("13"),
        ).fields
    ) == ["parameter"]

    start = inspection_start
    work_order = visit["work_order"]
    assert refused(
        InvalidInput, start, actor=None, work_order=work_order, template=visit["template"]
    ).fields == {"template": ["This work order already has this inspection of the site."]}
    assert list(
        refused(
            InvalidInput,
            start,
            actor=None,
            work_order=work_order,
            template=visit["template"],
            equipment=visit["elsewhere"],
        ).fields
    ) == ["equipment"]
    other_service, _p, _s = extinguisher_template(make.service(name="Boilers"), code="EXT-3")
    assert refused(
        InvalidInput, start, actor=None, work_order=work_order, template=other_service
    ).fields == {
        "template": ["This inspection is for work orders of " + str(other_service.service) + "."]
    }
    work_order = work_order_update(
        actor=None, work_order=work_order, values={"status": "completed"}, reason="Done"
    )
    assert list(
        refused(
            InvalidInput,
            start,
            actor=None,
            work_order=work_order,
            template=visit["template"],
            equipment=visit["unit"],
        ).fields
    ) == ["work_order"]


# --- the inspection report -------------------------------------------------------------------
def finished_inspection(visit, seal_passed=True):
    inspection = inspection_start(
        actor=visit["technician"],
        work_order=visit["work_order"],
        template=visit["template"],
        equipment=visit["unit"],
        now=NOW,
    )
    inspection_reading_record(
        actor=visit["technician"],
        inspection=inspection,
        parameter=visit["pressure"],
        value=Decimal("13.25"),
        now=at("2026-03-03 10:05"),
    )
    inspection_reading_record(
        actor=visit["technician"],
        inspection=inspection,
        parameter=visit["seal"],
        passed=seal_passed,
        note="Seal replaced",
        now=at("2026-03-03 10:06"),
    )
    return inspection_finish(
        actor=visit["technician"], inspection=inspection, now=at("2026-03-03 10:15")
    )


@pytest.mark.django_db
def test_the_inspection_report_lists_each_reading_against_its_range(site_visit):
    inspection = finished_inspection(site_visit, seal_passed=False)

    html = parse(report_html(inspection_report_get(inspection, now=NOW)))

    assert text(by_id(html, "title")) == "Inspection report"
    assert text(by_id(html, "introduction")) == (
        "For Hotel Mirador S.A.: Fire extinguisher (6 kg powder) of Ansul PS6 #EX-0042 at "
        "Hotel Mirador, as it was found."
    )
    (readings,) = by_id(html, "readings").iter("table")
    assert rows(readings) == [
        ["Parameter", "Expected", "Reading", "Result", "Read at", "Note"],
        ["Pressure", "12–15 bar", "13.25 bar", "pass", "03/03/2026 10:05 a.m.", ""],
        ["Seal intact", "pass / fail", "fail", "fail", "03/03/2026 10:06 a.m.", "Seal replaced"],
    ]
    assert text(by_id(html, "result")) == "Overall: fail"


@pytest.mark.django_db(transaction=True)
def test_finishing_mails_the_inspection_report_once_with_its_pdf(site_visit):
    with transaction.atomic():
        inspection = finished_inspection(site_visit)
        inspection_finished(inspection)
        inspection_finished(inspection)

    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)

    issued = IssuedReport.objects.get()
    assert (issued.kind, issued.inspection_id) == ("inspection", inspection.pk)
    confirmation, sent = mail.outbox  # the ticket's confirmation went when it was opened
    assert not confirmation.attachments
    reference = site_visit["work_order"].ticket.reference
    assert sent.to == ["facilities@hotel.example"]
    assert sent.subject == f"[{reference}] Inspection report: Fire extinguisher (6 kg powder)"
    assert sent.body == (
        "Hello,\n\n"
        "The inspection Fire extinguisher (6 kg powder) at Hotel Mirador is finished: it passed.\n"
        "The inspection report is attached.\n"
        "If something is not right, reply to this e-mail.\n"
    )
    ((name, data, content_type),) = sent.attachments
    assert (name, content_type) == (issued.filename, "application/pdf")
    assert data == issued.file.open("rb").read()
    words = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(BytesIO(data)).pages)
    assert "Pressure 12–15 bar 13.25 bar pass" in words
    assert "Overall: pass" in words
