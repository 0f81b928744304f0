"""The portal's home (``/portal/``): the customer's contracts — live or ended, when each ends
(the day it is up for renewal) — and what each covers in plain words, from the terms in force
today: the services in scope at each site (included in the fee, or billed), the included
visits and hours with what is left of them this billing period (from the entitlement ledger),
and the SLA targets per priority."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from pacta.accounts.access import Audience
from pacta.billing.errors import NoTermsInForce
from pacta.billing.services.credits import credit_period_of
from pacta.contracts.selectors import contract_list, contract_version_in_force
from pacta.domain.lifecycle import ContractStatus
from pacta.entitlements.services import entitlement_balances
from pacta.reports import formats
from pacta.service.models import Priority
from pacta.sla.models import TargetKind
from pacta.sla.selectors import target_label
from pacta.web.board import hours_minutes
from pacta.web.portal_access import customer_audience

#: Allowances counted per site (the ledger keeps one balance per site).
PER_SITE = frozenset({"site_visit_cap", "site_hour_cap"})
#: An allowance's kind → the unit its quantity counts.
UNIT_OF = {
    "included_visits": "visits",
    "site_visit_cap": "visits",
    "site_hour_cap": "hours",
    "prepaid_hours": "hours",
    "parts_allowance": "money",
}
PRIORITY_ORDER = ("critical", "high", "normal", "low")
PRIORITY_LABELS = dict(Priority.choices)
KIND_ORDER = {kind: position for position, kind in enumerate(TargetKind.values)}


@dataclass(frozen=True)
class SiteScope:
    site: str
    included: tuple[str, ...]
    billable: tuple[str, ...]


@dataclass(frozen=True)
class AllowanceLeft:
    label: str
    granted: str
    left: str
    where: str  # the site, for an allowance counted per site; "" for the contract


@dataclass(frozen=True)
class SlaLine:
    priority: str
    targets: str


@dataclass(frozen=True)
class ContractCoverage:
    contract: Any
    live: bool
    ends: str
    fee: str
    sites: tuple[SiteScope, ...]
    allowances: tuple[AllowanceLeft, ...]
    period: str
    sla: tuple[SlaLine, ...]
    calendar: str
    has_terms: bool


def _quantity(value: Decimal, unit: str, currency: str) -> str:
    if unit == "money":
        return formats.money(value, currency)
    if unit == "hours":
        return _("%(count)s h") % {"count": formats.number(value)}
    return _("%(count)s visits") % {"count": formats.number(value)}


def _allowances(contract: Any, version: Any, sites: list[Any], today: dt.date) -> tuple[Any, ...]:
    """What each allowance grants per period and what is left of it in the current period:
    the ledger's balance once the period is open (work rated), the whole grant before."""
    try:
        _version, period = credit_period_of(contract, today)
    except NoTermsInForce:
        return (), ""
    balances = entitlement_balances(contract=contract, period_on=period.starts_on)
    rows = []
    for allowance in version.allowances.all():
        unit = UNIT_OF.get(allowance.kind, "visits")
        label = allowance.label or allowance.get_kind_display()
        places = [(str(site.pk), site.name) for site in sites] if allowance.kind in PER_SITE else []
        for key, where in places or [("", "")]:
            left = balances.of((allowance.code, key)) if balances.remaining else allowance.quantity
            rows.append(
                AllowanceLeft(
                    label=str(label),
                    granted=_quantity(allowance.quantity, unit, contract.currency),
                    left=_quantity(left, unit, contract.currency),
                    where=where,
                )
            )
    last_day = period.ends_before - dt.timedelta(days=1)
    text = _("%(start)s to %(end)s") % {
        "start": formats.day(period.starts_on),
        "end": formats.day(last_day),
    }
    return tuple(rows), text


def _sla(version: Any) -> tuple[tuple[SlaLine, ...], str]:
    policy = version.sla_policy
    if policy is None:
        return (), ""
    by_priority: dict[str, list[str]] = {}
    targets = sorted(policy.targets.all(), key=lambda target: KIND_ORDER.get(target.kind, 9))
    for target in targets:
        by_priority.setdefault(target.priority, []).append(
            _("%(target)s within %(time)s")
            % {"target": target_label(target.kind), "time": hours_minutes(target.duration)}
        )
    lines = tuple(
        SlaLine(priority=str(PRIORITY_LABELS[priority]), targets=", ".join(by_priority[priority]))
        for priority in PRIORITY_ORDER
        if priority in by_priority
    )
    return lines, version.calendar.name if version.calendar_id else ""


def contract_coverage(contract: Any, *, today: dt.date) -> ContractCoverage:
    """One contract in the customer's words, as its terms stand ``today`` (or, for a contract
    not in force today, as its last terms stood)."""
    version = contract_version_in_force(contract, today)
    if version is None:
        version = contract.versions.order_by("-effective_on", "-number").first()
    live = (
        contract.status == ContractStatus.ACTIVE
        and contract.starts_on <= today
        and (contract.ends_on is None or today <= contract.ends_on)
    )
    if contract.ends_on is None:
        ends = _("Open-ended: runs until either side ends it.")
    elif contract.ends_on < today:
        ends = _("Ended on %(day)s.") % {"day": formats.day(contract.ends_on)}
    else:
        ends = _("Ends on %(day)s: up for renewal then.") % {"day": formats.day(contract.ends_on)}
    sites = list(contract.sites.order_by("name"))
    if version is None:
        return ContractCoverage(contract, live, ends, "", (), (), "", (), "", False)
    lines = list(version.scope_lines.select_related("service").order_by("service__name"))
    included = tuple(line.service.name for line in lines if line.coverage == "included")
    billable = tuple(line.service.name for line in lines if line.coverage == "billable")
    allowances, period = _allowances(contract, version, sites, today) if live else ((), "")
    sla, calendar = _sla(version)
    return ContractCoverage(
        contract=contract,
        live=live,
        ends=ends,
        fee=_("%(amount)s per %(period)s")
        % {
            "amount": formats.money(version.subscription_fee, contract.currency),
            "period": version.get_billing_period_display(),
        },
        sites=tuple(SiteScope(site.name, included, billable) for site in sites),
        allowances=allowances,
        period=period,
        sla=sla,
        calendar=calendar,
        has_terms=True,
    )


def contract_coverages(reader: Audience, *, today: dt.date) -> list[ContractCoverage]:
    """The customer's contracts (not drafts), live ones first, each with its coverage."""
    found = contract_list(audience=reader).exclude(status=ContractStatus.DRAFT)
    coverages = [contract_coverage(contract, today=today) for contract in found.order_by("number")]
    return sorted(coverages, key=lambda coverage: not coverage.live)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The customer's contracts and what they cover."""
    reader = customer_audience(request)
    today = timezone.localdate()
    return render(
        request,
        "portal/home.html",
        {"coverages": contract_coverages(reader, today=today), "section": "home"},
    )
