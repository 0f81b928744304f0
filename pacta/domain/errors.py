"""The base of every named error in pacta.

An error carries a stable machine ``code`` (for API clients and tests), a human ``detail``
and, for bad input, ``fields``: field name -> messages. Each app's ``errors.py`` subclasses
these; the API maps the class to an HTTP status.

Translation: code above the domain passes messages already translated (Django's gettext_lazy).
The domain cannot import Django, so it marks its English templates with
:func:`pacta.domain.text.gettext_noop` and passes values separately in ``params``; the adapter
that shows the error translates the template, then fills in the values.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence


class PactaError(Exception):
    """Something pacta refuses to do, with a reason a person can read."""

    code: str = "error"
    default_detail: str = "The request could not be completed."

    def __init__(
        self,
        detail: str | None = None,
        *,
        code: str | None = None,
        fields: Mapping[str, Sequence[str]] | None = None,
        params: Mapping[str, object] | None = None,
    ) -> None:
        self.detail = detail if detail is not None else self.default_detail
        self.params: dict[str, object] = dict(params or {})
        if code is not None:
            self.code = code
        self.fields: dict[str, list[str]] = {k: list(v) for k, v in (fields or {}).items()}
        super().__init__(self.message)

    @property
    def message(self) -> str:
        """The detail with its values filled in (untranslated)."""
        return self.message_in(str)

    def message_in(self, translate: Callable[[str], str]) -> str:
        """The detail translated by ``translate`` (the adapter's gettext), then filled in."""
        text = translate(str(self.detail))
        return text % self.params if self.params else text

    def __repr__(self) -> str:
        name = type(self).__name__
        return f"{name}(code={self.code!r}, detail={self.detail!r}, fields={self.fields!r})"


class InvalidInput(PactaError):
    """Input breaks a rule; ``fields`` names each offending field (or row)."""

    code = "invalid"
    default_detail = "The input is not valid."

    @classmethod
    def on(cls, field: str, message: str, *, code: str | None = None) -> InvalidInput:
        """The common case: one field, one message."""
        return cls(message, code=code, fields={field: [message]})


class Conflict(PactaError):
    """The request contradicts the current state (a version in force, a record in use)."""

    code = "conflict"
    default_detail = "The request conflicts with the current state of the record."


class NotFound(PactaError):
    code = "not_found"
    default_detail = "Not found."


class Forbidden(PactaError):
    code = "permission_denied"
    default_detail = "You do not have permission to perform this action."


class FieldErrors:
    """Collects messages per field, then raises them all at once.

    >>> errors = FieldErrors()
    >>> errors.add("ends_on", "must be after starts_on")
    >>> errors.raise_if_any()
    Traceback (most recent call last):
    ...
    pacta.domain.errors.InvalidInput: must be after starts_on
    """

    def __init__(self) -> None:
        self._fields: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self._fields.setdefault(field, []).append(message)

    def __bool__(self) -> bool:
        return bool(self._fields)

    def raise_if_any(self, detail: str | None = None) -> None:
        if not self._fields:
            return
        if detail is None:
            detail = next(iter(self._fields.values()))[0] if len(self._fields) == 1 else None
        raise InvalidInput(detail, fields=self._fields)
