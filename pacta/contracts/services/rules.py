"""The rules of rating as records: surcharge and travel rules (on a price list or on a contract
version) and allowances (on a contract version).

When each may be edited:

* A **contract version's** rules are terms: editable while the version is not in force (or its
  contract is a draft), then frozen (``version_in_force``); :func:`contract_amend` copies every
  one of them to the new version, which is edited while it is not yet in force.
* A **price list's** rules are dated (``valid_from`` / ``valid_to``) like its prices. While no
  contract uses the price list they are set up freely. Once one does, a new rule takes effect
  today or later (``rule_backdated``), and a rule in force may have priced work: it is not
  edited or deleted (``rule_in_force``), only ended (``valid_to`` yesterday or later). A new
  rule of the same name (travel: of the same zone, or per km) from a day replaces the one in
  force: that one is ended the day before, in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import pairwise
from typing import Any

from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from pacta.audit.services import (
    Actor,
    RecordWriter,
    apply_values,
    ids,
    is_duplicate,
    record_create,
    record_delete,
    record_save,
    require_reason,
)
from pacta.catalog.selectors import price_list_is_used
from pacta.contracts.errors import RuleBackdated, RuleInForce
from pacta.contracts.models import (
    Allowance,
    AllowanceKind,
    ContractVersion,
    ScopeLine,
    SurchargeRule,
    TravelRule,
)
from pacta.contracts.services.rows import pk_of
from pacta.domain.calendar import WEEKDAYS
from pacta.domain.errors import FieldErrors, InvalidInput
from pacta.domain.rating.terms import clock_minutes

_DAY_MINUTES = 24 * 60
Rule = SurchargeRule | TravelRule


def _today(now: datetime | None) -> date:
    return timezone.localdate(now or timezone.now())


# --- who a rule belongs to, and its days ----------------------------------------------------------
def _owner_errors(rule: Any, errors: FieldErrors) -> None:
    has_list, has_version = rule.price_list_id is not None, rule.version_id is not None
    if has_list and has_version:
        errors.add(
            "version", _("A rule belongs to a price list or to a contract version, not both.")
        )
    elif not (has_list or has_version):
        errors.add("version", _("Choose the price list or the contract version this rule is on."))


def _date_errors(rule: Rule, errors: FieldErrors) -> None:
    if rule.version_id is not None:
        for name in ("valid_from", "valid_to"):
            if getattr(rule, name) is not None:
                errors.add(
                    name,
                    _(
                        "A contract version's rules are in force with the version; leave the "
                        "days empty (amend the contract to change them)."
                    ),
                )
    elif rule.valid_from and rule.valid_to and rule.valid_to < rule.valid_from:
        errors.add("valid_to", _("A rule cannot end before it starts."))


def _overlapping(rule: Rule, **same: Any) -> Rule | None:
    """Another rule of the same owner and ``same`` key in force on one of this rule's days."""
    owner = {"version_id": rule.version_id, "price_list_id": rule.price_list_id}
    others = type(rule)._default_manager.filter(**owner, **same)
    if rule.pk is not None:
        others = others.exclude(pk=rule.pk)
    if rule.valid_to is not None:
        others = others.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=rule.valid_to))
    if rule.valid_from is not None:
        others = others.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=rule.valid_from))
    return others.order_by("valid_from", "id").first()


def _days(rule: Rule) -> str:
    first = rule.valid_from.isoformat() if rule.valid_from else _("the start")
    last = rule.valid_to.isoformat() if rule.valid_to else _("open-ended")
    return f"{first} – {last}"


def _service_errors(rule: Any, m2m: Mapping[str, list[Any]] | None, errors: FieldErrors) -> None:
    """A rule may name only services of its version's scope (or priced on its price list)."""
    if m2m is not None and "services" in m2m:
        chosen = set(ids(m2m["services"]))
    elif rule.pk is not None:
        chosen = set(rule.services.values_list("pk", flat=True))
    else:
        chosen = set()
    if not chosen:
        return
    service_model = ScopeLine._meta.get_field("service").related_model
    if rule.version_id is not None:
        known = set(
            ScopeLine.objects.filter(version_id=rule.version_id).values_list(
                "service_id", flat=True
            )
        )
        message = _("Not in the scope of this contract version: %(codes)s.")
    elif rule.price_list_id is not None:
        known = set(
            rule.price_list.lines.filter(service__isnull=False).values_list("service_id", flat=True)
        )
        message = _("Not priced on this price list: %(codes)s.")
    else:
        return
    outside = chosen - known
    if outside:
        codes = service_model._default_manager.filter(pk__in=outside).order_by("code")
        errors.add(
            "services",
            message % {"codes": ", ".join(service.code for service in codes) or "?"},
        )


# --- surcharge rules ------------------------------------------------------------------------------
def _clock(value: str, name: str, errors: FieldErrors) -> int | None:
    try:
        return clock_minutes(value, field_name=name)
    except InvalidInput:
        errors.add(name, _('A time of day is "HH:MM", from 00:00 to 24:00.'))
        return None


def _window_errors(rule: SurchargeRule, errors: FieldErrors) -> None:
    start, end = rule.window_start, rule.window_end
    if bool(start) != bool(end):
        errors.add(
            "window_end" if start else "window_start",
            _("Give both ends of the window, or neither."),
        )
        return
    if not start:
        return
    first, last = _clock(start, "window_start", errors), _clock(end, "window_end", errors)
    if first is not None and last is not None and first % _DAY_MINUTES == last % _DAY_MINUTES:
        errors.add(
            "window_end", _("A surcharge window needs a length: this one ends as it starts.")
        )


def _weekday_errors(rule: SurchargeRule, errors: FieldErrors) -> None:
    days = rule.weekdays
    if not isinstance(days, list) or not all(isinstance(day, str) for day in days):
        errors.add("weekdays", _('Give a list of weekdays, e.g. ["sat", "sun"].'))
        return
    unknown = sorted(set(days) - set(WEEKDAYS))
    if unknown:
        errors.add(
            "weekdays",
            _("Unknown weekdays: %(days)s (use mon, tue, wed, thu, fri, sat, sun).")
            % {"days": ", ".join(unknown)},
        )
    elif len(set(days)) != len(days):
        errors.add("weekdays", _("A weekday is listed twice."))


def _season_errors(rule: SurchargeRule, errors: FieldErrors) -> None:
    seasons = rule.seasons
    shape = _('Give date ranges, e.g. [["2026-06-15", "2026-09-15"]].')
    if not isinstance(seasons, list):
        errors.add("seasons", shape)
        return
    ranges: list[tuple[int, date, date]] = []
    for number, season in enumerate(seasons, start=1):
        where = {"season": number}
        if not (isinstance(season, list | tuple) and len(season) == 2):
            errors.add(
                "seasons",
                _(
                    'Season %(season)d: give its first and last day, e.g. ["2026-06-15", '
                    '"2026-09-15"].'
                )
                % where,
            )
            continue
        try:
            first, last = (date.fromisoformat(str(day)) for day in season)
        except ValueError:
            errors.add("seasons", _("Season %(season)d: a day is YYYY-MM-DD.") % where)
            continue
        if last < first:
            errors.add("seasons", _("Season %(season)d ends before it starts.") % where)
            continue
        ranges.append((number, first, last))
    ranges.sort(key=lambda found: found[1])
    for (one, _first, last), (other, first, _last) in pairwise(ranges):
        if first <= last:
            errors.add(
                "seasons",
                _("Seasons %(one)d and %(other)d overlap: make them one range.")
                % {"one": min(one, other), "other": max(one, other)},
            )


def _name_errors(rule: SurchargeRule, errors: FieldErrors) -> None:
    other = _overlapping(rule, name=rule.name)
    if other is None:
        return
    if rule.version_id is not None:
        errors.add(
            "name",
            _("This version already has a surcharge rule named %(name)s.") % {"name": rule.name},
        )
    else:
        errors.add(
            "valid_from",
            _(
                "The rule %(name)s of this price list is in force on these days too "
                "(%(days)s); end it first, or start this one later."
            )
            % {"name": rule.name, "days": _days(other)},
        )


def surcharge_rule_check(rule: SurchargeRule, m2m: Mapping[str, list[Any]] | None = None) -> None:
    errors = FieldErrors()
    _owner_errors(rule, errors)
    _date_errors(rule, errors)
    if rule.multiplier is not None and rule.multiplier <= 0:
        errors.add("multiplier", _("A multiplier must be more than 0."))
    _window_errors(rule, errors)
    _weekday_errors(rule, errors)
    _season_errors(rule, errors)
    _service_errors(rule, m2m, errors)
    if not errors:
        _name_errors(rule, errors)
    errors.raise_if_any()


# --- travel rules ---------------------------------------------------------------------------------
def travel_rule_check(rule: TravelRule, m2m: Mapping[str, list[Any]] | None = None) -> None:
    errors = FieldErrors()
    _owner_errors(rule, errors)
    _date_errors(rule, errors)
    if rule.unit_price is not None and rule.unit_price < 0:
        errors.add("unit_price", _("A price cannot be negative."))
    if rule.per_km and rule.zone_code:
        errors.add("zone_code", _("A price per km applies in every zone: leave the zone empty."))
    if not rule.per_km and not rule.zone_code:
        errors.add(
            "zone_code", _("A flat travel fee is for one zone: give the zone, or charge per km.")
        )
    if not errors:
        other = _overlapping(rule, per_km=rule.per_km, zone_code=rule.zone_code)
        if other is not None:
            if rule.version_id is not None:
                message = (
                    _("This version already has a price per km.")
                    if rule.per_km
                    else _("This version already has a travel fee for zone %(zone)s.")
                )
                errors.add("zone_code", message % {"zone": rule.zone_code})
            else:
                errors.add(
                    "valid_from",
                    _(
                        "Another travel rule of this price list for the same zone (or per km) "
                        "is in force on these days too (%(days)s); end it first, or start "
                        "this one later."
                    )
                    % {"days": _days(other)},
                )
    errors.raise_if_any()


# --- allowances -----------------------------------------------------------------------------------
def allowance_check(allowance: Allowance, m2m: Mapping[str, list[Any]] | None = None) -> None:
    errors = FieldErrors()
    m2m = m2m or {}
    if allowance.version_id is not None and is_duplicate(
        allowance, version_id=allowance.version_id, code=allowance.code
    ):
        errors.add(
            "code",
            _("This version already has an allowance with the code %(code)s.")
            % {"code": allowance.code},
        )
    if allowance.quantity is not None and allowance.quantity < 0:
        errors.add("quantity", _("Cannot be negative."))
    if allowance.overage_unit_price is not None:
        if not allowance.allows_overage:
            errors.add(
                "overage_unit_price",
                _("Only an allowance that allows overage has an overage price."),
            )
        elif allowance.kind != AllowanceKind.PREPAID_HOURS:
            errors.add(
                "overage_unit_price", _("Only prepaid hours are billed at an overage price.")
            )
    if allowance.rollover_limit is not None and not allowance.rolls_over:
        errors.add("rollover_limit", _("Only a balance that rolls over has a rollover limit."))
    parts = allowance.kind == AllowanceKind.PARTS_ALLOWANCE
    products = (
        m2m["products"]
        if "products" in m2m
        else (list(allowance.products.all()) if allowance.pk is not None else [])
    )
    if products and not parts:
        errors.add("products", _("Only a parts allowance names products."))
    if parts:
        if m2m.get("services") or (
            "services" not in m2m and allowance.pk is not None and allowance.services.exists()
        ):
            errors.add("services", _("A parts allowance names products, not services."))
    else:
        _service_errors(allowance, m2m, errors)
    errors.raise_if_any()


# --- when a rule may be written -------------------------------------------------------------------
def _refuse_if_version_locked(version: ContractVersion | int, now: datetime | None) -> None:
    # The lock of the terms (one place: the terms' own services).
    from pacta.contracts.services.terms import _refuse_if_closed, _refuse_if_version_in_force

    _refuse_if_version_in_force(version, now)
    stored = ContractVersion.objects.select_related("contract").get(pk=pk_of(version))
    _refuse_if_closed(stored.contract)


def _in_use(rule: Rule) -> bool:
    return rule.price_list_id is not None and price_list_is_used(rule.price_list)


def _in_force(rule: Rule, today: date) -> bool:
    """A price-list rule that has taken effect on a price list contracts use."""
    return _in_use(rule) and (rule.valid_from is None or rule.valid_from <= today)


def _refuse_in_force(rule: Rule) -> None:
    raise RuleInForce(
        _(
            "%(rule)s has been in force (%(days)s) on a price list contracts use and may have "
            "priced work: end it and add a new dated rule instead."
        )
        % {"rule": rule, "days": _days(rule)}
    )


def _changed(rule: models.Model, values: Mapping[str, Any]) -> set[str]:
    """The names in ``values`` whose value differs from ``rule``'s stored one."""
    meta = rule._meta
    m2m = {field.name for field in meta.many_to_many}
    changed = set()
    for name, value in values.items():
        if name in m2m:
            stored = set(getattr(rule, name).values_list("pk", flat=True))
            if set(ids(value or [])) != stored:
                changed.add(name)
            continue
        field = meta.get_field(name)
        current = getattr(rule, field.attname)
        if (pk_of(value) if field.is_relation else value) != current:
            changed.add(name)
    return changed


def _guard_change(
    rule: Rule | Allowance,
    values: Mapping[str, Any] | None,
    *,
    now: datetime | None,
) -> None:
    """Refuse a change (``values``; None: a deletion) the rule's owner does not allow now."""
    if values is not None:
        for owner in ("version", "price_list"):
            if owner in values and pk_of(values[owner]) != getattr(rule, f"{owner}_id", None):
                raise InvalidInput.on(
                    owner, _("A rule stays where it is; add a new one to the other terms.")
                )
    if rule.version_id is not None:
        _refuse_if_version_locked(rule.version_id, now)
        return
    assert isinstance(rule, SurchargeRule | TravelRule)
    today = _today(now)
    if not _in_force(rule, today):
        return
    changed = _changed(rule, values) if values is not None else {"*"}
    if not changed:
        return
    if changed - {"valid_to"}:
        _refuse_in_force(rule)
    ends = values.get("valid_to") if values is not None else None
    if ends is None or ends < today - timedelta(days=1):
        raise RuleBackdated.on(
            "valid_to",
            _(
                "Work already rated keeps its rules: end this rule yesterday (%(day)s) at the "
                "earliest."
            )
            % {"day": (today - timedelta(days=1)).isoformat()},
        )


def _guard_create(rule: Rule | Allowance, *, now: datetime | None) -> None:
    if rule.version_id is not None:
        _refuse_if_version_locked(rule.version_id, now)
        return
    if isinstance(rule, Allowance) or rule.price_list_id is None or not _in_use(rule):
        return
    today = _today(now)
    if rule.valid_from is None or rule.valid_from < today:
        raise RuleBackdated.on(
            "valid_from",
            _(
                "Contracts use this price list: a new rule takes effect today (%(today)s) or "
                "later, so work already rated keeps its rules."
            )
            % {"today": today.isoformat()},
        )


def _replace_in_force(
    rule: Rule, *, key: Mapping[str, Any], actor: Actor, reason: str, now: datetime | None
) -> None:
    """End the price-list rule of the same ``key`` in force when ``rule`` takes effect."""
    if rule.price_list_id is None or rule.valid_from is None:
        return
    starts = rule.valid_from
    replaced = type(rule)._default_manager.filter(
        Q(valid_from__isnull=True) | Q(valid_from__lt=starts),
        Q(valid_to__isnull=True) | Q(valid_to__gte=starts),
        price_list_id=rule.price_list_id,
        **key,
    )
    for old in replaced:
        old.valid_to = starts - timedelta(days=1)
        record_save(old, actor=actor, reason=reason, now=now)


# --- the services, one set per kind ---------------------------------------------------------
@dataclass(frozen=True)
class _Kind:
    """How the services of one kind of rule write it. ``key``: what a new dated price-list rule
    replaces (None: nothing, e.g. allowances)."""

    model: type[Any]
    check: Callable[..., None]
    key: Callable[[Any], Mapping[str, Any]] | None

    def create(
        self, *, actor: Actor, values: Mapping[str, Any], reason: str, now: datetime | None
    ) -> Any:
        reason = require_reason(reason)
        with transaction.atomic():
            probe = self.model()
            apply_values(probe, values)
            _guard_create(probe, now=now)
            if self.key is not None:
                _replace_in_force(probe, key=self.key(probe), actor=actor, reason=reason, now=now)
            return record_create(
                self.model, actor=actor, values=values, reason=reason, check=self.check, now=now
            )

    def update(
        self,
        rule: Any,
        *,
        actor: Actor,
        values: Mapping[str, Any],
        reason: str,
        now: datetime | None,
    ) -> Any:
        reason = require_reason(reason)
        with transaction.atomic():
            stored = self.model._default_manager.select_for_update().get(pk=rule.pk)
            _guard_change(stored, values, now=now)
            m2m = apply_values(stored, values)
            return record_save(
                stored, actor=actor, reason=reason, check=self.check, m2m=m2m, now=now
            )

    def delete(self, rule: Any, *, actor: Actor, reason: str, now: datetime | None) -> None:
        reason = require_reason(reason)
        with transaction.atomic():
            stored = self.model._default_manager.select_for_update().get(pk=rule.pk)
            _guard_change(stored, None, now=now)
            record_delete(stored, actor=actor, reason=reason, now=now)


_SURCHARGE = _Kind(SurchargeRule, surcharge_rule_check, lambda rule: {"name": rule.name})
_TRAVEL = _Kind(
    TravelRule, travel_rule_check, lambda rule: {"per_km": rule.per_km, "zone_code": rule.zone_code}
)
_ALLOWANCE = _Kind(Allowance, allowance_check, None)


def surcharge_rule_create(
    *, actor: Actor, values: Mapping[str, Any], reason: str = "", now: datetime | None = None
) -> SurchargeRule:
    return _SURCHARGE.create(actor=actor, values=values, reason=reason, now=now)


def surcharge_rule_update(
    *,
    actor: Actor,
    surcharge_rule: SurchargeRule,
    values: Mapping[str, Any],
    reason: str = "",
    now: datetime | None = None,
) -> SurchargeRule:
    return _SURCHARGE.update(surcharge_rule, actor=actor, values=values, reason=reason, now=now)


def surcharge_rule_delete(
    *, actor: Actor, surcharge_rule: SurchargeRule, reason: str = "", now: datetime | None = None
) -> None:
    _SURCHARGE.delete(surcharge_rule, actor=actor, reason=reason, now=now)


def travel_rule_create(
    *, actor: Actor, values: Mapping[str, Any], reason: str = "", now: datetime | None = None
) -> TravelRule:
    return _TRAVEL.create(actor=actor, values=values, reason=reason, now=now)


def travel_rule_update(
    *,
    actor: Actor,
    travel_rule: TravelRule,
    values: Mapping[str, Any],
    reason: str = "",
    now: datetime | None = None,
) -> TravelRule:
    return _TRAVEL.update(travel_rule, actor=actor, values=values, reason=reason, now=now)


def travel_rule_delete(
    *, actor: Actor, travel_rule: TravelRule, reason: str = "", now: datetime | None = None
) -> None:
    _TRAVEL.delete(travel_rule, actor=actor, reason=reason, now=now)


def allowance_create(
    *, actor: Actor, values: Mapping[str, Any], reason: str = "", now: datetime | None = None
) -> Allowance:
    return _ALLOWANCE.create(actor=actor, values=values, reason=reason, now=now)


def allowance_update(
    *,
    actor: Actor,
    allowance: Allowance,
    values: Mapping[str, Any],
    reason: str = "",
    now: datetime | None = None,
) -> Allowance:
    return _ALLOWANCE.update(allowance, actor=actor, values=values, reason=reason, now=now)


def allowance_delete(
    *, actor: Actor, allowance: Allowance, reason: str = "", now: datetime | None = None
) -> None:
    _ALLOWANCE.delete(allowance, actor=actor, reason=reason, now=now)


SURCHARGE_RULE = RecordWriter(
    param="surcharge_rule",
    create=surcharge_rule_create,
    update=surcharge_rule_update,
    delete=surcharge_rule_delete,
    check=surcharge_rule_check,
    reason_required=True,
)
TRAVEL_RULE = RecordWriter(
    param="travel_rule",
    create=travel_rule_create,
    update=travel_rule_update,
    delete=travel_rule_delete,
    check=travel_rule_check,
    reason_required=True,
)
ALLOWANCE = RecordWriter(
    param="allowance",
    create=allowance_create,
    update=allowance_update,
    delete=allowance_delete,
    check=allowance_check,
    reason_required=True,
)


# --- an amendment copies every rule ---------------------------------------------------------------
#: What an amendment copies of each kind of a version's rules, with their many-to-many values.
COPIED = (
    ("surcharge_rules", SurchargeRule, surcharge_rule_check, ("services",)),
    ("travel_rules", TravelRule, travel_rule_check, ()),
    ("allowances", Allowance, allowance_check, ("services", "products")),
)
_NOT_COPIED = frozenset({"id", "version"})


def _named(label: str, index: int, error: InvalidInput) -> InvalidInput:
    """``error`` of one rule, its fields named by the rule's place (``allowances[0].code``)."""
    return InvalidInput(
        error.detail,
        code=error.code,
        fields={f"{label}[{index}].{name}": messages for name, messages in error.fields.items()},
    )


def version_rules_copy(
    *,
    actor: Actor,
    source: ContractVersion | None,
    target: ContractVersion,
    reason: str,
    now: datetime | None,
) -> None:
    """Copy every rule of ``source`` to ``target`` (a new version, written by the amendment),
    each through the audited path and its check: a rule naming a service the new scope drops
    is refused, named ``surcharge_rules[0].services``, and the amendment with it."""
    if source is None:
        return
    for label, model, check, m2m_names in COPIED:
        rows = model._default_manager.filter(version=source).order_by("id")
        for index, row in enumerate(rows.prefetch_related(*m2m_names)):
            values: dict[str, Any] = {
                field.name: getattr(row, field.name)
                for field in model._meta.concrete_fields
                if field.name not in _NOT_COPIED
            }
            values["version"] = target
            for name in m2m_names:
                values[name] = list(getattr(row, name).all())
            try:
                record_create(
                    model, actor=actor, values=values, reason=reason, check=check, now=now
                )
            except InvalidInput as error:
                raise _named(label, index, error) from None


def version_rules_recheck(version: ContractVersion) -> None:
    """Check the rules of ``version`` again after its scope changed: one naming a service that
    left the scope refuses the change (``surcharge_rules[0].services``)."""
    for label, model, check, _m2m in COPIED:
        for index, row in enumerate(model._default_manager.filter(version=version).order_by("id")):
            try:
                check(row, {})
            except InvalidInput as error:
                raise _named(label, index, error) from None


def version_rules_remove(
    *, actor: Actor, version: ContractVersion, reason: str, now: datetime | None
) -> None:
    """Every rule of ``version`` (not in force), audited, before the version is deleted."""
    for _label, model, _check, _m2m in COPIED:
        for row in list(model._default_manager.filter(version=version)):
            record_delete(row, actor=actor, reason=reason, now=now)
