"""The closure e-mail's signed link, with which the customer accepts or disputes completed work
without signing in. The token names the work order and the instant it was completed
(``django.core.signing``, salt :data:`DECISION_SALT`, :data:`DECISION_LINK_DAYS` days): it
works for that completion only, and once, since a decided work order is no longer completed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.core import signing
from django.utils.translation import gettext as _

from pacta.service.errors import DecisionLinkInvalid, DecisionLinkUsed
from pacta.service.models import WorkOrder, WorkOrderStatus

#: What signs the links of closure e-mails (so a link names one completion of one work order).
DECISION_SALT = "pacta.service.work-order-decision"
#: How long a closure e-mail's link works.
DECISION_LINK_DAYS = 30


def work_order_decision_token(work_order: WorkOrder) -> str:
    """The signed token of the closure e-mail's link to accept or dispute ``work_order``: it
    names the work order and the instant it was completed, so it works for that completion
    only, and once (after a decision the work order is no longer completed)."""
    completed_at = work_order.completed_at.isoformat() if work_order.completed_at else ""
    return signing.dumps(
        {"work_order": work_order.pk, "completed_at": completed_at}, salt=DECISION_SALT
    )


def work_order_of_decision_token(token: str) -> Mapping[str, Any]:
    """What a closure e-mail's token names; refused (``decision_link_invalid``) when it was
    altered, forged or has expired."""
    try:
        found = signing.loads(
            token, salt=DECISION_SALT, max_age=dt.timedelta(days=DECISION_LINK_DAYS)
        )
    except signing.BadSignature:
        found = None
    if not isinstance(found, dict) or not isinstance(found.get("work_order"), int):
        raise DecisionLinkInvalid(_("This link is not valid (altered, or expired)."))
    return found


def refuse_used_link(token: Mapping[str, Any], work_order: WorkOrder) -> None:
    """Refuse a link whose work order was decided since (or completed again: a new link)."""
    completed_at = work_order.completed_at.isoformat() if work_order.completed_at else ""
    if work_order.status != WorkOrderStatus.COMPLETED or token.get("completed_at") != completed_at:
        raise DecisionLinkUsed(
            _(
                "This link was used already, or no longer applies: work order %(reference)s "
                "is %(status)s."
            )
            % {"reference": work_order.reference, "status": work_order.get_status_display()}
        )
