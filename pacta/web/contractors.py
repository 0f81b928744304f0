"""A contractor's statements in the portal (``/contractor/statements/``): what its company is
paid for accepted work, line by line, and the work still awaiting the customer's acceptance.
A contractor user sees only its own company's statements."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from pacta.accounts.access import audience_of
from pacta.accounts.roles import Role
from pacta.billing import selectors

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


urlpatterns = [path("", statement_list_page, name="statements")]
