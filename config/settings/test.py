"""`make test`: whatever DATABASE_URL says (a SQLite file by default, PostgreSQL in CI)."""

import os
import tempfile
from pathlib import Path

from config.settings.base import *  # noqa: F403
from config.settings.base import DATABASES

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast; tests only
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LANGUAGE_CODE = "en"
TIME_ZONE = "Europe/Madrid"

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A database file, as `make run` uses: WAL, and concurrent writers that wait their turn
    # (an in-memory database shares one cache and fails a second writer at once instead).
    # One file per test process (xdist workers and concurrent runs never share one); Django
    # deletes it when the run ends.
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.gettempdir()) / f"pacta-test-{os.getpid()}.sqlite3")
    }
