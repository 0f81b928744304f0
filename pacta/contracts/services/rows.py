"""The rows a contracts service is writing: found by id, locked for the transaction."""

from __future__ import annotations

from typing import Any

from pacta.contracts.models import Contract


def pk_of(value: Any) -> Any:
    return getattr(value, "pk", value)


def contract_locked(contract: Contract | int) -> Contract:
    """The contract's row as stored, locked until the end of the transaction."""
    return Contract.objects.select_related("customer").select_for_update().get(pk=pk_of(contract))
