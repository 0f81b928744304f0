"""The acceptance cases live beside the project (../shared/acceptance), read as data."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from config import env


def load(relative: str) -> dict[str, Any]:
    path = Path(env.ACCEPTANCE_DIR) / relative
    if not path.is_file():
        pytest.fail(
            f"The acceptance file {path} is missing: the suite reads ../shared/acceptance "
            "(set ACCEPTANCE_DIR to its folder when the checkout lives elsewhere)."
        )
    with path.open("rb") as data:
        return tomllib.load(data)
