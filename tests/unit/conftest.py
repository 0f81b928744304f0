"""Unit tests cover the pure cores: run without Django's plugin, they must not load Django."""

import sys

import pytest


def pytest_collection_finish(session: pytest.Session) -> None:
    if session.config.pluginmanager.has_plugin("django"):
        return  # run together with the Django suites: nothing to prove here
    loaded = sorted(
        name for name in sys.modules if name.split(".")[0] in {"django", "rest_framework"}
    )
    if loaded:
        raise pytest.UsageError(f"unit tests loaded Django modules: {', '.join(loaded[:5])}")
