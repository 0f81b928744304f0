"""The SEPA direct-debit page of finance: the batches made, a form to collect what is due on a
day, and each batch's pain.008 file to download for the bank."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from pacta.accounts.access import ADD, VIEW, Audience, audience_of, may
from pacta.billing import selectors, services
from pacta.domain.errors import PactaError

app_name = "sepa"
BATCH = "billing.sepabatch"


def _reader(request: HttpRequest) -> Audience:
    reader = audience_of(request.user)
    if not (reader.is_office and may(reader, BATCH, VIEW)):
        raise PermissionDenied
    return reader


def _create(request: HttpRequest, reader: Audience) -> None:
    creditor = (
        selectors.sepa_creditor_list(audience=reader)
        .filter(pk=request.POST.get("creditor") or None)
        .first()
    )
    if creditor is None:
        messages.error(request, _("Choose the creditor account that collects."))
        return
    try:
        collection_on = dt.date.fromisoformat(request.POST.get("collection_on", ""))
    except ValueError:
        messages.error(request, _("Give the collection day (YYYY-MM-DD)."))
        return
    try:
        batch = services.sepa_batch_create(
            actor=request.user, creditor=creditor, collection_on=collection_on
        )
    except PactaError as error:
        messages.error(request, error.message_in(_))
        return
    messages.success(
        request,
        ngettext(
            "Batch %(message_id)s: %(count)d debit, %(total)s EUR, to collect on %(day)s.",
            "Batch %(message_id)s: %(count)d debits, %(total)s EUR, to collect on %(day)s.",
            batch.count,
        )
        % {
            "message_id": batch.message_id,
            "count": batch.count,
            "total": batch.control_sum,
            "day": batch.collection_date.isoformat(),
        },
    )


@login_required
def batches(request: HttpRequest) -> HttpResponse:
    """The batches made, newest first, and (finance) the form that makes the next one."""
    reader = _reader(request)
    may_create = may(reader, BATCH, ADD)
    if request.method == "POST":
        if not may_create:
            raise PermissionDenied
        _create(request, reader)
        return redirect("web:sepa:batches")
    creditors = selectors.sepa_creditor_list(audience=reader).order_by("-is_default", "name")
    context = {
        "batches": selectors.sepa_batch_list(audience=reader).order_by("-created_at", "-pk")[:50],
        "creditors": creditors,
        "may_create": may_create,
        "tomorrow": (timezone.localdate() + dt.timedelta(days=1)).isoformat(),
    }
    return render(request, "finance/sepa.html", context)


@login_required
def batch_file(request: HttpRequest, batch_id: int) -> FileResponse:
    """The stored pain.008 file of one batch."""
    reader = _reader(request)
    batch = get_object_or_404(selectors.sepa_batch_list(audience=reader), pk=batch_id)
    return FileResponse(
        batch.xml.open("rb"),
        as_attachment=True,
        filename=f"{batch.message_id}.xml",
        content_type="application/xml",
    )


urlpatterns = [
    path("", batches, name="batches"),
    path("<int:batch_id>/file/", batch_file, name="file"),
]
