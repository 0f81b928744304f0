"""/api/v1/tickets/ (with their SLA clocks, history and actions), /work-orders/,
/time-entries/, /parts-used/, /rescue-actions/."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db.models import Manager
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from pacta.api.records import (
    REASON_HELP,
    ReadOnlyRecordViewSet,
    RecordSerializer,
    RecordViewSet,
    VisibleRelationsMixin,
    audience,
)
from pacta.billing.services import work_order_rate_if_done
from pacta.domain import sla as domain
from pacta.domain.errors import InvalidInput
from pacta.service import selectors, services
from pacta.service.models import (
    EventKind,
    PartUsed,
    Priority,
    RescueAction,
    Ticket,
    TicketEvent,
    TicketStatus,
    TimeEntry,
    WorkOrder,
)
from pacta.sla.models import BusinessCalendar, SlaPolicy

#: Where a clock stands (the pure core's states).
CLOCK_STATES = [
    (domain.PENDING, _("pending")),
    (domain.MET, _("met")),
    (domain.BREACHED, _("breached")),
]
#: Risk fields are plain strings: the choice set is the policies' too, and one choice set under
#: several enum names makes the schema ambiguous.
RISK_HELP = _("ok, warning, critical, breached, or met (the target is met).")
#: The events the clocks are computed from (a change of status alone moves no clock).
SLA_EVENTS = [(value, label) for value, label in EventKind.choices if value != EventKind.STATUS]


class SecondsField(serializers.IntegerField):
    """A duration, as whole seconds."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def to_representation(self, value: dt.timedelta) -> int:
        return value // dt.timedelta(seconds=1)


#: Clocks are listed first response first, then resolution, then any other target by name.
CLOCK_ORDER = {kind.name: position for position, kind in enumerate(domain.STANDARD_KINDS)}


class ClockListSerializer(serializers.ListSerializer):  # type: ignore[type-arg]
    def to_representation(self, data: Any) -> list[Any]:
        clocks = data.all() if isinstance(data, Manager) else data
        ordered = sorted(clocks, key=lambda c: (CLOCK_ORDER.get(c.name, len(CLOCK_ORDER)), c.name))
        return super().to_representation(ordered)


class TicketSlaClockSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """One target's clock (a stored clock, or one evaluated now)."""

    class Meta:
        list_serializer_class = ClockListSerializer

    name = serializers.CharField(
        read_only=True,
        help_text=_(
            "The target: response (first response), resolution, or update (the customer hears "
            "from us at least every so much business time; each update starts a new cycle)."
        ),
    )
    budget_seconds = SecondsField(
        source="budget", help_text=_("Business time allowed (of a recurring target: per cycle).")
    )
    used_seconds = SecondsField(
        source="used", help_text=_("Business time used (of a recurring target: this cycle).")
    )
    remaining_seconds = SecondsField(
        source="remaining", help_text=_("Business time left (of a recurring target: this cycle).")
    )
    state = serializers.ChoiceField(choices=CLOCK_STATES, read_only=True)
    risk = serializers.CharField(read_only=True, help_text=RISK_HELP)
    due_at = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        help_text=_(
            "When the budget runs out if the clock runs on without pausing; for a breached "
            "target, when it ran out."
        ),
    )
    breached_by_seconds = SecondsField(
        source="breached_by",
        help_text=_(
            "Business time past the budget (0 unless breached); of a recurring target, the "
            "worst cycle's."
        ),
    )
    completed_at = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        help_text=_("When the target was met (the first response, the resolution)."),
    )
    breaches = serializers.IntegerField(
        read_only=True,
        help_text=_(
            "How many cycles ran past the budget: 0 or 1 for a first response or a resolution, "
            "each missed update for the update target."
        ),
    )


class TicketSerializer(RecordSerializer):
    """A customer's request for a service at a site (under a contract, for a unit, if known),
    with its SLA clocks as last evaluated."""

    reference = serializers.CharField(read_only=True, help_text=_("T- and the ticket's number."))
    sla_risk = serializers.CharField(
        read_only=True,
        help_text=_(
            "The worst risk of the clocks not met yet (ok, warning, critical, breached; met when "
            "every target is met); empty without an SLA."
        ),
    )
    clocks = TicketSlaClockSerializer(
        many=True,
        read_only=True,
        help_text=_("The SLA clocks as last evaluated (at sla_evaluated_at)."),
    )

    class Meta:
        model = Ticket
        fields = [
            "id",
            "reference",
            "customer",
            "contract",
            "site",
            "equipment",
            "service",
            "priority",
            "channel",
            "status",
            "subject",
            "description",
            "opened_at",
            "created_by",
            "sla_policy",
            "sla_calendar",
            "sla_risk",
            "sla_next_due_at",
            "sla_evaluated_at",
            "clocks",
            "contact",
            "team",
            "override",
            "override_reason",
            "overridden_by",
            "reason",
        ]
        read_only_fields = [
            "created_by",
            "team",
            "override_reason",
            "overridden_by",
            "sla_policy",
            "sla_calendar",
            "sla_next_due_at",
            "sla_evaluated_at",
        ]
        extra_kwargs = {
            "customer": {
                "required": False,
                "help_text": _("Defaults to the site's customer."),
            },
            "opened_at": {
                "required": False,
                "help_text": _("Defaults to now; an imported ticket may carry a past time."),
            },
            "status": {"help_text": _("A ticket opens as new.")},
            "contract": {
                "help_text": _(
                    "Defaults to the site's one live contract with the service in scope."
                )
            },
            "team": {"help_text": _("Where the contract's routing sent it.")},
            "override": {
                "help_text": _(
                    "Open it although the contract does not allow it: billable or quote, with a "
                    "reason (dispatchers and managers only). Without a contract, it is opened "
                    "outside any contract."
                )
            },
            "override_reason": {"help_text": _("The reason given with the override.")},
            "sla_policy": {
                "help_text": _("The SLA policy the clocks run on (the contract's terms).")
            },
            "sla_calendar": {"help_text": _("The business calendar the clocks run on.")},
        }


# --- moving a ticket's SLA clocks -----------------------------------------------------------
AT_HELP = _(
    "When it happened, for an imported history; defaults to now. Never in the future, never "
    "before the ticket's last event."
)


class TicketMoveSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """A first response, a pause, a resumption, a resolution or a reopening."""

    at = serializers.DateTimeField(required=False, help_text=AT_HELP)
    reason = serializers.CharField(required=False, allow_blank=True, help_text=REASON_HELP)


class TicketPostUpdateSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """An update given to the customer: what they were told."""

    at = serializers.DateTimeField(required=False, help_text=AT_HELP)
    message = serializers.CharField(
        allow_blank=True,
        trim_whitespace=False,
        help_text=_("What the customer was told (kept on the ticket's event)."),
    )


class TicketStatusChangeSerializer(TicketMoveSerializer):
    """A new status; the clocks pause, resume, stop or start again as it says."""

    status = serializers.ChoiceField(choices=TicketStatus.choices)


class TicketPriorityChangeSerializer(TicketMoveSerializer):
    """A new priority, and why."""

    priority = serializers.ChoiceField(choices=Priority.choices)
    reason = serializers.CharField(
        required=False, allow_blank=True, help_text=_("Why the priority changes (required).")
    )


class TicketSlaPolicyChangeSerializer(VisibleRelationsMixin, TicketMoveSerializer):
    """Other SLA terms for the ticket, and why."""

    sla_policy = serializers.PrimaryKeyRelatedField(
        queryset=SlaPolicy.objects.all(), help_text=_("The SLA policy the clocks run on from then.")
    )
    calendar = serializers.PrimaryKeyRelatedField(
        queryset=BusinessCalendar.objects.all(),
        required=False,
        allow_null=True,
        help_text=_("Defaults to the calendar the clocks run on now."),
    )
    reason = serializers.CharField(
        required=False, allow_blank=True, help_text=_("Why the terms change (required).")
    )


class TicketSlaStepSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """One event of the ticket and the business time each clock had used once it happened."""

    at = serializers.DateTimeField(read_only=True)
    event = serializers.ChoiceField(choices=SLA_EVENTS, read_only=True, source="kind")
    note = serializers.CharField(
        read_only=True, help_text=_("What changed: the old and new priority or policy.")
    )
    used = serializers.DictField(
        child=SecondsField(),
        read_only=True,
        help_text=_("Seconds of business time used, per target, after this event."),
    )


class TicketSlaSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """Where the clocks stand now, and why: each event and the time used after it."""

    evaluated_at = serializers.DateTimeField(read_only=True)
    sla_policy = serializers.IntegerField(read_only=True, allow_null=True)
    sla_calendar = serializers.IntegerField(read_only=True, allow_null=True)
    risk = serializers.CharField(
        read_only=True,
        help_text=_("The worst risk of the clocks not met yet; empty without an SLA."),
    )
    paused_seconds = SecondsField(
        source="paused", help_text=_("Business time spent paused (waiting on the customer).")
    )
    next_due_at = serializers.DateTimeField(read_only=True, allow_null=True)
    risk_changes_at = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        help_text=_("When the risk moves next if nothing happens."),
    )
    clocks = TicketSlaClockSerializer(many=True, read_only=True)
    history = TicketSlaStepSerializer(many=True, read_only=True)


class TicketEventSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    """Something that happened to a ticket (its status, priority or SLA terms changed, it was
    answered, the customer was updated, it was paused, resumed, resolved, reopened)."""

    by = serializers.PrimaryKeyRelatedField(
        source="actor", read_only=True, help_text=_("Who did it (empty: the system).")
    )

    class Meta:
        model = TicketEvent
        fields = [
            "id",
            "at",
            "kind",
            "priority",
            "status",
            "sla_policy",
            "sla_calendar",
            "by",
            "reason",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "reason": {"help_text": _("Why; of an update, what the customer was told.")}
        }


class WorkOrderSerializer(RecordSerializer):
    """A visit or job for a ticket by one technician (ours, or a contractor's)."""

    reference = serializers.CharField(
        read_only=True, help_text=_("WO- and the work order's number.")
    )

    class Meta:
        model = WorkOrder
        fields = [
            "id",
            "reference",
            "ticket",
            "technician",
            "contractor",
            "scheduled_start_at",
            "scheduled_end_at",
            "status",
            "notes",
            "reason",
        ]
        extra_kwargs = {
            "contractor": {"help_text": _("Defaults to the technician's company.")},
        }


class TimeEntrySerializer(RecordSerializer):
    """Time one technician spent on a work order, working or travelling."""

    class Meta:
        model = TimeEntry
        fields = [
            "id",
            "work_order",
            "technician",
            "started_at",
            "ended_at",
            "kind",
            "note",
            "reason",
        ]
        extra_kwargs = {
            "technician": {
                "required": False,
                "help_text": _("Defaults to the work order's technician."),
            },
        }


class PartUsedSerializer(RecordSerializer):
    """A quantity of a catalog product used on a work order."""

    class Meta:
        model = PartUsed
        fields = ["id", "work_order", "product", "quantity", "note", "reason"]


class RescueActionSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    """What the SLA sweep did when a ticket's clock entered a risk level."""

    # A plain string: the same three values are the SLA policies' "escalate on" choices, and
    # one choice set under two enum names makes the schema ambiguous.
    level = serializers.CharField(
        read_only=True,
        help_text=_("The risk level the clock entered: warning, critical, breached."),
    )

    class Meta:
        model = RescueAction
        fields = [
            "id",
            "ticket",
            "clock",
            "level",
            "kind",
            "episode",
            "created_at",
            "detail",
            "handled_at",
            "handled_by",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "clock": {"help_text": _("The target whose clock is at risk.")},
            "episode": {
                "help_text": _(
                    "How often the ticket had been reopened, plus the cycle of a recurring target "
                    "(each cycle of the customer updates is rescued on its own)."
                )
            },
            "detail": {
                "help_text": _(
                    "Who was told (notify), who is proposed (reassign), the priorities (escalate)."
                )
            },
        }


class TicketViewSet(RecordViewSet):
    serializer_class = TicketSerializer
    selector = staticmethod(selectors.ticket_list_with_clocks)
    writer = services.TICKET
    record_actions = {
        "respond": "change",
        "post_update": "change",
        "pause": "change",
        "resume": "change",
        "resolve": "change",
        "reopen": "change",
        "status": "change",
        "priority": "change",
        "sla_policy": "change",
        "sla": "view",
        "events": "view",
    }
    filterset_fields = [
        "customer",
        "contract",
        "site",
        "equipment",
        "service",
        "status",
        "priority",
        "channel",
        "sla_risk",
    ]
    search_fields = ["subject", "description", "customer__legal_name", "site__name"]
    ordering_fields = ["opened_at", "priority", "status", "sla_next_due_at", "id"]

    def _move(
        self,
        request: Request,
        service: Callable[..., Ticket],
        payload: type[serializers.Serializer],  # type: ignore[type-arg]
    ) -> Response:
        """Check the body, call the service, answer the ticket as it now stands."""
        ticket = self.get_object()
        body = payload(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        values = dict(body.validated_data)
        if "reason" in body.fields:
            values.setdefault("reason", "")
        service(actor=request.user, ticket=ticket, **values)
        return Response(self.get_serializer(self.get_queryset().get(pk=ticket.pk)).data)

    @extend_schema(
        request=TicketMoveSerializer,
        responses=TicketSerializer,
        description=_("Record the first response to the customer: the response target is met."),
    )
    @action(detail=True, methods=["post"])
    def respond(self, request: Request, pk: str | None = None) -> Response:
        return self._move(request, services.ticket_respond, TicketMoveSerializer)

    @extend_schema(
        request=TicketPostUpdateSerializer,
        responses=TicketSerializer,
        description=_(
            "Record an update given to the customer: the update target's cycle ends and the next "
            "one starts from zero."
        ),
    )
    @action(detail=True, methods=["post"], url_path="update")
    def post_update(self, request: Request, pk: str | None = None) -> Response:
        return self._move(request, services.ticket_post_update, TicketPostUpdateSerializer)

    @extend_schema(
        request=TicketMoveSerializer,
        responses=TicketSerializer,
        description=_(
            "Wait on the customer: the ticket takes its policy's first pausing status and the "
            "clocks stop until it resumes."
        ),
    )
    @action(detail=True, methods=["post"])
    def pause(self, request: Request, pk: str | None = None) -> Response:
        return self._move(request, services.ticket_pause, TicketMoveSerializer)

    @extend_schema(
        request=TicketMoveSerializer,
        responses=TicketSerializer,
        description=_("Work goes on (status in progress): paused clocks run again."),
    )
    @action(detail=True, methods=["post"])
    def resume(self, request: Request, pk: str | None = None) -> Response:
        return self._move(request, services.ticket_resume, TicketMoveSerializer)

    @extend_schema(
        request=TicketMoveSerializer,
        responses=TicketSerializer,
        description=_("Resolve the ticket: the resolution target is met and the clocks stop."),
    )
    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, pk: str | None = None) -> Response:
        return self._move(request, services.ticket_resolve, TicketMoveSerializer)

    @extend_schema(
        request=TicketMoveSerializer,
        responses=TicketSerializer,
        description=_(
            "Reopen a resolved, closed or cancelled ticket (status in progress): the resolution "
            "clock runs again with the time it had used."
        ),
    )
    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, pk: str | None = None) -> Response:
        return self._move(request, services.ticket_reopen, TicketMoveSerializer)

    @extend_schema(
        request=TicketStatusChangeSerializer,
        responses=TicketSerializer,
        description=_(
            "Change the status: the clocks pause, resume, stop or start again as the status and "
            "the policy's pausing statuses say."
        ),
    )
    @action(detail=True, methods=["post"])
    def status(self, request: Request, pk: str | None = None) -> Response:
        return self._move(request, services.ticket_status_change, TicketStatusChangeSerializer)

    @extend_schema(
        request=TicketPriorityChangeSerializer,
        responses=TicketSerializer,
        description=_(
            "Change the priority, with a reason: the clocks keep the time used and take the new "
            "priority's targets."
        ),
    )
    @action(detail=True, methods=["post"])
    def priority(self, request: Request, pk: str | None = None) -> Response:
        return self._move(request, services.ticket_priority_change, TicketPriorityChangeSerializer)

    @extend_schema(
        request=TicketSlaPolicyChangeSerializer,
        responses=TicketSerializer,
        description=_(
            "Put the ticket under another SLA policy (and calendar), with a reason: the clocks "
            "keep the time used and take the new policy's targets."
        ),
    )
    @action(detail=True, methods=["post"], url_path="sla-policy")
    def sla_policy(self, request: Request, pk: str | None = None) -> Response:
        def change(*, sla_policy: Any, **values: Any) -> Ticket:
            try:
                return services.ticket_sla_policy_change(policy=sla_policy, **values)
            except InvalidInput as error:
                # The service names the policy "policy"; this body calls it "sla_policy".
                fields = {
                    ("sla_policy" if name == "policy" else name): messages
                    for name, messages in error.fields.items()
                }
                raise InvalidInput(
                    error.detail, code=error.code, fields=fields, params=error.params
                ) from error

        return self._move(request, change, TicketSlaPolicyChangeSerializer)

    @extend_schema(
        responses=TicketSlaSerializer,
        description=_(
            "The SLA clocks evaluated now, and their history: each event of the ticket with the "
            "business time each clock had used after it."
        ),
    )
    @action(detail=True, pagination_class=None, filter_backends=[])
    def sla(self, request: Request, pk: str | None = None) -> Response:
        ticket = self.get_object()
        now = timezone.now()
        clocks = services.ticket_clocks_evaluate(ticket, now=now)
        evaluated: dict[str, Any] = {
            "evaluated_at": now,
            "sla_policy": ticket.sla_policy_id,
            "sla_calendar": ticket.sla_calendar_id,
            "risk": "",
            "paused": dt.timedelta(0),
            "next_due_at": None,
            "risk_changes_at": None,
            "clocks": [],
            "history": [],
        }
        if clocks is not None:
            evaluated.update(
                risk=clocks.risk if clocks.clocks else "",
                paused=clocks.paused,
                next_due_at=clocks.next_due_at,
                risk_changes_at=clocks.risk_changes_at,
                clocks=clocks.clocks,
                history=clocks.history,
            )
        return Response(TicketSlaSerializer(evaluated).data)

    @extend_schema(
        responses=TicketEventSerializer(many=True),
        description=_("What happened to the ticket, in order: the log its clocks come from."),
    )
    @action(detail=True, pagination_class=None, filter_backends=[])
    def events(self, request: Request, pk: str | None = None) -> Response:
        ticket = self.get_object()
        log = selectors.ticket_event_list_of(ticket, audience=audience(request))
        return Response(TicketEventSerializer(log, many=True).data)


class RescueActionFilter(filters.FilterSet):
    handled = filters.BooleanFilter(
        field_name="handled_at",
        lookup_expr="isnull",
        exclude=True,
        label=_("Handled (true) or still waiting for someone (false)."),
    )

    class Meta:
        model = RescueAction
        fields = ["ticket", "clock", "level", "kind", "handled"]


class RescueHandledSerializer(serializers.Serializer):  # type: ignore[type-arg]
    reason = serializers.CharField(
        required=False, allow_blank=True, help_text=_("What was done; kept in the audit log.")
    )


class RescueActionViewSet(ReadOnlyRecordViewSet):
    serializer_class = RescueActionSerializer
    selector = staticmethod(selectors.rescue_action_list)
    filterset_class = RescueActionFilter
    ordering_fields = ["created_at", "id"]
    record_actions = {"handled": "change"}

    @extend_schema(request=RescueHandledSerializer, responses=RescueActionSerializer)
    @action(detail=True, methods=["post"])
    def handled(self, request: Request, pk: Any = None) -> Response:
        """Mark the action handled by the caller (409 already_handled the second time)."""
        given = RescueHandledSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        handled = services.rescue_action_handle(
            actor=request.user,
            rescue_action=self.get_object(),
            reason=given.validated_data.get("reason", ""),
        )
        return Response(RescueActionSerializer(handled, context={"request": request}).data)


class _RatedWork(RecordViewSet):
    """A write to a work order, its time or its parts: a completed or accepted work order is
    rated (again) after commit — a completion set by PATCH, a correction of its time."""

    def written(self, instance: Any) -> None:
        work_order_rate_if_done(getattr(instance, "work_order_id", instance.pk))

    def perform_update(self, serializer: Any) -> None:
        moved_from = getattr(serializer.instance, "work_order_id", None)
        super().perform_update(serializer)
        if moved_from is not None and moved_from != serializer.instance.work_order_id:
            work_order_rate_if_done(moved_from)  # the work order it left is rated again


class WorkOrderViewSet(_RatedWork):
    serializer_class = WorkOrderSerializer
    selector = staticmethod(selectors.work_order_list)
    writer = services.WORK_ORDER
    filterset_fields = ["ticket", "technician", "contractor", "status"]
    search_fields = ["notes", "ticket__subject"]
    ordering_fields = ["scheduled_start_at", "scheduled_end_at", "status", "id"]


class TimeEntryViewSet(_RatedWork):
    serializer_class = TimeEntrySerializer
    selector = staticmethod(selectors.time_entry_list)
    writer = services.TIME_ENTRY
    filterset_fields = ["work_order", "technician", "kind"]
    search_fields = ["note"]
    ordering_fields = ["started_at", "ended_at", "id"]


class PartUsedViewSet(_RatedWork):
    serializer_class = PartUsedSerializer
    selector = staticmethod(selectors.part_used_list)
    writer = services.PART_USED
    filterset_fields = ["work_order", "product"]
    search_fields = ["note", "product__sku", "product__name"]
    ordering_fields = ["id"]


def register(router: DefaultRouter) -> None:
    """Add this app's endpoints to the API router."""
    router.register("tickets", TicketViewSet, basename="ticket")
    router.register("work-orders", WorkOrderViewSet, basename="work-order")
    router.register("time-entries", TimeEntryViewSet, basename="time-entry")
    router.register("parts-used", PartUsedViewSet, basename="part-used")
    router.register("rescue-actions", RescueActionViewSet, basename="rescue-action")
