"""/api/v1/outbound-messages/ — the outbox, read-only: what pacta sent, or will send, to whom."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from rest_framework import serializers
from rest_framework.routers import DefaultRouter

from pacta.api.records import ReadOnlyRecordViewSet
from pacta.comms import selectors
from pacta.comms.models import OutboundMessage


class OutboundMessageSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    """An e-mail queued (and, once sent_at is set, sent)."""

    class Meta:
        model = OutboundMessage
        fields = [
            "id",
            "key",
            "to_email",
            "subject",
            "body",
            "language",
            "entity_type",
            "entity_id",
            "created_at",
            "sent_at",
            "attempts",
            "last_error",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "key": {"help_text": _("What the message is for: one message per key.")},
            "entity_type": {"help_text": _("The kind of record it is about (service.ticket).")},
            "entity_id": {"help_text": _("The id of the record it is about.")},
        }


class OutboundMessageFilter(filters.FilterSet):
    sent = filters.BooleanFilter(
        field_name="sent_at",
        lookup_expr="isnull",
        exclude=True,
        label=_("Sent (true) or still waiting (false)."),
    )

    class Meta:
        model = OutboundMessage
        fields = ["entity_type", "entity_id", "to_email", "language", "sent"]


class OutboundMessageViewSet(ReadOnlyRecordViewSet):
    serializer_class = OutboundMessageSerializer
    selector = staticmethod(selectors.outbound_message_list)
    filterset_class = OutboundMessageFilter
    search_fields = ["to_email", "subject", "key"]
    ordering_fields = ["created_at", "sent_at", "id"]


def register(router: DefaultRouter) -> None:
    """Add this app's endpoints to the API router."""
    router.register("outbound-messages", OutboundMessageViewSet, basename="outbound-message")
