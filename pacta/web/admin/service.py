"""Back-office pages for tickets, work orders, time entries and parts used."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from pacta.accounts.access import NOBODY, VIEW, Audience, audience_of, may
from pacta.billing.services import work_order_rate_if_done
from pacta.comms import selectors as comms_selectors
from pacta.comms.models import OutboundState
from pacta.domain import sla as domain
from pacta.domain.errors import PactaError
from pacta.service import selectors, services
from pacta.service.models import (
    EventKind,
    PartUsed,
    Priority,
    RescueAction,
    RescueKind,
    RescueLevel,
    Ticket,
    TicketStatus,
    TimeEntry,
    WorkOrder,
)
from pacta.sla.models import RiskLevel, TargetKind
from pacta.web.admin import tables
from pacta.web.admin.comms import outbound_state
from pacta.web.admin.records import ReadOnlyAdmin, RecordAdmin, RecordAdminForm, RecordInline


class _FoundByReference:
    """The search box also finds a record by its reference (``T-000042``, ``WO-42``)."""

    reference_prefix: str

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        found, may_have_duplicates = super().get_search_results(  # type: ignore[misc]
            request, queryset, search_term
        )
        match = re.fullmatch(rf"\s*{self.reference_prefix}-?(\d+)\s*", search_term, re.IGNORECASE)
        if match:
            found |= queryset.filter(pk=int(match.group(1)))
        return found, may_have_duplicates


# --- read-only tables on the ticket page -------------------------------------------------------
#: Where a clock stands (the pure core's states), for people.
CLOCK_STATES = {
    domain.PENDING: _("pending"),
    domain.MET: _("met"),
    domain.BREACHED: _("breached"),
}


def _label(choices: Any, value: str) -> Any:
    """The translated label of ``value`` in a choices class (the value itself if unknown)."""
    return dict(choices.choices).get(value, value) if value else "—"


def _hours(value: dt.timedelta) -> str:
    """Business time as hours and minutes (``4:00``, ``0:30``)."""
    minutes = int(value // dt.timedelta(minutes=1))
    return f"{minutes // 60}:{minutes % 60:02d}"


def _reader(ticket: Ticket) -> Audience:
    """Who is reading the ticket's page (set by TicketAdmin.get_object)."""
    reader: Audience = getattr(ticket, "_pacta_reader", NOBODY)
    return reader


def _evaluated(ticket: Ticket) -> tuple[domain.TicketClocks | None, dt.datetime, str]:
    """The clocks evaluated now (once per page), when, and why not if they cannot be."""
    cached = getattr(ticket, "_pacta_clocks", None)
    if cached is None:
        now = timezone.now()
        try:
            cached = (services.ticket_clocks_evaluate(ticket, now=now), now, "")
        except PactaError as error:
            cached = (None, now, error.message_in(gettext))
        ticket._pacta_clocks = cached  # type: ignore[attr-defined]
    return cached  # type: ignore[no-any-return]


def _zone_caption(now: dt.datetime) -> Any:
    return gettext("Evaluated %(now)s; times in %(zone)s.") % {
        "now": tables.moment(now),
        "zone": timezone.get_current_timezone_name(),
    }


#: Read-only sections of a ticket's change page (a new ticket has none of these yet).
TICKET_SECTIONS = (
    (_("SLA clocks"), ("sla_policy", "sla_calendar", "sla_clocks")),
    (_("Clock history"), ("clock_history",)),
    (_("Events"), ("event_log",)),
    (_("Rescue actions"), ("rescue_actions",)),
    (_("Messages sent"), ("outbound_messages",)),
)
#: Which kind of record each section shows: it is left out for a reader who may not view it.
SECTION_KINDS = {
    "sla_clocks": "sla.ticketclock",
    "clock_history": "sla.ticketclock",
    "event_log": "service.ticketevent",
    "rescue_actions": "service.rescueaction",
    "outbound_messages": "comms.outboundmessage",
}
SECTION_FIELDS = tuple(name for _title, fields in TICKET_SECTIONS for name in fields)


# --- tickets ------------------------------------------------------------------------------------
class TicketAdminForm(RecordAdminForm):
    """A new ticket may leave its customer (the site's) and its opening time (now) to the
    service."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            for name in ("customer", "opened_at"):
                if name in self.fields:
                    self.fields[name].required = False


class WorkOrderInline(RecordInline):
    model = WorkOrder
    writer = services.WORK_ORDER
    fields = (
        "technician",
        "contractor",
        "scheduled_start_at",
        "scheduled_end_at",
        "status",
        "notes",
    )
    autocomplete_fields = ("technician", "contractor")
    show_change_link = True


@admin.register(Ticket)
class TicketAdmin(_FoundByReference, RecordAdmin):
    writer = services.TICKET
    form = TicketAdminForm
    reference_prefix = "T"
    list_display = (
        "reference",
        "subject",
        "customer",
        "site",
        "service",
        "priority",
        "status",
        "opened_at",
    )
    list_filter = ("status", "priority", "channel")
    list_select_related = ("customer", "site", "service")
    search_fields = ("subject", "customer__legal_name", "site__name")
    date_hierarchy = "opened_at"
    autocomplete_fields = ("customer", "site", "service")
    # Their back-office pages are written alongside this one: pick them by id.
    raw_id_fields = ("contract", "equipment")
    readonly_fields = ("created_by", *SECTION_FIELDS)
    inlines = (WorkOrderInline,)
    fieldsets = (
        (None, {"fields": ("subject", "customer", "site", "service", "contract", "equipment")}),
        (_("Handling"), {"fields": ("priority", "channel", "status", "opened_at", "created_by")}),
        (_("Description"), {"fields": ("description",)}),
    )

    def get_object(self, request: HttpRequest, object_id: str, from_field: Any = None) -> Any:
        ticket = super().get_object(request, object_id, from_field)
        if ticket is not None:
            # The read-only sections show what this reader may see (set per request).
            ticket._pacta_reader = audience_of(request.user)
        return ticket

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = list(super().get_fieldsets(request, obj))
        if obj is None:
            return fieldsets
        reader = audience_of(request.user)
        for title, names in TICKET_SECTIONS:
            shown = [
                name
                for name in names
                if name not in SECTION_KINDS or may(reader, SECTION_KINDS[name], VIEW)
            ]
            if any(name in SECTION_KINDS for name in shown):
                fieldsets.append((title, {"fields": shown}))
        return fieldsets

    @admin.display(description=_("reference"), ordering="id")
    def reference(self, ticket: Ticket) -> str:
        return ticket.reference

    # --- the read-only sections ------------------------------------------------------------
    @admin.display(description=_("clocks"))
    def sla_clocks(self, ticket: Ticket) -> Any:
        clocks, now, trouble = _evaluated(ticket)
        if trouble:
            return trouble
        if clocks is None or not clocks.clocks:
            return _("This ticket has no SLA.")
        rows = [
            (
                clock.state if clock.state == domain.BREACHED else "",
                _label(TargetKind, clock.name),
                _hours(clock.budget),
                _hours(clock.used),
                _hours(clock.remaining),
                CLOCK_STATES.get(clock.state, clock.state),
                _label(RiskLevel, clock.risk),
                # a met target has no deadline left (the core gives one as if it ran on)
                "—" if clock.state == domain.MET else tables.moment(clock.due_at),
                tables.moment(clock.completed_at),
                clock.breaches,
            )
            for clock in clocks.clocks
        ]
        return tables.table(
            [
                _("target"),
                _("budget (h:mm)"),
                _("used"),
                _("remaining"),
                _("state"),
                _("risk"),
                _("due"),
                _("met at"),
                _("breaches"),
            ],
            rows,
            caption=_zone_caption(now),
        )

    @admin.display(description=_("why the clocks stand where they do"))
    def clock_history(self, ticket: Ticket) -> Any:
        clocks, now, trouble = _evaluated(ticket)
        if trouble:
            return trouble
        if clocks is None or not clocks.history:
            return _("This ticket has no SLA.")
        names = [clock.name for clock in clocks.clocks]
        for step in clocks.history:
            names += [name for name in step.used if name not in names]
        rows = [
            (
                "",
                tables.moment(step.at),
                _label(EventKind, step.kind),
                *(_hours(step.used[name]) if name in step.used else "—" for name in names),
                step.note,
            )
            for step in clocks.history
        ]
        headers = [
            _("when"),
            _("event"),
            *(gettext("%(target)s used") % {"target": _label(TargetKind, name)} for name in names),
            _("note"),
        ]
        return tables.table(headers, rows, caption=_zone_caption(now))

    @admin.display(description=_("event log"))
    def event_log(self, ticket: Ticket) -> Any:
        events = selectors.ticket_event_list_of(ticket, audience=_reader(ticket))
        if not events:
            return _("No event yet.")
        return tables.table(
            [_("when"), _("event"), _("priority"), _("status"), _("by"), _("reason")],
            (
                (
                    "",
                    tables.moment(event.at),
                    _label(EventKind, event.kind),
                    _label(Priority, event.priority),
                    _label(TicketStatus, event.status),
                    event.actor or _("the system"),
                    event.reason or "—",
                )
                for event in events
            ),
        )

    @admin.display(description=_("rescue actions"))
    def rescue_actions(self, ticket: Ticket) -> Any:
        actions = selectors.rescue_action_list_of(ticket, audience=_reader(ticket))
        if not actions:
            return _("No rescue action was needed.")
        return tables.table(
            [_("raised at"), _("target"), _("level"), _("action"), _("detail"), _("handled")],
            (
                (
                    "",
                    tables.link(action, tables.moment(action.created_at)),
                    _label(TargetKind, action.clock),
                    _label(RescueLevel, action.level),
                    _label(RescueKind, action.kind),
                    _rescue_detail(action),
                    tables.moment(action.handled_at),
                )
                for action in actions
            ),
        )

    @admin.display(description=_("messages"))
    def outbound_messages(self, ticket: Ticket) -> Any:
        about = comms_selectors.outbound_message_list_about(ticket).values("pk")
        messages = comms_selectors.outbound_message_list(audience=_reader(ticket)).filter(
            pk__in=about
        )
        if not messages:
            return _("No message was sent about this ticket.")
        return tables.table(
            [
                _("queued at"),
                _("to"),
                _("subject"),
                _("sent at"),
                _("attempts"),
                _("state"),
                _("next attempt"),
                _("last error"),
            ],
            (
                (
                    "breached" if message.state == OutboundState.GIVEN_UP else "",
                    tables.link(message, tables.moment(message.created_at)),
                    message.to_email,
                    message.subject,
                    tables.moment(message.sent_at),
                    message.attempts,
                    outbound_state(message),
                    tables.moment(message.next_attempt_at) if message.sent_at is None else "—",
                    message.last_error or "—",
                )
                for message in messages.order_by("created_at", "id")
            ),
        )


def _rescue_detail(action: RescueAction) -> Any:
    """What the action did, in a few words."""
    detail = action.detail or {}
    if action.kind == RescueKind.NOTIFY:
        sent = detail.get("sent_to") or []
        return ", ".join(sent) if sent else _("nobody to tell")
    if action.kind == RescueKind.REASSIGN:
        return detail.get("name") or detail.get("why") or "—"
    if action.kind == RescueKind.ESCALATE:
        return "{} → {}".format(
            _label(Priority, detail.get("from", "")), _label(Priority, detail.get("to", ""))
        )
    return "—"


# --- work orders --------------------------------------------------------------------------------
class TimeEntryInline(RecordInline):
    model = TimeEntry
    writer = services.TIME_ENTRY
    fields = ("technician", "started_at", "ended_at", "kind", "note")
    autocomplete_fields = ("technician",)


class PartUsedInline(RecordInline):
    model = PartUsed
    writer = services.PART_USED
    fields = ("product", "quantity", "note")
    autocomplete_fields = ("product",)


class _RatedWorkOrderAdmin(RecordAdmin):
    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        # Completed by hand, or its time and parts corrected in the inlines: rated after commit.
        work_order_rate_if_done(form.instance.pk)


@admin.register(WorkOrder)
class WorkOrderAdmin(_FoundByReference, _RatedWorkOrderAdmin):
    writer = services.WORK_ORDER
    reference_prefix = "WO"
    list_display = (
        "reference",
        "ticket",
        "technician",
        "contractor",
        "scheduled_start_at",
        "scheduled_end_at",
        "status",
    )
    list_filter = ("status", "contractor")
    list_select_related = ("ticket", "technician", "contractor")
    search_fields = (
        "notes",
        "ticket__subject",
        "technician__username",
        "technician__first_name",
        "technician__last_name",
    )
    date_hierarchy = "scheduled_start_at"
    autocomplete_fields = ("ticket", "technician", "contractor")
    inlines = (TimeEntryInline, PartUsedInline)
    fieldsets = (
        (None, {"fields": ("ticket", "status")}),
        (_("Assignment"), {"fields": ("technician", "contractor")}),
        (_("Schedule"), {"fields": ("scheduled_start_at", "scheduled_end_at")}),
        (_("Notes"), {"fields": ("notes",)}),
    )

    @admin.display(description=_("reference"), ordering="id")
    def reference(self, work_order: WorkOrder) -> str:
        return work_order.reference

    def view_on_site(self, work_order: WorkOrder) -> str:
        """The work order's charges page (its lines, their trace, decisions, credits)."""
        return reverse("web:charges:work_order", args=[work_order.pk])


# --- time and parts -----------------------------------------------------------------------------
class _RatedWorkAdmin(RecordAdmin):
    """Time or parts written after the work order was completed: it is rated again after
    commit (and so is the work order a row was moved from)."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        moved_from = (
            type(obj)._default_manager.filter(pk=obj.pk).values_list("work_order_id", flat=True)
            if change
            else []
        )
        super().save_model(request, obj, form, change)
        for work_order_id in {*moved_from, obj.work_order_id}:
            work_order_rate_if_done(work_order_id)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        super().delete_model(request, obj)
        work_order_rate_if_done(obj.work_order_id)


@admin.register(TimeEntry)
class TimeEntryAdmin(_RatedWorkAdmin):
    writer = services.TIME_ENTRY
    list_display = ("work_order_reference", "technician", "kind", "started_at", "ended_at", "note")
    list_filter = ("kind",)
    list_select_related = ("work_order", "technician")
    search_fields = ("note", "technician__username", "work_order__ticket__subject")
    date_hierarchy = "started_at"
    autocomplete_fields = ("work_order", "technician")

    @admin.display(description=_("work order"), ordering="work_order_id")
    def work_order_reference(self, entry: TimeEntry) -> str:
        return entry.work_order.reference


@admin.register(PartUsed)
class PartUsedAdmin(_RatedWorkAdmin):
    writer = services.PART_USED
    list_display = ("work_order_reference", "product", "quantity", "note")
    list_select_related = ("work_order", "product")
    search_fields = ("note", "product__sku", "product__name")
    autocomplete_fields = ("work_order", "product")

    @admin.display(description=_("work order"), ordering="work_order_id")
    def work_order_reference(self, part: PartUsed) -> str:
        return part.work_order.reference


# --- what the SLA sweep did ---------------------------------------------------------------------
@admin.register(RescueAction)
class RescueActionAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "ticket_reference",
        "clock",
        "level",
        "kind",
        "episode",
        "handled_at",
        "handled_by",
    )
    list_filter = ("level", "kind", "clock")
    list_select_related = ("ticket", "handled_by")
    search_fields = ("ticket__subject", "ticket__customer__legal_name")
    date_hierarchy = "created_at"
    readonly_fields = (
        "ticket",
        "clock",
        "level",
        "kind",
        "episode",
        "created_at",
        "what_was_done",
        "handled_at",
        "handled_by",
    )
    fields = readonly_fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return selectors.rescue_action_list(audience=audience_of(request.user))

    @admin.display(description=_("ticket"), ordering="ticket_id")
    def ticket_reference(self, action: RescueAction) -> str:
        return action.ticket.reference

    @admin.display(description=_("what was done"))
    def what_was_done(self, action: RescueAction) -> Any:
        return _rescue_detail(action)
