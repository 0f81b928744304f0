"""The C accelerator of pacta.domain.calendar (see _timeline.c): None means "Python decides"."""

import datetime as dt
from collections.abc import Sequence

def add(state: list[object], start: dt.datetime, duration: dt.timedelta) -> dt.datetime | None: ...
def between(state: list[object], start: dt.datetime, end: dt.datetime) -> dt.timedelta | None: ...
def between_paused(
    state: list[object],
    start: dt.datetime,
    end: dt.datetime,
    pauses: Sequence[tuple[dt.datetime, dt.datetime]],
) -> dt.timedelta | None: ...

# The rating's hot paths (see pacta/domain/rating/engine.py `_spans` and timeline.py `split`).
def rating_spans(
    entries: tuple[object, ...], travel: object
) -> tuple[int, int, tuple[int, ...]] | None: ...
def rating_split(
    flat: tuple[int, ...], starts: list[int], classes: list[int], budget: int
) -> tuple[dict[int, int], int, int, int] | None: ...
def rating_group(
    flat: tuple[int, ...],
    starts: list[int],
    classes: list[int],
    budget: int,
    of_plan: dict[int, tuple[tuple[int, ...], bool]],
) -> tuple[dict[int, int], int, int, int, int] | None: ...
