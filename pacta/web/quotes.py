"""Quotes in the customer portal (``/portal/quotes/``) and by the e-mail's signed link.

- ``/portal/quotes/`` — the customer's quotes (those sent to it), newest first;
- ``/portal/quotes/<id>/`` — one quote, its lines and totals, with "Accept" and "Reject" (with
  a reason) while it is open;
- ``/portal/quotes/link/<signed token>/`` — the e-mail's link: the same decision, without
  logging in (the token, signed with its own salt, names the quote and cannot be forged).

Every decision goes through :mod:`pacta.service.services.quotes`, so an expired quote, a second
decision or a reject without a reason is refused here exactly as in the API.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _

from pacta.accounts.access import SYSTEM, audience_of
from pacta.accounts.roles import Role
from pacta.billing.services.triggers import quote_invoice_after_commit
from pacta.domain.errors import PactaError
from pacta.service import selectors
from pacta.service.models import Quote, QuoteDecidedVia, QuoteStatus
from pacta.service.services import quotes as quote_services

app_name = "quotes"


def _customer_quotes(request: HttpRequest) -> Any:
    reader = audience_of(request.user)
    if reader.role != Role.CUSTOMER:
        raise PermissionDenied
    return selectors.quote_list(audience=reader)


def _decide(request: HttpRequest, quote: Quote, *, actor: Any, via: str) -> str | None:
    """Apply the decision posted for ``quote``; the refusal's message, or None when done."""
    accept = request.POST.get("decision") == "accept"
    try:
        if accept:
            with transaction.atomic():
                decided = quote_services.quote_accept(actor=actor, quote=quote, via=via)
                quote_invoice_after_commit(decided)  # billed on acceptance: after commit
        else:
            decided = quote_services.quote_reject(
                actor=actor, quote=quote, via=via, reason=request.POST.get("reason", "")
            )
    except PactaError as error:
        return error.message_in(_)  # the detail names the problem (expired, decided, why)
    if accept:
        messages.success(
            request,
            _("Thank you: quote %(quote)s is accepted; we schedule the work as %(work_order)s.")
            % {"quote": decided.number, "work_order": decided.work_order.reference},
        )
    else:
        messages.success(request, _("Quote %(quote)s is rejected.") % {"quote": decided.number})
    return None


def _context(quote: Quote, **extra: Any) -> dict[str, Any]:
    today = timezone.localdate()
    open_ = quote.status == QuoteStatus.SENT and (
        quote.valid_until is None or quote.valid_until >= today
    )
    return {
        "quote": quote,
        "lines": list(quote.lines.all()),
        "figures": quote_services.quote_totals(quote),
        "open": open_,
        "lapsed": quote.status == QuoteStatus.EXPIRED
        or (quote.status == QuoteStatus.SENT and not open_),
        **extra,
    }


@login_required
def quote_list(request: HttpRequest) -> HttpResponse:
    """The quotes sent to the customer, newest first."""
    quotes = _customer_quotes(request).order_by("-sent_at", "-id")
    return render(request, "quotes/list.html", {"quotes": quotes})


@login_required
def quote_page(request: HttpRequest, quote_id: int) -> HttpResponse:
    """One quote, accepted or rejected here in the portal."""
    quote = _customer_quotes(request).filter(pk=quote_id).first()
    if quote is None:
        raise Http404
    error = None
    if request.method == "POST":
        error = _decide(request, quote, actor=request.user, via=QuoteDecidedVia.PORTAL)
        if error is None:
            return redirect("web:quotes:quote", quote_id=quote.pk)
    fresh = _customer_quotes(request).get(pk=quote.pk)
    return render(request, "quotes/quote.html", _context(fresh, error=error, link=False))


def quote_link(request: HttpRequest, token: str) -> HttpResponse:
    """The e-mail's signed link: the quote and its decision, without logging in."""
    quote_id = quote_services.quote_of_token(token)
    quote = (
        selectors.quote_list(audience=SYSTEM)
        .exclude(status=QuoteStatus.DRAFT)
        .filter(pk=quote_id)
        .first()
        if quote_id is not None
        else None
    )
    if quote is None:
        raise Http404
    error = None
    if request.method == "POST":
        error = _decide(request, quote, actor=None, via=QuoteDecidedVia.EMAIL)
        if error is None:
            return redirect("web:quotes:link", token=token)
    fresh = selectors.quote_list(audience=SYSTEM).get(pk=quote.pk)
    return render(request, "quotes/quote.html", _context(fresh, error=error, link=True))


urlpatterns = [
    path("", quote_list, name="list"),
    path("<int:quote_id>/", quote_page, name="quote"),
    path("link/<str:token>/", quote_link, name="link"),
]
