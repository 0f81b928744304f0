"""Reading contracts and their terms (always through what the reader may see)."""

from __future__ import annotations

from datetime import date

from django.db.models import QuerySet

from pacta.accounts.access import Audience, visible
from pacta.contracts.models import (
    Allowance,
    Contract,
    ContractVersion,
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
