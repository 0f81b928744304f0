"""The closure report of a work order: what was done, covered and billable lines, times, parts,
photos, checklist and signature, in the contract's wording and the customer's language, with
the contract's redaction rules applied to every free text."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from pacta.billing.services import work_order_rate
from pacta.reports.rendering import report_html
from pacta.reports.selectors import charge_line_coverage, closure_report_get
from pacta.reports.services import report_wording_create
from tests.integration.reports.conftest import hospital_repair
from tests.support.html import by_id, parse, rows, text, texts
from tests.support.make import at

pytestmark = pytest.mark.django_db

NOW = at("2026-03-04 09:00")
MASKED = ("Lucía Gómez", "Juan Pérez", "María López", "Marta Díaz")


def page(work_order):
    return parse(report_html(closure_report_get(work_order, now=NOW)))


def facts(element):
    return [(text(div.find("dt")), text(div.find("dd"))) for div in element.iter("div")]


def test_the_rated_report_shows_the_work_lines_times_parts_checklist_photo_and_signature():
    repair = hospital_repair(language="en")
    work_order_rate(actor=None, work_order=repair.work_order, now=NOW)
    reference = repair.work_order.reference

    html = page(repair.work_order)

    assert text(by_id(html, "title")) == "Closure report"
    assert text(by_id(html, "reference")) == reference
    assert text(by_id(html, "introduction")) == (
        f"The work {reference} for Fundación Sanitaria San Rafael at Edificio A — Quirófanos, "
        "as it was done."
    )
    assert facts(by_id(html, "facts")) == [
        ("Work order", reference),
        ("Ticket", repair.ticket.reference),
        ("Customer", "Fundación Sanitaria San Rafael"),
        ("Site", "Edificio A — Quirófanos"),
        ("Contract", "ES-FSR-001"),
        ("Service", "Reparación de electromedicina"),
        ("Technician", "Ana Ruiz"),
        ("Status", "completed"),
    ]
    assert text(by_id(html, "subject")) == "Monitor del quirófano 3 se apaga ([paciente] en sala)"
    assert text(by_id(html, "description")) == "La batería no mantiene el monitor."
    assert text(by_id(html, "notes")) == "Batería sustituida. [paciente] avisada."
    # Billable service at its catalog price, 60.00 an hour: 0.5 h of travel, 1.5 h of work,
    # and the battery at 89.90: 30.00 + 90.00 + 89.90 = 209.90.
    (lines,) = by_id(html, "lines").iter("table")
    assert rows(lines) == [
        ["Coverage", "Line", "Quantity", "Unit price", "Rate", "Amount"],
        ["travel", "Reparación de electromedicina", "0.5 h", "60.00 EUR", "×1.00", "30.00 EUR"],
        ["billable", "Reparación de electromedicina", "1.5 h", "60.00 EUR", "×1.00", "90.00 EUR"],
        ["parts", "Batería de monitor", "1 pcs", "89.90 EUR", "×1.00", "89.90 EUR"],
        ["Total billed", "209.90 EUR"],
    ]
    times = by_id(html, "times")
    assert facts(times.find("dl")) == [
        ("Scheduled", "March 3, 2026, 9 a.m."),
        ("En route", "March 3, 2026, 8:30 a.m."),
        ("On site", "March 3, 2026, 9 a.m."),
        ("Completed", "March 3, 2026, 10:40 a.m."),
    ]
    (entries,) = times.iter("table")
    assert rows(entries) == [
        ["Technician", "Kind", "From", "To", "Hours", "Note"],
        ["Ana Ruiz", "travel", "03/03/2026 8:30 a.m.", "9 a.m.", "0:30", ""],
        [
            "Ana Ruiz",
            "work",
            "03/03/2026 9 a.m.",
            "10:30 a.m.",
            "1:30",
            "Ensayo IEC 62353 con el [paciente] fuera de la sala",
        ],
    ]
    (parts,) = by_id(html, "parts").iter("table")
    assert rows(parts) == [
        ["Code", "Part", "Quantity", "Note"],
        ["MED-BAT", "Batería de monitor", "1 pcs", "Lote 2291"],
    ]
    (checklist,) = by_id(html, "checklist").iter("table")
    assert rows(checklist) == [
        ["#", "Step", "Kind", "Scope", "Done", "Note"],
        [
            "1",
            "Desconectar el equipo de la red",
            "safety step",
            "in scope",
            "Ana Ruiz, 03/03/2026 9:02 a.m.",
            "",
        ],
        [
            "2",
            "Avisar a la supervisora",
            "",
            "in scope",
            "not done",
            "Avisada; [paciente] trasladada",
        ],
    ]
    (photo,) = by_id(html, "photos").iter("figure")
    assert text(photo) == "after the work · 03/03/2026 10:20 a.m. Monitor con batería nueva"
    assert photo.find("img").get("src").startswith("data:image/jpeg;base64,")
    signature = by_id(html, "signature")
    assert texts(signature.iter("p")) == ["Signed by Carmen Vidal on March 3, 2026, 10:35 a.m."]
    assert signature.find("img").get("src").startswith("data:image/png;base64,")
    assert text(by_id(html, "closing")) == (
        "If something in this report is not right, reply to the e-mail it came with."
    )
    assert text(by_id(html, "printed")) == "Printed March 4, 2026, 9 a.m."
    everything = text(html)
    for name in MASKED:
        assert name not in everything


def test_a_thumbnail_is_at_most_480_pixels_on_its_longest_side():
    import base64
    from io import BytesIO

    from PIL import Image

    repair = hospital_repair(language="en")
    (photo,) = by_id(page(repair.work_order), "photos").iter("img")
    data = base64.b64decode(photo.get("src").split(",", 1)[1])
    with Image.open(BytesIO(data)) as image:
        assert (image.format, image.size) == ("JPEG", (480, 320))


def test_before_rating_the_report_says_so_and_still_shows_time_and_parts():
    repair = hospital_repair(language="en")
    html = page(repair.work_order)
    lines = by_id(html, "lines")
    assert list(lines.iter("table")) == []
    assert texts(lines.iter("p")) == [
        "Not rated yet: the time and parts below are the work to be rated under the contract."
    ]
    assert len(rows(next(by_id(html, "parts").iter("table")))) == 2


def test_out_of_scope_lines_read_as_waiting_approved_or_written_off():
    def line(charge_type, approval=""):
        return SimpleNamespace(
            charge_type=charge_type,
            approval=approval,
            get_charge_type_display=lambda: f"<{charge_type}>",
        )

    assert charge_line_coverage(line("included")) == ("covered by the contract", "covered")
    assert charge_line_coverage(line("needs_approval", "pending")) == (
        "out of scope, awaiting approval",
        "waiting",
    )
    assert charge_line_coverage(line("needs_approval", "approved")) == (
        "out of scope, approved",
        "billed",
    )
    assert charge_line_coverage(line("needs_approval", "rejected")) == (
        "out of scope, written off",
        "written-off",
    )
    assert charge_line_coverage(line("surcharge")) == ("<surcharge>", "billed")


def test_the_contracts_wording_in_the_customers_language_wins_over_the_general_one():
    repair = hospital_repair(language="es")
    report_wording_create(
        actor=None,
        values={
            "kind": "closure",
            "language": "es",
            "title": "Informe general",
            "introduction": "General.",
            "closing": "",
        },
    )
    report_wording_create(
        actor=None,
        values={
            "kind": "closure",
            "language": "es",
            "contract": repair.contract,
            "title": "Parte de trabajo {{ work_order_reference }} — contrato {{ contract_number }}",
            "introduction": "Asunto: {{ subject }}\nCentro: {{ site_name }}",
            "closing": "Servicio Técnico de Electromedicina",
        },
    )
    reference = repair.work_order.reference

    html = page(repair.work_order)

    assert text(by_id(html, "title")) == f"Parte de trabajo {reference} — contrato ES-FSR-001"
    # The wording's text is masked like any other: the subject it quotes loses the name.
    intro = by_id(html, "introduction")
    assert text(intro) == (
        "Asunto: Monitor del quirófano 3 se apaga ([paciente] en sala) "
        "Centro: Edificio A — Quirófanos"
    )
    assert len(list(intro.iter("br"))) == 1
    assert text(by_id(html, "closing")) == "Servicio Técnico de Electromedicina"
    assert html.get("lang") == "es"


def test_dates_numbers_and_money_are_written_in_the_customers_locale():
    repair = hospital_repair(language="es")
    work_order_rate(actor=None, work_order=repair.work_order, now=NOW)

    html = page(repair.work_order)

    (lines,) = by_id(html, "lines").iter("table")
    amounts = [row[2:] for row in rows(lines)[1:4]]
    assert amounts == [
        ["0,5 h", "60,00 EUR", "×1,00", "30,00 EUR"],
        ["1,5 h", "60,00 EUR", "×1,00", "90,00 EUR"],
        ["1 uds.", "89,90 EUR", "×1,00", "89,90 EUR"],
    ]
    assert rows(lines)[-1][-1] == "209,90 EUR"
    assert facts(by_id(html, "times").find("dl"))[3][1] == "3 de marzo de 2026 a las 10:40"
    (entries,) = by_id(html, "times").iter("table")
    assert rows(entries)[1][2:5] == ["03/03/2026 08:30", "09:00", "0:30"]
