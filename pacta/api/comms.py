"""/api/v1/outbound-messages/ — the outbox, read-only: what pacta sent, or will send, to whom;
/api/v1/inbound-email/ — the mail server posts the e-mails that come in."""

from __future__ import annotations

import hmac
from typing import Any

from django.conf import settings
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.parsers import BaseParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter
from rest_framework.views import APIView

from pacta.api.records import ReadOnlyRecordViewSet
from pacta.comms import selectors
from pacta.comms.models import InboundMessage, OutboundMessage
from pacta.domain.errors import Forbidden, InvalidInput
from pacta.service.services.inbound import inbound_email_receive


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


# --- inbound e-mail (issue 5) -------------------------------------------------------------------
class RawMessageParser(BaseParser):
    """The request body as received: one RFC 5322 message."""

    media_type = "*/*"

    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> bytes:
        return stream.read() if stream is not None else b""


class InboundMessageSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    """What became of an e-mail received."""

    class Meta:
        model = InboundMessage
        fields = ["id", "message_id", "from_email", "outcome", "code", "detail", "ticket"]
        read_only_fields = fields


#: The header that carries the shared token (settings.PACTA_INBOUND_EMAIL_TOKEN).
TOKEN_HEADER = "X-Pacta-Inbound-Token"  # noqa: S105 (a header name, not a secret)


class InboundEmailView(APIView):
    """``POST /api/v1/inbound-email/`` — for the mail server: the raw message as the body
    (``Content-Type: message/rfc822``), the shared token in ``X-Pacta-Inbound-Token``. It
    opens a ticket, adds a reply to its ticket, or stores the refusal (and answers the
    sender); the same message posted again is handled once."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    parser_classes = [RawMessageParser]

    @extend_schema(
        request={"message/rfc822": OpenApiTypes.BINARY},
        parameters=[
            OpenApiParameter(
                TOKEN_HEADER,
                str,
                location=OpenApiParameter.HEADER,
                required=True,
                description=str(_("The shared token of the mail server (a setting).")),
            )
        ],
        responses={200: InboundMessageSerializer, 400: None, 403: None},
        operation_id="inbound_email_receive",
    )
    def post(self, request: Request) -> Response:
        expected = str(getattr(settings, "PACTA_INBOUND_EMAIL_TOKEN", "") or "")
        given = request.headers.get(TOKEN_HEADER, "")
        if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
            raise InboundTokenRefused(_("The inbound e-mail token is missing or wrong."))
        raw = request.data
        if not isinstance(raw, bytes) or not raw.strip():
            raise InvalidInput.on("message", _("Send the e-mail as received, as the body."))
        message = inbound_email_receive(raw=raw)
        return Response(InboundMessageSerializer(message).data)


class InboundTokenRefused(Forbidden):
    code = "inbound_token_refused"


urlpatterns = [path("inbound-email/", InboundEmailView.as_view(), name="inbound-email")]
