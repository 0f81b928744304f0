"""/api/v1/audit-entries/ — the change log, read-only."""

from __future__ import annotations

from django.db.models import QuerySet
from rest_framework import serializers
from rest_framework.routers import DefaultRouter

from pacta.accounts.access import Audience, visible
from pacta.api.records import ReadOnlyRecordViewSet
from pacta.audit.models import AuditEntry
from pacta.audit.selectors import audit_entry_list


def _visible_entries(*, audience: Audience) -> QuerySet[AuditEntry]:
    return visible(audit_entry_list(), audience)


class AuditEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditEntry
        fields = [
            "id",
            "at",
            "actor",
            "actor_label",
            "action",
            "entity_type",
            "entity_id",
            "entity_label",
            "reason",
            "before",
            "after",
        ]
        read_only_fields = fields


class AuditEntryViewSet(ReadOnlyRecordViewSet):
    serializer_class = AuditEntrySerializer
    selector = staticmethod(_visible_entries)
    filterset_fields = ["entity_type", "entity_id", "actor", "action"]
    search_fields = ["entity_label", "reason", "actor_label"]
    ordering_fields = ["at", "id"]


def register(router: DefaultRouter) -> None:
    router.register("audit-entries", AuditEntryViewSet, basename="audit-entry")
