"""Writing the entitlement ledger: period openings (grants, expiry, rollover), draws, reversals;
and the rows of the credits ledger (what a credit is, ``pacta.billing.services.credits`` decides).

Rows are only appended. A period is opened once per contract (a unique row guards it), which
writes the previous period's close (``pacta.domain.entitlement.close_period``) and the new
period's grants; draws come from the rating and are reversed when a rating is superseded.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from pacta.audit.services import Actor, actor_user, record_save
from pacta.domain.entitlement import Allowance, LedgerEntry, close_period, derive_balances
from pacta.domain.entitlement import Balances as DomainBalances
from pacta.domain.entitlement import LedgerKind as DomainKind
from pacta.entitlements.errors import CreditAlreadyReversed
from pacta.entitlements.models import Credit, LedgerKind, PeriodOpening
from pacta.entitlements.models import LedgerEntry as Row

#: Rows per INSERT statement of a bulk append (well under SQLite's bound-variable limit).
BULK = 1000


def _to_domain(row: Row) -> LedgerEntry:
    return LedgerEntry(
        allowance_code=row.allowance_code,
        site_id=str(row.site_id or ""),
        kind=DomainKind(row.kind),
        quantity=row.quantity,
        period_on=row.period_on,
        work_order_id=str(row.work_order_id or ""),
        entry_id=str(row.pk),
        reverses=str(row.reverses_id or ""),
    )


def entitlement_balances(*, contract: Any, period_on: dt.date) -> DomainBalances:
    """The balances of a contract's period, rebuilt from its ledger rows."""
    # A reversal is written in the period of the row it undoes, so one period's rows suffice.
    rows = Row.objects.filter(contract=contract, period_on=period_on)
    return derive_balances([_to_domain(row) for row in rows], period_on)


def ledger_append(
    *,
    contract: Any,
    entries: Iterable[LedgerEntry],
    actor: Actor,
    now: dt.datetime,
    work_order: Any = None,
    reference: str = "",
    reason: str = "",
) -> list[Row]:
    return ledger_append_many(
        drawn=[(contract, work_order, reference, entries)], actor=actor, now=now, reason=reason
    )


def ledger_append_many(
    *,
    drawn: Iterable[tuple[Any, Any, str, Iterable[LedgerEntry]]],
    actor: Actor,
    now: dt.datetime,
    reason: str = "",
) -> list[Row]:
    """Append the entries of many (contract, work order, reference, entries) in one write:
    the draws of a batch of ratings."""
    user = actor_user(actor)
    rows = [
        Row(
            contract=contract,
            allowance_code=entry.allowance_code,
            site_id=int(entry.site_id) if entry.site_id else None,
            period_on=entry.period_on,
            kind=LedgerKind(entry.kind.value),
            quantity=entry.quantity,
            work_order=work_order,
            reference=reference,
            created_at=now,
            created_by=user,
            reason=reason,
        )
        for contract, work_order, reference, entries in drawn
        for entry in entries
    ]
    return Row.objects.bulk_create(rows, batch_size=BULK)


def ledger_reverse(
    *, contract: Any, rows: Sequence[Row], actor: Actor, now: dt.datetime, reason: str
) -> list[Row]:
    """Append a reversal of each row (a row is reversed at most once: a unique key)."""
    return Row.objects.bulk_create(
        [
            Row(
                contract=contract,
                allowance_code=row.allowance_code,
                site_id=row.site_id,
                period_on=row.period_on,
                kind=LedgerKind.REVERSE,
                quantity=row.quantity,
                work_order_id=row.work_order_id,
                reverses=row,
                reference=row.reference,
                created_at=now,
                created_by=actor_user(actor),
                reason=reason,
            )
            for row in rows
        ]
    )


def ledger_reverse_draws(
    *, contract: Any, reference: str, actor: Actor, now: dt.datetime, reason: str
) -> list[Row]:
    """Reverse the draws written under ``reference`` that are not reversed yet."""
    draws = Row.objects.filter(
        contract=contract, reference=reference, kind=LedgerKind.DRAW, reversed_by__isnull=True
    )
    return ledger_reverse(contract=contract, rows=list(draws), actor=actor, now=now, reason=reason)


def entitlement_period_open(
    *,
    contract: Any,
    allowances: Sequence[Allowance],
    period_on: dt.date,
    previous_period_on: dt.date | None,
    site_ids: Sequence[str],
    actor: Actor,
    now: dt.datetime,
) -> bool:
    """Write the grants of ``period_on`` (and the close of the previous period, if it was
    opened) once; False when the period was already open."""
    if PeriodOpening.objects.filter(contract=contract, period_on=period_on).exists():
        return False
    try:
        with transaction.atomic():
            PeriodOpening.objects.create(contract=contract, period_on=period_on, opened_at=now)
            previous_open = (
                previous_period_on is not None
                and PeriodOpening.objects.filter(
                    contract=contract, period_on=previous_period_on
                ).exists()
            )
            # The first period opened has nothing to close: only its grants are written.
            balances = (
                entitlement_balances(contract=contract, period_on=previous_period_on)
                if previous_open and previous_period_on is not None
                else DomainBalances(period_on, {})
            )
            entries = close_period(
                allowances, balances, next_period_on=period_on, site_ids=site_ids
            )
            ledger_append(
                contract=contract,
                entries=entries,
                actor=actor,
                now=now,
                reference=f"period {period_on.isoformat()}",
                reason="period opened",
            )
    except IntegrityError:  # another worker opened it first
        return False
    return True


# --- the credits ledger ----------------------------------------------------------------------
def credit_row_append(
    *, actor: Actor, values: dict[str, Any], reason: str, now: dt.datetime
) -> Any:
    """Append one credit row (validated, with its audit row); the callers in
    ``pacta.billing.services.credits`` decide what it is."""
    credit = Credit(**values, reason=reason, created_at=now, created_by=actor_user(actor))
    return record_save(credit, actor=actor, reason=reason, now=now)


def credit_row_reverse(*, actor: Actor, credit: Any, reason: str, now: dt.datetime) -> Any:
    """Append the reversal of ``credit`` (same kind, opposite amount); at most once."""
    locked = Credit.objects.select_for_update().get(pk=credit.pk)
    if locked.reverses_id is not None or Credit.objects.filter(reverses=locked).exists():
        raise CreditAlreadyReversed(_("This credit is reversed already, or is a reversal."))
    return credit_row_append(
        actor=actor,
        values={
            "contract_id": locked.contract_id,
            "period_on": locked.period_on,
            "kind": locked.kind,
            "sequence": locked.sequence,
            "amount": -locked.amount,
            "currency": locked.currency,
            "hours": locked.hours,
            "words": locked.words,
            "work_order_id": locked.work_order_id,
            "reference": locked.reference,
            "reverses": locked,
            "approved_by": locked.approved_by,
        },
        reason=reason,
        now=now,
    )
