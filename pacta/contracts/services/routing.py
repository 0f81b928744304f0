"""Routing rules: which team a contract's tickets go to (by service, priority and region).

Routing is how we organise the work, not a promise priced in the terms, so a rule belongs to
the contract rather than to a version of its terms: changing a team needs no amendment. Each
change is audited with its reason."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _

from pacta.audit.services import Actor, RecordWriter, record_create, record_delete, record_update
from pacta.contracts.models import RoutingRule
from pacta.domain.errors import FieldErrors


def routing_rule_check(rule: RoutingRule, m2m: Mapping[str, list[Any]] | None = None) -> None:
    errors = FieldErrors()
    rule.region = rule.region.strip().upper()
    if rule.team_id is not None and not rule.team.is_active:
        errors.add("team", _("This team is not active."))
    same = RoutingRule.objects.filter(
        contract_id=rule.contract_id,
        service_id=rule.service_id,
        priority=rule.priority,
        region=rule.region,
    ).exclude(pk=rule.pk)
    if same.exists():
        errors.add(
            "team",
            _("This contract already routes this service, priority and region to a team."),
        )
    errors.raise_if_any()


def routing_rule_create(
    *, actor: Actor, values: Mapping[str, Any], reason: str = "", now: datetime | None = None
) -> RoutingRule:
    return record_create(
        RoutingRule, actor=actor, values=values, reason=reason, check=routing_rule_check, now=now
    )


def routing_rule_update(
    *,
    actor: Actor,
    routing_rule: RoutingRule,
    values: Mapping[str, Any],
    reason: str = "",
    now: datetime | None = None,
) -> RoutingRule:
    return record_update(
        routing_rule,
        actor=actor,
        values=values,
        reason=reason,
        check=routing_rule_check,
        now=now,
    )


def routing_rule_delete(*, actor: Actor, routing_rule: RoutingRule, reason: str = "") -> None:
    record_delete(routing_rule, actor=actor, reason=reason)


ROUTING_RULE = RecordWriter(
    param="routing_rule",
    create=routing_rule_create,
    update=routing_rule_update,
    delete=routing_rule_delete,
    check=routing_rule_check,
)
