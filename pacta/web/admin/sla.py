"""Back-office pages for business calendars and SLA policies (with their rows), and the clocks
of tickets (read-only: they are derived from the tickets' events)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from pacta.audit.services import RecordWriter
from pacta.domain import tickets
from pacta.domain.errors import PactaError
from pacta.service.models import TicketStatus
from pacta.sla import services
from pacta.sla.models import (
    BusinessCalendar,
    CalendarWindow,
    ClosedDay,
    SlaPolicy,
    SlaTarget,
    TicketClock,
)
from pacta.web.admin.records import (
    ReadOnlyAdmin,
    RecordAdmin,
    RecordAdminForm,
    RecordInline,
    add_refusal,
)


class _Rehearsal(Exception):
    """Raised to roll back the rows rehearsed together."""


def _row_values(form: forms.BaseForm) -> dict[str, Any]:
    return {
        name: value
        for name, value in form.cleaned_data.items()
        if name not in ("reason", "id", "DELETE")
    }


def _parent_values(instance: Any) -> dict[str, Any]:
    return {
        field.name: getattr(instance, field.name)
        for field in instance._meta.concrete_fields
        if field.editable and not field.primary_key
    }


class RowsCheckedTogether(RecordInline):
    """An inline whose rows depend on each other (the windows of a week, the targets of a
    policy): besides each row alone, the rows are rehearsed together, in the order the page
    saves them, so a row that clashes with another row of the same page comes back on its
    field with what was typed, and nothing is written."""

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        formset_class = super().get_formset(request, obj, **kwargs)
        writer: RecordWriter = self.writer
        actor = request.user
        reason = request.POST.get("reason", "") if request.method == "POST" else ""
        parent_admin = self.admin_site._registry.get(self.parent_model)
        parent_writer: RecordWriter | None = getattr(parent_admin, "writer", None)

        class Together(formset_class):  # type: ignore[misc,valid-type]
            def validate_unique(self) -> None:
                # Left to the rehearsal: the services name the field of a duplicate row.
                return None

            def clean(self) -> None:
                super().clean()
                if any(self.errors):
                    return
                refused = _rehearse_together(self, parent_writer, writer, actor, reason)
                if refused:
                    raise forms.ValidationError(refused)

        return Together


def _rehearse_together(
    formset: Any,
    parent_writer: RecordWriter | None,
    writer: RecordWriter,
    actor: Any,
    reason: str,
) -> list[str]:
    """Write the rows as saving would (deletions, changes, additions in the page's order), then
    roll back. A refused row gets the refusal on its fields; a refused deletion is returned."""
    refused: list[str] = []
    fk_name = formset.fk.name
    try:
        with transaction.atomic():
            parent = formset.instance
            if parent.pk is None:
                if parent_writer is None:
                    raise _Rehearsal
                try:
                    parent = parent_writer.create_record(
                        actor=actor, values=_parent_values(parent), reason=reason
                    )
                except PactaError:
                    raise _Rehearsal from None  # the parent's own form reports those errors
            for form in formset.forms:
                if not getattr(form, "cleaned_data", None):
                    continue
                instance = form.instance
                stored = (
                    type(instance)._default_manager.filter(pk=instance.pk).first()
                    if instance.pk is not None
                    else None
                )
                try:
                    if form.cleaned_data.get("DELETE"):
                        if stored is not None:
                            writer.delete_record(stored, actor=actor, reason=reason)
                    elif form.has_changed():
                        values = {**_row_values(form), fk_name: parent}
                        if stored is not None:
                            writer.update_record(stored, actor=actor, values=values, reason=reason)
                        else:
                            writer.create_record(actor=actor, values=values, reason=reason)
                except PactaError as error:
                    if form.cleaned_data.get("DELETE"):
                        refused.append(f"{instance}: {error.message_in(gettext)}")
                    else:
                        add_refusal(form, error)
            raise _Rehearsal
    except _Rehearsal:
        pass
    return refused


# --- calendars ------------------------------------------------------------------------------------
class CalendarWindowInline(RowsCheckedTogether):
    model = CalendarWindow
    writer = services.CALENDAR_WINDOW
    fields = ("weekday", "starts", "ends")


class ClosedDayInline(RowsCheckedTogether):
    model = ClosedDay
    writer = services.CLOSED_DAY
    fields = ("day", "name")


@admin.register(BusinessCalendar)
class CalendarAdmin(RecordAdmin):
    writer = services.CALENDAR
    list_display = (
        "name",
        "time_zone",
        "holiday_country",
        "holiday_subdivision",
        "is_active",
        "updated_at",
    )
    list_filter = ("is_active", "holiday_country")
    search_fields = ("name",)
    inlines = (CalendarWindowInline, ClosedDayInline)
    fieldsets = (
        (None, {"fields": ("name", "time_zone", "is_active")}),
        (_("Public holidays"), {"fields": ("holiday_country", "holiday_subdivision")}),
        (_("Notes"), {"fields": ("notes",)}),
    )


# --- SLA policies ---------------------------------------------------------------------------------
PAUSABLE = [(status.value, status.label) for status in TicketStatus if status not in tickets.DONE]


class SlaPolicyAdminForm(RecordAdminForm):
    pausing_statuses = forms.MultipleChoiceField(
        label=_("statuses that pause the clocks"),
        choices=PAUSABLE,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("While a ticket is in one of these statuses, its clocks do not run."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is None and not self.is_bound:
            self.initial["pausing_statuses"] = sorted(tickets.DEFAULT_PAUSING)


class SlaTargetInline(RowsCheckedTogether):
    model = SlaTarget
    writer = services.SLA_TARGET
    fields = ("priority", "kind", "duration")


@admin.register(SlaPolicy)
class SlaPolicyAdmin(RecordAdmin):
    writer = services.SLA_POLICY
    form = SlaPolicyAdminForm
    list_display = (
        "name",
        "warning_percent",
        "critical_percent",
        "escalate_on",
        "is_active",
        "updated_at",
    )
    list_filter = ("is_active", "escalate_on")
    search_fields = ("name",)
    inlines = (SlaTargetInline,)
    fieldsets = (
        (None, {"fields": ("name", "is_active")}),
        (
            _("Clocks"),
            {
                "fields": (
                    ("warning_percent", "critical_percent"),
                    "pausing_statuses",
                    "escalate_on",
                )
            },
        ),
        (_("Notes"), {"fields": ("notes",)}),
    )


# --- ticket clocks --------------------------------------------------------------------------------
@admin.register(TicketClock)
class TicketClockAdmin(ReadOnlyAdmin):
    list_display = (
        "ticket",
        "name",
        "state",
        "risk",
        "due_at",
        "used",
        "remaining",
        "evaluated_at",
    )
    list_filter = ("name", "state", "risk")
    list_select_related = ("ticket",)
    search_fields = ("=ticket__id", "ticket__subject")
    date_hierarchy = "due_at"
    readonly_fields = [field.name for field in TicketClock._meta.fields]
