"""Honour each signed-in user's language and time zone on every page."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation

from pacta.accounts.preferences import activate_preferences


class UserPreferencesMiddleware:
    """After authentication: the user's own language beats the browser's Accept-Language."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        timezone.deactivate()  # never inherit the zone of the thread's previous request
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            activate_preferences(user)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)


class ThreadResetMiddleware:
    """Outermost: after each response, the thread goes back to the default language and zone.

    Django's LocaleMiddleware activates a language and leaves it active, so whatever the same
    thread runs next (another request, a task, a command) would speak the previous user's
    language. The reset runs after every inner middleware, so Content-Language is still right.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            return self.get_response(request)
        finally:
            translation.deactivate()
            timezone.deactivate()
