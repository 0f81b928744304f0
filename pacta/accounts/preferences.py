"""A signed-in user's language and time zone, applied to the request being served."""

from __future__ import annotations

import zoneinfo
from typing import Any

from django.utils import timezone, translation


def activate_preferences(user: Any) -> None:
    """Switch the thread's language and time zone to the user's, where they chose one.

    Threads serve one request after another: the zone is always set or reset, so no request
    inherits the previous one's.
    """
    language = getattr(user, "language", "")
    if language:
        translation.activate(language)
    zone = getattr(user, "time_zone", "")
    if zone:
        try:
            timezone.activate(zoneinfo.ZoneInfo(zone))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            timezone.deactivate()
    else:
        timezone.deactivate()
