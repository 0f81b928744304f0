"""Errors of business calendars and SLA policies."""

from pacta.domain.errors import Conflict, InvalidInput


class CalendarInvalid(InvalidInput):
    """The calendar's zone, holidays, working windows or closed days do not make a calendar."""

    code = "calendar_invalid"


class SlaPolicyInvalid(InvalidInput):
    """The policy's targets, thresholds or pausing statuses do not make a policy."""

    code = "sla_policy_invalid"


class RowStaysWithItsRecord(InvalidInput):
    """A window, closed day or target belongs to one calendar or policy; it does not move."""

    code = "row_moved"


class LastRow(Conflict):
    """The last working window of a calendar, or the last target of a policy, is not deleted:
    a calendar with an empty week, or a policy with no targets, stops every clock on it."""

    code = "last_row"
