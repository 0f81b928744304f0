"""The customer portal (``/portal/``). So far: requesting service (``/portal/request/``), for the
customer user's own sites (and those of the customers it pays for), offering only the services
in the scope of a live contract there — the dispatcher's intake form without overrides."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import path

from pacta.accounts.access import audience_of
from pacta.accounts.roles import Role
from pacta.customers import selectors as customer_selectors
from pacta.web.intake import choices_page, request_page

app_name = "portal"


def _customer_user(request: HttpRequest) -> Any:
    reader = audience_of(request.user)
    if reader.role != Role.CUSTOMER:
        raise PermissionDenied
    return request.user.customer  # type: ignore[union-attr]


def _contact(request: HttpRequest) -> Any:
    """The contact the signed-in customer user is (same e-mail at its customer), if any."""
    email = getattr(request.user, "email", "")
    if not email:
        return None
    return (
        customer_selectors.contact_list(audience=audience_of(request.user))
        .filter(email__iexact=email, is_active=True)
        .order_by("id")
        .first()
    )


@login_required
def request_form(request: HttpRequest) -> HttpResponse:
    """Ask for service at one of our sites: only what our contracts cover there."""
    customer = _customer_user(request)
    return request_page(request, channel="portal", customer=customer, contact=_contact(request))


@login_required
def request_choices_view(request: HttpRequest) -> HttpResponse:
    return choices_page(request, customer=_customer_user(request))


urlpatterns = [
    path("request/", request_form, name="request"),
    path("request/choices/", request_choices_view, name="request_choices"),
]
