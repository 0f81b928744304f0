"""Time zones by IANA name."""

from __future__ import annotations

import zoneinfo
from functools import lru_cache


@lru_cache(maxsize=1)
def _known() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def is_time_zone(name: str) -> bool:
    """Whether ``name`` is an IANA time zone this machine knows (e.g. ``Europe/Madrid``)."""
    return name in _known()
