"""``manage.py mail_poll`` against a real IMAP server (Dovecot, started for each test on a
free port: tests/support/imap.py): the unseen messages of the mailbox open tickets or add to
them exactly as the inbound endpoint does, each is marked seen on the server once handled, and
a second poll reads nothing. A mailbox it cannot open, or a folder it lacks, is refused and
nothing is written."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from pacta.comms.models import InboundMessage, OutboundMessage
from pacta.service.models import Ticket, TicketComment
from tests.integration.comms.test_inbound import bakery, eml  # noqa: F401 (a fixture)
from tests.support.imap import dovecot
from tests.support.state import table_counts

pytestmark = pytest.mark.django_db


@pytest.fixture
def mailbox(settings):
    with dovecot() as box:
        settings.PACTA_MAIL_POLL = {
            "host": box.host,
            "port": box.port,
            "ssl": False,
            "user": box.user,
            "password": box.password,
            "folder": "INBOX",
        }
        yield box


def poll() -> list[str]:
    out = StringIO()
    call_command("mail_poll", stdout=out)
    return out.getvalue().splitlines()


def test_each_unseen_message_is_handled_once_and_marked_seen_on_the_server(bakery, mailbox):  # noqa: F811
    mailbox.deliver(eml("plain.eml"), eml("unknown_sender.eml"))
    assert mailbox.seen() == [False, False]

    assert poll() == [
        "<plain-1@panaderia.example>: opened ",
        "<unknown-1@unknown.example>: refused unknown_sender",
    ]
    ticket = Ticket.objects.get()
    assert (ticket.channel, ticket.subject, ticket.contact_id, ticket.service_id) == (
        "email",
        "GEN-CORR Horno 2 no calienta",
        bakery["contact"].pk,
        bakery["corrective"].pk,
    )
    assert mailbox.seen() == [True, True]
    assert sorted(OutboundMessage.objects.values_list("to_email", flat=True)) == [
        "marta.lopez@panaderia.example",  # the confirmation
        "someone@unknown.example",  # why we could not register it
    ]

    # The customer answers our confirmation: the next poll adds it to the ticket.
    confirmation = OutboundMessage.objects.get(to_email="marta.lopez@panaderia.example")
    mailbox.deliver(eml("reply.eml", IN_REPLY_TO=confirmation.message_id))
    assert poll() == ["<reply-1@panaderia.example>: appended "]
    comment = TicketComment.objects.get()
    assert (comment.ticket_id, comment.body) == (ticket.pk, "Ya sube a 120 ºC, pero sigue lento.")
    assert mailbox.seen() == [True, True, True]

    before = table_counts()
    assert poll() == []  # nothing unseen: nothing read, nothing written
    assert table_counts() == before
    assert InboundMessage.objects.count() == 3


def test_a_mailbox_that_refuses_the_login_is_reported_and_nothing_is_read(
    bakery,  # noqa: F811
    mailbox,
    settings,
):
    mailbox.deliver(eml("plain.eml"))
    settings.PACTA_MAIL_POLL = {**settings.PACTA_MAIL_POLL, "password": "wrong"}
    before = table_counts()

    with pytest.raises(
        CommandError, match=r"The mailbox could not be read: .*Authentication failed"
    ):
        poll()

    assert table_counts() == before
    assert mailbox.seen() == [False]


def test_a_folder_the_mailbox_lacks_is_refused_by_name(bakery, mailbox, settings):  # noqa: F811
    mailbox.deliver(eml("plain.eml"))
    settings.PACTA_MAIL_POLL = {**settings.PACTA_MAIL_POLL, "folder": "Pedidos"}
    before = table_counts()

    with pytest.raises(CommandError, match=r"The mailbox has no folder Pedidos\."):
        poll()

    assert table_counts() == before
    assert mailbox.seen() == [False]
