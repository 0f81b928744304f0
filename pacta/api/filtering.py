"""List filters that cannot reveal what the caller may not see."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django_filters import rest_framework as filters
from django_filters.filters import QuerySetRequestMixin
from rest_framework.request import Request

from pacta.accounts.access import audience_of, visible


class VisibleFilterBackend(filters.DjangoFilterBackend):
    """``?site=42`` may only name a row the caller can see: another customer's id is refused
    exactly like an id that does not exist (no existence leak through filters either)."""

    def get_filterset(self, request: Request, queryset: QuerySet[Any], view: Any) -> Any:
        filterset = super().get_filterset(request, queryset, view)
        if filterset is not None:
            reader = audience_of(request.user)
            for filter_ in filterset.filters.values():
                if isinstance(filter_, QuerySetRequestMixin) and filter_.queryset is not None:
                    filter_.queryset = visible(filter_.queryset, reader)
        return filterset
