"""Composing e-mails from templates: the contract's own, the general one, or the built-in
wording in the reader's language; and sending them with their headers and attachments."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from pacta.comms.models import MessageTemplate, OutboundMessage
from pacta.comms.selectors import message_compose
from pacta.comms.services import message_queue, message_send
from tests.support import make

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)
TICKET = SimpleNamespace(reference="T-000042", subject="Boiler <off> & cold")
CONTEXT = {
    "ticket": TICKET,
    "contact_name": "Lucía",
    "site_name": "Sede Norte",
    "service_name": "Boiler repair",
    "contract_number": "C-2026-014",
    "response_due": "",
}


def test_the_built_in_wording_is_plain_text_in_the_readers_language():
    english = message_compose(event="ticket_opened", language="en", context=CONTEXT)
    assert english.subject == "[T-000042] We have your request: Boiler <off> & cold"
    assert english.body == (
        "Hello Lucía,\n\n"
        "We have opened ticket T-000042 for Sede Norte.\n"
        "Service: Boiler repair\n"
        "Under contract C-2026-014.\n\n"
        "Reply to this e-mail to add to your request; keep the reference in the subject.\n"
    )
    assert english.language == "en"
    spanish = message_compose(event="ticket_opened", language="es", context=CONTEXT)
    assert spanish.subject == "[T-000042] Hemos recibido su solicitud: Boiler <off> & cold"
    assert spanish.body.startswith(
        "Hola Lucía:\n\nHemos abierto el ticket T-000042 para Sede Norte."
    )


def test_a_general_template_then_a_contracts_own_take_over():
    customer = make.customer()
    contract = make.contract(customer, sites=[make.site(customer)])
    MessageTemplate.objects.create(
        event="ticket_opened",
        language="fr",
        subject="Demande {{ ticket.reference }}",
        body="Bonjour {{ contact_name }} : {{ ticket.subject }}",
    )
    general = message_compose(event="ticket_opened", language="fr", context=CONTEXT)
    assert (general.subject, general.body) == (
        "Demande T-000042",
        "Bonjour Lucía : Boiler <off> & cold\n",
    )
    MessageTemplate.objects.create(
        event="ticket_opened",
        language="fr",
        contract=contract,
        subject="[{{ contract_number }}] {{ ticket.reference }}",
        body="Madame, Monsieur,\n\nvotre demande est enregistrée.",
    )
    own = message_compose(
        event="ticket_opened", language="fr", context=CONTEXT, contract_id=contract.pk
    )
    assert (own.subject, own.body) == (
        "[C-2026-014] T-000042",
        "Madame, Monsieur,\n\nvotre demande est enregistrée.\n",
    )
    # another contract, or another language, still reads the general or built-in wording
    other = make.contract(customer, sites=[make.site(customer)])
    assert (
        message_compose(
            event="ticket_opened", language="fr", context=CONTEXT, contract_id=other.pk
        ).subject
        == "Demande T-000042"
    )
    assert message_compose(
        event="ticket_opened", language="es", context=CONTEXT, contract_id=contract.pk
    ).subject.startswith("[T-000042] Hemos recibido")


def test_an_inactive_template_is_passed_over():
    MessageTemplate.objects.create(
        event="en_route", language="en", subject="Old", body="Old", is_active=False
    )
    composed = message_compose(
        event="en_route",
        language="en",
        context={"ticket": TICKET, "technician_name": "Ana", "site_name": "Sede Norte"},
    )
    assert composed.subject == "[T-000042] Our technician is on the way"
    assert composed.body == "Hello,\n\nAna is on the way to Sede Norte.\n"


def test_a_message_goes_out_with_its_message_id_reply_headers_and_attachments(settings):
    settings.DEFAULT_FROM_EMAIL = "pacta <service@pacta.example>"
    path = default_storage.save("test-attachments/report.pdf", ContentFile(b"%PDF-1.7 report"))
    message = message_queue(
        key="k1",
        to_email="lucia@example.com",
        subject="Report",
        body="Attached.",
        in_reply_to="<abc@customer.example>",
        attachments=[{"name": "WO-000001.pdf", "path": path, "content_type": "application/pdf"}],
        now=NOW,
    )
    assert message is not None
    assert message.message_id.endswith("@pacta.example>")
    assert message.message_id.startswith("<")
    assert message_send(message_id=message.pk, now=NOW) is True
    (sent,) = mail.outbox
    assert sent.extra_headers == {
        "Message-ID": message.message_id,
        "In-Reply-To": "<abc@customer.example>",
        "References": "<abc@customer.example>",
    }
    assert sent.attachments == [("WO-000001.pdf", b"%PDF-1.7 report", "application/pdf")]
    assert OutboundMessage.objects.get(pk=message.pk).sent_at == NOW
    default_storage.delete(path)
