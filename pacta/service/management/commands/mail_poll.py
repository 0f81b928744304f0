"""`manage.py mail_poll`: read the unseen e-mails of the IMAP mailbox and handle each one as
``POST /api/v1/inbound-email/`` does (:func:`pacta.service.services.inbound.inbound_email_receive`).

The mailbox is set by ``MAIL_POLL_HOST``, ``MAIL_POLL_PORT`` (993), ``MAIL_POLL_SSL`` (true),
``MAIL_POLL_USER``, ``MAIL_POLL_PASSWORD`` and ``MAIL_POLL_FOLDER`` (INBOX). A message is
marked seen once handled, so the next run does not read it again; handling one twice (a run
stopped before marking it) changes nothing, as messages are kept once per Message-ID. Run it
every minute from cron.
"""

from __future__ import annotations

import imaplib
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from pacta.service.services.inbound import inbound_email_receive


def mailbox_poll(mailbox: Any, folder: str) -> list[Any]:
    """Handle every unseen message of ``folder`` on an open, signed-in ``imaplib`` mailbox;
    the stored messages, in the mailbox's order."""
    status, _data = mailbox.select(folder)
    if status != "OK":
        raise CommandError(_("The mailbox has no folder %(folder)s.") % {"folder": folder})
    status, found = mailbox.uid("SEARCH", None, "UNSEEN")
    handled = []
    for uid in (found[0] or b"").split():
        status, parts = mailbox.uid("FETCH", uid, "(BODY.PEEK[])")
        raw = next((part[1] for part in parts if isinstance(part, tuple)), None)
        if status != "OK" or raw is None:
            continue
        handled.append(inbound_email_receive(raw=raw))
        mailbox.uid("STORE", uid, "+FLAGS", "(\\Seen)")
    return handled


class Command(BaseCommand):
    help = _("Open tickets from the unseen e-mails of the IMAP mailbox (or add replies to them).")

    def handle(self, *args: Any, **options: Any) -> None:
        config = settings.PACTA_MAIL_POLL
        if not config["host"]:
            raise CommandError(_("Set MAIL_POLL_HOST (and the user and password) first."))
        opener = imaplib.IMAP4_SSL if config["ssl"] else imaplib.IMAP4
        try:
            with opener(config["host"], config["port"]) as mailbox:
                mailbox.login(config["user"], config["password"])
                handled = mailbox_poll(mailbox, config["folder"])
        except (OSError, imaplib.IMAP4.error) as failed:
            raise CommandError(
                _("The mailbox could not be read: %(error)s") % {"error": failed}
            ) from failed
        for message in handled:
            self.stdout.write(f"{message.message_id}: {message.outcome or '-'} {message.code}")
