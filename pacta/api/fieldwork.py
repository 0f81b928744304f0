"""POST /api/v1/sync/ — the technician's phone sends what it recorded (offline or not) as a
batch of operations, each with the id the phone gave it (a UUID).

Each operation is applied once, in the order given, in its own transaction: a retried batch
gets the same answers back and writes nothing twice; a refused operation is answered with its
error (``{"code", "detail", "fields"}``) and the others still apply. The answer lists one result
per operation: ``{"id", "status", "result", "replayed"}``.

An operation: ``{"id": uuid, "work_order": id, "kind": ..., "made_at": instant, "data": {...}}``;
the kinds and their data are :data:`OPERATIONS`. Images travel as base64 (a ``data:`` URL is
accepted).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from pacta.accounts.access import CHANGE, audience_of, may
from pacta.api.errors import STATUS_OF, body
from pacta.api.records import PreferencesMixin
from pacta.billing.services import work_order_rate_after_commit, work_order_rate_if_done
from pacta.catalog import selectors as catalog_selectors
from pacta.domain.errors import Forbidden, InvalidInput, NotFound, PactaError
from pacta.reports.services import work_order_closed
from pacta.service import selectors
from pacta.service.models import (
    CustomerDecisionVia,
    PhotoKind,
    StepApproval,
    TimeKind,
    WorkOrder,
)
from pacta.service.services import fieldwork as visit
from pacta.service.services import part_used_create, time_entry_create

#: The most operations one batch carries.
BATCH_LARGEST = 200


class Base64ImageField(serializers.Field):  # type: ignore[type-arg]
    """Image bytes sent as base64, or as a ``data:image/...;base64,`` URL."""

    default_error_messages = {"invalid": gettext_lazy("Send the image as base64.")}

    def to_internal_value(self, data: Any) -> bytes:
        if not isinstance(data, str):
            self.fail("invalid")
        if data.startswith("data:"):
            data = data.partition(",")[2]
        try:
            return base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError):
            self.fail("invalid")

    def to_representation(self, value: Any) -> str:
        return base64.b64encode(value).decode()


class TickData(serializers.Serializer):  # type: ignore[type-arg]
    """The step by its id, or by its position (a phone that went offline before the checklist
    was copied knows the template's positions only)."""

    item = serializers.IntegerField(required=False)
    position = serializers.IntegerField(required=False)
    done = serializers.BooleanField(default=True)
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)


class TimerStartData(serializers.Serializer):  # type: ignore[type-arg]
    kind = serializers.ChoiceField(choices=TimeKind.choices, default=TimeKind.WORK)


class TimerStopData(serializers.Serializer):  # type: ignore[type-arg]
    note = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")


class TimeEntryData(serializers.Serializer):  # type: ignore[type-arg]
    started_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField()
    kind = serializers.ChoiceField(choices=TimeKind.choices, default=TimeKind.WORK)
    note = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")


class PartData(serializers.Serializer):  # type: ignore[type-arg]
    product = serializers.IntegerField()
    quantity = serializers.DecimalField(max_digits=12, decimal_places=3)
    note = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")


class ExpenseData(serializers.Serializer):  # type: ignore[type-arg]
    description = serializers.CharField(max_length=300, allow_blank=True)
    amount = serializers.CharField(max_length=20, help_text=gettext_lazy("A decimal, e.g. 4.50."))
    currency = serializers.CharField(required=False, allow_blank=True, max_length=3, default="")
    incurred_on = serializers.DateField(required=False, allow_null=True, default=None)
    is_billable = serializers.BooleanField(default=False)
    receipt = Base64ImageField(required=False, allow_null=True, default=None)


class PhotoData(serializers.Serializer):  # type: ignore[type-arg]
    image = Base64ImageField()
    kind = serializers.ChoiceField(choices=PhotoKind.choices, default=PhotoKind.OTHER)
    caption = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")


class SignatureData(serializers.Serializer):  # type: ignore[type-arg]
    image = Base64ImageField()
    signer_name = serializers.CharField(allow_blank=True, max_length=200)


class NoData(serializers.Serializer):  # type: ignore[type-arg]
    pass


# --- what each kind of operation does ---------------------------------------------------------
Apply = Callable[[Request, WorkOrder, dict[str, Any], dt.datetime], dict[str, Any]]


def _status(work_order: WorkOrder) -> dict[str, Any]:
    return {"work_order": work_order.pk, "status": work_order.status}


def _ask_approvals(request: Request, work_order: WorkOrder, at: dt.datetime) -> None:
    """E-mail the managers a one-tap link for each step waiting for approval (once each)."""
    for item in work_order.checklist_items.filter(approval=StepApproval.PENDING):
        token = visit.checklist_item_approval_token(item)
        link = request.build_absolute_uri(reverse("web:field:approval", args=[token]))
        visit.step_approval_notice(item=item, link=link, now=at)


def _depart(request: Request, work_order: WorkOrder, data: dict[str, Any], at: dt.datetime) -> Any:
    moved = visit.work_order_depart(actor=request.user, work_order=work_order, now=at)
    _ask_approvals(request, moved, at)
    return _status(moved)


def _arrive(request: Request, work_order: WorkOrder, data: dict[str, Any], at: dt.datetime) -> Any:
    moved = visit.work_order_arrive(actor=request.user, work_order=work_order, now=at)
    _ask_approvals(request, moved, at)
    return _status(moved)


def _complete(
    request: Request, work_order: WorkOrder, data: dict[str, Any], at: dt.datetime
) -> Any:
    completed = visit.work_order_complete(actor=request.user, work_order=work_order, now=at)
    work_order_closed(completed)  # the closure report and its e-mail, after commit, once
    work_order_rate_after_commit(completed)  # its charge lines, after commit, once
    return _status(completed)


def _tick(request: Request, work_order: WorkOrder, data: dict[str, Any], at: dt.datetime) -> Any:
    items = work_order.checklist_items.all()
    if "item" in data:
        item = items.filter(pk=data["item"]).first()
    else:
        item = items.filter(position=data.get("position")).first()
    if item is None:
        raise InvalidInput.on("item", _("This step is not on this work order's checklist."))
    ticked = visit.checklist_item_tick(
        actor=request.user, item=item, done=data["done"], note=data.get("note"), now=at
    )
    return {"item": ticked.pk, "done": ticked.done_at is not None}


def _timer_start(
    request: Request, work_order: WorkOrder, data: dict[str, Any], at: dt.datetime
) -> Any:
    started = visit.work_order_timer_start(
        actor=request.user, work_order=work_order, kind=data["kind"], now=at
    )
    return {"work_order": started.pk, "timer_started_at": at.isoformat()}


def _timer_stop(
    request: Request, work_order: WorkOrder, data: dict[str, Any], at: dt.datetime
) -> Any:
    visit.work_order_timer_stop(
        actor=request.user, work_order=work_order, note=data["note"], now=at
    )
    entry = work_order.time_entries.order_by("-ended_at", "-id").first()
    return {"time_entry": entry.pk if entry is not None else None}


def _time_entry(
    request: Request, work_order: WorkOrder, data: dict[str, Any], at: dt.datetime
) -> Any:
    entry = time_entry_create(actor=request.user, values={"work_order": work_order, **data})
    return {"time_entry": entry.pk}


def _part(request: Request, work_order: WorkOrder, data: dict[str, Any], at: dt.datetime) -> Any:
    reader = audience_of(request.user)
    product = catalog_selectors.product_list(audience=reader).filter(pk=data["product"]).first()
    if product is None:
        raise InvalidInput.on("product", _("This product is not in the catalog."))
    part = part_used_create(
        actor=request.user,
        values={
            "work_order": work_order,
            "product": product,
            "quantity": data["quantity"],
            "note": data["note"],
        },
    )
    return {"part_used": part.pk}


def _expense(request: Request, work_order: WorkOrder, data: dict[str, Any], at: dt.datetime) -> Any:
    expense = visit.expense_record(actor=request.user, work_order=work_order, now=at, **data)
    return {"expense": expense.pk, "receipt": expense.receipt_id}


def _photo(request: Request, work_order: WorkOrder, data: dict[str, Any], at: dt.datetime) -> Any:
    photo = visit.photo_add(
        actor=request.user,
        work_order=work_order,
        data=data["image"],
        kind=data["kind"],
        caption=data["caption"],
        taken_at=at,
        now=at,
    )
    return {"photo": photo.pk}


def _signature(
    request: Request, work_order: WorkOrder, data: dict[str, Any], at: dt.datetime
) -> Any:
    signature = visit.signature_record(
        actor=request.user,
        work_order=work_order,
        data=data["image"],
        signer_name=data["signer_name"],
        signed_at=at,
        now=at,
    )
    work_order_rate_if_done(work_order.pk)  # accepted by signature: rated (and billed) after commit
    return {"signature": signature.pk, "status": WorkOrder.objects.get(pk=work_order.pk).status}


#: kind -> (the shape of its data, what it does).
OPERATIONS: dict[str, tuple[type[serializers.Serializer], Apply]] = {  # type: ignore[type-arg]
    "depart": (NoData, _depart),
    "arrive": (NoData, _arrive),
    "complete": (NoData, _complete),
    "checklist_tick": (TickData, _tick),
    "timer_start": (TimerStartData, _timer_start),
    "timer_stop": (TimerStopData, _timer_stop),
    "time_entry": (TimeEntryData, _time_entry),
    "part": (PartData, _part),
    "expense": (ExpenseData, _expense),
    "photo": (PhotoData, _photo),
    "signature": (SignatureData, _signature),
}


class OperationSerializer(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.UUIDField(help_text=gettext_lazy("The phone's id of this operation."))
    work_order = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=sorted(OPERATIONS))
    made_at = serializers.DateTimeField(help_text=gettext_lazy("When it was done on the phone."))
    data = serializers.DictField(required=False, default=dict)


class BatchSerializer(serializers.Serializer):  # type: ignore[type-arg]
    operations = OperationSerializer(many=True, allow_empty=False, max_length=BATCH_LARGEST)


class AnswerSerializer(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.UUIDField()
    status = serializers.IntegerField()
    result = serializers.DictField()
    replayed = serializers.BooleanField()


class BatchAnswerSerializer(serializers.Serializer):  # type: ignore[type-arg]
    results = AnswerSerializer(many=True)


def _refusal(error: PactaError) -> tuple[int, dict[str, Any]]:
    status = next((code for cls, code in STATUS_OF if isinstance(error, cls)), 400)
    fields = {name: [str(m) for m in messages] for name, messages in error.fields.items()}
    return status, body(error.code, error.message_in(_), fields)


def _invalid(errors: Any) -> InvalidInput:
    fields = {name: [str(m) for m in messages] for name, messages in errors.items()}
    return InvalidInput(
        _("Check these fields: %(fields)s.") % {"fields": ", ".join(sorted(fields))},
        fields=fields,
    )


def _answer(request: Request, operation: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
    actor = request.user
    reader = audience_of(actor)
    work_order = selectors.work_order_list(audience=reader).filter(pk=operation["work_order"])
    found = work_order.first()
    try:
        if found is None:
            raise NotFound(_("No such work order."))
        if not may(reader, "service.workorder", CHANGE):
            raise Forbidden()
        shape, apply = OPERATIONS[operation["kind"]]
        data = shape(data=operation["data"])
        if not data.is_valid():
            raise _invalid(data.errors)
        values = dict(data.validated_data)
        answer = visit.sync_operation_apply(
            actor=actor,
            operation_id=operation["id"],
            work_order=found,
            kind=operation["kind"],
            made_at=operation["made_at"],
            apply=lambda at: apply(request, found, values, at),
            refusal=_refusal,
            now=now,
        )
    except PactaError as error:
        # Refused before it could be applied (unknown work order, bad data): not kept, so the
        # phone may send it again once it is right.
        status, result = _refusal(error)
        return {"id": operation["id"], "status": status, "result": result, "replayed": False}
    return {
        "id": operation["id"],
        "status": answer.status,
        "result": answer.result,
        "replayed": answer.replayed,
    }


class SyncView(PreferencesMixin, APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=BatchSerializer, responses=BatchAnswerSerializer)
    def post(self, request: Request) -> Response:
        """Apply the phone's operations once each, in order; one answer per operation."""
        given = BatchSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        now = timezone.now()
        results = [_answer(request, op, now) for op in given.validated_data["operations"]]
        return Response(BatchAnswerSerializer({"results": results}).data)


class CustomerDecisionSerializer(serializers.Serializer):  # type: ignore[type-arg]
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=gettext_lazy("Why the customer disputes the work (required to dispute)."),
    )


class CustomerDecidedSerializer(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    status = serializers.CharField()
    customer_decided_at = serializers.DateTimeField()
    customer_decided_via = serializers.CharField()
    dispute_reason = serializers.CharField()


class WorkOrderDecisionView(PreferencesMixin, APIView):
    """The customer accepts (or disputes, saying why) completed work in the portal; the office
    may record it for the customer. The work order is rated again after commit."""

    permission_classes = [IsAuthenticated]
    accept = True

    @extend_schema(request=CustomerDecisionSerializer, responses=CustomerDecidedSerializer)
    def post(self, request: Request, pk: int) -> Response:
        given = CustomerDecisionSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        found = selectors.work_order_list(audience=audience_of(request.user)).filter(pk=pk).first()
        if found is None:
            raise NotFound(_("No such work order."))
        with transaction.atomic():
            decided = visit.work_order_decide(
                actor=request.user,
                work_order=found,
                accept=self.accept,
                reason=given.validated_data["reason"],
                via=CustomerDecisionVia.PORTAL,
            )
            work_order_rate_after_commit(decided)
        return Response(CustomerDecidedSerializer(decided).data)


urlpatterns = [
    path("sync/", SyncView.as_view(), name="api-sync"),
    path(
        "work-orders/<int:pk>/accept/",
        WorkOrderDecisionView.as_view(accept=True),
        name="api-work-order-accept",
    ),
    path(
        "work-orders/<int:pk>/dispute/",
        WorkOrderDecisionView.as_view(accept=False),
        name="api-work-order-dispute",
    ),
]
