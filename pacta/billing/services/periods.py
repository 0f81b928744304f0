"""Billing periods of contracts: made ahead of need, idempotently.

``periods_ensure`` writes the periods a contract has had up to a day (aligned to its start,
the last one prorated when the contract ends inside it). The unique (contract, start) key
makes it safe to call from any number of runs or workers at once: a period is written once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

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
from pacta.contracts.selectors import contract_version_in_force
from pacta.domain.invoicing import billing_periods

Contract = Any
#: Contracts that have billing periods: every contract that left draft.
BILLED_STATUSES = frozenset({"active", "suspended", "expired", "terminated"})


def _length(contract: Contract) -> str:
    """The billing period of the contract's first terms (periods keep it for their life)."""
    version = contract_version_in_force(contract, contract.starts_on)
    return version.billing_period if version is not None else "month"


def periods_ensure(
    *, contract: Contract, until: dt.date, now: dt.datetime | None = None
) -> list[ContractPeriod]:
    """The contract's periods that start on or before ``until``, writing those missing.
    Calling it again writes nothing."""
    now = now or timezone.now()
    if contract.status not in BILLED_STATUSES or contract.starts_on > until:
        return []
    wanted = billing_periods(
        contract_starts_on=contract.starts_on,
        contract_ends_on=contract.ends_on,
        length=_length(contract),
        until=until,
    )
    with transaction.atomic():
        have = set(
            ContractPeriod.objects.filter(contract=contract).values_list("starts_on", flat=True)
        )
        missing = [p for p in wanted if p.starts_on not in have]
        if missing:
            ContractPeriod.objects.bulk_create(
                [
                    ContractPeriod(
                        contract=contract,
                        starts_on=p.starts_on,
                        ends_on=p.ends_on,
                        length=p.length,
                        share=p.share,
                    )
                    for p in missing
                ],
                ignore_conflicts=True,  # another worker wrote it first: that one stands
            )
            written = ContractPeriod.objects.filter(
                contract=contract, starts_on__in=[p.starts_on for p in missing]
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
            )
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
