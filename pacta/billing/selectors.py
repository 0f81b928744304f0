"""Reading ratings and their charge lines."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet

from pacta.accounts.access import visible
from pacta.billing.models import ChargeLine, Rating
from pacta.billing.wording import words_text


def rating_current_of(work_order: Any) -> Rating | None:
    """The work order's current rating with its lines in order (None if it was never rated);
    for documents about a work order whose reader the caller has checked."""
    lines = ChargeLine.objects.order_by("position")
    return (
        Rating.objects.filter(work_order=work_order, superseded_at__isnull=True)
        .prefetch_related(Prefetch("lines", queryset=lines))
        .first()
    )


def rating_list(*, audience: Any) -> QuerySet[Rating]:
    """Ratings the audience may see, newest first, each with its lines in order."""
    lines = ChargeLine.objects.order_by("position")
    return visible(
        Rating.objects.select_related("work_order", "contract_version__contract")
        .prefetch_related(Prefetch("lines", queryset=lines))
        .order_by("-rated_at", "-id"),
        audience,
    )


def charge_line_list(*, audience: Any) -> QuerySet[ChargeLine]:
    """Charge lines the audience may see, by rating (newest first) and position."""
    return visible(
        ChargeLine.objects.select_related("rating__contract_version__contract").order_by(
            "-rating__rated_at", "-rating_id", "position"
        ),
        audience,
    )


def charge_line_words(line: ChargeLine) -> str:
    """The line's trace in words a customer reads, in the active language."""
    return words_text(line.words or ())
