"""GET /api/v1/accounting-exports/?format=contaplus|csv|xero|qbo&from=DAY&to=DAY — the issued
invoices (and for ContaPlus the receipts) of the range as the file an accounting program
imports, for finance (the ``billing.accountingexport`` row of the access table). A bad
parameter is refused with 400 naming it; a range without invoices is an empty file."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.views import APIView

from pacta.accounts.access import VIEW, audience_of, may
from pacta.billing.exports import FORMATS, accounting_export
from pacta.domain.errors import Forbidden

KIND = "billing.accountingexport"


class _NoFormatOverride:
    URL_FORMAT_OVERRIDE = None


class FormatIsTheExport(DefaultContentNegotiation):
    """Here ``?format=`` names the export, not one of DRF's renderers (errors stay JSON)."""

    settings = _NoFormatOverride()


class AccountingExportView(APIView):
    permission_classes = [IsAuthenticated]
    content_negotiation_class = FormatIsTheExport

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "format", str, required=True, enum=list(FORMATS), description=str(_("File format."))
            ),
            OpenApiParameter(
                "from", OpenApiTypes.DATE, required=True, description=str(_("First issue day."))
            ),
            OpenApiParameter(
                "to", OpenApiTypes.DATE, required=True, description=str(_("Last issue day."))
            ),
        ],
        responses={
            (200, "text/plain"): OpenApiTypes.BINARY,
            (200, "text/csv"): OpenApiTypes.BINARY,
        },
        operation_id="accounting_export",
    )
    def get(self, request: Request) -> HttpResponse:
        reader = audience_of(request.user)
        if not may(reader, KIND, VIEW):
            raise Forbidden(_("Accounting exports are for finance."))
        params = request.query_params
        exported = accounting_export(
            audience=reader,
            format=params.get("format", ""),
            starts_on=params.get("from", ""),
            ends_on=params.get("to", ""),
        )
        response = HttpResponse(exported.content, content_type=exported.content_type)
        response["Content-Disposition"] = f'attachment; filename="{exported.filename}"'
        return response


urlpatterns: list[Any] = [
    path("accounting-exports/", AccountingExportView.as_view(), name="accounting-export")
]
