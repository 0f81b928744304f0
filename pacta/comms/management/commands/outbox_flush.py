"""`manage.py outbox_flush`: send every message still waiting in the outbox."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from pacta.comms.services import outbox_flush


class Command(BaseCommand):
    help = _("Send the messages of the outbox that are still waiting (failed ones are retried).")

    def handle(self, *args: Any, **options: Any) -> None:
        sent = outbox_flush()
        self.stdout.write(_("%(sent)d messages sent.") % {"sent": sent})
