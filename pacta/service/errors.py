"""Errors of tickets, work orders, time entries and parts used."""

from pacta.domain.errors import Conflict, Forbidden, InvalidInput, NotFound


class TicketHasWork(Conflict):
    """A ticket with work orders stays with its customer and its site."""

    code = "ticket_has_work"


class WorkOrderReassignRefused(Forbidden):
    """Technicians and contractors work the orders they are given; only the office reassigns."""

    code = "reassign_refused"


class InspectionFinished(Conflict):
    """A finished inspection is what its report says: its readings no longer change."""

    code = "inspection_finished"


class ReadingsMissing(InvalidInput):
    """An inspection finishes when every parameter of its template has a reading."""

    code = "readings_missing"


# --- the visit on the technician's phone (issue 5) ----------------------------------------------
class WorkOrderStatusRefused(Conflict):
    """A work order moves along its flow one step at a time: scheduled → en route → on site →
    completed → accepted / disputed."""

    code = "status_refused"


class ChecklistIncomplete(InvalidInput):
    """A work order completes when its mandatory and safety steps are done and no step outside
    the contracted scope still waits for approval."""

    code = "checklist_incomplete"


class StepAwaitsApproval(Conflict):
    """A step outside the contracted scope is done only once a manager approved it."""

    code = "step_awaits_approval"


class StepRejected(Conflict):
    """A manager refused this step outside the contracted scope: it is not done on this visit."""

    code = "step_rejected"


class StepAlreadyDecided(Conflict):
    """A step's approval is decided once."""

    code = "step_already_decided"


class TimerRefused(Conflict):
    """The timer runs once at a time per work order, and stops only when it runs."""

    code = "timer_refused"


class UploadRefused(InvalidInput):
    """A photo or signature must be an image of an accepted type, within the size limit."""

    code = "upload_refused"


class AlreadySigned(Conflict):
    """A work order has one customer signature."""

    code = "already_signed"


class SyncOperationTaken(Conflict):
    """An operation id is the phone's own: another user's id is not replayed."""

    code = "operation_id_taken"


# --- intake (issue 5) ---------------------------------------------------------------------------
class ContractNotActive(InvalidInput):
    """No live contract: the contract is not active, or has no terms in force at the opening."""

    code = "contract_not_active"


class ServiceNotInScope(InvalidInput):
    """The service is not in the scope of the terms in force (no scope line, or excluded)."""

    code = "service_not_in_scope"


class SiteNotCovered(InvalidInput):
    """The contract covers neither the site nor, when given, the equipment."""

    code = "site_not_covered"


class ContractAmbiguous(InvalidInput):
    """More than one live contract of the site covers the service: the caller must choose."""

    code = "contract_ambiguous"


class OverrideRefused(Forbidden):
    """Only a dispatcher or a manager (or an admin) opens a ticket outside the contract."""

    code = "override_refused"


# --- quotes and preventive plans (issue 5) -------------------------------------------------------
class QuoteNotDraft(Conflict):
    """A quote is edited, and sent, while it is a draft; once sent, it is what the customer saw."""

    code = "quote_not_draft"


class QuoteNotSent(Conflict):
    """A quote is accepted or rejected once it has been sent."""

    code = "quote_not_sent"


class QuoteAlreadyDecided(Conflict):
    """A quote is accepted or rejected once."""

    code = "quote_decided"


class QuoteExpired(Conflict):
    """A quote is accepted or rejected by its ``valid_until`` day at the latest, whether or not
    the expiry run has marked it expired yet."""

    code = "quote_expired"


class QuoteIncomplete(InvalidInput):
    """A quote is sent with lines, and (without a ticket) a service line for its work order."""

    code = "quote_incomplete"


class QuantityNotPositive(InvalidInput):
    """A quote line's quantity is more than zero."""

    code = "quantity_not_positive"


class PartNotInCatalog(InvalidInput):
    """A part on a quote is an active product of the catalog."""

    code = "part_not_in_catalog"


class QuoteDecisionRefused(Forbidden):
    """The customer (in the portal or by the e-mail's link) or the office decides a quote."""

    code = "decision_refused"


# --- the customer's decision by e-mail link (issue 5, the portal) --------------------------------
class DecisionLinkInvalid(NotFound):
    """The link of a closure e-mail was altered, forged or has expired: it names no work."""

    code = "decision_link_invalid"


class DecisionLinkUsed(Conflict):
    """The link of a closure e-mail works once: the work it names was accepted or disputed
    already (or completed again since, which sends a new link)."""

    code = "decision_link_used"
