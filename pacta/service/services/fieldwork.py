"""The visit as the technician's phone records it: the status flow of a work order, its
checklist (with approvals for steps outside the contracted scope), the timer, expenses, photos
and the customer's signature. Time entries and parts are written by :mod:`.work`.

The flow: scheduled → en route (the customer's "on the way" e-mail is queued, sent after
commit) → on site → completed (refused while a mandatory or safety step is not done, or a step
outside the scope waits for approval) → accepted by the customer (signature on site, or in the
portal) or disputed (with the customer's reason). The checklist is copied from the service's
template when the work order starts (leaves "scheduled"). Completing does not send the closure
report itself: the adapter that completes calls ``pacta.reports.services.work_order_closed`` in
the same transaction (reports sit above this app), which issues it and e-mails it after commit,
once.

Every refusal names its field and writes nothing.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from io import BytesIO
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core import signing
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from pacta.accounts import selectors as accounts_selectors
from pacta.accounts.access import SYSTEM
from pacta.accounts.roles import Role
from pacta.audit.services import Actor, actor_user, record_create, record_update, require_reason
from pacta.comms.services import message_queue
from pacta.contracts import selectors as contracts_selectors
from pacta.domain.errors import FieldErrors, Forbidden, InvalidInput, PactaError
from pacta.service.errors import (
    AlreadySigned,
    ChecklistIncomplete,
    DecisionLinkInvalid,
    StepAlreadyDecided,
    StepAwaitsApproval,
    StepRejected,
    SyncOperationTaken,
    TimerRefused,
    UploadRefused,
    WorkOrderStatusRefused,
)
from pacta.service.models import (
    ChecklistItem,
    CustomerDecisionVia,
    Expense,
    Photo,
    PhotoKind,
    Signature,
    StepApproval,
    SyncOperation,
    TimeKind,
    WorkOrder,
    WorkOrderStatus,
)
from pacta.service.services.decision_links import (
    refuse_used_link,
    work_order_of_decision_token,
)
from pacta.service.services.notices import en_route_notice
from pacta.service.services.work import time_entry_create

S = WorkOrderStatus
#: Largest photo or signature accepted, in bytes.
UPLOAD_LARGEST = 8 * 1024 * 1024
#: Pillow's format name → the content type stored, for photos.
PHOTO_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
PHOTO_EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp"}
#: Services a step may need for it to be in the contracted scope.
COVERED = frozenset({"included", "billable"})
#: Roles that decide on steps outside the contracted scope.
DECIDERS = frozenset({Role.ADMIN, Role.MANAGER})
#: Who accepts or disputes work other than by a signature on site: the customer's users, or
#: the office writing down what the customer said.
SPEAK_FOR_CUSTOMER = frozenset({Role.CUSTOMER, Role.ADMIN, Role.MANAGER, Role.DISPATCHER})
#: Where the visit is under way: the checklist and the timer are used.
UNDER_WAY = frozenset({S.EN_ROUTE, S.ON_SITE})


def _locked(work_order: WorkOrder | Any) -> WorkOrder:
    pk = getattr(work_order, "pk", work_order)
    return (
        WorkOrder.objects.select_for_update(of=("self",))
        .select_related("ticket__contract", "ticket__site", "ticket__service", "ticket__customer")
        .get(pk=pk)
    )


def _refuse_status(work_order: WorkOrder, allowed: frozenset[str], doing: str) -> None:
    if work_order.status not in allowed:
        raise WorkOrderStatusRefused(
            _("Work order %(reference)s is %(status)s: it cannot be %(doing)s now.")
            % {
                "reference": work_order.reference,
                "status": work_order.get_status_display(),
                "doing": doing,
            },
            fields={
                "status": [
                    _("Not possible while %(status)s.")
                    % {"status": work_order.get_status_display()}
                ]
            },
        )


# --- the checklist -------------------------------------------------------------------------------
def _in_scope(work_order: WorkOrder, service: Any, on: dt.date) -> bool:
    """Whether the contract of the work order's ticket covers ``service`` on day ``on``."""
    contract = work_order.ticket.contract
    if contract is None:
        return False
    version = contracts_selectors.contract_version_in_force(contract, on)
    if version is None:
        return False
    return version.scope_lines.filter(service=service, coverage__in=COVERED).exists()


def work_order_checklist_build(
    *, actor: Actor, work_order: WorkOrder, now: dt.datetime | None = None
) -> list[ChecklistItem]:
    """Copy the service's checklist template onto the work order (once: a work order that has
    its checklist keeps it). A step whose work belongs to a service the contract does not cover
    on the ticket's day is out of scope: it waits for a manager's approval."""
    now = now or timezone.now()
    with transaction.atomic():
        work_order = _locked(work_order)
        existing = list(work_order.checklist_items.all())
        if existing:
            return existing
        ticket = work_order.ticket
        if ticket.service_id is None:
            return []
        on = timezone.localtime(ticket.opened_at, ZoneInfo(ticket.site.time_zone)).date()
        items = []
        for step in ticket.service.checklist_steps.select_related("requires_service"):
            in_scope = step.requires_service_id is None or _in_scope(
                work_order, step.requires_service, on
            )
            items.append(
                record_create(
                    ChecklistItem,
                    actor=actor,
                    values={
                        "work_order": work_order,
                        "position": step.position,
                        "text": step.text,
                        "template_step": step,
                        "requires_service": step.requires_service,
                        "is_mandatory": step.is_mandatory or step.is_safety,
                        "is_safety": step.is_safety,
                        "in_scope": in_scope,
                        "approval": "" if in_scope else StepApproval.PENDING,
                        "approval_requested_at": None if in_scope else now,
                        "approval_requested_by": None if in_scope else actor_user(actor),
                    },
                    now=now,
                )
            )
        return items


def _locked_item(item: ChecklistItem | Any) -> ChecklistItem:
    pk = getattr(item, "pk", item)
    return (
        ChecklistItem.objects.select_for_update(of=("self",))
        .select_related("work_order")
        .get(pk=pk)
    )


def checklist_item_tick(
    *,
    actor: Actor,
    item: ChecklistItem,
    done: bool = True,
    note: str | None = None,
    now: dt.datetime | None = None,
) -> ChecklistItem:
    """Tick (``done``) or untick a step while the visit is under way. A step outside the
    scope is done only once approved."""
    now = now or timezone.now()
    with transaction.atomic():
        work_order = _locked(item.work_order_id)
        item = _locked_item(item)
        _refuse_status(work_order, UNDER_WAY, _("ticked off"))
        if done and item.approval == StepApproval.PENDING:
            raise StepAwaitsApproval(
                _("“%(step)s” is outside the contracted scope and waits for approval.")
                % {"step": item.text},
                fields={"checklist": [_("Waits for a manager's approval.")]},
            )
        if done and item.approval == StepApproval.REJECTED:
            raise StepRejected(
                _("“%(step)s” was rejected: it is not done on this visit.") % {"step": item.text},
                fields={"checklist": [_("Rejected by a manager.")]},
            )
        values: dict[str, Any] = {
            "done_at": (item.done_at or now) if done else None,
            "done_by": (item.done_by or actor_user(actor)) if done else None,
        }
        if note is not None:
            values["note"] = note
        return record_update(item, actor=actor, values=values, now=now)


def checklist_step_decide(
    *,
    actor: Actor,
    item: ChecklistItem,
    approve: bool,
    reason: str = "",
    now: dt.datetime | None = None,
) -> ChecklistItem:
    """A manager approves (the step may then be done) or rejects (a reason is required) a step
    outside the contracted scope; decided once."""
    now = now or timezone.now()
    if getattr(actor, "role", None) not in DECIDERS:
        raise Forbidden(_("Only a manager decides on work outside the contracted scope."))
    if not approve:
        reason = require_reason(reason)
    with transaction.atomic():
        item = _locked_item(item)
        if item.approval != StepApproval.PENDING:
            raise StepAlreadyDecided(
                _("“%(step)s” is already %(decision)s.")
                % {"step": item.text, "decision": item.get_approval_display()},
                fields={"approve": [_("Already decided.")]},
            )
        return record_update(
            item,
            actor=actor,
            values={
                "approval": StepApproval.APPROVED if approve else StepApproval.REJECTED,
                "decided_at": now,
                "decided_by": actor_user(actor),
                "decision_reason": reason.strip(),
            },
            reason=reason.strip(),
            now=now,
        )


def checklist_blocking(work_order: WorkOrder) -> list[str]:
    """What keeps ``work_order`` from completing, one message per step (empty: nothing)."""
    blocking = []
    for item in work_order.checklist_items.order_by("position", "id"):
        if item.approval == StepApproval.PENDING:
            blocking.append(_("“%(step)s” waits for a manager's approval.") % {"step": item.text})
        elif item.done_at is None and item.is_mandatory and item.approval != StepApproval.REJECTED:
            blocking.append(
                (
                    _("Safety step “%(step)s” is not done.")
                    if item.is_safety
                    else _("Mandatory step “%(step)s” is not done.")
                )
                % {"step": item.text}
            )
    return blocking


# --- the status flow -----------------------------------------------------------------------------
def _move(
    work_order: WorkOrder, *, actor: Actor, values: Mapping[str, Any], reason: str, now: Any
) -> WorkOrder:
    return record_update(work_order, actor=actor, values=values, reason=reason, now=now)


def work_order_depart(
    *, actor: Actor, work_order: WorkOrder, now: dt.datetime | None = None
) -> WorkOrder:
    """The technician leaves for the site: the checklist is set up and the customer's "on the
    way" e-mail is queued (sent after commit)."""
    now = now or timezone.now()
    with transaction.atomic():
        work_order = _locked(work_order)
        _refuse_status(work_order, frozenset({S.SCHEDULED}), _("set en route"))
        work_order = _move(
            work_order,
            actor=actor,
            values={"status": S.EN_ROUTE, "en_route_at": now},
            reason=_("On the way"),
            now=now,
        )
        work_order_checklist_build(actor=actor, work_order=work_order, now=now)
        en_route_notice(work_order=work_order, now=now)
        return work_order


def work_order_arrive(
    *, actor: Actor, work_order: WorkOrder, now: dt.datetime | None = None
) -> WorkOrder:
    """The technician is on site (straight from "scheduled" too, when it did not say it left)."""
    now = now or timezone.now()
    with transaction.atomic():
        work_order = _locked(work_order)
        _refuse_status(work_order, frozenset({S.SCHEDULED, S.EN_ROUTE}), _("set on site"))
        work_order = _move(
            work_order,
            actor=actor,
            values={"status": S.ON_SITE, "arrived_at": now},
            reason=_("On site"),
            now=now,
        )
        work_order_checklist_build(actor=actor, work_order=work_order, now=now)
        return work_order


def work_order_complete(
    *, actor: Actor, work_order: WorkOrder, now: dt.datetime | None = None
) -> WorkOrder:
    """The work is done: refused, naming each step, while a mandatory or safety step is not
    done or a step outside the scope waits for approval. A running timer stops here. The caller
    (an adapter) then calls ``pacta.reports.services.work_order_closed`` in its transaction."""
    now = now or timezone.now()
    with transaction.atomic():
        work_order = _locked(work_order)
        _refuse_status(work_order, frozenset({S.ON_SITE}), _("completed"))
        blocking = checklist_blocking(work_order)
        if blocking:
            raise ChecklistIncomplete(
                _("The checklist is not finished: %(steps)s") % {"steps": " ".join(blocking)},
                fields={"checklist": blocking},
            )
        if work_order.timer_started_at is not None:
            work_order = work_order_timer_stop(actor=actor, work_order=work_order, now=now)
        return _move(
            work_order,
            actor=actor,
            values={"status": S.COMPLETED, "completed_at": now},
            reason=_("Work completed"),
            now=now,
        )


def work_order_decide(
    *,
    actor: Actor,
    work_order: WorkOrder,
    accept: bool,
    reason: str = "",
    via: str = CustomerDecisionVia.PORTAL,
    now: dt.datetime | None = None,
) -> WorkOrder:
    """The customer accepts the completed work (in the portal, or by signing on site), or
    disputes it saying why (``reason`` required). By e-mail link:
    :func:`work_order_decide_by_link`."""
    if (
        via != CustomerDecisionVia.SIGNATURE
        and getattr(actor, "role", None) not in SPEAK_FOR_CUSTOMER
    ):
        raise Forbidden(_("The customer, or our office for it, accepts or disputes the work."))
    return _decide(
        actor=actor, work_order=work_order, accept=accept, reason=reason, via=via, now=now
    )


def _decide(
    *,
    actor: Actor,
    work_order: WorkOrder,
    accept: bool,
    reason: str,
    via: str,
    now: dt.datetime | None,
    token: Mapping[str, Any] | None = None,
) -> WorkOrder:
    now = now or timezone.now()
    reason = _("Accepted by the customer") if accept else require_reason(reason)
    with transaction.atomic():
        work_order = _locked(work_order)
        if token is not None:
            refuse_used_link(token, work_order)
        _refuse_status(
            work_order, frozenset({S.COMPLETED}), _("accepted") if accept else _("disputed")
        )
        values = {
            "status": S.ACCEPTED if accept else S.DISPUTED,
            "customer_decided_at": now,
            # A signature or an e-mail link is the customer's, not a user's: the signature row,
            # or the audit row, says who.
            "customer_decided_by": None
            if via in (CustomerDecisionVia.SIGNATURE, CustomerDecisionVia.EMAIL)
            else actor_user(actor),
            "customer_decided_via": via,
        }
        if not accept:
            values["dispute_reason"] = reason
        return _move(work_order, actor=actor, values=values, reason=reason, now=now)


# --- the customer's decision by the closure e-mail's link -----------------------------------------
def work_order_decision_link_check(token: str) -> WorkOrder:
    """The work order a closure e-mail's link may still decide on; refused when the link is
    not valid (``decision_link_invalid``) or was used (``decision_link_used``)."""
    found = work_order_of_decision_token(token)
    work_order = (
        WorkOrder.objects.select_related("ticket__customer", "ticket__site", "ticket__contract")
        .filter(pk=found["work_order"])
        .first()
    )
    if work_order is None:
        raise DecisionLinkInvalid(_("This link is not valid (altered, or expired)."))
    refuse_used_link(found, work_order)
    return work_order


def work_order_decide_by_link(
    *, token: str, accept: bool, reason: str = "", now: dt.datetime | None = None
) -> WorkOrder:
    """The customer accepts or disputes (saying why) the completed work through the closure
    e-mail's signed link, without signing in: the link is the proof. Refused when the link is
    not valid or was used; the decision is recorded as made by e-mail link (the system writes
    it, the audit row says so)."""
    work_order = work_order_decision_link_check(token)
    return _decide(
        actor=None,
        work_order=work_order,
        accept=accept,
        reason=reason,
        via=CustomerDecisionVia.EMAIL,
        now=now,
        token=work_order_of_decision_token(token),
    )


# --- the timer -----------------------------------------------------------------------------------
def work_order_timer_start(
    *,
    actor: Actor,
    work_order: WorkOrder,
    kind: str = TimeKind.WORK,
    now: dt.datetime | None = None,
) -> WorkOrder:
    """Start the timer (work, or travel) while the visit is under way."""
    now = now or timezone.now()
    if kind not in TimeKind.values:
        raise InvalidInput.on("kind", _("Choose work or travel."))
    with transaction.atomic():
        work_order = _locked(work_order)
        _refuse_status(work_order, UNDER_WAY, _("timed"))
        if work_order.timer_started_at is not None:
            raise TimerRefused(
                _("The timer already runs since %(start)s.")
                % {"start": f"{timezone.localtime(work_order.timer_started_at):%H:%M}"},
                fields={"timer": [_("Already running.")]},
            )
        return record_update(
            work_order,
            actor=actor,
            values={"timer_started_at": now, "timer_kind": kind},
            now=now,
        )


def work_order_timer_stop(
    *, actor: Actor, work_order: WorkOrder, note: str = "", now: dt.datetime | None = None
) -> WorkOrder:
    """Stop the timer: the time since it started becomes a time entry of the work order's
    technician (refused, and the timer left running, when that entry is refused)."""
    now = now or timezone.now()
    with transaction.atomic():
        work_order = _locked(work_order)
        started_at = work_order.timer_started_at
        if started_at is None:
            raise TimerRefused(
                _("The timer is not running."), fields={"timer": [_("Not running.")]}
            )
        time_entry_create(
            actor=actor,
            values={
                "work_order": work_order,
                "technician": work_order.technician,
                "started_at": started_at,
                "ended_at": now,
                "kind": work_order.timer_kind or TimeKind.WORK,
                "note": note,
            },
        )
        return record_update(
            work_order, actor=actor, values={"timer_started_at": None, "timer_kind": ""}, now=now
        )


# --- photos, expenses, the signature -------------------------------------------------------------
def _image_format(data: bytes, *, field: str, allowed: Mapping[str, str]) -> str:
    """The content type of image ``data`` read from its bytes; refused when it is empty, too
    large, not an image, or not of an ``allowed`` format."""
    if not data:
        raise UploadRefused.on(field, _("The file is empty."))
    if len(data) > UPLOAD_LARGEST:
        raise UploadRefused.on(
            field,
            _("The file is %(size)s MB; at most %(largest)s MB is accepted.")
            % {"size": f"{len(data) / 1024 / 1024:.1f}", "largest": UPLOAD_LARGEST // 1024 // 1024},
            code=UploadRefused.code,
        )
    try:
        with Image.open(BytesIO(data)) as image:
            found = image.format or ""
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise UploadRefused.on(field, _("The file is not an image.")) from None
    if found not in allowed:
        raise UploadRefused.on(
            field,
            _("%(found)s images are not accepted; use %(allowed)s.")
            % {"found": found, "allowed": ", ".join(sorted(allowed))},
            code=UploadRefused.code,
        )
    return allowed[found]


def _refuse_closed(work_order: WorkOrder, doing: str) -> None:
    _refuse_status(work_order, frozenset({S.SCHEDULED, S.EN_ROUTE, S.ON_SITE}), doing)


def photo_add(
    *,
    actor: Actor,
    work_order: WorkOrder,
    data: bytes,
    kind: str = PhotoKind.OTHER,
    caption: str = "",
    taken_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> Photo:
    """Store a photo taken on the visit (JPEG, PNG or WebP by its content, size-limited)
    through Django's storage."""
    now = now or timezone.now()
    content_type = _image_format(data, field="image", allowed=PHOTO_TYPES)
    with transaction.atomic():
        work_order = _locked(work_order)
        _refuse_closed(work_order, _("given photos"))
        return record_create(
            Photo,
            actor=actor,
            values={
                "work_order": work_order,
                # The stored name's extension follows the content read, never the name sent.
                "image": ContentFile(data, name=f"photo{PHOTO_EXTENSIONS[content_type]}"),
                "kind": kind,
                "caption": caption,
                "content_type": content_type,
                "size_bytes": len(data),
                "taken_at": taken_at or now,
                "uploaded_by": actor_user(actor),
            },
            now=now,
        )


def _amount(value: Any) -> Decimal | None:
    if isinstance(value, float):
        return None  # money is never a float
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return amount if amount.is_finite() else None


def expense_record(
    *,
    actor: Actor,
    work_order: WorkOrder,
    description: str,
    amount: Any,
    incurred_on: dt.date | None = None,
    currency: str = "",
    receipt: bytes | None = None,
    is_billable: bool = False,
    now: dt.datetime | None = None,
) -> Expense:
    """Record money spent for the visit (a Decimal amount, in the contract's currency unless
    told), with its receipt photo when given."""
    now = now or timezone.now()
    errors = FieldErrors()
    money = _amount(amount)
    if money is None:
        errors.add("amount", _("Give the amount as a number, e.g. 12.50."))
    elif money <= 0:
        errors.add("amount", _("An expense is more than zero."))
    elif money != money.quantize(Decimal("0.01")):
        errors.add("amount", _("An amount has at most two decimals."))
    if not (description or "").strip():
        errors.add("description", _("Say what the money was spent on."))
    errors.raise_if_any()
    if receipt is not None:
        _image_format(receipt, field="receipt", allowed=PHOTO_TYPES)
    with transaction.atomic():
        work_order = _locked(work_order)
        _refuse_closed(work_order, _("given expenses"))
        photo = None
        if receipt is not None:
            photo = photo_add(
                actor=actor,
                work_order=work_order,
                data=receipt,
                kind=PhotoKind.RECEIPT,
                caption=description.strip(),
                now=now,
            )
        ticket = work_order.ticket
        return record_create(
            Expense,
            actor=actor,
            values={
                "work_order": work_order,
                "technician": work_order.technician or actor_user(actor),
                "description": description.strip(),
                "amount": money,
                "currency": currency
                or (ticket.contract.currency if ticket.contract_id else ticket.customer.currency),
                "incurred_on": incurred_on or timezone.localdate(now),
                "receipt": photo,
                "is_billable": is_billable,
            },
            now=now,
        )


def signature_record(
    *,
    actor: Actor,
    work_order: WorkOrder,
    data: bytes,
    signer_name: str,
    signed_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> Signature:
    """The customer signs the completed work on the screen (a PNG, with the signer's name and
    the instant): the work order is then accepted by signature."""
    now = now or timezone.now()
    signed_at = signed_at or now
    name = (signer_name or "").strip()
    if not name:
        raise InvalidInput.on("signer_name", _("Write the name of the person who signs."))
    _image_format(data, field="image", allowed={"PNG": "image/png"})
    with transaction.atomic():
        work_order = _locked(work_order)
        if Signature.objects.filter(work_order=work_order).exists():
            raise AlreadySigned(
                _("Work order %(reference)s is already signed.")
                % {"reference": work_order.reference},
                fields={"image": [_("Already signed.")]},
            )
        _refuse_status(work_order, frozenset({S.COMPLETED}), _("signed"))
        signature = record_create(
            Signature,
            actor=actor,
            values={
                "work_order": work_order,
                "image": ContentFile(data, name="signature.png"),
                "signer_name": name,
                "signed_at": signed_at,
                "recorded_by": actor_user(actor),
            },
            now=now,
        )
        work_order_decide(
            actor=actor,
            work_order=work_order,
            accept=True,
            via=CustomerDecisionVia.SIGNATURE,
            now=signed_at,
        )
        return signature


# --- the phone's operations, applied once -------------------------------------------------------
#: How far ahead of the server's clock a phone's clock may run.
CLOCK_SKEW = dt.timedelta(minutes=5)


@dataclass(frozen=True)
class SyncAnswer:
    """What one operation of the phone got: an HTTP-like status and a JSON body; ``replayed``
    when it was applied before (a retry)."""

    status: int
    result: dict[str, Any]
    replayed: bool = False


def _replay(stored: SyncOperation, actor: Actor) -> SyncAnswer:
    if stored.user_id != getattr(actor, "pk", None):
        raise SyncOperationTaken(
            _("This operation id was already used by someone else."),
            fields={"id": [_("Give each operation a new id.")]},
        )
    return SyncAnswer(status=stored.status, result=stored.result, replayed=True)


def sync_operation_apply(
    *,
    actor: Actor,
    operation_id: uuid.UUID,
    work_order: WorkOrder,
    kind: str,
    made_at: dt.datetime,
    apply: Callable[[dt.datetime], dict[str, Any]],
    refusal: Callable[[PactaError], tuple[int, dict[str, Any]]],
    now: dt.datetime | None = None,
) -> SyncAnswer:
    """Apply one operation of the phone once: ``apply(made_at)`` runs (it calls the services
    above) and its answer — or the answer ``refusal`` gives to its named error — is kept with
    the operation's id, in the same transaction. A retry of the same id gets the kept answer
    and changes nothing; a refused operation wrote nothing but its answer.

    The operation's receipt (:class:`SyncOperation`) is not audited itself: what the operation
    wrote is, by the services it called."""
    now = now or timezone.now()
    stored = SyncOperation.objects.filter(pk=operation_id).first()
    if stored is not None:
        return _replay(stored, actor)
    if made_at > now + CLOCK_SKEW:
        raise InvalidInput.on("made_at", _("This operation is dated in the future."))
    try:
        with transaction.atomic():
            try:
                with transaction.atomic():
                    status, result = 200, apply(made_at)
            except PactaError as error:
                status, result = refusal(error)
            SyncOperation.objects.create(
                id=operation_id,
                user=actor,
                work_order=work_order,
                kind=kind,
                made_at=made_at,
                received_at=now,
                status=status,
                result=result,
            )
    except IntegrityError:
        # The same operation arrived twice at once (a retry racing the first try): the first
        # one's answer stands, and what this one did was rolled back with it.
        first = SyncOperation.objects.filter(pk=operation_id).first()
        if first is None:
            raise
        return _replay(first, actor)
    return SyncAnswer(status=status, result=result)


# --- asking a manager: the e-mail with a signed link ----------------------------------------------
#: What signs the links of approval e-mails (so a link names one step and cannot be forged).
APPROVAL_SALT = "pacta.service.checklist-approval"
#: How long an approval link works.
APPROVAL_LINK_DAYS = 14


def checklist_item_approval_token(item: ChecklistItem) -> str:
    """The signed token of an approval link to ``item``."""
    return signing.dumps({"item": item.pk}, salt=APPROVAL_SALT)


def checklist_item_of_token(token: str) -> Any:
    """The step id an approval link's token names (None when forged or expired)."""
    try:
        found = signing.loads(
            token, salt=APPROVAL_SALT, max_age=dt.timedelta(days=APPROVAL_LINK_DAYS)
        )
    except signing.BadSignature:
        return None
    return found.get("item") if isinstance(found, dict) else None


def step_approval_notice(
    *, item: ChecklistItem, link: str, now: dt.datetime | None = None
) -> list[Any]:
    """Ask every active manager, by e-mail in its language, to approve or reject ``item``
    (once per step and manager), with ``link`` to the one-tap page."""
    work_order = item.work_order
    ticket = work_order.ticket
    managers = accounts_selectors.user_list(audience=SYSTEM).filter(
        role=Role.MANAGER, is_active=True
    )
    queued = []
    for manager in managers.exclude(email="").order_by("username"):
        language = manager.language or settings.LANGUAGE_CODE
        with translation.override(language):
            subject = _("[%(reference)s] Approve work outside the contract: %(step)s") % {
                "reference": work_order.reference,
                "step": item.text,
            }
            body = _(
                "%(technician)s asks to do “%(step)s” on %(reference)s for %(customer)s at "
                "%(site)s. The contract does not cover it.\n\nApprove or reject it with one tap:"
                "\n%(link)s\n"
            ) % {
                "technician": work_order.technician or _("The technician"),
                "step": item.text,
                "reference": work_order.reference,
                "customer": ticket.customer,
                "site": ticket.site,
                "link": link,
            }
        message = message_queue(
            key=f"checklist-item:{item.pk}:approval:{manager.pk}",
            to_email=manager.email,
            subject=subject,
            body=body,
            language=language,
            about=ticket,
            now=now,
        )
        if message is not None:
            queued.append(message)
    return queued
