"""The service app's records, one module per concept: tickets (with their SLA events and
rescue actions), work orders (time, parts), what is recorded on site (checklist, photos,
expenses, signature, the phone's operations), quotes, preventive plans and inspections."""

from pacta.service.models.fieldwork import (
    ChecklistItem,
    Expense,
    Photo,
    PhotoKind,
    Signature,
    StepApproval,
    SyncOperation,
)
from pacta.service.models.inspections import Inspection, InspectionReading, InspectionResult
from pacta.service.models.plans import PlanFrequency, PlanOccurrence, PreventivePlan
from pacta.service.models.quotes import Quote, QuoteDecidedVia, QuoteLine, QuoteStatus
from pacta.service.models.tickets import (
    Channel,
    EventKind,
    Priority,
    RescueAction,
    RescueKind,
    RescueLevel,
    Ticket,
    TicketComment,
    TicketEvent,
    TicketOverride,
    TicketStatus,
)
from pacta.service.models.work import (
    CustomerDecisionVia,
    PartUsed,
    TimeEntry,
    TimeKind,
    WorkOrder,
    WorkOrderStatus,
)

__all__ = [
    "Channel",
    "ChecklistItem",
    "CustomerDecisionVia",
    "EventKind",
    "Expense",
    "Inspection",
    "InspectionReading",
    "InspectionResult",
    "PartUsed",
    "Photo",
    "PhotoKind",
    "PlanFrequency",
    "PlanOccurrence",
    "PreventivePlan",
    "Priority",
    "Quote",
    "QuoteDecidedVia",
    "QuoteLine",
    "QuoteStatus",
    "RescueAction",
    "RescueKind",
    "RescueLevel",
    "Signature",
    "StepApproval",
    "SyncOperation",
    "Ticket",
    "TicketComment",
    "TicketEvent",
    "TicketOverride",
    "TicketStatus",
    "TimeEntry",
    "TimeKind",
    "WorkOrder",
    "WorkOrderStatus",
]
