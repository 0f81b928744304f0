"""The technician's inspection pages (mobile-first): the inspections of a work order, starting
one for a piece of equipment or the site, and reading its parameters one by one, then finishing
it (which e-mails the inspection report to the customer after commit)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _

from pacta.accounts.access import ADD, CHANGE, audience_of, may
from pacta.catalog import selectors as catalog_selectors
from pacta.domain.errors import PactaError
from pacta.equipment import selectors as equipment_selectors
from pacta.reports.services import inspection_finished
from pacta.service import selectors
from pacta.service.services.inspections import (
    INSPECTING_STATUSES,
    inspection_finish,
    inspection_reading_record,
    inspection_start,
)

app_name = "inspections"
KIND = "service.inspection"


def _refusal(error: PactaError) -> list[str]:
    found = [message for messages_ in error.fields.values() for message in messages_]
    return found or [error.message_in(_)]


@login_required
def work_order_inspections(request: HttpRequest, work_order_id: int) -> HttpResponse:
    """A work order's inspections, and the form that starts one."""
    reader = audience_of(request.user)
    work_order = get_object_or_404(
        selectors.work_order_list(audience=reader).select_related(
            "ticket__site", "ticket__service"
        ),
        pk=work_order_id,
    )
    ticket = work_order.ticket
    templates = catalog_selectors.inspection_template_list_for(ticket.service, audience=reader)
    equipment = equipment_selectors.equipment_list(audience=reader).filter(site=ticket.site)
    errors: list[str] = []
    if request.method == "POST":
        if not may(reader, KIND, ADD):
            raise PermissionDenied
        template = templates.filter(pk=request.POST.get("template") or 0).first()
        unit = equipment.filter(pk=request.POST.get("equipment") or 0).first()
        if template is None:
            errors.append(_("Choose the inspection to do."))
        else:
            try:
                inspection = inspection_start(
                    actor=request.user, work_order=work_order, template=template, equipment=unit
                )
            except PactaError as error:
                errors = _refusal(error)
            else:
                return redirect("web:inspections:inspection", inspection.pk)
    context = {
        "work_order": work_order,
        "inspections": selectors.inspection_list(audience=reader)
        .filter(work_order=work_order)
        .order_by("id"),
        "templates": templates,
        "equipment": equipment,
        "may_start": may(reader, KIND, ADD) and work_order.status in INSPECTING_STATUSES,
        "errors": errors,
    }
    return render(request, "web/inspections/work_order.html", context)


def _value(raw: str) -> Decimal | None:
    raw = raw.strip().replace(",", ".")
    if not raw:
        return None
    try:
        return Decimal(raw)
    except InvalidOperation:
        raise ValueError(raw) from None


@login_required
def inspection_page(request: HttpRequest, inspection_id: int) -> HttpResponse:
    """One inspection: a row per parameter (a number to type, or pass / fail to tap), saved
    together; then finish."""
    reader = audience_of(request.user)
    inspection = get_object_or_404(
        selectors.inspection_list(audience=reader).select_related("work_order__ticket"),
        pk=inspection_id,
    )
    parameters = list(inspection.template.parameters.all())
    errors: dict[int, list[str]] = {}
    general: list[str] = []
    if request.method == "POST":
        if not may(reader, KIND, CHANGE):
            raise PermissionDenied
        for parameter in parameters:
            raw = request.POST.get(f"value-{parameter.pk}", "")
            verdict = request.POST.get(f"passed-{parameter.pk}", "")
            note = request.POST.get(f"note-{parameter.pk}", "")
            if not raw.strip() and not verdict:
                continue  # not read yet
            try:
                value = _value(raw) if parameter.kind == "numeric" else None
                passed = {"yes": True, "no": False}.get(verdict)
                inspection_reading_record(
                    actor=request.user,
                    inspection=inspection,
                    parameter=parameter,
                    value=value,
                    passed=passed,
                    note=note,
                )
            except ValueError:
                errors[parameter.pk] = [_("Type a number, e.g. 1.25.")]
            except PactaError as error:
                errors[parameter.pk] = _refusal(error)
        if not errors and "finish" in request.POST:
            try:
                with transaction.atomic():
                    inspection = inspection_finish(actor=request.user, inspection=inspection)
                    inspection_finished(inspection)
            except PactaError as error:
                general = [error.message_in(_)]
            else:
                messages.success(
                    request,
                    _("Inspection finished: %(result)s. The report goes to the customer.")
                    % {"result": inspection.get_result_display()},
                )
                return redirect("web:inspections:inspection", inspection.pk)
        elif not errors:
            messages.success(request, _("Readings saved."))
            return redirect("web:inspections:inspection", inspection.pk)
    readings = {reading.parameter_id: reading for reading in inspection.readings.all()}
    rows = [
        {
            "parameter": parameter,
            "reading": readings.get(parameter.pk),
            "errors": errors.get(parameter.pk, []),
            "typed": request.POST.get(f"value-{parameter.pk}", "") if errors else "",
        }
        for parameter in parameters
    ]
    context: dict[str, Any] = {
        "inspection": inspection,
        "rows": rows,
        "general": general,
        "editable": inspection.completed_at is None and may(reader, KIND, CHANGE),
    }
    return render(request, "web/inspections/inspection.html", context)


urlpatterns = [
    path("work-orders/<int:work_order_id>/", work_order_inspections, name="work_order"),
    path("<int:inspection_id>/", inspection_page, name="inspection"),
]
