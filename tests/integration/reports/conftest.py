"""A hospital's completed repair, with everything a closure report shows.

Tickets, work orders, time, parts, the rating, wording and redaction rules are made through
their services. The checklist items, the photo and the signature are stored rows here: their
services (the technician's phone) are built on another branch, and the report only reads them.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from io import BytesIO
from typing import Any

import pytest
from django.core.files.base import ContentFile
from PIL import Image

from pacta.reports.services import redaction_rule_create
from pacta.service.models import ChecklistItem, Photo, Signature
from pacta.service.services import work_order_update
from tests.support import make
from tests.support.make import at

PATIENT_RULE = r"\b[Pp]aciente\s+[A-ZÁÉÍÓÚÑ][a-záéíóúñ]+(?:\s+[A-ZÁÉÍÓÚÑ][a-záéíóúñ]+)?"


def png(width: int, height: int, colour: tuple[int, int, int]) -> bytes:
    out = BytesIO()
    Image.new("RGB", (width, height), colour).save(out, format="PNG")
    return out.getvalue()


@dataclass
class Repair:
    customer: Any
    site: Any
    contract: Any
    service: Any
    battery: Any
    ticket: Any
    work_order: Any
    technician: Any


def hospital_repair(*, language: str = "es") -> Repair:
    """Monday 2 March 2026: a monitor repair at the hospital's operating block in Madrid, done
    on Tuesday 3 March by Ana Ruiz: 30 minutes' travel, 1 h 30 of work, one battery; two
    checklist steps (a safety one ticked), a photo and the supervisor's signature."""
    customer = make.customer(
        legal_name="Fundación Sanitaria San Rafael",
        language=language,
        email="mantenimiento@sanrafael.example",
    )
    site = make.site(customer, name="Edificio A — Quirófanos")
    tax = make.tax_rate("21.00")
    service = make.service(name="Reparación de electromedicina", tax_rate=tax)
    battery = make.product(
        sku="MED-BAT", name="Batería de monitor", price=Decimal("89.90"), tax_rate=tax
    )
    contract = make.contract(
        customer, sites=[site], scope=[(service, "billable")], number="ES-FSR-001"
    )
    redaction_rule_create(
        actor=None,
        values={
            "contract": contract,
            "label": "Nombres de pacientes",
            "pattern": PATIENT_RULE,
            "replacement": "[paciente]",
        },
    )
    technician = make.user("technician", first_name="Ana", last_name="Ruiz")
    ticket = make.ticket(
        site,
        service,
        contract=contract,
        subject="Monitor del quirófano 3 se apaga (paciente Lucía Gómez en sala)",
        description="La batería no mantiene el monitor.",
    )
    work_order = make.work_order(ticket, technician)
    make.time_entry(
        work_order,
        kind="travel",
        started_at=at("2026-03-03 08:30"),
        ended_at=at("2026-03-03 09:00"),
    )
    make.time_entry(
        work_order,
        started_at=at("2026-03-03 09:00"),
        ended_at=at("2026-03-03 10:30"),
        note="Ensayo IEC 62353 con el paciente Juan Pérez fuera de la sala",
    )
    make.part_used(work_order, battery, quantity=Decimal("1"), note="Lote 2291")
    ChecklistItem.objects.create(
        work_order=work_order,
        position=1,
        text="Desconectar el equipo de la red",
        is_mandatory=True,
        is_safety=True,
        done_at=at("2026-03-03 09:02"),
        done_by=technician,
    )
    ChecklistItem.objects.create(
        work_order=work_order,
        position=2,
        text="Avisar a la supervisora",
        note="Avisada; paciente Marta Díaz trasladada",
    )
    photo = Photo(
        work_order=work_order,
        kind="after",
        caption="Monitor con batería nueva",
        content_type="image/png",
        size_bytes=0,
        taken_at=at("2026-03-03 10:20"),
        uploaded_by=technician,
    )
    data = png(1200, 800, (30, 90, 160))
    photo.size_bytes = len(data)
    photo.image.save("after.png", ContentFile(data), save=False)
    photo.save()
    signature = Signature(
        work_order=work_order, signer_name="Carmen Vidal", signed_at=at("2026-03-03 10:35")
    )
    signature.image.save("signature.png", ContentFile(png(300, 100, (255, 255, 255))), save=False)
    signature.save()
    work_order = work_order_update(
        actor=None,
        work_order=work_order,
        values={
            "status": "completed",
            "en_route_at": at("2026-03-03 08:30"),
            "arrived_at": at("2026-03-03 09:00"),
            "completed_at": at("2026-03-03 10:40"),
            "notes": "Batería sustituida. Paciente María López avisada.",
        },
        reason="Work done",
    )
    return Repair(customer, site, contract, service, battery, ticket, work_order, technician)


@pytest.fixture
def repair() -> Repair:
    return hospital_repair()
