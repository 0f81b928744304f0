"""Rating completed work orders into stored charge lines, and deciding out-of-scope lines.

``work_order_rate`` is idempotent: it fingerprints what it rates from (the work, the terms
version, the approvals given) and returns the current rating when nothing changed. When
something did (a time entry corrected, out-of-scope work approved), the current rating is
superseded, its ledger draws reversed, and a new rating written: both stay on record.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pacta.accounts.roles import Role
from pacta.audit.services import Action, Actor, actor_user, change_record, require_reason, snapshot
from pacta.billing.errors import NotAwaitingApproval
from pacta.billing.models import Approval, ChargeLine, Rating
from pacta.billing.services.batch import work_orders_rate
from pacta.billing.services.credits import credit_write_off
from pacta.domain.errors import Forbidden

WorkOrder = Any
#: Who decides out-of-scope work.
APPROVERS = frozenset({Role.ADMIN, Role.MANAGER})


def work_order_rate(
    *, actor: Actor, work_order: WorkOrder, now: dt.datetime | None = None, reason: str = ""
) -> Rating:
    """Rate a completed work order under the terms in force on its day; store lines and draws
    (a batch of one: see ``pacta.billing.services.batch``). Returns its current rating."""
    run = work_orders_rate(actor=actor, work_orders=[work_order], now=now, reason=reason)
    return run.ratings[0]


def charge_line_decide(
    *,
    actor: Actor,
    line: ChargeLine,
    approve: bool,
    reason: str,
    now: dt.datetime | None = None,
) -> Rating:
    """A manager approves out-of-scope work (then it is billed: the work order is rated again)
    or rejects it (then it is written off: recorded on the line and as a write-off credit).
    Returns the current rating."""
    reason = require_reason(reason)
    now = now or timezone.now()
    role = getattr(actor, "role", None)
    if role not in APPROVERS:
        raise Forbidden(_("Only a manager decides on out-of-scope work."))
    with transaction.atomic():
        line = ChargeLine.objects.select_for_update().select_related("rating").get(pk=line.pk)
        if line.approval != Approval.PENDING or line.rating.superseded_at is not None:
            raise NotAwaitingApproval(_("This line is not awaiting a decision."))
        before = snapshot(line)
        line.approval = Approval.APPROVED if approve else Approval.REJECTED
        line.decided_by = actor_user(actor)
        line.decided_at = now
        line.decision_reason = reason
        line.save(update_fields=["approval", "decided_by", "decided_at", "decision_reason"])
        change_record(
            actor=actor,
            action=Action.UPDATE,
            instance=line,
            before=before,
            after=snapshot(line),
            reason=reason,
            now=now,
        )
        work_order = line.rating.work_order
        if approve:
            return work_order_rate(actor=actor, work_order=work_order, now=now, reason=reason)
        credit_write_off(actor=actor, line=line, reason=reason, now=now)
        return line.rating
