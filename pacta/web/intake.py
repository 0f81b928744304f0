"""The dispatcher's intake form (``/intake/``): customer → site → equipment → the services open
for them (htmx reloads the choices as each is picked), priority, subject and description; an
override (billable or quote, with a reason) for a lapsed contract or a service out of scope.
Before it is sent, the form shows the contract and the team the request lands on.

The customer portal's request form (:mod:`pacta.web.portal`) is the same form without the
customer choice and without overrides; both open the ticket through ``ticket_open``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _

from pacta.accounts.access import ADD, audience_of, may
from pacta.accounts.roles import Role
from pacta.catalog import selectors as catalog_selectors
from pacta.contracts.selectors import routing_team
from pacta.customers import selectors as customer_selectors
from pacta.domain.errors import PactaError
from pacta.equipment import selectors as equipment_selectors
from pacta.service import selectors
from pacta.service.models import Priority, TicketOverride
from pacta.service.services import ticket_open
from pacta.service.services.tickets import OVERRIDE_ROLES

app_name = "intake"
KIND = "service.ticket"


def _pick(rows: Any, value: Any) -> Any:
    """The row of ``rows`` whose id is ``value`` (None when empty or not among them)."""
    try:
        pk = int(value)
    except (TypeError, ValueError):
        return None
    return next((row for row in rows if row.pk == pk), None)


@dataclass
class Choices:
    """What the form offers, given what is picked so far."""

    customers: list[Any]
    customer: Any
    sites: list[Any]
    site: Any
    equipment_list: list[Any]
    equipment: Any
    offers: list[Any]
    offer: Any
    priority: str
    overriding: bool = False
    override: str = ""
    services: list[Any] = field(default_factory=list)  # every active service, to override
    service: Any = None
    team: Any = None
    may_override: bool = False

    @property
    def offer_key(self) -> str:
        return _offer_key(self.offer) if self.offer is not None else ""


def _offer_key(offer: Any) -> str:
    return f"{offer.contract.pk}:{offer.service.pk}"


def request_choices(data: QueryDict, *, user: Any, customer: Any = None) -> Choices:
    """The choices of the form for ``data`` (GET or POST), for ``user``; ``customer`` fixes the
    customer (the portal)."""
    reader = audience_of(user)
    customers = (
        [customer]
        if customer is not None
        else list(customer_selectors.customer_list(audience=reader).order_by("legal_name"))
    )
    customer = customer or _pick(customers, data.get("customer"))
    sites: list[Any] = []
    if customer is not None:
        family = customer_selectors.customer_descendant_ids(customer)
        sites = list(
            customer_selectors.site_list(audience=reader)
            .filter(customer_id__in=family)
            .order_by("name")
        )
    site = _pick(sites, data.get("site")) or (sites[0] if len(sites) == 1 else None)
    equipment_list = (
        list(equipment_selectors.equipment_list(audience=reader).filter(site=site))
        if site is not None
        else []
    )
    equipment = _pick(equipment_list, data.get("equipment"))
    offers = selectors.services_open_for(site, equipment) if site is not None else []
    offer = next((o for o in offers if _offer_key(o) == data.get("offer")), None)
    priority = data.get("priority") or Priority.NORMAL
    if priority not in Priority.values:
        priority = Priority.NORMAL
    may_override = getattr(user, "role", None) in OVERRIDE_ROLES
    choices = Choices(
        customers=customers,
        customer=customer,
        sites=sites,
        site=site,
        equipment_list=equipment_list,
        equipment=equipment,
        offers=offers,
        offer=offer,
        priority=priority,
        may_override=may_override,
    )
    if may_override and data.get("override") in (TicketOverride.BILLABLE, TicketOverride.QUOTE):
        choices.overriding, choices.override = True, str(data["override"])
        choices.services = list(
            catalog_selectors.service_list(audience=reader).filter(is_active=True).order_by("name")
        )
        choices.service = _pick(choices.services, data.get("service"))
    if offer is not None and site is not None and not choices.overriding:
        choices.team = routing_team(
            offer.contract, service_id=offer.service.pk, priority=priority, region=site.zone_code
        )
    return choices


#: The fields the form shows errors on; any other refusal is shown above the form.
SHOWN = frozenset(
    {"site", "equipment", "offer", "service", "contract", "reason", "override", "subject"}
)


def _errors(error: PactaError) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for name, found in error.fields.items():
        errors.setdefault(name if name in SHOWN else "general", []).extend(found)
    return errors or {"general": [error.message_in(_)]}


def request_submit(
    request: HttpRequest, choices: Choices, *, channel: str, contact: Any = None
) -> tuple[Any, dict[str, list[str]]]:
    """Open the ticket the form describes; (ticket, {}) or (None, errors by field)."""
    errors: dict[str, list[str]] = {}
    data = request.POST
    subject = (data.get("subject") or "").strip()
    if not subject:
        errors["subject"] = [_("Say in a few words what is wrong.")]
    if choices.site is None:
        errors["site"] = [_("Choose the site.")]
    if choices.overriding:
        if choices.service is None:
            errors["service"] = [_("Choose the service.")]
    elif choices.offer is None:
        errors["offer"] = [_("Choose one of the services this site may ask for.")]
    if errors:
        return None, errors
    values: dict[str, Any] = {
        "customer": choices.customer,
        "site": choices.site,
        "equipment": choices.equipment,
        "priority": choices.priority,
        "channel": channel,
        "subject": subject[:200],
        "description": (data.get("description") or "").strip(),
        "contact": contact,
    }
    if choices.overriding:
        values.update(service=choices.service, override=choices.override)
        contract = _pick(
            [o.contract for o in choices.offers] + list(choices.site.contracts.all()),
            data.get("contract"),
        )
        if contract is not None:
            values["contract"] = contract
    else:
        values.update(service=choices.offer.service, contract=choices.offer.contract)
    try:
        ticket = ticket_open(actor=request.user, values=values, reason=data.get("reason", ""))
    except PactaError as refused:
        return None, _errors(refused)
    return ticket, {}


def _dispatcher(request: HttpRequest) -> None:
    reader = audience_of(request.user)
    if reader.role in (Role.CUSTOMER, Role.CONTRACTOR) or not may(reader, KIND, ADD):
        raise PermissionDenied


def request_page(
    request: HttpRequest, *, channel: str, customer: Any = None, contact: Any = None
) -> HttpResponse:
    """The form (GET), or opening the ticket it describes (POST); ``customer`` fixes the
    customer and leaves overrides out (the portal)."""
    portal = customer is not None
    data = request.POST if request.method == "POST" else request.GET
    choices = request_choices(data, user=request.user, customer=customer)
    choices.may_override = choices.may_override and not portal
    context: dict[str, Any] = {"choices": choices, "data": data, "errors": {}, "portal": portal}
    if request.method == "POST":
        ticket, errors = request_submit(request, choices, channel=channel, contact=contact)
        if ticket is not None:
            return render(request, "intake/opened.html", {"ticket": ticket, "portal": portal})
        context["errors"] = errors
    status = 400 if context["errors"] else 200
    return render(request, "intake/form.html", context, status=status)


def choices_page(request: HttpRequest, *, customer: Any = None) -> HttpResponse:
    """The dependent part of the form alone, which htmx asks for as things are picked."""
    choices = request_choices(request.GET, user=request.user, customer=customer)
    choices.may_override = choices.may_override and customer is None
    context = {
        "choices": choices,
        "data": request.GET,
        "errors": {},
        "portal": customer is not None,
    }
    return render(request, "intake/choices.html", context)


def _dispatcher(request: HttpRequest) -> None:
    reader = audience_of(request.user)
    if reader.role in (Role.CUSTOMER, Role.CONTRACTOR) or not may(reader, KIND, ADD):
        raise PermissionDenied


@login_required
def dispatcher_form(request: HttpRequest) -> HttpResponse:
    """The dispatcher's intake form, and opening the ticket it describes."""
    _dispatcher(request)
    return request_page(request, channel="dispatcher")


@login_required
def dispatcher_choices(request: HttpRequest) -> HttpResponse:
    _dispatcher(request)
    return choices_page(request)


urlpatterns = [
    path("", dispatcher_form, name="form"),
    path("choices/", dispatcher_choices, name="choices"),
]
