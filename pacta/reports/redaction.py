"""Masking what a contract's documents must never show (a hospital's patient names): every
match of each of its rules' patterns is replaced, in every free text of the document."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Redaction:
    """The compiled rules of one contract, applied in their order."""

    rules: tuple[tuple[re.Pattern[str], str], ...] = ()

    @classmethod
    def of(cls, rules: Iterable[tuple[str, str]]) -> Redaction:
        return cls(tuple((re.compile(pattern), replacement) for pattern, replacement in rules))

    def mask(self, text: str | None) -> str:
        text = text or ""
        for pattern, replacement in self.rules:
            # The replacement is literal text, never a template of groups.
            text = pattern.sub(lambda _match, r=replacement: r, text)  # type: ignore[misc]
        return text


NONE = Redaction()
