"""Preventive maintenance plans and the daily run that turns their visits into work.

A plan repeats every N weeks or months from its first day (only in some months, for seasonal
visits). :func:`plans_generate` looks ``horizon_days`` ahead (each plan's ``lead_days`` unless
told) and, for each visit not generated yet, moves it to the next open day of the business
calendar of the contract's terms in force (public holidays, closed days, days without working
windows), opens its ticket under the contract and its work order at the plan's time in the
site's zone. Each visit is claimed by its unique key (plan, nominal day) in the transaction
that creates its work, so a second run, or two workers at once, never create it twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pacta.audit.services import (
    Actor,
    RecordWriter,
    record_create,
    record_delete,
    record_update,
)
from pacta.domain.errors import FieldErrors, InvalidInput, PactaError
from pacta.domain.plans import next_open_day, plan_dates
from pacta.service.models import Channel, PlanOccurrence, PreventivePlan
from pacta.service.selectors import contract_live_version
from pacta.service.services.tickets import ticket_open
from pacta.service.services.work import work_order_create
from pacta.sla import selectors as sla_selectors


# --- plans --------------------------------------------------------------------------------------
def plan_check(plan: PreventivePlan, m2m: Mapping[str, list[Any]] | None = None) -> None:
    errors = FieldErrors()
    contract = plan.contract
    if not contract.sites.filter(pk=plan.site_id).exists():
        errors.add(
            "site", _("Contract %(number)s does not cover this site.") % {"number": contract.number}
        )
    equipment = plan.equipment
    if equipment is not None and equipment.site_id != plan.site_id:
        errors.add("equipment", _("This equipment is not at the plan's site."))
    if not plan.service.is_active:
        errors.add("service", _("This service is no longer active in the catalog."))
    elif not _in_scope(contract, plan.service_id):
        errors.add(
            "service",
            _("%(service)s is not in the scope of contract %(number)s.")
            % {"service": plan.service.name, "number": contract.number},
        )
    months = plan.months
    if not isinstance(months, list) or any(
        isinstance(month, bool) or not isinstance(month, int) or not 1 <= month <= 12
        for month in months
    ):
        errors.add("months", _("Give month numbers from 1 to 12, e.g. [4, 10]."))
    if plan.ends_on is not None and plan.ends_on < plan.starts_on:
        errors.add("ends_on", _("The last visit cannot come before the first."))
    errors.raise_if_any()


def _in_scope(contract: Any, service_id: Any) -> bool:
    """Whether any terms of ``contract`` include or bill ``service_id`` (the visits are judged
    by the terms in force when they are generated)."""
    lines = [line for version in contract.versions.all() for line in version.scope_lines.all()]
    return any(line.service_id == service_id and line.coverage != "excluded" for line in lines)


def plan_create(*, actor: Actor, values: Mapping[str, Any], reason: str = "") -> PreventivePlan:
    values = dict(values)
    if "months" in values and isinstance(values["months"], list | tuple):
        values["months"] = sorted(set(values["months"]))
    return record_create(
        PreventivePlan, actor=actor, values=values, reason=reason, check=plan_check
    )


def plan_update(
    *, actor: Actor, plan: PreventivePlan, values: Mapping[str, Any], reason: str = ""
) -> PreventivePlan:
    """Change a plan; the visits generated already stay as they are."""
    values = dict(values)
    if "months" in values and isinstance(values["months"], list | tuple):
        values["months"] = sorted(set(values["months"]))
    return record_update(plan, actor=actor, values=values, reason=reason, check=plan_check)


def plan_delete(*, actor: Actor, plan: PreventivePlan, reason: str = "") -> None:
    record_delete(plan, actor=actor, reason=reason)


PREVENTIVE_PLAN = RecordWriter(
    param="plan", create=plan_create, update=plan_update, delete=plan_delete, check=plan_check
)


# --- the daily run ------------------------------------------------------------------------------
def plan_visit_day(plan: PreventivePlan, nominal_on: dt.date, version: Any) -> dt.date:
    """The day a visit due on ``nominal_on`` is scheduled: the next open day of the calendar of
    ``version`` (the terms in force), or the day itself when the terms name no calendar."""
    calendar = version.calendar
    if calendar is None:
        return nominal_on
    return next_open_day(
        nominal_on,
        open_weekdays={window.weekday for window in calendar.windows.all()},
        holidays=sla_selectors.calendar_holidays(calendar),
    )


def _claim(
    plan: PreventivePlan, nominal_on: dt.date, scheduled_on: dt.date, now: dt.datetime
) -> Any:
    """The visit's occurrence, or None when another run has it: the unique key decides."""
    try:
        with transaction.atomic():
            return record_create(
                PlanOccurrence,
                actor=None,
                values={
                    "plan": plan,
                    "nominal_on": nominal_on,
                    "scheduled_on": scheduled_on,
                    "created_at": now,
                },
                now=now,
            )
    except IntegrityError:
        return None  # a worker running at the same moment inserted it first
    except InvalidInput as refused:
        if "__all__" in refused.fields or "non_field_errors" in refused.fields:
            return None  # generated by a run before this one
        raise


def _visit(plan: PreventivePlan, occurrence: PlanOccurrence, now: dt.datetime) -> None:
    """Open the visit's ticket and work order and record them on its occurrence."""
    site = plan.site
    reason = _("Preventive plan %(plan)s, visit of %(day)s") % {
        "plan": plan.name,
        "day": occurrence.nominal_on.isoformat(),
    }
    ticket = ticket_open(
        actor=None,
        values={
            "customer": site.customer,
            "site": site,
            "equipment": plan.equipment,
            "service": plan.service,
            "contract": plan.contract,
            "priority": plan.priority,
            "channel": Channel.PLAN,
            "subject": plan.name[:200],
            "description": reason,
        },
        reason=reason,
        now=now,
    )
    start = dt.datetime.combine(
        occurrence.scheduled_on, plan.visit_time, tzinfo=ZoneInfo(site.time_zone)
    )
    work_order = work_order_create(
        actor=None,
        values={
            "ticket": ticket,
            "technician": plan.technician,
            "scheduled_start_at": start,
            "scheduled_end_at": start + dt.timedelta(minutes=plan.visit_minutes),
            "notes": reason,
        },
        reason=reason,
    )
    record_update(
        occurrence,
        actor=None,
        values={"ticket": ticket, "work_order": work_order},
        reason=reason,
        now=now,
    )


def plans_generate(*, now: dt.datetime, horizon_days: int | None = None) -> dict[str, int]:
    """Generate the visits of every active plan due from today to ``horizon_days`` ahead (each
    plan's ``lead_days`` unless told): one ticket and one work order per visit, never twice.
    A visit when the contract is not live (ended, suspended, not started) is not generated; a
    visit the intake rules refuse is left for a later run. What was done, counted."""
    today = timezone.localdate(now)
    report = {"plans": 0, "generated": 0, "existing": 0, "not_live": 0, "refused": 0}
    plans = PreventivePlan.objects.filter(is_active=True).select_related(
        "contract", "site__customer", "equipment", "service", "technician"
    )
    for plan in plans.order_by("pk"):
        report["plans"] += 1
        horizon = plan.lead_days if horizon_days is None else horizon_days
        due = plan_dates(
            starts_on=plan.starts_on,
            frequency=plan.frequency,
            interval=plan.interval,
            months=plan.months,
            ends_on=plan.ends_on,
            first_on=today,
            last_on=today + dt.timedelta(days=horizon),
        )
        done = set(plan.occurrences.values_list("nominal_on", flat=True))
        for nominal_on in due:
            if nominal_on in done:
                report["existing"] += 1
                continue
            try:
                version = contract_live_version(plan.contract, nominal_on)
                scheduled_on = plan_visit_day(plan, nominal_on, version) if version else nominal_on
                if version is None or contract_live_version(plan.contract, scheduled_on) is None:
                    report["not_live"] += 1
                    continue
                with transaction.atomic():
                    occurrence = _claim(plan, nominal_on, scheduled_on, now)
                    if occurrence is None:
                        report["existing"] += 1
                        continue
                    _visit(plan, occurrence, now)
            except PactaError:
                # e.g. the service left the contract's scope, or its calendar has no open day
                report["refused"] += 1
                continue
            report["generated"] += 1
    return report
