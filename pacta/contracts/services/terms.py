"""The terms of a contract: versions (first terms and amendments) and their scope lines.

Once a contract has left draft, terms that have taken effect are never edited: a change of terms
is an amendment (a new version, from today on at the earliest), so the terms that priced past
work stay as they were."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from pacta.audit.errors import UnknownField
from pacta.audit.services import (
    Action,
    Actor,
    RecordWriter,
    actor_user,
    apply_values,
    is_duplicate,
    record_create,
    record_delete,
    record_save,
    record_update,
    require_reason,
)
from pacta.contracts.errors import (
    AmendmentBackdated,
    ContractClosed,
    LastVersion,
    VersionInForce,
)
from pacta.contracts.models import (
    BillingPeriod,
    Contract,
    ContractStatus,
    ContractVersion,
    Coverage,
    ScopeLine,
)
from pacta.contracts.selectors import contract_version_is_locked
from pacta.contracts.services.rows import contract_locked, pk_of
from pacta.contracts.services.rules import (
    version_rules_copy,
    version_rules_recheck,
    version_rules_remove,
)
from pacta.domain.errors import FieldErrors, InvalidInput
from pacta.domain.terms import version_in_force

#: The terms an amendment copies from the version in force unless it gives them.
TERMS = (
    "price_list",
    "subscription_fee",
    "billing_period",
    "calendar",
    "sla_policy",
    "sla_credit_percent",
    "sla_credit_cap_percent",
)
#: What an amendment may be given (the rest is set by the amendment itself).
AMENDMENT_VALUES = frozenset({"contract", "effective_on", *TERMS, "approved_by", "scope_lines"})
#: Set by the amendment that made a version; never edited afterwards.
SET_BY_AMENDMENT = frozenset({"number", "created_at", "created_by", "reason"})
SCOPE_ROW_VALUES = frozenset(
    {"service", "coverage", "period_limit", "minimum_minutes", "increment_minutes", "notes"}
)
#: The terms that are other records: each is checked active when a version chooses it.
RECORD_TERMS = ("price_list", "calendar", "sla_policy")


# --- contract versions (terms) --------------------------------------------------------------------
def _ancestor_ids(customer: Any) -> set[int]:
    """``customer`` and every customer that pays for it, up the hierarchy."""
    found: set[int] = set()
    while customer is not None and customer.pk not in found:
        found.add(customer.pk)
        customer = customer.parent
    return found


def _version_errors(
    version: ContractVersion,
    errors: FieldErrors,
    *,
    price_list_chosen: bool = False,
    calendar_chosen: bool = False,
    sla_policy_chosen: bool = False,
) -> None:
    contract = version.contract
    day = version.effective_on
    if day is not None:
        if day < contract.starts_on or (contract.ends_on is not None and day > contract.ends_on):
            if contract.ends_on is None:
                message = _(
                    "These terms cannot take effect on %(day)s: the contract starts on %(starts)s."
                )
            else:
                message = _(
                    "These terms cannot take effect on %(day)s: the contract runs from "
                    "%(starts)s to %(ends)s."
                )
            errors.add(
                "effective_on",
                message
                % {
                    "day": day.isoformat(),
                    "starts": contract.starts_on.isoformat(),
                    "ends": contract.ends_on.isoformat() if contract.ends_on else "",
                },
            )
        elif is_duplicate(version, contract_id=version.contract_id, effective_on=day):
            errors.add(
                "effective_on",
                _("This contract already has a version from %(day)s.") % {"day": day.isoformat()},
            )
    price_list = version.price_list
    if price_list is not None:
        if price_list.currency != contract.currency:
            errors.add(
                "price_list",
                _("The price list is in %(list)s; the contract is in %(contract)s.")
                % {"list": price_list.currency, "contract": contract.currency},
            )
        if price_list.customer_id is not None and price_list.customer_id not in _ancestor_ids(
            contract.customer
        ):
            errors.add("price_list", _("This price list belongs to another customer."))
        if price_list_chosen and not price_list.is_active:
            errors.add("price_list", _("%(record)s is no longer active.") % {"record": price_list})
    _sla_errors(
        version, errors, calendar_chosen=calendar_chosen, sla_policy_chosen=sla_policy_chosen
    )
    if version.sla_credit_cap_percent is not None and version.sla_credit_percent is None:
        errors.add(
            "sla_credit_cap_percent",
            _("A cap limits service credits: give the credit per breach too, or no cap."),
        )


def _sla_errors(
    version: ContractVersion,
    errors: FieldErrors,
    *,
    calendar_chosen: bool,
    sla_policy_chosen: bool,
) -> None:
    """The SLA of the terms: a policy and the calendar its clocks run on, both or neither."""
    calendar, policy = version.calendar, version.sla_policy
    if calendar is None and policy is not None:
        errors.add(
            "calendar",
            _("Choose the business calendar the SLA clocks run on, or no SLA policy either."),
        )
    if policy is None and calendar is not None:
        errors.add(
            "sla_policy", _("Choose the SLA policy of these terms, or no business calendar either.")
        )
    if calendar is not None:
        if calendar_chosen and not calendar.is_active:
            errors.add("calendar", _("%(record)s is no longer active.") % {"record": calendar})
        if not calendar.windows.exists():
            errors.add(
                "calendar",
                _("%(calendar)s has no working windows yet: its clocks would never run.")
                % {"calendar": calendar},
            )
    if policy is not None:
        if sla_policy_chosen and not policy.is_active:
            errors.add("sla_policy", _("%(record)s is no longer active.") % {"record": policy})
        if not policy.targets.exists():
            errors.add(
                "sla_policy",
                _("%(policy)s has no targets yet: give it response or resolution times first.")
                % {"policy": policy},
            )


def contract_version_check(
    version: ContractVersion, m2m: Mapping[str, list[Any]] | None = None
) -> None:
    errors = FieldErrors()
    _version_errors(version, errors)
    errors.raise_if_any()


def _scope_rows(rows: Iterable[Mapping[str, Any]], errors: FieldErrors) -> list[dict[str, Any]]:
    """The scope lines given to an amendment, checked row by row (rows are numbered from 1)."""
    service_model = ScopeLine._meta.get_field("service").related_model
    coverages = set(Coverage.values)
    checked: list[dict[str, Any]] = []
    seen: set[int] = set()
    for number, given in enumerate(rows, start=1):
        row = dict(given)
        where = {"row": number}
        unknown = sorted(set(row) - SCOPE_ROW_VALUES)
        if unknown:
            errors.add(
                "scope_lines",
                _("Row %(row)d: unknown fields: %(names)s.")
                % {**where, "names": ", ".join(unknown)},
            )
        service = row.get("service")
        if service is not None and not isinstance(service, service_model):
            service = service_model._default_manager.filter(pk=service).first()
            if service is None:
                errors.add("scope_lines", _("Row %(row)d: there is no such service.") % where)
        if service is None:
            if "service" not in row or row["service"] is None:
                errors.add("scope_lines", _("Row %(row)d: choose a service.") % where)
        else:
            row["service"] = service
            if service.pk in seen:
                errors.add(
                    "scope_lines",
                    _("Row %(row)d: %(service)s appears twice.")
                    % {**where, "service": service.code},
                )
            seen.add(service.pk)
            if not service.is_active:
                errors.add(
                    "scope_lines",
                    _("Row %(row)d: %(service)s is no longer active.")
                    % {**where, "service": service.code},
                )
        if row.get("coverage") not in coverages:
            errors.add(
                "scope_lines",
                _("Row %(row)d: the coverage must be included, billable or excluded.") % where,
            )
        limit = row.get("period_limit")
        if limit is not None:
            try:
                limit = Decimal(str(limit))
            except InvalidOperation:
                limit = None
                errors.add(
                    "scope_lines", _("Row %(row)d: the limit per period must be a number.") % where
                )
            else:
                if limit <= 0:
                    errors.add(
                        "scope_lines",
                        _("Row %(row)d: the limit per period must be more than 0.") % where,
                    )
            row["period_limit"] = limit
        for name in ("minimum_minutes", "increment_minutes"):
            minutes = row.get(name)
            if minutes is not None and (
                isinstance(minutes, bool) or not isinstance(minutes, int) or minutes < 0
            ):
                errors.add(
                    "scope_lines",
                    _("Row %(row)d: %(field)s is whole minutes, 0 or more.")
                    % {**where, "field": name},
                )
        checked.append(row)
    return checked


def _copied_rows(version: ContractVersion | None) -> list[dict[str, Any]]:
    if version is None:
        return []
    return [
        {
            "service": line.service,
            "coverage": line.coverage,
            "period_limit": line.period_limit,
            "minimum_minutes": line.minimum_minutes,
            "increment_minutes": line.increment_minutes,
            "notes": line.notes,
        }
        for line in version.scope_lines.select_related("service").order_by("service__code")
    ]


def _refuse_if_closed(contract: Contract) -> None:
    if contract.status == ContractStatus.TERMINATED:
        raise ContractClosed(
            _("Contract %(number)s is terminated; its terms are no longer changed.")
            % {"number": contract.number}
        )


def _refuse_if_backdated(contract: Contract, effective_on: date, today: date) -> None:
    if contract.status != ContractStatus.DRAFT and effective_on < today:
        raise AmendmentBackdated.on(
            "effective_on",
            _(
                "Terms already in force are not changed backwards: new terms take effect today "
                "(%(today)s) or later, not on %(day)s."
            )
            % {"today": today.isoformat(), "day": effective_on.isoformat()},
        )


def _refuse_if_in_force(version: ContractVersion, today: date) -> None:
    if contract_version_is_locked(version, today=today):
        raise VersionInForce(
            _(
                "Version %(number)s of %(contract)s has been in force since %(day)s; amend the "
                "contract instead."
            )
            % {
                "number": version.number,
                "contract": version.contract.number,
                "day": version.effective_on.isoformat(),
            }
        )


def _refuse_set_by_amendment(names: Iterable[str]) -> None:
    names = sorted(names)
    if names:
        raise UnknownField(
            _("The amendment sets these itself: %(names)s.") % {"names": ", ".join(names)},
            fields={name: [_("Set by the amendment.")] for name in names},
        )


def _chosen(values: Mapping[str, Any], previous: ContractVersion | None, name: str) -> bool:
    """Whether the amendment gives ``name`` a value other than the one it would copy."""
    copied = getattr(previous, f"{name}_id") if previous is not None else None
    return name in values and pk_of(values[name]) != copied


def contract_amend(
    *,
    actor: Actor,
    values: Mapping[str, Any],
    reason: str,
    now: datetime | None = None,
) -> ContractVersion:
    """New terms for a contract from ``effective_on`` on: its first terms, or an amendment.

    Terms not given are copied from the version in force the day before; ``scope_lines`` given
    replace the copied ones.
    """
    reason = require_reason(reason)
    now = now or timezone.now()
    today = timezone.localdate(now)
    values = dict(values)
    _refuse_set_by_amendment(set(values) - AMENDMENT_VALUES)
    missing = FieldErrors()
    if values.get("contract") is None:
        missing.add("contract", _("Choose the contract these terms belong to."))
    if values.get("effective_on") is None:
        missing.add("effective_on", _("Give the day these terms take effect."))
    missing.raise_if_any()

    with transaction.atomic():
        contract = contract_locked(values["contract"])
        effective_on: date = values["effective_on"]
        _refuse_if_closed(contract)
        _refuse_if_backdated(contract, effective_on, today)
        previous = version_in_force(contract.versions.all(), effective_on - timedelta(days=1))
        last = contract.versions.aggregate(last=Max("number"))["last"] or 0
        version = ContractVersion(
            contract=contract,
            number=last + 1,
            effective_on=effective_on,
            price_list=None,
            subscription_fee=Decimal(0),
            billing_period=BillingPeriod.MONTH,
            approved_by=values.get("approved_by"),
            reason=reason,
            created_at=now,
            created_by=actor_user(actor),
        )
        for name in TERMS:
            if name in values:
                setattr(version, name, values[name])
            elif previous is not None:
                setattr(version, name, getattr(previous, name))

        errors = FieldErrors()
        _version_errors(
            version,
            errors,
            price_list_chosen=_chosen(values, previous, "price_list"),
            calendar_chosen=_chosen(values, previous, "calendar"),
            sla_policy_chosen=_chosen(values, previous, "sla_policy"),
        )
        if values.get("scope_lines") is not None:
            rows = _scope_rows(values["scope_lines"], errors)
        else:
            rows = _copied_rows(previous)
        errors.raise_if_any()

        record_save(
            version,
            actor=actor,
            reason=reason,
            check=contract_version_check,
            action=Action.AMEND,
            now=now,
        )
        # A version effective today is locked as soon as it exists: its lines are written here,
        # by the same audited path as scope_line_create, without the lock that guards edits.
        for row in rows:
            _scope_line_add(actor=actor, values={"version": version, **row}, reason=reason, now=now)
        # Every rule of the terms in force is copied, so an amendment changes only what it says.
        version_rules_copy(actor=actor, source=previous, target=version, reason=reason, now=now)
    return version


def contract_version_update(
    *,
    actor: Actor,
    contract_version: ContractVersion,
    values: Mapping[str, Any],
    reason: str,
    now: datetime | None = None,
) -> ContractVersion:
    """Edit terms that are not yet in force (or belong to a draft); ``scope_lines`` replace."""
    reason = require_reason(reason)
    now = now or timezone.now()
    today = timezone.localdate(now)
    values = dict(values)
    rows_given = values.pop("scope_lines", None)
    _refuse_set_by_amendment(set(values) & SET_BY_AMENDMENT)

    with transaction.atomic():
        contract = contract_locked(contract_version.contract_id)
        version = ContractVersion.objects.get(pk=contract_version.pk)
        version.contract = contract
        _refuse_if_in_force(version, today)
        _refuse_if_closed(contract)
        if "contract" in values and pk_of(values.pop("contract")) != contract.pk:
            raise InvalidInput.on(
                "contract",
                _("A version stays with its contract; amend the other contract instead."),
            )
        stored = {name: getattr(version, f"{name}_id") for name in RECORD_TERMS}
        apply_values(version, values)
        _refuse_if_backdated(contract, version.effective_on, today)

        errors = FieldErrors()
        _version_errors(
            version,
            errors,
            **{
                f"{name}_chosen": getattr(version, f"{name}_id") != stored[name]
                for name in RECORD_TERMS
            },
        )
        rows = _scope_rows(rows_given, errors) if rows_given is not None else None
        errors.raise_if_any()

        if rows is not None:
            # Written before the version itself: its stored date still says it is not in force.
            _scope_lines_remove(actor=actor, version=version, reason=reason, now=now)
            for row in rows:
                scope_line_create(
                    actor=actor, values={"version": version, **row}, reason=reason, now=now
                )
            version_rules_recheck(version)
        version.reason = reason
        return record_save(
            version, actor=actor, reason=reason, check=contract_version_check, now=now
        )


def contract_version_delete(
    *,
    actor: Actor,
    contract_version: ContractVersion,
    reason: str = "",
    now: datetime | None = None,
) -> None:
    reason = require_reason(reason)
    today = timezone.localdate(now)
    with transaction.atomic():
        contract = contract_locked(contract_version.contract_id)
        version = ContractVersion.objects.get(pk=contract_version.pk)
        version.contract = contract
        _refuse_if_in_force(version, today)
        if contract.status != ContractStatus.DRAFT and contract.versions.count() == 1:
            raise LastVersion(
                _(
                    "Version %(number)s holds the only terms of %(contract)s; a contract that has "
                    "left draft keeps its terms."
                )
                % {"number": version.number, "contract": contract.number}
            )
        _scope_lines_remove(actor=actor, version=version, reason=reason, now=now)
        version_rules_remove(actor=actor, version=version, reason=reason, now=now)
        record_delete(version, actor=actor, reason=reason, now=now)


CONTRACT_VERSION = RecordWriter(
    param="contract_version",
    create=contract_amend,
    update=contract_version_update,
    delete=contract_version_delete,
    check=contract_version_check,
    reason_required=True,
)


# --- scope lines ----------------------------------------------------------------------------------
def _scope_line_errors(line: ScopeLine, *, service_chosen: bool) -> FieldErrors:
    errors = FieldErrors()
    if is_duplicate(line, version_id=line.version_id, service_id=line.service_id):
        errors.add(
            "service",
            _("%(service)s is already in the scope of this version.")
            % {"service": line.service.code},
        )
    if service_chosen and not line.service.is_active:
        errors.add(
            "service", _("%(service)s is no longer active.") % {"service": line.service.code}
        )
    return errors


def scope_line_check(line: ScopeLine, m2m: Mapping[str, list[Any]] | None = None) -> None:
    stored = (
        ScopeLine.objects.filter(pk=line.pk).values_list("service_id", flat=True).first()
        if line.pk is not None
        else None
    )
    _scope_line_errors(line, service_chosen=line.service_id != stored).raise_if_any()


def _copied_line_check(line: ScopeLine, m2m: Mapping[str, list[Any]] | None = None) -> None:
    # Copied or checked row by row already: a service retired since stays in the copied scope.
    _scope_line_errors(line, service_chosen=False).raise_if_any()


def _scope_line_add(
    *, actor: Actor, values: Mapping[str, Any], reason: str, now: datetime | None
) -> ScopeLine:
    return record_create(
        ScopeLine, actor=actor, values=values, reason=reason, check=_copied_line_check, now=now
    )


def _refuse_if_version_in_force(version: ContractVersion | int, now: datetime | None) -> None:
    stored = ContractVersion.objects.select_related("contract").get(pk=pk_of(version))
    _refuse_if_in_force(stored, timezone.localdate(now))


def scope_line_create(
    *,
    actor: Actor,
    values: Mapping[str, Any],
    reason: str = "",
    now: datetime | None = None,
) -> ScopeLine:
    reason = require_reason(reason)
    with transaction.atomic():
        if values.get("version") is not None:
            _refuse_if_version_in_force(values["version"], now)
        return record_create(
            ScopeLine, actor=actor, values=values, reason=reason, check=scope_line_check, now=now
        )


def scope_line_update(
    *,
    actor: Actor,
    scope_line: ScopeLine,
    values: Mapping[str, Any],
    reason: str = "",
    now: datetime | None = None,
) -> ScopeLine:
    reason = require_reason(reason)
    with transaction.atomic():
        _refuse_if_version_in_force(scope_line.version_id, now)
        if "version" in values and pk_of(values["version"]) != scope_line.version_id:
            raise InvalidInput.on(
                "version",
                _("A scope line stays with its version; add the service to the other one."),
            )
        line = record_update(
            scope_line, actor=actor, values=values, reason=reason, check=scope_line_check, now=now
        )
        version_rules_recheck(line.version)
        return line


def scope_line_delete(
    *,
    actor: Actor,
    scope_line: ScopeLine,
    reason: str = "",
    now: datetime | None = None,
) -> None:
    reason = require_reason(reason)
    with transaction.atomic():
        _refuse_if_version_in_force(scope_line.version_id, now)
        version = scope_line.version
        record_delete(scope_line, actor=actor, reason=reason, now=now)
        # A rule of the version may not name a service the scope no longer has.
        version_rules_recheck(version)


def _scope_lines_remove(
    *, actor: Actor, version: ContractVersion, reason: str, now: datetime | None
) -> None:
    """Every scope line of ``version`` (not in force), before it is given new ones or deleted."""
    for line in list(version.scope_lines.all()):
        record_delete(line, actor=actor, reason=reason, now=now)


SCOPE_LINE = RecordWriter(
    param="scope_line",
    create=scope_line_create,
    update=scope_line_update,
    delete=scope_line_delete,
    check=scope_line_check,
    reason_required=True,
)
