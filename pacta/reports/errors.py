"""Errors of the documents: a report that cannot be issued yet, a reader who may not read it."""

from pacta.domain.errors import Conflict


class ReportNotIssued(Conflict):
    """The work is not completed (or the inspection not finished): there is no report yet."""

    code = "report_not_issued"
