"""Reading the change log."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from pacta.audit.models import AuditEntry


def audit_entry_list(
    *, entity_type: str | None = None, entity_id: Any = None
) -> QuerySet[AuditEntry]:
    qs = AuditEntry.objects.all()
    if entity_type is not None:
        qs = qs.filter(entity_type=entity_type)
    if entity_id is not None:
        qs = qs.filter(entity_id=str(entity_id))
    return qs


def audit_entry_list_for(instance: Any) -> QuerySet[AuditEntry]:
    """The change log of one record, newest first."""
    return audit_entry_list(entity_type=instance._meta.label_lower, entity_id=instance.pk)
