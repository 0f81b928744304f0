"""Every API error has one shape: ``{"code": ..., "detail": ..., "fields": {...}}``.

The status follows the error: 400 bad input (``fields`` names each field), 401 not signed in,
403 not allowed, 404 not found (also for rows the caller may not see), 409 a conflict with the
record's state (a version in force, a record in use).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from pacta.domain.errors import Conflict, Forbidden, InvalidInput, NotFound, PactaError

STATUS_OF: list[tuple[type[PactaError], int]] = [
    (InvalidInput, status.HTTP_400_BAD_REQUEST),
    (Conflict, status.HTTP_409_CONFLICT),
    (NotFound, status.HTTP_404_NOT_FOUND),
    (Forbidden, status.HTTP_403_FORBIDDEN),
]


def _plain_fields(detail: Any) -> Any:
    if isinstance(detail, dict):
        return {str(key): _plain_fields(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [_plain_fields(item) for item in detail]
    return str(detail)


def body(code: str, detail: str, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"code": code, "detail": detail, "fields": fields or {}}


def pacta_error_response(error: PactaError) -> Response:
    status_code = next(
        (code for cls, code in STATUS_OF if isinstance(error, cls)), status.HTTP_400_BAD_REQUEST
    )
    fields = {name: [str(m) for m in messages] for name, messages in error.fields.items()}
    return Response(body(error.code, error.message_in(_), fields), status=status_code)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, PactaError):
        return pacta_error_response(exc)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)  # keeps headers such as WWW-Authenticate
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = _plain_fields(exc.detail)
        if not isinstance(fields, dict):
            fields = {"non_field_errors": fields}
        names = ", ".join(sorted(fields))
        response.data = body(
            "invalid", _("Check these fields: %(fields)s.") % {"fields": names}, fields
        )
    elif isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else exc.default_code
        response.data = body(str(code), str(exc.detail))
    return response
