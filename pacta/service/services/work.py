"""Work orders, the time technicians log on them, and the parts they use."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from functools import partial
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from pacta.accounts.roles import Role
from pacta.audit.services import (
    Actor,
    RecordWriter,
    record_create,
    record_delete,
    record_update,
    stored_values,
)
from pacta.domain.errors import FieldErrors, InvalidInput
from pacta.service.errors import WorkOrderReassignRefused
from pacta.service.models import (
    PartUsed,
    Ticket,
    TicketStatus,
    TimeEntry,
    WorkOrder,
    WorkOrderStatus,
)

#: The longest span one time entry may cover; longer work is logged as several entries.
TIME_ENTRY_LONGEST = dt.timedelta(hours=24)
#: Tickets that take no new work orders.
TICKET_FINISHED = frozenset({TicketStatus.CLOSED, TicketStatus.CANCELLED})
#: What only the office changes on a work order.
ASSIGNMENT_FIELDS = ("ticket", "technician", "contractor")


def _pk(value: Any) -> Any:
    return getattr(value, "pk", value)


def _role(actor: Actor) -> str | None:
    return getattr(actor, "role", None)


def _is_active_technician(user: Any) -> bool:
    return bool(user.is_active) and user.role == Role.TECHNICIAN


def _moment(value: dt.datetime) -> str:
    """An instant as people read it, in the active time zone."""
    return f"{timezone.localtime(value):%Y-%m-%d %H:%M}"


def _span(start: dt.datetime, end: dt.datetime) -> tuple[str, str]:
    """Two instants in the active time zone; the end without its date when on the same day."""
    local_start, local_end = timezone.localtime(start), timezone.localtime(end)
    if local_start.date() == local_end.date():
        return _moment(start), f"{local_end:%H:%M}"
    return _moment(start), _moment(end)


# --- work orders --------------------------------------------------------------------------------
def work_order_check(work_order: WorkOrder, m2m: Mapping[str, list[Any]] | None = None) -> None:
    errors = FieldErrors()
    stored = stored_values(work_order, "ticket_id", "technician_id", "contractor_id")
    if work_order.ticket_id != stored.get("ticket_id"):
        # Locked, so the ticket cannot close, or move, while the work order joins it.
        ticket = Ticket.objects.select_for_update().get(pk=work_order.ticket_id)
        if ticket.status in TICKET_FINISHED:
            errors.add(
                "ticket",
                _("Ticket %(ticket)s is %(status)s: it takes no new work orders.")
                % {"ticket": ticket.reference, "status": ticket.get_status_display()},
            )
    technician = work_order.technician
    # The assignment is checked when it is made: a work order keeps a technician who later
    # leaves, or changes company, so that its history stays as it was.
    technician_changed = work_order.technician_id != stored.get("technician_id")
    contractor_changed = work_order.contractor_id != stored.get("contractor_id")
    if technician is not None:
        if technician_changed and not _is_active_technician(technician):
            errors.add("technician", _("Work orders go to active technicians only."))
        if (technician_changed or contractor_changed) and (
            work_order.contractor_id != technician.contractor_id
        ):
            errors.add(
                "contractor",
                _("%(technician)s works for us, not for a contractor.") % {"technician": technician}
                if technician.contractor_id is None
                else _("%(technician)s works for %(contractor)s.")
                % {"technician": technician, "contractor": technician.contractor},
            )
    start, end = work_order.scheduled_start_at, work_order.scheduled_end_at
    if start is not None and end is not None and end <= start:
        errors.add("scheduled_end_at", _("The scheduled end must be after the scheduled start."))
    errors.raise_if_any()


def _with_technicians_contractor(values: dict[str, Any], *, current: WorkOrder | None) -> None:
    """A work order given to a technician goes to the technician's company, unless told: when
    the technician is chosen without a contractor, or the contractor is left empty."""
    technician_given = "technician" in values
    technician = values["technician"] if technician_given else getattr(current, "technician", None)
    if technician is None or values.get("contractor") is not None:
        return
    technician_changed = technician_given and (
        current is None or _pk(technician) != current.technician_id
    )
    if "contractor" in values or technician_changed:
        values["contractor"] = technician.contractor


def _refuse_reassignment(actor: Actor, work_order: WorkOrder, values: Mapping[str, Any]) -> None:
    """Technicians and contractors work the orders they are given; only the office reassigns."""
    if _role(actor) not in (Role.TECHNICIAN, Role.CONTRACTOR):
        return
    changed = [
        name
        for name in ASSIGNMENT_FIELDS
        if name in values and _pk(values[name]) != getattr(work_order, f"{name}_id")
    ]
    if changed:
        message = _("Only office staff can change this.")
        raise WorkOrderReassignRefused(
            _("Only office staff can reassign a work order."),
            fields={name: [message] for name in changed},
        )


def work_order_create(*, actor: Actor, values: Mapping[str, Any], reason: str = "") -> WorkOrder:
    values = dict(values)
    _with_technicians_contractor(values, current=None)
    return record_create(
        WorkOrder, actor=actor, values=values, reason=reason, check=work_order_check
    )


def work_order_update(
    *, actor: Actor, work_order: WorkOrder, values: Mapping[str, Any], reason: str = ""
) -> WorkOrder:
    values = dict(values)
    _with_technicians_contractor(values, current=work_order)
    _refuse_reassignment(actor, work_order, values)
    return record_update(
        work_order, actor=actor, values=values, reason=reason, check=work_order_check
    )


def work_order_delete(*, actor: Actor, work_order: WorkOrder, reason: str = "") -> None:
    record_delete(work_order, actor=actor, reason=reason)


WORK_ORDER = RecordWriter(
    param="work_order",
    create=work_order_create,
    update=work_order_update,
    delete=work_order_delete,
    check=work_order_check,
)


# --- time entries -------------------------------------------------------------------------------
def _time_of_others(actor: Actor, technician: Any) -> str | None:
    """Why ``actor`` may not log time for ``technician`` (None: it may).

    A technician logs its own time; a contractor the time of its company's technicians."""
    role = _role(actor)
    if role == Role.TECHNICIAN and _pk(technician) != actor.pk:
        return _("You log your own time only.")
    if role == Role.CONTRACTOR and (
        technician is None or technician.contractor_id != actor.contractor_id
    ):
        return _("You log the time of your company's technicians only.")
    return None


def _lock_technician(entry: TimeEntry) -> None:
    """Serialize the time entries of one technician, so two overlapping ones cannot both pass."""
    users = TimeEntry._meta.get_field("technician").related_model._default_manager
    list(users.select_for_update().filter(pk=entry.technician_id).values_list("pk", flat=True))


def time_entry_check(
    entry: TimeEntry, m2m: Mapping[str, list[Any]] | None = None, *, actor: Actor = None
) -> None:
    errors = FieldErrors()
    times_valid = False
    if entry.ended_at <= entry.started_at:
        errors.add("ended_at", _("A time entry must end after it starts."))
    elif entry.ended_at - entry.started_at > TIME_ENTRY_LONGEST:
        errors.add(
            "ended_at", _("A time entry covers at most 24 hours; log longer work as several.")
        )
    else:
        times_valid = True
    technician = entry.technician
    previous = (
        TimeEntry.objects.select_related("technician").get(pk=entry.pk).technician
        if entry.pk is not None
        else None
    )
    # A technician (a contractor) changes its own (its company's) entries only, and keeps them so.
    technician_refused = (
        _time_of_others(actor, previous) if previous is not None else None
    ) or _time_of_others(actor, technician)
    # The technician is checked when chosen: its past entries stay when it leaves.
    if not technician_refused and technician != previous and not _is_active_technician(technician):
        technician_refused = _("Time is logged for active technicians only.")
    if technician_refused:
        errors.add("technician", technician_refused)
    if entry.work_order.status == WorkOrderStatus.CANCELLED:
        errors.add("work_order", _("This work order is cancelled: it takes no time entries."))
    if times_valid and not technician_refused:
        _lock_technician(entry)
        others = TimeEntry.objects.filter(
            technician_id=entry.technician_id,
            started_at__lt=entry.ended_at,
            ended_at__gt=entry.started_at,
        )
        if entry.pk is not None:
            others = others.exclude(pk=entry.pk)
        other = others.select_related("work_order").order_by("started_at", "id").first()
        if other is not None:
            start, end = _span(other.started_at, other.ended_at)
            errors.add(
                "started_at",
                _("This time overlaps %(start)s–%(end)s already logged on %(work_order)s.")
                % {"start": start, "end": end, "work_order": other.work_order.reference},
            )
    errors.raise_if_any()


def time_entry_create(*, actor: Actor, values: Mapping[str, Any], reason: str = "") -> TimeEntry:
    """Log time on a work order; the technician is the work order's unless told."""
    values = dict(values)
    work_order = values.get("work_order")
    if values.get("technician") is None and hasattr(work_order, "technician"):
        values["technician"] = work_order.technician
    return record_create(
        TimeEntry,
        actor=actor,
        values=values,
        reason=reason,
        check=partial(time_entry_check, actor=actor),
    )


def time_entry_update(
    *, actor: Actor, time_entry: TimeEntry, values: Mapping[str, Any], reason: str = ""
) -> TimeEntry:
    return record_update(
        time_entry,
        actor=actor,
        values=values,
        reason=reason,
        check=partial(time_entry_check, actor=actor),
    )


def _refuse_deleting_time_of_others(actor: Actor, entry: TimeEntry) -> None:
    stored = TimeEntry.objects.select_related("technician").get(pk=entry.pk)
    refused = _time_of_others(actor, stored.technician)
    if refused is not None:
        raise InvalidInput.on("technician", refused)


def time_entry_delete(*, actor: Actor, time_entry: TimeEntry, reason: str = "") -> None:
    record_delete(
        time_entry,
        actor=actor,
        reason=reason,
        check=partial(_refuse_deleting_time_of_others, actor),
    )


TIME_ENTRY = RecordWriter(
    param="time_entry",
    create=time_entry_create,
    update=time_entry_update,
    delete=time_entry_delete,
    check=time_entry_check,
)


# --- parts used ---------------------------------------------------------------------------------
def part_used_check(part: PartUsed, m2m: Mapping[str, list[Any]] | None = None) -> None:
    errors = FieldErrors()
    stored = stored_values(part, "product_id")
    # A product is checked when it is chosen: a part keeps a product the catalog later retires.
    if part.product_id != stored.get("product_id") and not part.product.is_active:
        errors.add("product", _("This product is no longer active in the catalog."))
    if part.work_order.status == WorkOrderStatus.CANCELLED:
        errors.add("work_order", _("This work order is cancelled: it takes no parts."))
    errors.raise_if_any()


def part_used_create(*, actor: Actor, values: Mapping[str, Any], reason: str = "") -> PartUsed:
    return record_create(PartUsed, actor=actor, values=values, reason=reason, check=part_used_check)


def part_used_update(
    *, actor: Actor, part_used: PartUsed, values: Mapping[str, Any], reason: str = ""
) -> PartUsed:
    return record_update(
        part_used, actor=actor, values=values, reason=reason, check=part_used_check
    )


def part_used_delete(*, actor: Actor, part_used: PartUsed, reason: str = "") -> None:
    record_delete(part_used, actor=actor, reason=reason)


PART_USED = RecordWriter(
    param="part_used",
    create=part_used_create,
    update=part_used_update,
    delete=part_used_delete,
    check=part_used_check,
)
