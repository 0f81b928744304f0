"""Reading the outbox."""

from __future__ import annotations

from django.db.models import QuerySet

from pacta.accounts.access import Audience, visible
from pacta.comms.models import OutboundMessage


def outbound_message_list(*, audience: Audience) -> QuerySet[OutboundMessage]:
    return visible(OutboundMessage.objects.all(), audience)


def outbound_message_list_about(record: object) -> QuerySet[OutboundMessage]:
    """The messages queued about one record (a ticket's e-mails, newest first)."""
    meta = record._meta  # type: ignore[attr-defined]
    return OutboundMessage.objects.filter(
        entity_type=meta.label_lower,
        entity_id=str(record.pk),  # type: ignore[attr-defined]
    )
