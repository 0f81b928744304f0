"""What work costs us: a technician's hourly cost from a day on (``CostRate``). A cost rate is a
rate: every change says why. The margins report reads them (``pacta.billing.margins``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pacta.audit.services import (
    Actor,
    RecordWriter,
    record_create,
    record_delete,
    record_update,
    require_reason,
)
from pacta.billing.models import CostRate


def cost_rate_create(*, actor: Actor, values: Mapping[str, Any], reason: str = "") -> CostRate:
    return record_create(CostRate, actor=actor, values=values, reason=require_reason(reason))


def cost_rate_update(
    *, actor: Actor, cost_rate: CostRate, values: Mapping[str, Any], reason: str = ""
) -> CostRate:
    return record_update(cost_rate, actor=actor, values=values, reason=require_reason(reason))


def cost_rate_delete(*, actor: Actor, cost_rate: CostRate, reason: str = "") -> None:
    record_delete(cost_rate, actor=actor, reason=require_reason(reason))


COST_RATE = RecordWriter(
    param="cost_rate",
    create=cost_rate_create,
    update=cost_rate_update,
    delete=cost_rate_delete,
    reason_required=True,
)
