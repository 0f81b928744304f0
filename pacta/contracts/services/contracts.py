"""Contracts themselves: created as drafts, changed with care once live, moved through their
lifecycle. Their terms are in :mod:`pacta.contracts.services.terms`."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import transaction
from django.db.models import Max, Min, Model
from django.utils import timezone
from django.utils.translation import gettext as _

from pacta.audit.services import (
    Action,
    Actor,
    RecordWriter,
    record_create,
    record_delete,
    record_save,
    record_update,
    require_reason,
)
from pacta.contracts.errors import (
    ContractFieldLocked,
    ContractNotDraft,
)
from pacta.contracts.models import (
    Contract,
    ContractStatus,
)
from pacta.contracts.services.rows import contract_locked, pk_of
from pacta.contracts.services.terms import contract_version_delete
from pacta.customers.selectors import customer_descendant_ids
from pacta.domain.currencies import is_currency
from pacta.domain.errors import FieldErrors, InvalidInput
from pacta.domain.lifecycle import ContractStatus as Status
from pacta.domain.lifecycle import TransitionRefused, check_transition

#: Fixed once a contract has left draft: they identify what was signed.
FIXED_ONCE_LIVE = ("number", "customer", "currency", "starts_on")


def _differs(instance: Model, name: str, value: Any) -> bool:
    try:
        field = instance._meta.get_field(name)
    except FieldDoesNotExist:
        return True
    if field.many_to_many:
        stored = set(getattr(instance, name).values_list("pk", flat=True))
        return {pk_of(v) for v in value or []} != stored
    if field.is_relation:
        return bool(pk_of(value) != getattr(instance, field.attname))
    return bool(value != getattr(instance, name))


# --- contracts ------------------------------------------------------------------------------------
def _normalized(values: Mapping[str, Any]) -> dict[str, Any]:
    values = dict(values)
    if isinstance(values.get("number"), str):
        values["number"] = values["number"].strip()
    if isinstance(values.get("currency"), str):
        values["currency"] = values["currency"].strip().upper()
    return values


def _covered(contract: Contract, name: str, m2m: Mapping[str, list[Any]] | None) -> list[Any]:
    """The sites or equipment the contract will cover: the values given, else the stored ones."""
    if m2m is not None and name in m2m:
        model = Contract._meta.get_field(name).related_model
        items = list(m2m[name])
        rows = [item for item in items if isinstance(item, model)]
        ids = [item for item in items if not isinstance(item, model)]
        if ids:
            rows += list(model._default_manager.filter(pk__in=ids))
        return sorted(rows, key=lambda row: row.pk)
    if contract.pk is None:
        return []
    return list(getattr(contract, name).order_by("pk"))


def contract_check(contract: Contract, m2m: Mapping[str, list[Any]] | None = None) -> None:
    errors = FieldErrors()
    if not is_currency(contract.currency):
        errors.add(
            "currency",
            _("%(code)s is not an ISO 4217 currency code.") % {"code": contract.currency},
        )
    if contract.ends_on is not None and contract.ends_on < contract.starts_on:
        errors.add("ends_on", _("A contract cannot end before it starts."))

    customer = contract.customer
    stored_customer = (
        Contract.objects.filter(pk=contract.pk).values_list("customer_id", flat=True).first()
        if contract.pk is not None
        else None
    )
    # The customer is checked when it is chosen: a contract stays with a customer retired later.
    if contract.customer_id != stored_customer and not customer.is_active:
        errors.add(
            "customer", _("%(customer)s is no longer an active customer.") % {"customer": customer}
        )

    sites = _covered(contract, "sites", m2m)
    family = customer_descendant_ids(customer)
    for site in sites:
        if site.customer_id not in family:
            errors.add(
                "sites",
                _("%(site)s is not a site of %(customer)s or of a customer it pays for.")
                % {"site": site, "customer": customer},
            )
    covered_sites = {site.pk for site in sites}
    for unit in _covered(contract, "equipment", m2m):
        if unit.site_id not in covered_sites:
            errors.add(
                "equipment",
                _("%(equipment)s is not at a site this contract covers.") % {"equipment": unit},
            )

    if contract.pk is not None:
        span = contract.versions.aggregate(first=Min("effective_on"), last=Max("effective_on"))
        if span["first"] is not None and contract.starts_on > span["first"]:
            errors.add(
                "starts_on",
                _("The contract's first terms take effect on %(day)s; it cannot start later.")
                % {"day": span["first"].isoformat()},
            )
        if (
            span["last"] is not None
            and contract.ends_on is not None
            and contract.ends_on < span["last"]
        ):
            errors.add(
                "ends_on",
                _("The contract's last terms take effect on %(day)s; it cannot end before.")
                % {"day": span["last"].isoformat()},
            )
    errors.raise_if_any()


def contract_create(*, actor: Actor, values: Mapping[str, Any], reason: str = "") -> Contract:
    values = _normalized(values)
    status = values.pop("status", None) or ContractStatus.DRAFT
    if status != ContractStatus.DRAFT:
        raise InvalidInput.on(
            "status",
            _(
                "A contract is created as a draft; activate it with a status change once it "
                "has its terms."
            ),
        )
    if not values.get("currency"):
        currency = getattr(values.get("customer"), "currency", None)
        if currency:
            values["currency"] = currency
    values["status"] = ContractStatus.DRAFT
    return record_create(Contract, actor=actor, values=values, reason=reason, check=contract_check)


def contract_update(
    *, actor: Actor, contract: Contract, values: Mapping[str, Any], reason: str = ""
) -> Contract:
    values = _normalized(values)
    if "status" in values and values.pop("status") != contract.status:
        raise InvalidInput.on(
            "status",
            _("The status changes only through a status change, which says why."),
        )
    if contract.status != ContractStatus.DRAFT:
        fixed = [
            name
            for name in FIXED_ONCE_LIVE
            if name in values and _differs(contract, name, values[name])
        ]
        if fixed:
            raise ContractFieldLocked(
                _(
                    "Contract %(number)s is %(status)s: its number, customer, currency and start "
                    "date are fixed."
                )
                % {"number": contract.number, "status": contract.get_status_display()},
                fields={
                    name: [_("This is fixed once the contract has left draft.")] for name in fixed
                },
            )
        if any(_differs(contract, name, value) for name, value in values.items()):
            reason = require_reason(reason)
    return record_update(contract, actor=actor, values=values, reason=reason, check=contract_check)


def contract_delete(*, actor: Actor, contract: Contract, reason: str = "") -> None:
    with transaction.atomic():
        current = contract_locked(contract)
        if current.status != ContractStatus.DRAFT:
            raise ContractNotDraft(_("Only a draft contract can be deleted; terminate it instead."))
        # Each version (and each of its scope lines) leaves its own row in the change log.
        version_reason = reason or _("Deleted with its draft contract %(number)s.") % {
            "number": current.number
        }
        for version in current.versions.order_by("-number"):
            contract_version_delete(actor=actor, contract_version=version, reason=version_reason)
        record_delete(current, actor=actor, reason=reason)


def contract_status_change(
    *,
    actor: Actor,
    contract: Contract,
    status: str,
    reason: str,
    now: datetime | None = None,
) -> Contract:
    """Move ``contract`` to ``status`` if its lifecycle allows it today (see domain.lifecycle)."""
    reason = require_reason(reason)
    try:
        target = Status(status)
    except ValueError:
        raise InvalidInput.on(
            "status", _("%(status)s is not a contract status.") % {"status": status}
        ) from None
    with transaction.atomic():
        current = contract_locked(contract)
        try:
            check_transition(
                Status(current.status),
                target,
                ends_on=current.ends_on,
                today=timezone.localdate(now),
                version_count=current.versions.count(),
            )
        except TransitionRefused as refused:
            # The pure core names statuses by code; people read them in their language.
            if "current" in refused.params:
                refused.params["current"] = ContractStatus(current.status).label
                refused.params["target"] = ContractStatus(target.value).label
            raise
        current.status = target.value
        return record_save(current, actor=actor, reason=reason, action=Action.STATUS, now=now)


CONTRACT = RecordWriter(
    param="contract",
    create=contract_create,
    update=contract_update,
    delete=contract_delete,
    check=contract_check,
)
