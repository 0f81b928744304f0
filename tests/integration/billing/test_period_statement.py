"""The statement of an invoice's period: per ticket and work order what was billed, covered or
billed, and why, then the fee; as CSV, HTML and PDF, for finance and for the invoice's own
customer only, in the customer's language."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client

from tests.integration.billing.test_invoicing import issued, world  # noqa: F401 (fixtures)
from tests.support import make
from tests.support.html import parse, text
from tests.support.html import rows as rows_of

pytestmark = pytest.mark.django_db


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_statement_lists_each_work_order_with_its_lines_and_why(issued, world):  # noqa: F811
    finance = _signed_in(make.user("finance"))
    job = issued.lines.get(position=2).work_order
    ticket = job.ticket

    answer = finance.get(f"/finance/invoices/{issued.pk}/statement.csv")
    assert answer.status_code == 200
    assert answer["Content-Type"] == "text/csv"
    rows = list(csv.reader(io.StringIO(answer.content.decode())))
    # The customer writes Spanish: the statement is in Spanish.
    assert rows[0] == [
        "Solicitud",
        "Asunto",
        "Orden de trabajo",
        "Realizado el",
        "Línea",
        "Descripción",
        "Cubierto o facturado",
        "Cantidad",
        "Importe",
        "Por qué",
    ]
    where = "contrato C-900 v1; tarifa «HVAC 2026»"
    head = [ticket.reference, ticket.subject, job.reference, "2026-03-03"]
    repair = f"Línea 1 de la valoración 1 de {job.reference} (billable); {where}, línea «Repair»"
    part = f"Línea 2 de la valoración 1 de {job.reference} (parts); {where}, línea «Filter»"
    assert rows[1:] == [
        [*head, "2", f"{job.reference} · Repair", "facturable", "1.5", "82.50", repair],
        [*head, "3", f"{job.reference} · Filter", "material", "2", "25.00", part],
        [
            *["", "", "", "", "1", "Cuota de suscripción, del 2026-03-01 al 2026-03-31"],
            *["cuota de suscripción", "1", "150.00"],
            "Cuota del contrato C-900, versión 1, por 1.000000 de un periodo",
        ],
    ]

    page = finance.get(f"/finance/invoices/{issued.pk}/statement.html")
    body = parse(page.content)
    sections = [e for e in body.iter("section") if e.get("data-testid") == f"job-{job.reference}"]
    assert len(sections) == 1
    assert text(sections[0]).startswith(f"{ticket.reference} · {ticket.subject} — {job.reference}")
    table = next(sections[0].iter("table"))
    assert [r[1:] for r in rows_of(table)] == [
        ["Cubierto o facturado", "Cantidad", "Importe"],
        ["facturable", "1,5", "82,50"],
        ["material", "2", "25,00"],
        ["107,50"],
    ]

    pdf = finance.get(f"/finance/invoices/{issued.pk}/statement.pdf")
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert finance.get(f"/finance/invoices/{issued.pk}/statement.txt").status_code == 404


def test_the_customer_downloads_its_own_statement_and_no_one_elses(issued, world):  # noqa: F811
    mine = _signed_in(make.user("customer", customer=world["customer"]))
    theirs = _signed_in(make.user("customer", customer=make.customer()))
    url = f"/portal/invoices/{issued.pk}/statement.csv"
    assert mine.get(url).status_code == 200
    assert theirs.get(url).status_code == 404
    assert (
        _signed_in(make.user("technician"))
        .get(f"/finance/invoices/{issued.pk}/statement.csv")
        .status_code
        == 403
    )
    page = mine.get(f"/portal/invoices/{issued.pk}/").content.decode()
    assert f'href="/portal/invoices/{issued.pk}/statement.pdf"' in page
