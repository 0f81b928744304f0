"""Issuing the closure report when the work is completed: the PDF rendered once and stored, the
"work complete" e-mail queued once with exactly that file attached, through a task queued after
commit; and the pages and PDFs for the office and the customer's own users."""

from __future__ import annotations

from io import BytesIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from pypdf import PdfReader

from pacta.audit.models import AuditEntry
from pacta.billing.services import work_order_rate
from pacta.comms.models import OutboundMessage
from pacta.reports.errors import ReportNotIssued
from pacta.reports.models import IssuedReport
from pacta.reports.services import closure_report_deliver, closure_report_issue, work_order_closed
from pacta.service.services import work_order_update
from tests.integration.reports.conftest import hospital_repair
from tests.support import make
from tests.support.html import by_id, parse, text
from tests.support.make import at
from tests.support.state import table_counts

NOW = at("2026-03-04 09:00")
MASKED = ("Lucía Gómez", "Juan Pérez", "María López", "Marta Díaz")


def pdf_text(data: bytes) -> str:
    return " ".join(
        " ".join((page.extract_text() or "").split()) for page in PdfReader(BytesIO(data)).pages
    )


@pytest.mark.django_db
def test_the_pdf_is_issued_once_and_mailed_once_with_exactly_that_file():
    repair = hospital_repair(language="en")
    work_order_rate(actor=None, work_order=repair.work_order, now=NOW)

    issued = closure_report_deliver(work_order_id=repair.work_order.pk, now=NOW)

    assert issued is not None
    stored = issued.file.open("rb").read()
    assert stored.startswith(b"%PDF-")
    assert (issued.kind, issued.language, issued.size_bytes, issued.issued_at) == (
        "closure",
        "en",
        len(stored),
        NOW,
    )
    words = pdf_text(stored)
    for expected in (
        "Closure report",
        repair.work_order.reference,
        "Fundación Sanitaria San Rafael",
        "Total billed 209.90 EUR",
        "Desconectar el equipo de la red",
        "Signed by Carmen Vidal on March 3, 2026, 10:35 a.m.",
    ):
        assert expected in words, expected
    for name in MASKED:
        assert name not in words
    message = OutboundMessage.objects.get()
    assert (message.to_email, message.key) == (
        "mantenimiento@sanrafael.example",
        f"work-order:{repair.work_order.pk}:closed",
    )
    assert message.attachments == [
        {
            "name": f"{repair.work_order.reference}.pdf",
            "path": issued.file.name,
            "content_type": "application/pdf",
        }
    ]
    assert "The closure report is attached." in message.body
    assert AuditEntry.objects.filter(entity_type="reports.issuedreport").count() == 1

    # Again (a retried task): the same report, no new file, no second e-mail.
    counts = table_counts()
    again = closure_report_deliver(work_order_id=repair.work_order.pk, now=at("2026-03-05 09:00"))
    assert again is not None
    assert again.pk == issued.pk
    assert table_counts() == counts


@pytest.mark.django_db
def test_work_not_completed_has_no_report_and_nothing_is_written():
    repair = hospital_repair(language="en")
    work_order = work_order_update(
        actor=None, work_order=repair.work_order, values={"status": "on_site"}, reason="Back"
    )
    counts = table_counts()
    assert closure_report_deliver(work_order_id=work_order.pk, now=NOW) is None
    with pytest.raises(ReportNotIssued) as refusal:
        closure_report_issue(work_order_id=work_order.pk, now=NOW)
    assert refusal.value.code == "report_not_issued"
    assert table_counts() == counts


@pytest.mark.django_db(transaction=True)
def test_completing_queues_the_task_after_commit_and_the_worker_mails_the_stored_pdf():
    repair = hospital_repair(language="en")
    with transaction.atomic():
        work_order_closed(repair.work_order)
        work_order_closed(repair.work_order)  # called twice: still one report, one e-mail
        assert IssuedReport.objects.count() == 0

    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)

    issued = IssuedReport.objects.get()
    (sent,) = mail.outbox
    assert sent.to == ["mantenimiento@sanrafael.example"]
    assert sent.attachments == [
        (f"{repair.work_order.reference}.pdf", issued.file.open("rb").read(), "application/pdf")
    ]


@pytest.mark.django_db
def test_the_office_and_the_customers_users_read_the_report_others_do_not(client):
    repair = hospital_repair(language="en")
    page_url = f"/reports/work-orders/{repair.work_order.pk}/closure/"
    pdf_url = f"/reports/work-orders/{repair.work_order.pk}/closure.pdf"
    own = make.user("customer", customer=repair.customer)
    stranger = make.user("customer", customer=make.customer())

    for user in (make.user("manager"), make.user("dispatcher"), make.user("finance"), own):
        client.force_login(user)
        response = client.get(page_url)
        assert response.status_code == 200, user.role
        html = parse(response.content)
        assert text(by_id(html, "title")) == "Closure report"
        assert "Juan Pérez" not in response.content.decode()
        assert client.get(pdf_url).status_code == 404  # not issued yet

    client.force_login(repair.technician)  # sees the work order, not its reports
    assert client.get(page_url).status_code == 403
    client.force_login(stranger)
    assert client.get(page_url).status_code == 404
    assert client.get(pdf_url).status_code == 404

    issued = closure_report_issue(work_order_id=repair.work_order.pk, now=NOW)
    client.force_login(own)
    response = client.get(pdf_url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == issued.file.open("rb").read()
    links = by_id(parse(client.get(page_url).content), "links")
    assert [(a.get("href"), text(a)) for a in links.iter("a")] == [
        (pdf_url, "PDF as issued"),
        (f"/charges/work-orders/{repair.work_order.pk}/", "Charges"),
    ]
    client.logout()
    assert client.get(pdf_url).status_code == 302  # to the sign-in page
