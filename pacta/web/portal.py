"""The customer portal (``/portal/``): requesting service (``/portal/request/``), for the
customer user's own sites (and those of the customers it pays for), offering only the services
in the scope of a live contract there — the dispatcher's intake form without overrides; the
contracts and what they cover (:mod:`.portal_coverage`); tickets, their clocks and comments,
work orders accepted or disputed (:mod:`.portal_tickets`); the closure e-mail's signed link to
accept or dispute without signing in (:mod:`.portal_link`)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import path

from pacta.accounts.access import audience_of
from pacta.customers import selectors as customer_selectors
from pacta.web import portal_coverage, portal_link, portal_tickets
from pacta.web.intake import choices_page, request_page
from pacta.web.portal_access import customer_audience

app_name = "portal"


def _customer_user(request: HttpRequest) -> Any:
    customer_audience(request)
    return request.user.customer  # type: ignore[union-attr]


def _contact(request: HttpRequest) -> Any:
    """The contact the signed-in customer user is (same e-mail at its customer), if any."""
    return customer_selectors.contact_of_user(request.user, audience=audience_of(request.user))


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
    path("", portal_coverage.home, name="home"),
    path("tickets/", portal_tickets.tickets, name="tickets"),
    path("tickets/<int:ticket_id>/", portal_tickets.ticket, name="ticket"),
    path("tickets/<int:ticket_id>/comments/", portal_tickets.comment, name="comment"),
    path("work-orders/<int:work_order_id>/", portal_tickets.work_order, name="work_order"),
    path("work-orders/<int:work_order_id>/accept/", portal_tickets.accept, name="accept"),
    path("work-orders/<int:work_order_id>/dispute/", portal_tickets.dispute, name="dispute"),
    path("decide/<str:token>/", portal_link.decision_link, name="decision_link"),
]
