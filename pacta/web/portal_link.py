"""``/portal/decide/<signed token>/`` — the closure e-mail's link: the customer accepts the
completed work, or disputes it saying why, without signing in. The token is the proof (see
``pacta.service.services.decision_links``): an altered, forged or expired link is refused
(404), a used one too (409: the work was decided already), and nothing is written."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from pacta.domain.errors import NotFound, PactaError
from pacta.service.errors import DecisionLinkInvalid, DecisionLinkUsed
from pacta.service.services import fieldwork as visit
from pacta.web.portal_tickets import decide_and_rate, refusal_text, work_context


def _refused(request: HttpRequest, error: PactaError) -> HttpResponse:
    status = 404 if isinstance(error, NotFound) else 409
    return render(
        request, "portal/link_refused.html", {"error": error.message_in(_)}, status=status
    )


def decision_link(request: HttpRequest, token: str) -> HttpResponse:
    """The work named by the link, with Accept and Dispute (reason required)."""
    try:
        found = visit.work_order_decision_link_check(token)
    except (DecisionLinkInvalid, DecisionLinkUsed) as error:
        return _refused(request, error)
    if request.method != "POST":
        return render(request, "portal/link.html", work_context(found, None))
    accept = request.POST.get("decision") == "accept"
    reason = request.POST.get("reason", "")
    try:
        decided = decide_and_rate(
            found,
            decide=lambda work: visit.work_order_decide_by_link(
                token=token, accept=accept, reason=reason
            ),
        )
    except (DecisionLinkInvalid, DecisionLinkUsed) as error:
        return _refused(request, error)
    except PactaError as error:
        context = {
            **work_context(found, None),
            "decision_error": refusal_text(error),
            "typed": reason,
        }
        return render(request, "portal/link.html", context, status=400)
    return render(request, "portal/link_done.html", {"work_order": decided})
