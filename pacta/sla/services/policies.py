"""Writing SLA policies and their targets.

A policy is checked whole: the pure core's policy (:class:`pacta.domain.sla.SlaPolicy`) is built
from its values and the complete, final set of targets. ``targets`` given to
:func:`sla_policy_create` / :func:`sla_policy_update` replace the policy's rows, each written (and
audited) on its own; the back office edits them one by one (:func:`sla_target_create` and the
others), each checking the policy with the row.

A policy may be created without targets (the back office adds them next); while it has none it
runs no clock, and contracts refuse it in their terms. Once it has targets, it keeps one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from pacta.audit.services import (
    NON_FIELD,
    Actor,
    RecordWriter,
    apply_values,
    record_create,
    record_delete,
    record_save,
    record_update,
)
from pacta.domain import sla as domain_sla
from pacta.domain import tickets
from pacta.domain.errors import FieldErrors, InvalidInput
from pacta.sla.errors import LastRow, RowStaysWithItsRecord, SlaPolicyInvalid
from pacta.sla.models import SlaPolicy, SlaTarget, TargetKind
from pacta.sla.selectors import sla_policy_is_in_terms
from pacta.sla.services.versions import delete_with_rows, pk_of, reason_for, touch

TARGET_ROW_VALUES = frozenset({"priority", "kind", "duration"})
PRIORITIES = tuple(priority.value for priority in tickets.LADDER)
KINDS = tuple(TargetKind.values)
STATUSES = tuple(status.value for status in tickets.TicketStatus)
DONE = frozenset(status.value for status in tickets.DONE)
#: What pauses the clocks of a new policy unless it says otherwise.
DEFAULT_PAUSING = sorted(status.value for status in tickets.DEFAULT_PAUSING)
_ZERO = dt.timedelta(0)
_SECOND = dt.timedelta(seconds=1)


@dataclass(frozen=True, eq=False)
class _Target:
    row: int  # its number among the rows given (or stored), from 1
    priority: str
    kind: str
    duration: dt.timedelta
    pk: int | None = None

    def label(self) -> str:
        return f"{self.priority}, {TargetKind(self.kind).label}"


def _is_list(value: Any) -> bool:
    return isinstance(value, Iterable) and not isinstance(value, str | bytes | Mapping)


def _target_rows(given: Any, errors: FieldErrors) -> list[_Target]:
    """The targets given to a policy, checked row by row (numbered from 1)."""
    if not _is_list(given):
        errors.add("targets", _("Give the targets as a list of rows."))
        return []
    targets: list[_Target] = []
    first_row: dict[tuple[str, str], int] = {}
    for number, row in enumerate(given, start=1):
        where = {"row": number}
        if not isinstance(row, Mapping):
            errors.add(
                "targets",
                _("Row %(row)d: a target is a priority, a kind and a business time.") % where,
            )
            continue
        unknown = sorted(set(row) - TARGET_ROW_VALUES)
        if unknown:
            errors.add(
                "targets",
                _("Row %(row)d: unknown fields: %(names)s.")
                % {**where, "names": ", ".join(map(str, unknown))},
            )
        priority, kind, duration = row.get("priority"), row.get("kind"), row.get("duration")
        shaped = True
        if priority not in PRIORITIES:
            errors.add(
                "targets",
                _("Row %(row)d: %(priority)s is not a ticket priority (%(choices)s).")
                % {**where, "priority": priority, "choices": ", ".join(PRIORITIES)},
            )
            shaped = False
        if kind not in KINDS:
            errors.add(
                "targets",
                _("Row %(row)d: %(kind)s is not a kind of target (%(choices)s).")
                % {**where, "kind": kind, "choices": ", ".join(KINDS)},
            )
            shaped = False
        if not isinstance(duration, dt.timedelta):
            errors.add("targets", _("Row %(row)d: give the business time as a duration.") % where)
            shaped = False
        if not shaped:
            continue
        target = _Target(number, str(priority), str(kind), duration)
        params = {**where, "target": target.label()}
        if duration <= _ZERO:
            errors.add(
                "targets",
                _("Row %(row)d (%(target)s): the business time must be more than zero.") % params,
            )
        elif duration < _SECOND:
            errors.add(
                "targets",
                _("Row %(row)d (%(target)s): the business time must be at least one second.")
                % params,
            )
        elif (target.priority, target.kind) in first_row:
            errors.add(
                "targets",
                _("Row %(row)d (%(target)s): row %(first)d already gives this target.")
                % {**params, "first": first_row[(target.priority, target.kind)]},
            )
        else:
            first_row[(target.priority, target.kind)] = number
            targets.append(target)
    return targets


def _stored_targets(policy: SlaPolicy) -> list[_Target]:
    if policy.pk is None:
        return []
    rows = SlaTarget.objects.filter(policy_id=policy.pk).order_by("priority", "kind")
    return [
        _Target(number, row.priority, row.kind, row.duration, row.pk)
        for number, row in enumerate(rows, start=1)
    ]


def _pausing_errors(statuses: Any, errors: FieldErrors) -> None:
    if not _is_list(statuses) or not all(isinstance(s, str) for s in statuses):
        errors.add("pausing_statuses", _('Give the statuses as a list, e.g. ["waiting"].'))
        return
    pausable = ", ".join(s for s in STATUSES if s not in DONE)
    for status in statuses:
        if status in DONE:
            errors.add(
                "pausing_statuses",
                _("%(status)s ends the work: it stops the clocks, it does not pause them.")
                % {"status": status},
            )
        elif status not in STATUSES:
            errors.add(
                "pausing_statuses",
                _("%(status)s is not a ticket status that can pause the clocks (%(choices)s).")
                % {"status": status, "choices": pausable},
            )


def _domain_errors(
    policy: SlaPolicy,
    targets: list[_Target],
    errors: FieldErrors,
    *,
    need_targets: bool,
    targets_field: str = "targets",
) -> None:
    """What the pure core refuses in the policy made of these values and targets."""
    table: dict[str, dict[str, dt.timedelta]] = {}
    for target in targets:
        table.setdefault(target.priority, {})[target.kind] = target.duration
    try:
        domain_sla.SlaPolicy(
            policy.name,
            table,
            warning_percent=policy.warning_percent,
            critical_percent=policy.critical_percent,
        )
    except InvalidInput as error:
        for name, messages in error.fields.items():
            if name == "targets" and not need_targets:
                continue  # no targets yet: allowed while the policy is being set up
            field = targets_field if name.startswith("targets") else name
            for message in messages:
                errors.add(field, _(message))


def _raise(errors: FieldErrors) -> None:
    try:
        errors.raise_if_any()
    except InvalidInput as error:
        raise SlaPolicyInvalid(error.detail, fields=error.fields) from None


# --- policies -----------------------------------------------------------------------------------
class _PolicyCheck:
    """The check of one policy write: its values with its targets as they will be once written
    (the rows given, or the stored ones). Keeps the checked rows for the writer."""

    def __init__(self, targets_given: Any = None) -> None:
        self.targets_given = targets_given
        self.targets: list[_Target] = []

    def __call__(self, policy: SlaPolicy, m2m: Mapping[str, list[Any]] | None = None) -> None:
        errors = FieldErrors()
        given = self.targets_given is not None
        self.targets = (
            _target_rows(self.targets_given, errors) if given else _stored_targets(policy)
        )
        _pausing_errors(policy.pausing_statuses, errors)
        _domain_errors(policy, self.targets, errors, need_targets=given and not errors)
        _raise(errors)


def sla_policy_check(policy: SlaPolicy, m2m: Mapping[str, list[Any]] | None = None) -> None:
    """The policy's values with its stored targets."""
    _PolicyCheck()(policy, m2m)


def _normalized(values: Mapping[str, Any]) -> dict[str, Any]:
    values = dict(values)
    if isinstance(values.get("name"), str):
        values["name"] = values["name"].strip()
    statuses = values.get("pausing_statuses")
    if _is_list(statuses):
        cleaned = [s.strip().lower() if isinstance(s, str) else s for s in statuses]
        values["pausing_statuses"] = [s for i, s in enumerate(cleaned) if s not in cleaned[:i]]
    return values


def _write_targets(*, actor: Actor, policy: SlaPolicy, check: _PolicyCheck, reason: str) -> bool:
    """Make the policy's targets those checked; whether any changed. Each row is written on
    its own, with its audit entry."""
    if check.targets_given is None:
        return False
    changed = False
    wanted = {(t.priority, t.kind): t for t in check.targets}
    stored = {(row.priority, row.kind): row for row in SlaTarget.objects.filter(policy=policy)}
    for key, row in stored.items():
        if key not in wanted:
            record_delete(row, actor=actor, reason=reason)
            changed = True
    for key, target in wanted.items():
        row = stored.get(key)
        if row is None:
            record_create(
                SlaTarget,
                actor=actor,
                values={
                    "policy": policy,
                    "priority": target.priority,
                    "kind": target.kind,
                    "duration": target.duration,
                },
                reason=reason,
            )
            changed = True
        elif row.duration != target.duration:
            record_update(row, actor=actor, values={"duration": target.duration}, reason=reason)
            changed = True
    return changed


def sla_policy_create(*, actor: Actor, values: Mapping[str, Any], reason: str = "") -> SlaPolicy:
    """A policy; ``targets`` ([{priority, kind, duration}]) give its business time per priority
    and target. ``pausing_statuses`` is ["waiting"] unless given."""
    values = _normalized(values)
    values.setdefault("pausing_statuses", list(DEFAULT_PAUSING))
    check = _PolicyCheck(values.pop("targets", None))
    with transaction.atomic():
        policy = SlaPolicy()
        m2m = apply_values(policy, values)
        record_save(policy, actor=actor, reason=reason, check=check, m2m=m2m)
        if _write_targets(actor=actor, policy=policy, check=check, reason=reason):
            touch(SlaPolicy, policy.pk, record=policy)
    return policy


def sla_policy_update(
    *, actor: Actor, sla_policy: SlaPolicy, values: Mapping[str, Any], reason: str = ""
) -> SlaPolicy:
    """Change a policy; ``targets``, when given, replace its rows. A policy in the terms of a
    contract that left draft is a term: a reason is required."""
    values = _normalized(values)
    check = _PolicyCheck(values.pop("targets", None))
    with transaction.atomic():
        reason = reason_for(sla_policy_is_in_terms(sla_policy), reason)
        m2m = apply_values(sla_policy, values)
        record_save(sla_policy, actor=actor, reason=reason, check=check, m2m=m2m)
        if _write_targets(actor=actor, policy=sla_policy, check=check, reason=reason):
            touch(SlaPolicy, sla_policy.pk, record=sla_policy)
    return sla_policy


def sla_policy_delete(*, actor: Actor, sla_policy: SlaPolicy, reason: str = "") -> None:
    """Delete a policy and its targets; one that contract versions or tickets use stays
    (409 ``in_use``)."""
    delete_with_rows(sla_policy, list(sla_policy.targets.all()), actor=actor, reason=reason)


SLA_POLICY = RecordWriter(
    param="sla_policy",
    create=sla_policy_create,
    update=sla_policy_update,
    delete=sla_policy_delete,
    check=sla_policy_check,
)


# --- one target at a time (the back office's inline) --------------------------------------------
def _policy_locked(pk: Any) -> SlaPolicy | None:
    if pk is None:
        return None
    return SlaPolicy.objects.select_for_update().filter(pk=pk).first()


def sla_target_check(target: SlaTarget, m2m: Mapping[str, list[Any]] | None = None) -> None:
    """The policy of the target with this target as it will be."""
    policy = target.policy
    others = [t for t in _stored_targets(policy) if t.pk != target.pk]
    errors = FieldErrors()
    if any(t.priority == target.priority and t.kind == target.kind for t in others):
        errors.add(
            "priority",
            _("This policy already has a %(kind)s target for %(priority)s.")
            % {"kind": TargetKind(target.kind).label, "priority": target.priority},
        )
    if target.duration <= _ZERO:
        errors.add("duration", _("The business time must be more than zero."))
    _raise(errors)
    changed = _Target(len(others) + 1, target.priority, target.kind, target.duration, target.pk)
    _domain_errors(policy, [*others, changed], errors, need_targets=True, targets_field=NON_FIELD)
    _raise(errors)


def sla_target_create(*, actor: Actor, values: Mapping[str, Any], reason: str = "") -> SlaTarget:
    with transaction.atomic():
        target = SlaTarget()
        m2m = apply_values(target, values)
        policy = _policy_locked(target.policy_id)
        if policy is not None:
            reason = reason_for(sla_policy_is_in_terms(policy), reason)
        record_save(target, actor=actor, reason=reason, check=sla_target_check, m2m=m2m)
        touch(SlaPolicy, target.policy_id)
    return target


def sla_target_update(
    *, actor: Actor, sla_target: SlaTarget, values: Mapping[str, Any], reason: str = ""
) -> SlaTarget:
    with transaction.atomic():
        policy = _policy_locked(sla_target.policy_id)
        if "policy" in values and pk_of(values["policy"]) != sla_target.policy_id:
            raise RowStaysWithItsRecord.on(
                "policy", _("A target stays with its policy; add it to the other policy instead.")
            )
        if policy is not None:
            reason = reason_for(sla_policy_is_in_terms(policy), reason)
        record_update(sla_target, actor=actor, values=values, reason=reason, check=sla_target_check)
        touch(SlaPolicy, sla_target.policy_id)
    return sla_target


def sla_target_delete(*, actor: Actor, sla_target: SlaTarget, reason: str = "") -> None:
    with transaction.atomic():
        policy = _policy_locked(sla_target.policy_id)
        assert policy is not None
        reason = reason_for(sla_policy_is_in_terms(policy), reason)
        if not SlaTarget.objects.filter(policy_id=policy.pk).exclude(pk=sla_target.pk).exists():
            raise LastRow(
                _(
                    "%(target)s is the last target of %(policy)s, and a policy keeps at least "
                    "one: add the new target first, then delete this one."
                )
                % {"target": str(sla_target), "policy": policy.name}
            )
        record_delete(sla_target, actor=actor, reason=reason)
        touch(SlaPolicy, policy.pk)


SLA_TARGET = RecordWriter(
    param="sla_target",
    create=sla_target_create,
    update=sla_target_update,
    delete=sla_target_delete,
    check=sla_target_check,
)
