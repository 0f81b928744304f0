"""The closure and inspection reports as pages and PDFs, for the office roles and for the
customer's own users: the page is rendered afresh, the PDF is the one issued (stored when the
work was completed or the inspection finished)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.translation import gettext as _

from pacta.accounts.access import VIEW, Audience, audience_of, may
from pacta.reports import selectors
from pacta.reports.models import IssuedReport, ReportKind
from pacta.reports.rendering import report_html
from pacta.service import selectors as service_selectors

app_name = "reports"
REPORTS = "reports.issuedreport"


def _reader(request: HttpRequest) -> Audience:
    return audience_of(request.user)


def _work_order(request: HttpRequest, work_order_id: int) -> Any:
    """The work order if the reader may see it (else 404) and may read its reports (else 403)."""
    reader = _reader(request)
    work_order = get_object_or_404(
        service_selectors.work_order_list(audience=reader), pk=work_order_id
    )
    if not may(reader, REPORTS, VIEW):
        raise PermissionDenied
    return work_order


def _inspection(request: HttpRequest, inspection_id: int) -> Any:
    reader = _reader(request)
    inspection = get_object_or_404(
        service_selectors.inspection_list(audience=reader), pk=inspection_id
    )
    if not may(reader, REPORTS, VIEW):
        raise PermissionDenied
    return inspection


def _pdf(issued: IssuedReport | None) -> FileResponse:
    if issued is None:
        raise Http404(_("This report has not been issued yet."))
    return FileResponse(
        issued.file.open("rb"), content_type="application/pdf", filename=issued.filename
    )


@login_required
def closure_report(request: HttpRequest, work_order_id: int) -> HttpResponse:
    work_order = _work_order(request, work_order_id)
    issued = selectors.issued_report_of(kind=ReportKind.CLOSURE, work_order=work_order)
    links = (
        [(_("PDF as issued"), reverse("web:reports:closure_pdf", args=[work_order.pk]))]
        if issued
        else []
    )
    links.append((_("Charges"), reverse("web:charges:work_order", args=[work_order.pk])))
    return HttpResponse(report_html(selectors.closure_report_get(work_order), links=links))


@login_required
def closure_report_pdf(request: HttpRequest, work_order_id: int) -> FileResponse:
    work_order = _work_order(request, work_order_id)
    return _pdf(selectors.issued_report_of(kind=ReportKind.CLOSURE, work_order=work_order))


@login_required
def inspection_report(request: HttpRequest, inspection_id: int) -> HttpResponse:
    inspection = _inspection(request, inspection_id)
    issued = selectors.issued_report_of(kind=ReportKind.INSPECTION, inspection=inspection)
    links = (
        [(_("PDF as issued"), reverse("web:reports:inspection_pdf", args=[inspection.pk]))]
        if issued
        else []
    )
    return HttpResponse(report_html(selectors.inspection_report_get(inspection), links=links))


@login_required
def inspection_report_pdf(request: HttpRequest, inspection_id: int) -> FileResponse:
    inspection = _inspection(request, inspection_id)
    return _pdf(selectors.issued_report_of(kind=ReportKind.INSPECTION, inspection=inspection))


urlpatterns = [
    path("work-orders/<int:work_order_id>/closure/", closure_report, name="closure"),
    path("work-orders/<int:work_order_id>/closure.pdf", closure_report_pdf, name="closure_pdf"),
    path("inspections/<int:inspection_id>/", inspection_report, name="inspection"),
    path(
        "inspections/<int:inspection_id>/report.pdf", inspection_report_pdf, name="inspection_pdf"
    ),
]
