"""The customer-readable words of a charge line's or a credit's trace, in the reader's language.

The pure core explains a figure with phrases: an English template marked for translation and
its values (``[["night %(window)s ×%(multiplier)s", {...}], ...]``, stored as ``words``). They
are translated here, at the moment of reading, and joined with ", ".
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext


def phrase_text(template: str, values: dict[str, Any] | None) -> str:
    """One phrase in the active language (a template whose translation lost a value keeps the
    English words rather than failing the page)."""
    try:
        return gettext(template) % dict(values or {})
    except (KeyError, ValueError, TypeError):
        return template % dict(values or {})


def words_text(words: Iterable[Any]) -> str:
    """Stored phrases in the active language, joined with ", "."""
    return ", ".join(phrase_text(template, values) for template, values in words)
