"""Errors of the shared write path."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.translation import ngettext

from pacta.domain.errors import Conflict, InvalidInput


class UnknownField(InvalidInput):
    code = "unknown_field"


class RecordInUse(Conflict):
    code = "in_use"

    @classmethod
    def of(cls, instance: Any, users: Iterable[Any]) -> RecordInUse:
        users = list(users)
        kinds = sorted({str(u._meta.verbose_name_plural) for u in users})
        return cls(
            ngettext(
                "%(record)s cannot be deleted: %(count)d other record uses it (%(kinds)s).",
                "%(record)s cannot be deleted: %(count)d other records use it (%(kinds)s).",
                len(users),
            )
            % {"record": str(instance), "count": len(users), "kinds": ", ".join(kinds)}
        )
