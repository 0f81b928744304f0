"""The customer's e-mails as its request moves: confirmation, on the way, complete."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pacta.comms.models import OutboundMessage
from pacta.service.services.notices import (
    en_route_notice,
    ticket_opened_notice,
    work_closed_notice,
)
from tests.support import make

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 8, 5, tzinfo=UTC)


@pytest.fixture
def ticket():
    customer = make.customer(email="facturas@cliente.example", language="es")
    site = make.site(customer, name="Sede Norte")
    service = make.service(name="Boiler repair")
    contract = make.contract(customer, sites=[site], scope=[(service, "included")])
    return make.ticket(site, service, contract=contract, subject="Caldera apagada")


def test_opening_queues_the_confirmation_to_the_customer_in_its_language_once(ticket):
    stored = OutboundMessage.objects.get()
    assert (stored.to_email, stored.language, stored.subject) == (
        "facturas@cliente.example",
        "es",
        f"[{ticket.reference}] Hemos recibido su solicitud: Caldera apagada",
    )
    assert stored.body == (
        "Hola:\n\n"
        f"Hemos abierto el ticket {ticket.reference} para Sede Norte.\n"
        "Servicio: Boiler repair\n"
        f"Según el contrato {ticket.contract.number}.\n\n"
        "Responda a este correo para añadir algo a su solicitud; mantenga la referencia en "
        "el asunto.\n"
    )
    assert (stored.entity_type, stored.entity_id) == ("service.ticket", str(ticket.pk))
    assert (
        ticket_opened_notice(
            ticket=ticket, response_due_at=datetime(2026, 3, 2, 12, 0, tzinfo=UTC), now=NOW
        )
        is None
    )  # once per ticket
    assert OutboundMessage.objects.count() == 1


def test_the_confirmation_says_when_we_will_answer_in_the_readers_words():
    customer = make.customer(email="facturas@cliente.example", language="es")
    site = make.site(customer, name="Sede Norte")
    service = make.service(name="Boiler repair")
    contract = make.contract(customer, sites=[site], scope=[(service, "included")])
    ticket = make.ticket(site, service, contract=contract, subject="Caldera apagada")
    OutboundMessage.objects.all().delete()  # the one queued at the opening, without an SLA

    ticket_opened_notice(
        ticket=ticket, response_due_at=datetime(2026, 3, 2, 12, 0, tzinfo=UTC), now=NOW
    )

    assert "Le responderemos antes del 2 de marzo de 2026 a las 13:00.\n" in (
        OutboundMessage.objects.get().body
    )


def test_the_contact_who_asked_hears_in_its_own_language():
    customer = make.customer(email="facturas@cliente.example", language="es")
    site, service = make.site(customer, name="Sede Norte"), make.service()
    contract = make.contract(customer, sites=[site], scope=[(service, "included")])
    contact = make.contact(customer, name="Claire", email="claire@example.fr", language="fr")
    ticket = make.ticket(
        site, service, contract=contract, contact=contact, subject="Caldera apagada"
    )
    stored = OutboundMessage.objects.get()
    assert (stored.to_email, stored.language) == ("claire@example.fr", "fr")
    assert (
        stored.subject
        == f"[{ticket.reference}] Nous avons bien reçu votre demande : Caldera apagada"
    )
    assert stored.body.startswith("Bonjour Claire,\n\n")


def test_nobody_to_tell_queues_nothing():
    customer = make.customer(email="")
    site = make.site(customer)
    service = make.service()
    contract = make.contract(customer, sites=[site], scope=[(service, "included")])
    ticket = make.ticket(site, service, contract=contract)
    assert ticket_opened_notice(ticket=ticket, now=NOW) is None
    assert OutboundMessage.objects.count() == 0


def test_on_the_way_once_per_departure_and_complete_once(ticket):
    technician = make.user("technician", first_name="Ana", last_name="Ruiz")
    work_order = make.work_order(ticket, technician)
    work_order.en_route_at = datetime(2026, 3, 3, 8, 30, tzinfo=UTC)
    en_route_notice(work_order=work_order, now=NOW)
    en_route_notice(work_order=work_order, now=NOW)
    work_order.en_route_at = datetime(2026, 3, 4, 8, 30, tzinfo=UTC)  # a second visit
    en_route_notice(work_order=work_order, now=NOW)
    work_closed_notice(work_order=work_order, now=NOW)
    work_closed_notice(work_order=work_order, now=NOW)
    subjects = list(OutboundMessage.objects.order_by("id").values_list("subject", flat=True))
    assert subjects == [
        f"[{ticket.reference}] Hemos recibido su solicitud: Caldera apagada",
        f"[{ticket.reference}] Nuestro técnico va de camino",
        f"[{ticket.reference}] Nuestro técnico va de camino",
        f"[{ticket.reference}] Trabajo {work_order.reference} terminado",
    ]
    first = OutboundMessage.objects.order_by("id")[1]
    assert first.body == "Hola:\n\nAna Ruiz va de camino a Sede Norte.\n"
