"""Reading contracts and their terms (always through what the reader may see)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import QuerySet

from pacta.accounts.access import Audience, visible
from pacta.contracts.models import (
    Allowance,
    Contract,
    ContractVersion,
    RoutingRule,
    ScopeLine,
    SurchargeRule,
    TravelRule,
)
from pacta.domain.lifecycle import ContractStatus
from pacta.domain.terms import version_in_force, version_is_locked


def contract_list(*, audience: Audience) -> QuerySet[Contract]:
    return visible(
        Contract.objects.select_related("customer").prefetch_related(
            "sites", "equipment", "versions"
        ),
        audience,
    )


def contract_version_list(*, audience: Audience) -> QuerySet[ContractVersion]:
    return visible(
        ContractVersion.objects.select_related("contract").prefetch_related("scope_lines__service"),
        audience,
    )


def scope_line_list(*, audience: Audience) -> QuerySet[ScopeLine]:
    return visible(
        ScopeLine.objects.select_related("version", "version__contract", "service"), audience
    )


def surcharge_rule_list(*, audience: Audience) -> QuerySet[SurchargeRule]:
    return visible(
        SurchargeRule.objects.select_related("price_list", "version__contract").prefetch_related(
            "services"
        ),
        audience,
    )


def travel_rule_list(*, audience: Audience) -> QuerySet[TravelRule]:
    return visible(
        TravelRule.objects.select_related("price_list", "version__contract", "tax_rate"), audience
    )


def allowance_list(*, audience: Audience) -> QuerySet[Allowance]:
    return visible(
        Allowance.objects.select_related("version__contract").prefetch_related(
            "services", "products"
        ),
        audience,
    )


def contract_version_in_force(contract: Contract, on: date) -> ContractVersion | None:
    """The version of ``contract`` whose terms apply on day ``on`` (None before the first)."""
    return version_in_force(contract.versions.all(), on)


def contract_version_is_locked(version: ContractVersion, *, today: date) -> bool:
    """Whether ``version`` took effect on a contract that left draft (then it is never edited)."""
    return version_is_locked(
        contract_status=ContractStatus(version.contract.status),
        effective_on=version.effective_on,
        today=today,
    )


# --- intake (issue 5) ---------------------------------------------------------------------------
def _for_intake() -> QuerySet[Contract]:
    return Contract.objects.select_related("customer").prefetch_related(
        "versions__scope_lines__service", "equipment"
    )


def contract_list_of_site(site: Any) -> QuerySet[Contract]:
    """Every contract covering ``site`` (whatever its status), with its versions, scope lines
    and covered equipment read at once: what intake judges a request against."""
    return _for_intake().filter(sites=site).order_by("number")


def contract_for_intake(contract: Any) -> Contract:
    """``contract`` read afresh as stored, with what intake reads of it."""
    return _for_intake().get(pk=getattr(contract, "pk", contract))


def routing_rule_list(*, audience: Audience) -> QuerySet[RoutingRule]:
    return visible(RoutingRule.objects.select_related("contract", "service", "team"), audience)


def routing_team(contract: Contract, *, service_id: Any, priority: str, region: str) -> Any | None:
    """The team of the most specific routing rule of ``contract`` that matches (a service
    weighs more than a priority, a priority more than a region); None when no rule matches."""
    wanted_region = (region or "").strip().upper()
    best: tuple[int, int] | None = None
    team = None
    for rule in contract.routing_rules.select_related("team").order_by("id"):
        if rule.service_id is not None and rule.service_id != service_id:
            continue
        if rule.priority and rule.priority != priority:
            continue
        if rule.region and rule.region != wanted_region:
            continue
        weight = (
            4 * (rule.service_id is not None) + 2 * bool(rule.priority) + bool(rule.region),
            -rule.pk,
        )
        if best is None or weight > best:
            best, team = weight, rule.team
    return team
