"""What every write to a calendar or a policy does besides its own row: the version mark.

The mappers keep one domain value per (record, ``updated_at``) for the life of the process, so
every write to a calendar, one of its windows or closed days, a policy or one of its targets
moves the record's ``updated_at`` forward in the same transaction: the next computation builds
the record afresh.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from pacta.audit.services import Actor, record_delete, require_reason

_TICK = dt.timedelta(microseconds=1)


def pk_of(value: Any) -> Any:
    return getattr(value, "pk", value)


def touch(model: type[models.Model], pk: Any, *, record: Any = None) -> dt.datetime:
    """Move ``updated_at`` of row ``pk`` forward (strictly, even within one clock tick); keep
    ``record`` (the caller's copy) in step and drop its prefetched rows, now stale."""
    rows = model._default_manager.filter(pk=pk)
    stamp = timezone.now()
    current = rows.values_list("updated_at", flat=True).first()
    if current is not None and stamp <= current:
        stamp = current + _TICK
    rows.update(updated_at=stamp)
    if record is not None:
        record.updated_at = stamp
        forget_rows(record)
    return stamp


def forget_rows(record: Any) -> None:
    """Drop the rows prefetched with ``record`` (its windows, days or targets were rewritten)."""
    cache = getattr(record, "_prefetched_objects_cache", None)
    if cache:
        cache.clear()


def delete_with_rows(record: Any, rows: list[Any], *, actor: Actor, reason: str) -> None:
    """Delete a calendar or policy after its own rows (windows, closed days, targets), each
    audited, in one transaction; a record that terms or tickets use stays (409 ``in_use``)."""
    with transaction.atomic():
        for row in rows:
            record_delete(row, actor=actor, reason=reason)
        forget_rows(record)
        record_delete(record, actor=actor, reason=reason)


def reason_for(in_terms: bool, reason: str) -> str:
    """A calendar or policy in the terms of a contract that left draft is a term: its changes
    need a reason."""
    return require_reason(reason) if in_terms else reason
