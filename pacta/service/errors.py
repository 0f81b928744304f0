"""Errors of tickets, work orders, time entries and parts used."""

from pacta.domain.errors import Conflict, Forbidden


class TicketHasWork(Conflict):
    """A ticket with work orders stays with its customer and its site."""

    code = "ticket_has_work"


class WorkOrderReassignRefused(Forbidden):
    """Technicians and contractors work the orders they are given; only the office reassigns."""

    code = "reassign_refused"
