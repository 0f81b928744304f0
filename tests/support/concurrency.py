"""Running the same call from several threads at once, each with its own database connection."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.db import connection


def at_once(call: Callable[[], Any], *, threads: int = 2) -> tuple[list[Any], list[Exception]]:
    """Start ``call`` in ``threads`` threads released together; return what they returned and
    what they raised."""
    results: list[Any] = []
    errors: list[Exception] = []
    start = threading.Barrier(threads)

    def worker() -> None:
        try:
            start.wait()
            results.append(call())
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    running = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in running:
        thread.start()
    for thread in running:
        thread.join()
    return results, errors
