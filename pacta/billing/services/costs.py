"""What work and parts cost us: a technician's hourly cost from a day on (``CostRate``) and a
product's unit cost from a day on (``ProductCost``). Both are rates: every change says why
(kept in the audit log with who and when). The margins report reads them
(``pacta.billing.margins``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

from pacta.audit.services import (
    Actor,
    RecordWriter,
    is_duplicate,
    record_create,
    record_delete,
    record_update,
    require_reason,
)
from pacta.billing.models import CostRate, ProductCost
from pacta.domain.errors import InvalidInput


def cost_rate_check(rate: CostRate, m2m: Mapping[str, list[Any]] | None = None) -> None:
    if is_duplicate(rate, technician_id=rate.technician_id, effective_on=rate.effective_on):
        raise InvalidInput.on(
            "effective_on", _("This technician already has a cost rate from that day.")
        )


def cost_rate_create(*, actor: Actor, values: Mapping[str, Any], reason: str = "") -> CostRate:
    return record_create(
        CostRate, actor=actor, values=values, reason=require_reason(reason), check=cost_rate_check
    )


def cost_rate_update(
    *, actor: Actor, cost_rate: CostRate, values: Mapping[str, Any], reason: str = ""
) -> CostRate:
    return record_update(
        cost_rate,
        actor=actor,
        values=values,
        reason=require_reason(reason),
        check=cost_rate_check,
    )


def cost_rate_delete(*, actor: Actor, cost_rate: CostRate, reason: str = "") -> None:
    record_delete(cost_rate, actor=actor, reason=require_reason(reason))


COST_RATE = RecordWriter(
    param="cost_rate",
    create=cost_rate_create,
    update=cost_rate_update,
    delete=cost_rate_delete,
    reason_required=True,
)


def product_cost_check(cost: ProductCost, m2m: Mapping[str, list[Any]] | None = None) -> None:
    if is_duplicate(cost, product_id=cost.product_id, effective_on=cost.effective_on):
        raise InvalidInput.on("effective_on", _("This product already has a cost from that day."))


def product_cost_create(
    *, actor: Actor, values: Mapping[str, Any], reason: str = ""
) -> ProductCost:
    return record_create(
        ProductCost,
        actor=actor,
        values=values,
        reason=require_reason(reason),
        check=product_cost_check,
    )


def product_cost_update(
    *, actor: Actor, product_cost: ProductCost, values: Mapping[str, Any], reason: str = ""
) -> ProductCost:
    return record_update(
        product_cost,
        actor=actor,
        values=values,
        reason=require_reason(reason),
        check=product_cost_check,
    )


def product_cost_delete(*, actor: Actor, product_cost: ProductCost, reason: str = "") -> None:
    record_delete(product_cost, actor=actor, reason=require_reason(reason))


PRODUCT_COST = RecordWriter(
    param="product_cost",
    create=product_cost_create,
    update=product_cost_update,
    delete=product_cost_delete,
    reason_required=True,
)
