"""Billing periods of contracts: made ahead of need, idempotently.

``periods_ensure`` writes the periods a contract has had up to a day (aligned to its start,
the last one prorated when the contract ends inside it). The unique (contract, start) key
makes it safe to call from any number of runs or workers at once: a period is written once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone

from pacta.accounts.access import SYSTEM
from pacta.audit.services import (
    Action,
    Actor,
    RecordWriter,
    change_entry,
    change_record_bulk,
    record_create,
    record_delete,
    record_update,
    require_reason,
    snapshot,
)
from pacta.billing.models import BillingTerms, ContractPeriod
from pacta.contracts.selectors import contract_version_list
from pacta.domain.invoicing import billing_periods
from pacta.domain.terms import version_in_force

Contract = Any
#: Contracts that have billing periods: every contract that left draft.
BILLED_STATUSES = frozenset({"active", "suspended", "expired", "terminated"})


def periods_ensure_many(
    *, contracts: Sequence[Contract], until: dt.date, now: dt.datetime | None = None
) -> int:
    """Write the missing periods of ``contracts`` that start on or before ``until`` (in a few
    queries for the lot); returns how many were written. Calling it again writes nothing."""
    now = now or timezone.now()
    billed = [c for c in contracts if c.status in BILLED_STATUSES and c.starts_on <= until]
    if not billed:
        return 0
    ids = [contract.pk for contract in billed]
    first_terms: dict[Any, Any] = {}
    versions = contract_version_list(audience=SYSTEM).filter(contract_id__in=ids)
    for version in versions.order_by("effective_on", "number").values_list(
        "contract_id", "effective_on", "billing_period", named=True
    ):
        first_terms.setdefault(version.contract_id, []).append(version)
    have: dict[Any, set[dt.date]] = {}
    for contract_id, starts_on in ContractPeriod.objects.filter(contract_id__in=ids).values_list(
        "contract_id", "starts_on"
    ):
        have.setdefault(contract_id, set()).add(starts_on)
    missing = []
    for contract in billed:
        version = version_in_force(first_terms.get(contract.pk, []), contract.starts_on)
        wanted = billing_periods(
            contract_starts_on=contract.starts_on,
            contract_ends_on=contract.ends_on,
            length=version.billing_period if version is not None else "month",
            until=until,
        )
        known = have.get(contract.pk, set())
        missing += [
            ContractPeriod(
                contract_id=contract.pk,
                starts_on=p.starts_on,
                ends_on=p.ends_on,
                length=p.length,
                share=p.share,
            )
            for p in wanted
            if p.starts_on not in known
        ]
    if not missing:
        return 0
    with transaction.atomic():
        # Another worker may write some first: its rows stand (unique contract and start);
        # in that race both log the creation.
        ContractPeriod.objects.bulk_create(missing, ignore_conflicts=True, batch_size=1000)
        starts = {(p.contract_id, p.starts_on) for p in missing}
        written = ContractPeriod.objects.filter(
            contract_id__in={p.contract_id for p in missing},
            starts_on__in={p.starts_on for p in missing},
        )
        change_record_bulk(
            change_entry(
                actor=None,
                action=Action.CREATE,
                instance=period,
                before=None,
                after=snapshot(period),
                reason="billing period",
                now=now,
            )
            for period in written
            if (period.contract_id, period.starts_on) in starts
        )
    return len(missing)


def periods_ensure(
    *, contract: Contract, until: dt.date, now: dt.datetime | None = None
) -> list[ContractPeriod]:
    """The contract's periods that start on or before ``until``, writing those missing.
    Calling it again writes nothing."""
    periods_ensure_many(contracts=[contract], until=until, now=now)
    return list(
        ContractPeriod.objects.filter(contract=contract, starts_on__lte=until).order_by("starts_on")
    )


# --- billing terms: how a contract is invoiced ---------------------------------------------------
def billing_terms_create(*, actor: Actor, values: Mapping[str, Any], reason: str = "") -> Any:
    return record_create(BillingTerms, actor=actor, values=values, reason=require_reason(reason))


def billing_terms_update(
    *, actor: Actor, billing_terms: Any, values: Mapping[str, Any], reason: str = ""
) -> Any:
    return record_update(billing_terms, actor=actor, values=values, reason=require_reason(reason))


def billing_terms_delete(*, actor: Actor, billing_terms: Any, reason: str = "") -> None:
    record_delete(billing_terms, actor=actor, reason=require_reason(reason))


#: Billing terms are terms: every change says why.
BILLING_TERMS = RecordWriter(
    param="billing_terms",
    create=billing_terms_create,
    update=billing_terms_update,
    delete=billing_terms_delete,
    reason_required=True,
)
