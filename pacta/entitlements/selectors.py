"""Reading the credits ledger: the rows an audience may see, and balances derived from rows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet

from pacta.accounts.access import Audience, visible
from pacta.entitlements.models import Credit, CreditKind

#: The kinds an invoice subtracts: a write-off was never billed, so it is not owed.
OWED_KINDS = frozenset({CreditKind.GOODWILL, CreditKind.SLA_BREACH})


def credit_list(*, audience: Audience) -> QuerySet[Credit]:
    """The credits (and reversals) the audience may see, in the order they were recorded."""
    return visible(
        Credit.objects.select_related("contract", "approved_by", "created_by", "reverses"),
        audience,
    ).order_by("contract", "period_on", "id")


def credit_list_of_period(*, contract: Any, period_on: dt.date) -> QuerySet[Credit]:
    """Every row of a contract's period (for the system and pages whose reader was checked)."""
    return credit_list_all().filter(contract=contract, period_on=period_on)


def credit_list_all() -> QuerySet[Credit]:
    return Credit.objects.select_related("approved_by", "reverses").order_by("id")


def credit_is_live(credit: Credit) -> bool:
    """Neither a reversal nor reversed."""
    return credit.reverses_id is None and not Credit.objects.filter(reverses=credit).exists()


def credit_sla_live(*, contract: Any, period_on: dt.date) -> Credit | None:
    """The period's SLA-breach credit in force (its latest version, unless reversed)."""
    return (
        Credit.objects.filter(
            contract=contract,
            period_on=period_on,
            kind=CreditKind.SLA_BREACH,
            reverses__isnull=True,
            reversed_by__isnull=True,
        )
        .order_by("-sequence")
        .first()
    )


def credit_sla_next_sequence(*, contract: Any, period_on: dt.date) -> int:
    last = (
        Credit.objects.filter(
            contract=contract,
            period_on=period_on,
            kind=CreditKind.SLA_BREACH,
            reverses__isnull=True,
        )
        .order_by("-sequence")
        .values_list("sequence", flat=True)
        .first()
    )
    return (last or 0) + 1


@dataclass(frozen=True)
class CreditBalance:
    """A contract period's credits summed from its rows (reversals included)."""

    currency: str
    owed: Decimal
    written_off: Decimal
    by_kind: dict[str, Decimal] = field(default_factory=dict)


def credit_balance(*, contract: Any, period_on: dt.date) -> CreditBalance:
    """What the credits of a period come to: ``owed`` (≤ 0, what an invoice subtracts) and
    ``written_off`` (≤ 0, rejected work given away), rebuilt from the rows every time."""
    by_kind: dict[str, Decimal] = {kind.value: Decimal("0.0000") for kind in CreditKind}
    for kind, amount in Credit.objects.filter(contract=contract, period_on=period_on).values_list(
        "kind", "amount"
    ):
        by_kind[kind] += amount
    owed = sum((by_kind[kind.value] for kind in OWED_KINDS), Decimal("0.0000"))
    return CreditBalance(
        currency=contract.currency,
        owed=owed,
        written_off=by_kind[CreditKind.WRITE_OFF.value],
        by_kind=by_kind,
    )
