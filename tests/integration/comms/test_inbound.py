"""Inbound e-mail, from real ``.eml`` files (tests/integration/comms/eml/): a message opens a
ticket through ``ticket_open``, a reply adds to its ticket, a refusal is stored with its code
and answered politely; attachments go to Django's storage; a message delivered twice is
handled once. Then the endpoint the mail server posts to, over real HTTP.

``manage.py mail_poll`` hands each unseen message of the mailbox to the same function
(``inbound_email_receive``); test_mail_poll.py runs it against a real IMAP server."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import httpx
import pytest
from django.core.files.storage import default_storage

from pacta.comms.models import InboundMessage, OutboundMessage
from pacta.contracts.services import contract_status_change
from pacta.service.models import Ticket, TicketComment
from pacta.service.services.inbound import inbound_email_receive
from tests.support import make
from tests.support.make import at
from tests.support.state import table_counts

pytestmark = pytest.mark.django_db

EML = Path(__file__).parent / "eml"
NOW = at("2026-03-02 10:00")


def eml(name: str, **replace: str) -> bytes:
    raw = (EML / name).read_bytes()
    for placeholder, value in replace.items():
        raw = raw.replace(f"{{{{{placeholder}}}}}".encode(), value.encode())
    return raw


@pytest.fixture
def bakery():
    customer = make.customer(legal_name="Panadería", email="admin@panaderia.example", language="en")
    contact = make.contact(
        customer, name="Marta López", email="marta.lopez@panaderia.example", language="en"
    )
    site = make.site(customer, name="Obrador Vallecas")
    make.site(customer, name="Tienda Centro")
    corrective = make.service(code="GEN-CORR", name="Corrective maintenance")
    preventive = make.service(code="GEN-PM", name="Preventive visit")
    painting = make.service(code="PAINT", name="Painting")
    contract = make.contract(
        customer,
        sites=[site],
        scope=[(preventive, "included"), (corrective, "billable")],
        starts_on=date(2026, 1, 1),
    )
    return {
        "customer": customer,
        "contact": contact,
        "site": site,
        "corrective": corrective,
        "preventive": preventive,
        "painting": painting,
        "contract": contract,
    }


# --- opening tickets ----------------------------------------------------------------------------
def test_a_plain_message_opens_a_ticket_for_the_service_coded_in_its_subject(bakery):
    message = inbound_email_receive(raw=eml("plain.eml"), now=NOW)

    ticket = Ticket.objects.get()
    assert (message.outcome, message.code, message.ticket_id, message.contact_id) == (
        "opened",
        "",
        ticket.pk,
        bakery["contact"].pk,
    )
    assert (
        ticket.channel,
        ticket.site_id,
        ticket.service_id,
        ticket.contract_id,
        ticket.contact_id,
        ticket.subject,
        ticket.description,
        ticket.opened_at,
    ) == (
        "email",
        bakery["site"].pk,
        bakery["corrective"].pk,
        bakery["contract"].pk,
        bakery["contact"].pk,
        "GEN-CORR Horno 2 no calienta",
        "Buenos días:\n\nEl horno 2 del obrador no pasa de 80 ºC desde esta mañana.\n\nMarta",
        NOW,
    )
    (confirmation,) = OutboundMessage.objects.all()
    assert (confirmation.key, confirmation.to_email) == (
        f"ticket:{ticket.pk}:opened",
        "marta.lopez@panaderia.example",
    )
    stored = InboundMessage.objects.get()
    assert (stored.message_id, stored.from_email, bytes(stored.raw)) == (
        "<plain-1@panaderia.example>",
        "marta.lopez@panaderia.example",
        eml("plain.eml"),
    )


def test_an_html_only_message_is_read_as_text_and_asks_for_the_included_service(bakery):
    inbound_email_receive(raw=eml("html_only.eml"), now=NOW)

    ticket = Ticket.objects.get()
    assert (ticket.service_id, ticket.subject, ticket.description) == (
        bakery["preventive"].pk,
        "Cámara de fermentación",
        "La cámara de fermentación pita sin parar.\nGracias,\nMarta",
    )


def test_attachments_are_kept_in_djangos_storage(bakery):
    message = inbound_email_receive(raw=eml("with_attachments.eml"), now=NOW)

    names = [(f["name"], f["content_type"], f["size"]) for f in message.attachments]
    assert names == [("amasadora.png", "image/png", 70), ("errores.txt", "text/plain", 38)]
    texts = message.attachments[1]
    with default_storage.open(texts["path"], "rb") as stored:
        assert stored.read() == b"E42 motor overload\nE42 motor overload\n"
    with default_storage.open(message.attachments[0]["path"], "rb") as stored:
        assert stored.read().startswith(b"\x89PNG\r\n")
    assert message.outcome == "opened"


def test_malformed_headers_are_read_as_well_as_they_can_be(bakery):
    message = inbound_email_receive(raw=eml("malformed_headers.eml"), now=NOW)

    ticket = Ticket.objects.get()
    assert message.message_id.endswith("@inbound.pacta>")  # it had none: one from its bytes
    assert (message.outcome, message.from_email) == ("opened", "marta.lopez@panaderia.example")
    assert ticket.subject == "Horno =ZZ roto =?bogus?x?abc?="
    assert ticket.description.endswith("Horno roto otra vez.")


def test_a_message_delivered_twice_is_handled_once(bakery):
    first = inbound_email_receive(raw=eml("plain.eml"), now=NOW)
    counts = table_counts()
    again = inbound_email_receive(raw=eml("plain.eml"), now=NOW)
    assert again.pk == first.pk
    assert table_counts() == counts


# --- replies ------------------------------------------------------------------------------------
def test_a_reply_to_our_confirmation_adds_a_comment_to_its_ticket(bakery):
    inbound_email_receive(raw=eml("plain.eml"), now=NOW)
    ticket = Ticket.objects.get()
    confirmation = OutboundMessage.objects.get()

    reply = inbound_email_receive(
        raw=eml("reply.eml", IN_REPLY_TO=confirmation.message_id), now=at("2026-03-02 11:00")
    )

    assert (reply.outcome, reply.ticket_id) == ("appended", ticket.pk)
    assert Ticket.objects.count() == 1
    comment = TicketComment.objects.get()
    assert (comment.ticket_id, comment.contact_id, comment.body, comment.inbound_id) == (
        ticket.pk,
        bakery["contact"].pk,
        "Ya sube a 120 ºC, pero sigue lento.",
        reply.pk,
    )


def test_the_tickets_token_in_the_subject_finds_it_too(bakery):
    inbound_email_receive(raw=eml("plain.eml"), now=NOW)
    ticket = Ticket.objects.get()
    raw = eml("reply.eml", IN_REPLY_TO="<not-ours@elsewhere.example>").replace(
        b"[T-000001]", f"[#T-{ticket.pk}]".encode()
    )

    reply = inbound_email_receive(raw=raw, now=at("2026-03-02 11:00"))

    assert (reply.outcome, reply.ticket_id) == ("appended", ticket.pk)
    assert TicketComment.objects.get().body == "Ya sube a 120 ºC, pero sigue lento."


# --- refusals -----------------------------------------------------------------------------------
def refused(name, code, *, now=NOW, **replace):
    counts = table_counts()
    message = inbound_email_receive(raw=eml(name, **replace), now=now)
    assert (message.outcome, message.code, message.ticket_id) == ("refused", code, None)
    assert Ticket.objects.count() == counts["service.ticket"]
    assert TicketComment.objects.count() == counts["service.ticketcomment"]
    return message


def test_an_unknown_sender_is_stored_and_told_what_to_do(bakery):
    message = refused("unknown_sender.eml", "unknown_sender")

    reply = OutboundMessage.objects.get()
    assert (reply.to_email, reply.in_reply_to, reply.key, reply.language) == (
        "someone@unknown.example",
        "<unknown-1@unknown.example>",
        f"inbound:{message.pk}:refused",
        "en",
    )
    assert reply.subject == "Re: Necesito un técnico — we could not register your request"
    assert reply.body == (
        "Hello Someone,\n\n"
        "Thank you for your message. We could not register it as a request:\n"
        "this e-mail address is not one of the contacts we have for our customers.\n\n"
        "Please write from the address your company gave us, or ask your contract manager to "
        "add this one as a contact.\n\n"
        "Your message has been kept; nothing else is needed if you write again.\n"
    )
    assert message.detail == "The sender's address belongs to no contact or customer of ours."


def test_a_message_without_a_sender_is_stored_and_answered_by_nobody(bakery):
    message = refused("no_sender.eml", "no_sender")
    assert message.from_email == ""
    assert OutboundMessage.objects.count() == 0


def test_a_lapsed_contract_is_refused_with_a_reply_saying_why(bakery):
    contract_status_change(
        actor=None, contract=bakery["contract"], status="suspended", reason="Unpaid", now=NOW
    )

    message = refused("plain.eml", "contract_not_active")

    reply = OutboundMessage.objects.get()
    assert reply.to_email == "marta.lopez@panaderia.example"
    assert reply.body.startswith(
        "Hello Marta López,\n\n"
        "Thank you for your message. We could not register it as a request:\n"
        "your service contract is not in force at the moment (it has ended or is suspended).\n"
    )
    assert f"Details: {message.detail}\n" in reply.body
    assert message.detail == (
        "No contract of this site is in force on 2026-03-02: it must be renewed or reactivated "
        "before it takes requests."
    )


def test_a_service_out_of_scope_is_refused_with_a_reply(bakery):
    raw = eml("plain.eml").replace(b"Subject: GEN-CORR", b"Subject: PAINT")
    counts = table_counts()
    message = inbound_email_receive(raw=raw, now=NOW)
    assert (message.outcome, message.code) == ("refused", "service_not_in_scope")
    assert Ticket.objects.count() == counts["service.ticket"]
    assert "the service you asked for is not part of your contract." in (
        OutboundMessage.objects.get().body
    )


def test_a_site_no_contract_covers_is_refused_with_a_reply(bakery):
    raw = eml("plain.eml").replace(b"del obrador", b"de la Tienda Centro")
    message = inbound_email_receive(raw=raw, now=NOW)
    assert (message.outcome, message.code) == ("refused", "site_not_covered")
    assert message.detail == "No contract covers this site."


# --- the endpoint -------------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_the_mail_server_posts_the_raw_message_with_the_shared_token(live_server, settings, bakery):
    settings.PACTA_INBOUND_EMAIL_TOKEN = "s3cret-token"
    url = f"{live_server.url}/api/v1/inbound-email/"
    headers = {"Content-Type": "message/rfc822"}

    counts = table_counts()
    for token in ("", "wrong"):
        refused = httpx.post(
            url, content=eml("plain.eml"), headers={**headers, "X-Pacta-Inbound-Token": token}
        )
        assert refused.status_code == 403, refused.text
        assert refused.json()["code"] == "inbound_token_refused"
    assert table_counts() == counts

    posted = httpx.post(
        url, content=eml("plain.eml"), headers={**headers, "X-Pacta-Inbound-Token": "s3cret-token"}
    )

    assert posted.status_code == 200, posted.text
    ticket = Ticket.objects.get()
    assert posted.json() == {
        "id": InboundMessage.objects.get().pk,
        "message_id": "<plain-1@panaderia.example>",
        "from_email": "marta.lopez@panaderia.example",
        "outcome": "opened",
        "code": "",
        "detail": "",
        "ticket": ticket.pk,
    }
    empty = httpx.post(
        url, content=b"", headers={**headers, "X-Pacta-Inbound-Token": "s3cret-token"}
    )
    assert empty.status_code == 400, empty.text


@pytest.mark.django_db(transaction=True)
def test_without_a_configured_token_the_endpoint_refuses_everything(live_server, settings):
    settings.PACTA_INBOUND_EMAIL_TOKEN = ""
    refused = httpx.post(
        f"{live_server.url}/api/v1/inbound-email/",
        content=eml("plain.eml"),
        headers={"X-Pacta-Inbound-Token": ""},
    )
    assert refused.status_code == 403
    assert InboundMessage.objects.count() == 0
