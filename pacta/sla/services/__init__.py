"""Writing business calendars and SLA policies (with their rows), and the clocks of tickets.

Every write to a calendar, a policy or one of their rows is audited and moves the record's
``updated_at`` forward (see :mod:`pacta.sla.services.versions`). A calendar or policy in the
terms of a contract that has left draft is a term: changing it needs a reason.
"""

from pacta.sla.services.calendars import (
    CALENDAR,
    CALENDAR_WINDOW,
    CLOSED_DAY,
    calendar_check,
    calendar_create,
    calendar_delete,
    calendar_update,
    calendar_window_check,
    calendar_window_create,
    calendar_window_delete,
    calendar_window_update,
    closed_day_check,
    closed_day_create,
    closed_day_delete,
    closed_day_update,
)
from pacta.sla.services.clocks import ticket_clocks_store, tickets_clocks_store
from pacta.sla.services.policies import (
    SLA_POLICY,
    SLA_TARGET,
    sla_policy_check,
    sla_policy_create,
    sla_policy_delete,
    sla_policy_update,
    sla_target_check,
    sla_target_create,
    sla_target_delete,
    sla_target_update,
)

__all__ = [
    "CALENDAR",
    "CALENDAR_WINDOW",
    "CLOSED_DAY",
    "SLA_POLICY",
    "SLA_TARGET",
    "calendar_check",
    "calendar_create",
    "calendar_delete",
    "calendar_update",
    "calendar_window_check",
    "calendar_window_create",
    "calendar_window_delete",
    "calendar_window_update",
    "closed_day_check",
    "closed_day_create",
    "closed_day_delete",
    "closed_day_update",
    "sla_policy_check",
    "sla_policy_create",
    "sla_policy_delete",
    "sla_policy_update",
    "sla_target_check",
    "sla_target_create",
    "sla_target_delete",
    "sla_target_update",
    "ticket_clocks_store",
    "tickets_clocks_store",
]
