"""Background tasks of the service app (run by `manage.py db_worker`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django_tasks import task

from pacta.audit.services import periodic_run_claim, periodic_run_finish
from pacta.service.services import sla_sweep
from pacta.service.services.plans import plans_generate
from pacta.service.services.quotes import quotes_expire

SWEEP = "sla_sweep"


def sweep_slot(moment: Any = None) -> str:
    """The minute a sweep belongs to, e.g. "2026-11-23T10:05Z": one run per slot."""
    return (moment or timezone.now()).astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%MZ")


@task()
def sla_sweep_task(slot: str) -> dict[str, int] | None:
    """Run the SLA sweep of ``slot`` unless another worker has run it; its report."""
    run = periodic_run_claim(job=SWEEP, slot=slot)
    if run is None:
        return None
    report = sla_sweep()
    periodic_run_finish(run, report=report)
    return report


QUOTES_EXPIRE = "quotes_expire"
PLANS_GENERATE = "plans_generate"


def day_slot(moment: Any = None) -> str:
    """The company's day a daily run belongs to, e.g. "2026-11-23": one run per day."""
    return timezone.localdate(moment or timezone.now()).isoformat()


@task()
def quotes_expire_task(slot: str) -> dict[str, int] | None:
    """Expire the quotes past their day, once per ``slot``; its report."""
    run = periodic_run_claim(job=QUOTES_EXPIRE, slot=slot)
    if run is None:
        return None
    report = {"expired": quotes_expire()}
    periodic_run_finish(run, report=report)
    return report


@task()
def plans_generate_task(slot: str) -> dict[str, int] | None:
    """Generate the preventive visits due ahead, once per ``slot``; its report."""
    run = periodic_run_claim(job=PLANS_GENERATE, slot=slot)
    if run is None:
        return None
    report = plans_generate(now=timezone.now())
    periodic_run_finish(run, report=report)
    return report
