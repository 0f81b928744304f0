"""The one place that reads the process environment.

Every setting that may differ between machines is read here, typed and defaulted, and exposed
as a plain module-level value. Settings modules import these values; no other module of pacta
reads ``os.environ``.
"""

from __future__ import annotations

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

_env = environ.Env()

#: Development defaults are safe for a laptop and for CI; production sets every one of them.
DEBUG: bool = _env.bool("DEBUG", default=False)
SECRET_KEY: str = _env.str("SECRET_KEY", default="pacta-insecure-development-key-change-me")
ALLOWED_HOSTS: list[str] = _env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS: list[str] = _env.list("CSRF_TRUSTED_ORIGINS", default=[])

#: ``sqlite:///path`` (the embedded default) or ``postgres://user@host:port/name``.
SQLITE_PATH: Path = Path(_env.str("SQLITE_PATH", default=str(BASE_DIR / "var" / "pacta.sqlite3")))
DATABASE: dict[str, object] = _env.db_url("DATABASE_URL", default=f"sqlite:///{SQLITE_PATH}")

#: The service company's own time zone and currency: used where no customer or site says otherwise.
TIME_ZONE: str = _env.str("TIME_ZONE", default="Europe/Madrid")
COMPANY_CURRENCY: str = _env.str("COMPANY_CURRENCY", default="EUR")
LANGUAGE_CODE: str = _env.str("LANGUAGE_CODE", default="en")

#: ``smtp://user:password@host:587`` in production; the console in development.
EMAIL: dict[str, object] = _env.email_url("EMAIL_URL", default="consolemail://")
DEFAULT_FROM_EMAIL: str = _env.str("DEFAULT_FROM_EMAIL", default="pacta <noreply@localhost>")

MEDIA_ROOT: Path = Path(_env.str("MEDIA_ROOT", default=str(BASE_DIR / "var" / "media")))
STATIC_ROOT: Path = Path(_env.str("STATIC_ROOT", default=str(BASE_DIR / "var" / "static")))

#: Where people reach pacta (scheme, host, port; no trailing slash): the start of the links in
#: e-mails written without a request at hand (the closure e-mail's accept-or-dispute link).
PUBLIC_URL: str = _env.str("PUBLIC_URL", default="http://127.0.0.1:8000").rstrip("/")

#: How often the dispatch board's rows refresh themselves, in seconds.
BOARD_REFRESH_SECONDS: int = _env.int("BOARD_REFRESH_SECONDS", default=15)

#: Used by the browser tests: the Chromium binary Playwright drives (Debian's package).
CHROMIUM_PATH: str = _env.str("CHROMIUM_PATH", default="/usr/bin/chromium")

#: The shared acceptance cases (data files the test suite reads, never copies).
ACCEPTANCE_DIR: Path = Path(
    _env.str("ACCEPTANCE_DIR", default=str(BASE_DIR.parent / "shared" / "acceptance"))
)

#: Inbound e-mail (issue 5): the shared token the mail server sends with
#: ``POST /api/v1/inbound-email/`` (empty: the endpoint refuses everything), and the IMAP
#: mailbox ``manage.py mail_poll`` reads (``imaps://user:password@host:993/INBOX``; empty: off).
INBOUND_EMAIL_TOKEN: str = _env.str("INBOUND_EMAIL_TOKEN", default="")
MAIL_POLL_HOST: str = _env.str("MAIL_POLL_HOST", default="")
MAIL_POLL_PORT: int = _env.int("MAIL_POLL_PORT", default=993)
MAIL_POLL_SSL: bool = _env.bool("MAIL_POLL_SSL", default=True)
MAIL_POLL_USER: str = _env.str("MAIL_POLL_USER", default="")
MAIL_POLL_PASSWORD: str = _env.str("MAIL_POLL_PASSWORD", default="")
MAIL_POLL_FOLDER: str = _env.str("MAIL_POLL_FOLDER", default="INBOX")
