"""Reading ratings and their charge lines."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch

from pacta.billing.models import ChargeLine, Rating


def rating_current_of(work_order: Any) -> Rating | None:
    """The work order's current rating with its lines in order (None if it was never rated);
    for documents about a work order whose reader the caller has checked."""
    lines = ChargeLine.objects.order_by("position")
    return (
        Rating.objects.filter(work_order=work_order, superseded_at__isnull=True)
        .prefetch_related(Prefetch("lines", queryset=lines))
        .first()
    )
