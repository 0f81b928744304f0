"""GET/POST /api/v1/tickets/{id}/comments/ — the conversation on a ticket.

Reading lists the comments the caller may read, oldest first (a customer's users: the public
ones). Writing adds one through ``ticket_comment_create``: a customer's users add public
comments to their own tickets (as the contact with their e-mail, when there is one); the office
may add internal notes (``is_public`` false)."""

from __future__ import annotations

from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from pacta.accounts.access import VIEW, audience_of, may
from pacta.api.records import PreferencesMixin
from pacta.customers.selectors import contact_of_user
from pacta.domain.errors import Forbidden, NotFound
from pacta.service import selectors
from pacta.service.models import Ticket, TicketComment
from pacta.service.services.comments import BODY_LONGEST, ticket_comment_create

COMMENTS = "service.ticketcomment"


class TicketCommentSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    author_name = serializers.SerializerMethodField()

    class Meta:
        model = TicketComment
        fields = ["id", "ticket", "at", "author", "author_name", "contact", "body", "is_public"]
        read_only_fields = fields

    def get_author_name(self, comment: TicketComment) -> str:
        if comment.contact is not None:
            return str(comment.contact.name)
        if comment.author is not None:
            return str(comment.author.get_full_name() or comment.author.get_username())
        return ""


class TicketCommentCreateSerializer(serializers.Serializer):  # type: ignore[type-arg]
    body = serializers.CharField(max_length=BODY_LONGEST)
    is_public = serializers.BooleanField(
        default=True,
        help_text=gettext_lazy("False: an internal note the customer never sees (office only)."),
    )


class TicketCommentsView(PreferencesMixin, APIView):
    permission_classes = [IsAuthenticated]

    def _ticket(self, request: Request, pk: int) -> Ticket:
        reader = audience_of(request.user)
        if not may(reader, COMMENTS, VIEW):
            raise Forbidden()
        ticket = selectors.ticket_list(audience=reader).filter(pk=pk).first()
        if ticket is None:
            raise NotFound(_("No such ticket."))
        return ticket

    @extend_schema(responses=TicketCommentSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        """The ticket's comments the caller may read, oldest first."""
        ticket = self._ticket(request, pk)
        found = selectors.ticket_comment_list_of(ticket, audience=audience_of(request.user))
        return Response(TicketCommentSerializer(found, many=True).data)

    @extend_schema(request=TicketCommentCreateSerializer, responses=TicketCommentSerializer)
    def post(self, request: Request, pk: int) -> Response:
        """Add a comment to the ticket."""
        ticket = self._ticket(request, pk)
        given = TicketCommentCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        reader = audience_of(request.user)
        comment = ticket_comment_create(
            actor=request.user,
            ticket=ticket,
            body=given.validated_data["body"],
            is_public=given.validated_data["is_public"],
            contact=contact_of_user(request.user, audience=reader) if reader.customer_ids else None,
        )
        return Response(TicketCommentSerializer(comment).data, status=status.HTTP_201_CREATED)


urlpatterns = [
    path("tickets/<int:pk>/comments/", TicketCommentsView.as_view(), name="api-ticket-comments"),
]
