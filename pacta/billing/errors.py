"""Errors of rating and billing: what the state of the work or the terms refuses."""

from pacta.domain.errors import Conflict


class WorkOrderNotCompleted(Conflict):
    """Only completed (or accepted) work is rated."""

    code = "work_order_not_completed"


class NoTermsInForce(Conflict):
    """The ticket's contract had no terms in force on the day of the work."""

    code = "no_terms_in_force"


class NotAwaitingApproval(Conflict):
    """The line does not wait for a decision (already decided, or never needed one)."""

    code = "not_awaiting_approval"
