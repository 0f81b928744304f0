"""Assertions that a refused write changed nothing."""

from __future__ import annotations

from typing import Any

from django.apps import apps


def table_counts() -> dict[str, int]:
    """Row counts of every pacta table (and the audit log)."""
    return {
        model._meta.label_lower: model._default_manager.count()
        for model in apps.get_models()
        if model.__module__.startswith("pacta.")
    }


def row(instance: Any) -> dict[str, Any]:
    """The stored values of ``instance``'s row, read afresh from the database."""
    fresh = type(instance)._default_manager.filter(pk=instance.pk).values().first()
    assert fresh is not None, f"{instance!r} is not in the database"
    return fresh
