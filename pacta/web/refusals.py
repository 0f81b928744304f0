"""A refused write shown on a finance form: each message next to the field it names, the rest
(and the refusal's own words, when no field already says them) above the form."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from pacta.domain.errors import PactaError

#: The key of the messages shown above a form rather than next to one of its fields.
GENERAL = "general"


def refusal_fields(error: PactaError, shown: Collection[str]) -> dict[str, list[str]]:
    """The refusal's messages by the form field they name (``shown``), the rest under
    ``general``. Field messages of the pure cores are English templates: translated here."""
    found: dict[str, list[str]] = {}
    for name, messages in error.fields.items():
        key = name if name in shown else GENERAL
        found.setdefault(key, []).extend(_(message) for message in messages)
    detail = error.message_in(_)
    if not any(detail in messages for messages in found.values()):
        found.setdefault(GENERAL, []).insert(0, detail)
    return found


def amount_given(text: str | None) -> Decimal | None:
    """An amount typed on a form (``181.50``; a decimal comma is taken too), or None."""
    try:
        value = Decimal((text or "").strip().replace(",", "."))
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def day_given(text: str | None) -> dt.date | None:
    """A day typed on a form as YYYY-MM-DD, or None."""
    try:
        return dt.date.fromisoformat((text or "").strip())
    except ValueError:
        return None
