"""Errors of tickets, work orders, time entries and parts used."""

from pacta.domain.errors import Conflict, Forbidden, InvalidInput


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
