"""/api/v1/calendars/ (and their previews), /sla-policies/, /ticket-clocks/ (read-only)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from pacta.accounts.access import VIEW
from pacta.api.records import ReadOnlyRecordViewSet, RecordSerializer, RecordViewSet
from pacta.domain.errors import InvalidInput
from pacta.sla import selectors, services
from pacta.sla.models import BusinessCalendar, EscalateOn, SlaPolicy, TicketClock

#: The longest business time the API takes (a year of round-the-clock time), in seconds.
MAX_SECONDS = 366 * 24 * 3600
#: The instants a preview takes (the calendar's timeline is built for the years asked).
PREVIEW_YEARS = (1970, 2099)


class SecondsField(serializers.IntegerField):
    """A duration as a whole number of seconds (so clients need not parse ISO 8601 durations)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_value", None)
        super().__init__(**kwargs)
        self.validators = []  # the bounds are checked below, on the number of seconds

    def to_representation(self, value: dt.timedelta) -> int:
        return round(value.total_seconds())

    def to_internal_value(self, data: Any) -> dt.timedelta:
        seconds = super().to_internal_value(data)
        if abs(seconds) > MAX_SECONDS:
            self.fail("max_value", max_value=MAX_SECONDS)
        return dt.timedelta(seconds=seconds)


# --- calendars ----------------------------------------------------------------------------------
class CalendarWindowRowSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """A working window of one weekday."""

    id = serializers.IntegerField(read_only=True)
    weekday = serializers.IntegerField(help_text=gettext_lazy("0 = Monday … 6 = Sunday."))
    starts = serializers.CharField(help_text=gettext_lazy('"HH:MM", e.g. "08:00".'))
    ends = serializers.CharField(
        help_text=gettext_lazy('"HH:MM", after the start; "24:00" for midnight.')
    )


class ClosedDayRowSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """A whole day the calendar is closed, besides its public holidays."""

    id = serializers.IntegerField(read_only=True)
    day = serializers.DateField()
    name = serializers.CharField(required=False, allow_blank=True)


class CalendarSerializer(RecordSerializer):
    """When the SLA clocks run: weekly working windows in a time zone, minus the public holidays
    of a country (and region) and the calendar's closed days."""

    windows = CalendarWindowRowSerializer(
        many=True,
        help_text=gettext_lazy(
            "The working windows of the week (at least one; the windows of a day may not "
            "overlap). When given, they replace the calendar's windows."
        ),
    )
    closed_days = ClosedDayRowSerializer(
        many=True,
        required=False,
        help_text=gettext_lazy(
            "Whole days closed besides the public holidays. When given, they replace the "
            "calendar's closed days."
        ),
    )

    class Meta:
        model = BusinessCalendar
        fields = [
            "id",
            "name",
            "time_zone",
            "holiday_country",
            "holiday_subdivision",
            "is_active",
            "notes",
            "updated_at",
            "windows",
            "closed_days",
            "reason",
        ]
        read_only_fields = ["updated_at"]


class CalendarAddSerializer(serializers.Serializer):  # type: ignore[type-arg]
    result = serializers.CharField(
        help_text=gettext_lazy("The instant, in ISO 8601, in the calendar's time zone.")
    )


class CalendarBetweenSerializer(serializers.Serializer):  # type: ignore[type-arg]
    seconds = serializers.FloatField(
        help_text=gettext_lazy("Business time between the two instants, in seconds.")
    )


_SPACE_FOR_PLUS = re.compile(r"^(.+T[\d:.]+) (\d{2}(?::?\d{2})?)$")


def _instant(params: Mapping[str, Any], name: str) -> dt.datetime:
    """An aware instant from the query string (a "+" sent unescaped arrives as a space)."""
    text = _SPACE_FOR_PLUS.sub(r"\1+\2", str(params.get(name, "")).strip())
    try:
        value = parse_datetime(text) if text else None
    except ValueError:
        value = None
    if value is None:
        raise InvalidInput.on(
            name,
            _("Give a date and time in ISO 8601 with its offset, e.g. 2026-03-06T17:00:00+01:00."),
        )
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInput.on(
            name,
            _("Give the offset too (+01:00, or Z for UTC): a time without one is ambiguous."),
        )
    first, last = PREVIEW_YEARS
    if not first <= value.year <= last:
        raise InvalidInput.on(
            name,
            _("Choose an instant from %(first)d to %(last)d.") % {"first": first, "last": last},
        )
    return value


def _duration(params: Mapping[str, Any], name: str) -> dt.timedelta:
    text = str(params.get(name, "")).strip()
    if not re.fullmatch(r"\d+", text) or int(text) > MAX_SECONDS:
        raise InvalidInput.on(
            name,
            _("Give the business time as a whole number of seconds, from 0 to %(max)d.")
            % {"max": MAX_SECONDS},
        )
    return dt.timedelta(seconds=int(text))


START = OpenApiParameter(
    "start",
    OpenApiTypes.DATETIME,
    required=True,
    description=str(gettext_lazy("An aware instant in ISO 8601, e.g. 2026-03-06T17:00:00+01:00.")),
)


class CalendarViewSet(RecordViewSet):
    serializer_class = CalendarSerializer
    selector = staticmethod(selectors.calendar_list)
    writer = services.CALENDAR
    record_actions = {"add": VIEW, "between": VIEW}
    filterset_fields = ["is_active", "time_zone", "holiday_country"]
    search_fields = ["name", "notes"]
    ordering_fields = ["name", "id"]

    @extend_schema(
        parameters=[
            START,
            OpenApiParameter(
                "duration",
                int,
                required=True,
                description=str(gettext_lazy("Business time to add, in seconds.")),
            ),
        ],
        responses=CalendarAddSerializer,
        description=gettext_lazy(
            "The instant a business time after the start, on this calendar (in its time "
            "zone): what a clock with that budget would be due at."
        ),
    )
    @action(detail=True, methods=["get"], url_path="add")
    def add(self, request: Request, pk: str | None = None) -> Response:
        calendar = self.get_object()
        start = _instant(request.query_params, "start")
        duration = _duration(request.query_params, "duration")
        result = selectors.sla_calendar(calendar).add(start, duration)
        return Response({"result": result.isoformat()})

    @extend_schema(
        parameters=[
            START,
            OpenApiParameter(
                "end",
                OpenApiTypes.DATETIME,
                required=True,
                description=str(gettext_lazy("An aware instant in ISO 8601, after the start.")),
            ),
        ],
        responses=CalendarBetweenSerializer,
        description=gettext_lazy(
            "The business time between two instants on this calendar, in seconds."
        ),
    )
    @action(detail=True, methods=["get"], url_path="between")
    def between(self, request: Request, pk: str | None = None) -> Response:
        calendar = self.get_object()
        start = _instant(request.query_params, "start")
        end = _instant(request.query_params, "end")
        seconds = selectors.sla_calendar(calendar).between(start, end).total_seconds()
        return Response({"seconds": int(seconds) if seconds.is_integer() else seconds})


# --- SLA policies -------------------------------------------------------------------------------
class SlaTargetRowSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """How much business time one priority gets for one target."""

    id = serializers.IntegerField(read_only=True)
    priority = serializers.CharField(
        help_text=gettext_lazy("A ticket priority: low, normal, high or critical.")
    )
    kind = serializers.CharField(
        help_text=gettext_lazy(
            "The target: response (first response), resolution, or update (at most this much "
            "business time between two updates to the customer while the ticket is open)."
        )
    )
    duration_seconds = SecondsField(
        source="duration",
        help_text=gettext_lazy(
            "Business time on the calendar, in whole seconds (14400 = four hours)."
        ),
    )


#: What each ``escalate_on`` value does (said in full: the levels alone are another choice set).
ESCALATION = [
    (EscalateOn.NEVER.value, gettext_lazy("never raise the priority")),
    (EscalateOn.WARNING.value, gettext_lazy("raise the priority when a clock reaches warning")),
    (EscalateOn.CRITICAL.value, gettext_lazy("raise the priority when a clock reaches critical")),
    (EscalateOn.BREACHED.value, gettext_lazy("raise the priority when a clock is breached")),
]


class SlaPolicySerializer(RecordSerializer):
    """Targets per priority, which ticket statuses pause the clocks, and when to warn."""

    escalate_on = serializers.ChoiceField(
        choices=ESCALATION,
        required=False,
        allow_blank=True,
        help_text=gettext_lazy("When the sweep raises a ticket's priority one step."),
    )

    pausing_statuses = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text=gettext_lazy(
            'Ticket statuses that pause the clocks (never a done one); ["waiting"] when not '
            "given on creation."
        ),
    )
    targets = SlaTargetRowSerializer(
        many=True,
        help_text=gettext_lazy(
            "Business time per priority and target (one row each). When given, they replace "
            "the policy's targets."
        ),
    )

    class Meta:
        model = SlaPolicy
        fields = [
            "id",
            "name",
            "warning_percent",
            "critical_percent",
            "pausing_statuses",
            "escalate_on",
            "is_active",
            "notes",
            "updated_at",
            "targets",
            "reason",
        ]
        read_only_fields = ["updated_at"]


class SlaPolicyViewSet(RecordViewSet):
    serializer_class = SlaPolicySerializer
    selector = staticmethod(selectors.sla_policy_list)
    writer = services.SLA_POLICY
    filterset_fields = ["is_active", "escalate_on"]
    search_fields = ["name", "notes"]
    ordering_fields = ["name", "id"]


# --- ticket clocks (derived: read-only) ---------------------------------------------------------
class TicketClockSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    """One target's clock of a ticket, as last evaluated from its events (durations in whole
    seconds of business time)."""

    budget_seconds = SecondsField(source="budget", read_only=True)
    used_seconds = SecondsField(source="used", read_only=True)
    remaining_seconds = SecondsField(source="remaining", read_only=True)
    breached_by_seconds = SecondsField(source="breached_by", read_only=True)

    class Meta:
        model = TicketClock
        fields = [
            "id",
            "ticket",
            "name",
            "budget_seconds",
            "used_seconds",
            "remaining_seconds",
            "state",
            "risk",
            "due_at",
            "breached_by_seconds",
            "breaches",
            "completed_at",
            "evaluated_at",
        ]
        read_only_fields = fields


class TicketClockViewSet(ReadOnlyRecordViewSet):
    serializer_class = TicketClockSerializer
    selector = staticmethod(selectors.ticket_clock_list)
    filterset_fields = ["ticket", "name", "state", "risk"]
    ordering_fields = ["due_at", "id"]


def register(router: DefaultRouter) -> None:
    """Add this app's endpoints to the API router."""
    router.register("calendars", CalendarViewSet, basename="calendar")
    router.register("sla-policies", SlaPolicyViewSet, basename="sla-policy")
    router.register("ticket-clocks", TicketClockViewSet, basename="ticket-clock")
