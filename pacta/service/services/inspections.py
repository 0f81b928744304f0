"""Installation inspections on a work order: a template's parameters read one by one (a value
in a range, or pass/fail), then finished with an overall result.

An inspection is started for a piece of equipment at the work order's site, or for the site
itself, while the work is still to be done; a numeric reading passes inside [minimum, maximum]
(an empty bound is open), a pass/fail reading is what the inspector says; an inspection
finishes only when every parameter has a reading, and then passes when every reading passes.
A finished inspection no longer changes (its report was issued from it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pacta.audit.services import (
    Actor,
    actor_user,
    is_duplicate,
    record_create,
    record_update,
)
from pacta.domain.errors import FieldErrors, InvalidInput
from pacta.service.errors import InspectionFinished, ReadingsMissing
from pacta.service.models import (
    Inspection,
    InspectionReading,
    InspectionResult,
    WorkOrder,
    WorkOrderStatus,
)

#: Work orders that take inspections: the work is not done yet.
INSPECTING_STATUSES = frozenset(
    {WorkOrderStatus.SCHEDULED, WorkOrderStatus.EN_ROUTE, WorkOrderStatus.ON_SITE}
)


def inspection_check(inspection: Inspection, m2m: Mapping[str, list[Any]] | None = None) -> None:
    errors = FieldErrors()
    work_order = inspection.work_order
    template = inspection.template
    if work_order.status not in INSPECTING_STATUSES:
        errors.add(
            "work_order",
            _("Work order %(reference)s is %(status)s: it takes no new inspection.")
            % {"reference": work_order.reference, "status": work_order.get_status_display()},
        )
    if not template.is_active:
        errors.add("template", _("%(record)s is no longer active.") % {"record": template})
    elif template.service_id is not None and template.service_id != work_order.ticket.service_id:
        errors.add(
            "template",
            _("This inspection is for work orders of %(service)s.") % {"service": template.service},
        )
    elif not template.parameters.exists():
        errors.add("template", _("This inspection template has no parameters to read."))
    equipment = inspection.equipment
    if equipment is not None and equipment.site_id != work_order.ticket.site_id:
        errors.add(
            "equipment",
            _("%(equipment)s is not at %(site)s.")
            % {"equipment": equipment, "site": work_order.ticket.site},
        )
    if is_duplicate(
        inspection,
        work_order_id=inspection.work_order_id,
        template_id=inspection.template_id,
        equipment_id=inspection.equipment_id,
    ):
        errors.add(
            "template",
            _("This work order already has this inspection of %(subject)s.")
            % {"subject": equipment if equipment is not None else _("the site")},
        )
    errors.raise_if_any()


def inspection_start(
    *,
    actor: Actor,
    work_order: WorkOrder,
    template: Any,
    equipment: Any = None,
    reason: str = "",
    now: dt.datetime | None = None,
) -> Inspection:
    """Start the inspection of ``template`` on ``work_order``, for ``equipment`` at its site
    (or, without it, for the site)."""
    now = now or timezone.now()
    return record_create(
        Inspection,
        actor=actor,
        values={
            "work_order": work_order,
            "template": template,
            "equipment": equipment,
            "started_at": now,
            "started_by": actor_user(actor),
        },
        reason=reason,
        check=inspection_check,
        now=now,
    )


def _locked(inspection: Inspection) -> Inspection:
    locked = (
        Inspection.objects.select_for_update(of=("self",))
        .select_related("template", "work_order")
        .get(pk=inspection.pk)
    )
    if locked.completed_at is not None:
        raise InspectionFinished(
            _("This inspection was finished (%(result)s): its readings no longer change.")
            % {"result": locked.get_result_display()}
        )
    return locked


def _in_range(value: Decimal, parameter: Any) -> bool:
    low, high = parameter.minimum, parameter.maximum
    return (low is None or value >= low) and (high is None or value <= high)


def inspection_reading_record(
    *,
    actor: Actor,
    inspection: Inspection,
    parameter: Any,
    value: Decimal | None = None,
    passed: bool | None = None,
    note: str = "",
    now: dt.datetime | None = None,
) -> InspectionReading:
    """Record (or correct, until the inspection is finished) what was read for one parameter:
    a numeric parameter needs its value and passes inside its range; a pass/fail one needs
    ``passed`` and takes no value."""
    now = now or timezone.now()
    with transaction.atomic():
        inspection = _locked(inspection)
        errors = FieldErrors()
        if parameter.template_id != inspection.template_id:
            raise InvalidInput.on(
                "parameter",
                _("%(parameter)s is not a parameter of %(template)s.")
                % {"parameter": parameter, "template": inspection.template},
            )
        if parameter.kind == "numeric":
            if value is None:
                errors.add(
                    "value",
                    _("Give the value read for %(parameter)s.") % {"parameter": parameter},
                )
            else:
                passed = _in_range(Decimal(value), parameter)
        else:
            if value is not None:
                errors.add("value", _("A pass/fail check takes no value."))
            if passed is None:
                errors.add(
                    "passed", _("Say whether %(parameter)s passed.") % {"parameter": parameter}
                )
        errors.raise_if_any()
        values = {
            "inspection": inspection,
            "parameter": parameter,
            "value": value,
            "passed": bool(passed),
            "note": note or "",
            "read_at": now,
            "read_by": actor_user(actor),
        }
        current = InspectionReading.objects.filter(
            inspection=inspection, parameter=parameter
        ).first()
        if current is not None:
            return record_update(current, actor=actor, values=values, now=now)
        return record_create(InspectionReading, actor=actor, values=values, now=now)


def inspection_finish(
    *, actor: Actor, inspection: Inspection, reason: str = "", now: dt.datetime | None = None
) -> Inspection:
    """Finish an inspection whose every parameter has a reading: it passes when every reading
    passes. Refused, naming the parameters, while some have no reading."""
    now = now or timezone.now()
    with transaction.atomic():
        inspection = _locked(inspection)
        readings = {reading.parameter_id: reading for reading in inspection.readings.all()}
        missing = [p for p in inspection.template.parameters.all() if p.pk not in readings]
        if missing:
            labels = ", ".join(parameter.label for parameter in missing)
            raise ReadingsMissing(
                _("Read every parameter before finishing; missing: %(parameters)s.")
                % {"parameters": labels},
                fields={
                    "readings": [
                        _("No reading for %(parameter)s.") % {"parameter": parameter.label}
                        for parameter in missing
                    ]
                },
            )
        passed = all(reading.passed for reading in readings.values())
        return record_update(
            inspection,
            actor=actor,
            values={
                "result": InspectionResult.PASS if passed else InspectionResult.FAIL,
                "completed_at": now,
                "completed_by": actor_user(actor),
            },
            reason=reason,
            now=now,
        )
