"""The technician's phone (mobile-first, installable, working without signal for the job in
hand) and the manager's one-tap approval of work outside the contracted scope.

- ``/field/`` — "My jobs" today;
- ``/field/jobs/<id>/`` — one job: customer, site and access notes, equipment and its history,
  the contract's coverage in plain words, status buttons, checklist, timer, parts, expenses,
  photos, the customer's signature. Everything the technician does is queued on the phone
  (IndexedDB, each operation with its own UUID) and sent to ``/api/v1/sync/`` when online, so
  it works the same with or without signal (``static/field/field.js``);
- ``/field/sw.js`` and ``/field/manifest.webmanifest`` — the PWA: the service worker keeps the
  pages visited (the job in hand) and the static files for when there is no signal;
- ``/field/approvals/`` — the steps waiting for a manager, each approved with one tap (or
  rejected with a reason); ``/field/approvals/<signed token>/`` — the e-mail's link to one.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from pacta.accounts.access import CHANGE, audience_of, may
from pacta.accounts.roles import Role
from pacta.catalog import selectors as catalog_selectors
from pacta.contracts.selectors import contract_version_in_force
from pacta.domain.errors import PactaError
from pacta.equipment import selectors as equipment_selectors
from pacta.service import selectors
from pacta.service.models import ChecklistItem, PhotoKind, WorkOrder
from pacta.service.services import fieldwork as visit

app_name = "field"

#: What the technician may tap in each status (the rest of the page is hidden).
STEPS = {
    "scheduled": ["depart", "arrive"],
    "en_route": ["arrive"],
    "on_site": ["complete"],
}


def _strings() -> dict[str, str]:
    """What the phone's script says, translated here."""
    return {
        "waiting": _("%(count)s waiting to send"),
        "synced": _("Everything is sent."),
        "offline": _("No signal: kept on the phone, sent when back online."),
        "refused": _("Not accepted:"),
        "running": _("Timer running since %(time)s"),
        "stopped": _("Timer stopped."),
        "queued": _("kept on the phone"),
        "signed": _("Signed by %(name)s"),
        "name_needed": _("Write the name of the person who signs."),
        "draw_needed": _("Ask the customer to sign in the box."),
        "quantity_needed": _("The quantity is more than zero."),
        "photo_needed": _("Take or choose a photo first."),
    }


def _coverage(work_order: WorkOrder) -> dict[str, Any]:
    """The contract's coverage on the ticket's day, in plain words: the services included in
    the fee, those billed, and how this job's service stands."""
    ticket = work_order.ticket
    contract = ticket.contract
    version = (
        contract_version_in_force(contract, timezone.localdate(ticket.opened_at))
        if contract is not None
        else None
    )
    lines = list(version.scope_lines.select_related("service")) if version is not None else []
    this = next((line for line in lines if line.service_id == ticket.service_id), None)
    return {
        "contract": contract,
        "included": [line.service.name for line in lines if line.coverage == "included"],
        "billable": [line.service.name for line in lines if line.coverage == "billable"],
        "this_job": this.coverage if this is not None else "excluded",
    }


def _job(request: HttpRequest, work_order_id: int) -> WorkOrder:
    try:
        return selectors.work_order_visit_get(work_order_id, audience=audience_of(request.user))
    except WorkOrder.DoesNotExist:
        raise Http404 from None


@login_required
def jobs(request: HttpRequest) -> HttpResponse:
    """The technician's jobs today, soonest first."""
    today = timezone.localdate()
    reader = audience_of(request.user)
    if reader.role == Role.TECHNICIAN:
        found = selectors.work_order_list_for_technician(technician=request.user, on=today)
    else:
        found = selectors.work_order_list_open(audience=reader)[:50]
    return render(request, "field/jobs.html", {"jobs": found, "today": today})


@login_required
def job(request: HttpRequest, work_order_id: int) -> HttpResponse:
    """One job on the phone."""
    reader = audience_of(request.user)
    work_order = _job(request, work_order_id)
    ticket = work_order.ticket
    items = list(work_order.checklist_items.all())
    # Before the visit starts the checklist is not copied yet: the template's steps are shown,
    # and ticked by position (the copy keeps the positions).
    steps = (
        []
        if items
        else list(
            catalog_selectors.checklist_step_list(audience=reader)
            .filter(service_id=ticket.service_id)
            .order_by("position")
        )
    )
    history = (
        list(
            equipment_selectors.equipment_history(ticket.equipment, audience=reader).exclude(
                pk=ticket.pk
            )[:5]
        )
        if ticket.equipment_id
        else []
    )
    signature = selectors.signature_list(audience=reader).filter(work_order=work_order).first()
    job_data = {
        "id": work_order.pk,
        "status": work_order.status,
        "timer_started_at": work_order.timer_started_at.isoformat()
        if work_order.timer_started_at
        else None,
        "sync_url": reverse("api-sync"),
    }
    context = {
        "work_order": work_order,
        "ticket": ticket,
        "site": ticket.site,
        "items": items,
        "steps": steps,
        "history": history,
        "coverage": _coverage(work_order),
        "products": catalog_selectors.product_list(audience=reader)
        .filter(is_active=True)
        .order_by("name"),
        "photo_kinds": PhotoKind.choices,
        "signature": signature,
        "may_record": may(reader, "service.workorder", CHANGE),
        "steps_allowed": STEPS.get(work_order.status, []),
        "under_way": work_order.status in visit.UNDER_WAY,
        "job_data": job_data,
        "strings": _strings(),
    }
    return render(request, "field/job.html", context)


@never_cache
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker, served under /field/ so that it may keep the field pages."""
    assets = [
        static("field/field.js"),
        static("field/field.css"),
        static("field/icon.svg"),
        reverse("web:field:jobs"),
    ]
    response = render(
        request,
        "field/sw.js",
        {"assets": json.dumps(assets)},
        content_type="text/javascript; charset=utf-8",
    )
    response["Service-Worker-Allowed"] = reverse("web:field:jobs")
    return response


def manifest(request: HttpRequest) -> HttpResponse:
    """The web app manifest: pacta's field app, installable on the phone's home screen."""
    body = {
        "name": _("pacta — my jobs"),
        "short_name": "pacta",
        "start_url": reverse("web:field:jobs"),
        "scope": reverse("web:field:jobs"),
        "display": "standalone",
        "background_color": "#f5f7fa",
        "theme_color": "#1f5fbf",
        "icons": [
            {"src": static("field/icon.svg"), "sizes": "any", "type": "image/svg+xml"},
        ],
    }
    return HttpResponse(json.dumps(body), content_type="application/manifest+json")


# --- the manager's approvals ---------------------------------------------------------------------
def _decide(request: HttpRequest, item: ChecklistItem) -> str | None:
    """Apply the decision posted for ``item``; the refusal's message, or None when done."""
    approve = request.POST.get("decision") == "approve"
    try:
        visit.checklist_step_decide(
            actor=request.user,
            item=item,
            approve=approve,
            reason=request.POST.get("reason", ""),
        )
    except PactaError as error:
        found = [message for messages_ in error.fields.values() for message in messages_]
        return " ".join(found) or error.message_in(_)
    messages.success(
        request,
        (_("Approved: %(step)s") if approve else _("Rejected: %(step)s")) % {"step": item.text},
    )
    return None


def _may_decide(request: HttpRequest) -> None:
    if request.user.role not in visit.DECIDERS:
        raise PermissionDenied


@login_required
def approvals(request: HttpRequest) -> HttpResponse:
    """The steps outside the contracted scope waiting for a decision, oldest first."""
    _may_decide(request)
    pending = selectors.checklist_item_list_pending(audience=audience_of(request.user))
    errors: dict[int, str] = {}
    if request.method == "POST":
        item = pending.filter(pk=request.POST.get("item") or 0).first()
        if item is None:
            messages.error(request, _("This step was decided already."))
            return redirect("web:field:approvals")
        refused = _decide(request, item)
        if refused is None:
            return redirect("web:field:approvals")
        errors[item.pk] = refused
    rows = [(item, errors.get(item.pk)) for item in pending]
    return render(request, "field/approvals.html", {"rows": rows})


@login_required
def approval(request: HttpRequest, token: str) -> HttpResponse:
    """The e-mail's signed link to one step: approve with one tap, or reject with a reason."""
    _may_decide(request)
    item_id = visit.checklist_item_of_token(token)
    item = (
        selectors.checklist_item_list(audience=audience_of(request.user))
        .select_related("work_order__ticket__customer", "work_order__ticket__site")
        .filter(pk=item_id)
        .first()
        if item_id is not None
        else None
    )
    if item is None:
        raise Http404
    error = None
    if request.method == "POST":
        error = _decide(request, item)
        if error is None:
            return redirect("web:field:approvals")
    return render(request, "field/approval.html", {"item": item, "error": error})


urlpatterns = [
    path("", jobs, name="jobs"),
    path("jobs/<int:work_order_id>/", job, name="job"),
    path("sw.js", service_worker, name="sw"),
    path("manifest.webmanifest", manifest, name="manifest"),
    path("approvals/", approvals, name="approvals"),
    path("approvals/<str:token>/", approval, name="approval"),
]
