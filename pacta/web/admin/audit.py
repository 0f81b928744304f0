"""The change log, read-only."""

from __future__ import annotations

from django.contrib import admin

from pacta.audit.models import AuditEntry
from pacta.web.admin.records import ReadOnlyAdmin


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor_label", "action", "entity_type", "entity_label", "reason")
    list_filter = ("action", "entity_type")
    search_fields = ("entity_label", "entity_id", "reason", "actor_label")
    date_hierarchy = "at"
    readonly_fields = [f.name for f in AuditEntry._meta.fields]
