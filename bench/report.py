"""What every benchmark shares: the machine it ran on, and its section of docs/benchmarks.md."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "benchmarks.md"


def pin_to_one_core() -> str:
    try:
        os.sched_setaffinity(0, {0})
    except (AttributeError, OSError) as error:
        return f"not pinned ({error})"
    return "pinned to CPU 0"


def command_output(*command: str) -> str:
    path = shutil.which(command[0]) or command[0]
    done = subprocess.run([path, *command[1:]], capture_output=True, text=True, check=False)  # noqa: S603
    return (done.stdout or done.stderr).strip()


def machine() -> dict[str, str]:
    model = "unknown"
    for line in command_output("lscpu").splitlines():
        if line.startswith("Model name:"):
            model = line.split(":", 1)[1].strip()
    return {
        "cpu": model,
        "cores": str(os.cpu_count()),
        "python": command_output(sys.executable, "-VV"),
        # The build matters as much as the machine: a PGO/LTO build runs all three ~1.5× faster.
        "interpreter": str(Path(sys.executable).resolve()),
    }


def write_docs(section: str, heading: str) -> None:
    """Put ``section`` (which starts with ``heading``) into docs/benchmarks.md, replacing the
    section of that heading if there is one."""
    text = DOCS.read_text(encoding="utf-8")
    placeholder_start = text.find("The foundation (issue 2) sets no speed target")
    if placeholder_start != -1:
        placeholder_end = text.find("\n\n", placeholder_start)
        placeholder_end = len(text) if placeholder_end == -1 else placeholder_end + 2
        text = text[:placeholder_start] + text[placeholder_end:]
    start = text.find(heading)
    if start == -1:
        text = text.rstrip("\n") + "\n\n" + section
    else:
        end = text.find("\n## ", start + len(heading))
        rest = "" if end == -1 else "\n" + text[end + 1 :]
        text = text[:start] + section + rest
    DOCS.write_text(text, encoding="utf-8")


# --- benchmarks of a database: one child process per database ---------------------------------
PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def setup_django(url: str) -> None:
    """Django on the database ``url`` (read once per process), its schema migrated."""
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    os.environ["DEBUG"] = "false"  # no query log growing through the run
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def postgres_create(name: str) -> str:
    """A fresh PostgreSQL database ``name`` (dropped first if it is there); its URL."""
    postgres_drop(name)
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    return f"postgres://postgres@127.0.0.1:5432/{name}"


def postgres_drop(name: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')


def publish(section: str, heading: str, *, docs: bool) -> None:
    """Print ``section`` and, unless told not to, put it into docs/benchmarks.md."""
    print(section)
    if docs:
        write_docs(section, heading)
        log("written to docs/benchmarks.md")
