"""The API's side of pacta.accounts.access: map each request to (kind, action) and ask."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from pacta.accounts.access import ADD, CHANGE, DELETE, VIEW, audience_of, may

ACTION_OF_VIEW_ACTION = {
    "list": VIEW,
    "retrieve": VIEW,
    "create": ADD,
    "update": CHANGE,
    "partial_update": CHANGE,
    "destroy": DELETE,
    "metadata": VIEW,
}


class RecordPermission(BasePermission):
    """Signed-in users only; on record endpoints, the role must be allowed the action.

    Which *rows* the user reaches is decided by the viewset's queryset (its app's selector,
    filtered by :func:`pacta.accounts.access.visible`), so a row the user may not see answers 404.
    """

    def has_permission(self, request: Request, view: Any) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        kind = getattr(view, "record_kind", None)
        if kind is None:
            return True
        view_action = getattr(view, "action", None)
        if view_action is None:
            return True  # a method the endpoint does not have: DRF answers 405

        action = getattr(view, "record_actions", {}).get(view_action) or ACTION_OF_VIEW_ACTION.get(
            view_action or "", CHANGE
        )
        return may(audience_of(request.user), kind, action)
