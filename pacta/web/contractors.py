"""A contractor's statements in the portal (``/contractor/statements/``): what its company is
paid for accepted work, line by line, and the work still awaiting the customer's acceptance.
A contractor user sees only its own company's statements."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path

from pacta.accounts.access import audience_of
from pacta.accounts.roles import Role
from pacta.billing import selectors
from pacta.web.contractor_statements import csv_response

app_name = "contractors"


@login_required
def statement_list_page(request: HttpRequest) -> HttpResponse:
    reader = audience_of(request.user)
    if reader.role != Role.CONTRACTOR:
        raise PermissionDenied
    rows = [
        {"statement": statement, "awaiting": selectors.contractor_statement_awaiting(statement)}
        for statement in selectors.contractor_statement_list(audience=reader)[:100]
    ]
    return render(request, "contractors/statements.html", {"rows": rows})


@login_required
def statement_csv(request: HttpRequest, statement_id: int) -> HttpResponse:
    """One of the company's statements as CSV (see ``pacta.billing.contractor_csv``)."""
    reader = audience_of(request.user)
    if reader.role != Role.CONTRACTOR:
        raise PermissionDenied
    statement = get_object_or_404(
        selectors.contractor_statement_list(audience=reader), pk=statement_id
    )
    return csv_response(statement)


urlpatterns = [
    path("", statement_list_page, name="statements"),
    path("<int:statement_id>.csv", statement_csv, name="statement-csv"),
]
