"""The outbox, read-only: every message pacta queued, whether it went, and why not."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from pacta.accounts.access import audience_of
from pacta.comms import selectors
from pacta.comms.models import OutboundMessage
from pacta.web.admin.records import ReadOnlyAdmin


class SentFilter(admin.SimpleListFilter):
    title = _("sent")
    parameter_name = "sent"

    def lookups(self, request: HttpRequest, model_admin: Any) -> Any:
        return (("yes", _("sent")), ("no", _("waiting")), ("failed", _("failed at least once")))

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "yes":
            return queryset.filter(sent_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(sent_at__isnull=True)
        if self.value() == "failed":
            return queryset.exclude(last_error="")
        return queryset


@admin.register(OutboundMessage)
class OutboundMessageAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "to_email", "subject", "language", "sent_at", "attempts")
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
        "last_error",
    )
    fields = readonly_fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return selectors.outbound_message_list(audience=audience_of(request.user))
