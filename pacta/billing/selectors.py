"""Reading ratings and their charge lines."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch

from pacta.billing.models import ChargeLine, Rating
from pacta.service.selectors import work_order_list


def rating_current_of(work_order: Any) -> Rating | None:
    """The work order's current rating with its lines in order (None if it was never rated);
    for documents about a work order whose reader the caller has checked."""
    lines = ChargeLine.objects.order_by("position")
    return (
        Rating.objects.filter(work_order=work_order, superseded_at__isnull=True)
        .prefetch_related(Prefetch("lines", queryset=lines))
        .first()
    )


def charge_line_get_for_decision(pk: Any, *, audience: Any) -> ChargeLine | None:
    """A charge line of a work order the audience may see, with its rating (None otherwise)."""
    visible_work = work_order_list(audience=audience).values("pk")
    return (
        ChargeLine.objects.select_related("rating")
        .filter(pk=pk, rating__work_order__in=visible_work)
        .first()
    )
