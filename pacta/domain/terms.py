"""Effective-dated terms: which version of a contract's terms is in force, and what is frozen.

A contract's terms are a sequence of versions, each with the day it takes effect. The version
in force on a day is the latest one that took effect on or before that day. A version that has
taken effect on a contract that has left draft is *locked*: it is never edited again; changes
are amendments, i.e. new versions, so the terms that priced past work stay as they were.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Protocol, TypeVar

from pacta.domain.lifecycle import ContractStatus


class Dated(Protocol):
    @property
    def effective_on(self) -> date: ...


V = TypeVar("V", bound=Dated)


def version_in_force(versions: Iterable[V], on: date) -> V | None:
    """The version with the latest ``effective_on`` not after ``on``; ``None`` before the first."""
    best: V | None = None
    for version in versions:
        if version.effective_on <= on and (
            best is None or version.effective_on > best.effective_on
        ):
            best = version
    return best


def version_is_locked(*, contract_status: ContractStatus, effective_on: date, today: date) -> bool:
    """A version is frozen once its contract left draft and the version took effect."""
    return contract_status is not ContractStatus.DRAFT and effective_on <= today
