"""The outbox, read-only (every message pacta queued, whether it went, and why not; a message
given up can be started again), and the templates customer e-mails are written from."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from pacta.accounts.access import CHANGE, audience_of, kind_of, may
from pacta.comms import selectors, services
from pacta.comms.models import MAX_ATTEMPTS, MessageTemplate, OutboundMessage, OutboundState
from pacta.domain.errors import PactaError
from pacta.web.admin.records import ReadOnlyAdmin, RecordAdmin


class SentFilter(admin.SimpleListFilter):
    title = _("sent")
    parameter_name = "sent"

    def lookups(self, request: HttpRequest, model_admin: Any) -> Any:
        return (
            ("yes", _("sent")),
            ("no", _("waiting")),
            ("failed", _("failed at least once")),
            ("given_up", _("given up")),
        )

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "yes":
            return queryset.filter(sent_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(sent_at__isnull=True)
        if self.value() == "failed":
            return queryset.exclude(last_error="")
        if self.value() == "given_up":
            return queryset.filter(sent_at__isnull=True, attempts__gte=MAX_ATTEMPTS)
        return queryset


def outbound_state(message: OutboundMessage) -> Any:
    """Where a message stands, for people (given up: after how many attempts)."""
    state = message.state
    if state == OutboundState.GIVEN_UP:
        return gettext("given up after %(attempts)d attempts") % {"attempts": message.attempts}
    return OutboundState(state).label


@admin.register(OutboundMessage)
class OutboundMessageAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "to_email",
        "subject",
        "language",
        "sent_at",
        "attempts",
        "state",
        "next_attempt_at",
    )
    list_filter = (SentFilter, "language", "entity_type")
    search_fields = ("to_email", "subject", "key", "entity_id")
    date_hierarchy = "created_at"
    readonly_fields = (
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
        "state",
        "next_attempt_at",
        "last_error",
    )
    fields = readonly_fields
    actions = ("retry_now",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return selectors.outbound_message_list(audience=audience_of(request.user))

    @admin.display(description=_("state"))
    def state(self, message: OutboundMessage) -> Any:
        return outbound_state(message)

    def has_retry_permission(self, request: HttpRequest) -> bool:
        return may(audience_of(request.user), kind_of(OutboundMessage), CHANGE)

    @admin.action(description=_("Retry now (forget the failures)"), permissions=["retry"])
    def retry_now(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        started = 0
        for message in queryset.filter(sent_at__isnull=True):
            try:
                services.message_retry(actor=request.user, message=message)
            except PactaError as error:
                self.message_user(request, error.message_in(gettext), level=messages.ERROR)
                continue
            started += 1
        self.message_user(
            request,
            ngettext(
                "%(count)d message will be sent by the next outbox flush.",
                "%(count)d messages will be sent by the next outbox flush.",
                started,
            )
            % {"count": started},
        )


@admin.register(MessageTemplate)
class MessageTemplateAdmin(RecordAdmin):
    """A customer e-mail's words per event and language; a contract may have its own. The
    subject and body are Django templates over the event's context (``{{ ticket.reference }}``,
    ``{{ contact_name }}``, ``{{ site_name }}``, ...); one that does not render is refused
    on its field."""

    writer = services.MESSAGE_TEMPLATE
    list_display = ("event", "language", "contract", "subject", "is_active", "updated_at")
    list_filter = ("event", "language", "is_active")
    search_fields = ("subject", "body", "contract__number")
    raw_id_fields = ("contract",)
    fieldsets = (
        (None, {"fields": ("event", "language", "contract", "is_active")}),
        (
            _("Words"),
            {
                "fields": ("subject", "body"),
                "description": _(
                    "Django templates: {{ ticket.reference }}, {{ contact_name }}, "
                    "{{ customer_name }}, {{ site_name }}, {{ service_name }}, "
                    "{{ contract_number }}, and per event {{ work_order.reference }}, "
                    "{{ technician_name }}, {{ arrival }}, {{ has_report }}, "
                    "{{ response_due }}."
                ),
            },
        ),
    )

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        return {"language": getattr(request, "LANGUAGE_CODE", ""), "is_active": True}
