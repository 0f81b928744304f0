"""Turning a gathered report into its HTML page and its PDF (WeasyPrint)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.template.loader import render_to_string
from django.utils import translation

from pacta.reports.selectors import ClosureReport, InspectionReport

TEMPLATES = {ClosureReport: "reports/closure.html", InspectionReport: "reports/inspection.html"}


def report_html(
    report: ClosureReport | InspectionReport, *, links: Sequence[tuple[Any, str]] = ()
) -> str:
    """The report as one self-contained HTML document (styles and images inside), in its
    reader's language; ``links`` (label, url) are shown on the page, not printed."""
    with translation.override(report.language):
        return render_to_string(TEMPLATES[type(report)], {"report": report, "links": links})


def report_pdf(report: ClosureReport | InspectionReport) -> bytes:
    """The report as a PDF (A4)."""
    from weasyprint import HTML  # imported when needed: it loads Pango

    return bytes(HTML(string=report_html(report)).write_pdf())
