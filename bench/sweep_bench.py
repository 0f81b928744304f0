"""SLA sweep (issue 3): one sweep over a database of 100,000 open tickets, SQLite and PostgreSQL.

The periodic sweep (``pacta.service.services.rescue.sla_sweep``) finds the open tickets whose
risk changes by "now" through one indexed query on ``Ticket.sla_risk_changes_at`` and rebuilds
their clocks from their event logs, raising the rescue actions (e-mails to the outbox, proposed
technicians, escalations) each new risk level calls for.

Set-up, per database (a fresh SQLite file, or a fresh PostgreSQL database next to ``test``):
the schema by ``migrate``; one customer, site, calendar (Mon–Fri 08:00–18:00 Europe/Madrid with
the ES-MD holidays), SLA policy, team, two dispatchers and a contract, all through pacta's
services; then 100,000 open tickets with their opening events and stored clocks, written in bulk
(the clocks computed by the pure core from each ticket's events, exactly what ``ticket_open``
would have stored). Openings are spread uniformly over the 10 days before "now", priorities
mixed (70% normal, 20% high, 10% critical), so at "now" the tickets stand at every risk level.

Timed (``time.perf_counter`` around one ``sla_sweep`` call each, on one process):

- the sweep at "now" — the state is fresh, so this is the indexed query finding nothing;
- the sweeps a minute and a quarter of an hour later, in turn (what a scheduler running every
  minute meets, and what it meets after being down that long), with the tickets checked and
  the actions raised; with ``--storm``, an hour later too (every weekend ticket at once);
- the query plan of the due-ticket query, which must use the index.

Each database is set up and swept ``--repeat`` times (3 unless told), each time afresh, and the
report gives the best and the median of the runs; with each sweep the CPU time of the process
and, on a PostgreSQL server on the same machine, of the server's backend — what a sweep costs
whatever else loads the machine (the load average is reported too).

    .venv/bin/python bench/sweep_bench.py [--tickets 100000] [--only sqlite|postgres] [--storm]
        [--repeat 3] [--no-docs]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from report import (  # noqa: E402
    log,
    machine,
    postgres_create,
    postgres_drop,
    setup_django,
    write_docs,
)

HEADING = "## SLA sweep (issue 3)"
SEED = 20261123
MADRID = ZoneInfo("Europe/Madrid")
#: "now" of the set-up: a Monday morning, so the last ten days hold a weekend and business days.
NOW = dt.datetime(2026, 11, 23, 10, 30, tzinfo=MADRID)
STEPS = [
    ("at now (nothing due)", dt.timedelta(0)),
    ("1 minute later", dt.timedelta(minutes=1)),
    ("15 minutes later", dt.timedelta(minutes=15)),
]
#: With --storm: an hour later, when every ticket opened over the weekend crosses its warning
#: at once (Monday 11:00) — minutes of work on SQLite, longer on PostgreSQL.
STORM = ("1 hour later (Monday-morning storm)", dt.timedelta(hours=1))
PG_NAME = "pacta_bench_sweep"
TARGET_SECONDS = 5.0


def make_records() -> dict:
    """The few records every ticket shares, through pacta's services."""
    from pacta.accounts.services import team_create
    from tests.support import make

    customer = make.customer(legal_name="Bench Facilities S.L.")
    site = make.site(customer, zone_code="MAD-SUR")
    service = make.service()
    calendar = make.calendar(
        name="Madrid office hours", holiday_country="ES", holiday_subdivision="MD"
    )
    policy = make.sla_policy(name="Bench policy", escalate_on="critical")
    contract = make.contract(
        customer,
        sites=[site],
        scope=[(service, "included")],
        starts_on=dt.date(2026, 1, 1),
        ends_on=dt.date(2027, 12, 31),
        calendar=calendar,
        sla_policy=policy,
    )
    for number in (1, 2):
        make.user("dispatcher", email=f"dispatch{number}@bench.invalid")
    technicians = [make.user("technician", email=f"tech{n}@bench.invalid") for n in range(3)]
    team_create(
        actor=None,
        values={"name": "Madrid south", "zone_codes": ["MAD-SUR"], "members": technicians},
    )
    return {
        "customer": customer,
        "site": site,
        "service": service,
        "calendar": calendar,
        "policy": policy,
        "contract": contract,
    }


def make_tickets(shared: dict, count: int) -> dict[str, int]:
    """``count`` open tickets with their opening events and clocks, as ticket_open stores them."""
    from django.db import transaction

    from pacta.domain import sla as domain
    from pacta.service.models import EventKind, Ticket, TicketEvent
    from pacta.sla.models import TicketClock
    from pacta.sla.selectors import sla_terms

    terms = sla_terms(shared["policy"], shared["calendar"])
    assert terms is not None
    rng = random.Random(SEED)
    span = int(dt.timedelta(days=10).total_seconds())
    now_utc = NOW.astimezone(dt.UTC)
    risks: dict[str, int] = {}
    batch = 5_000
    for first in range(0, count, batch):
        tickets, clocks = [], []
        for _ in range(min(batch, count - first)):
            opened = now_utc - dt.timedelta(seconds=rng.randrange(60, span))
            priority = rng.choices(["normal", "high", "critical"], weights=[70, 20, 10])[0]
            result = domain.evaluate_clocks(
                [domain.SlaEvent(opened, EventKind.OPEN, priority=priority)], terms=terms, now=NOW
            )
            risks[result.risk] = risks.get(result.risk, 0) + 1
            tickets.append(
                Ticket(
                    customer=shared["customer"],
                    contract=shared["contract"],
                    site=shared["site"],
                    service=shared["service"],
                    priority=priority,
                    channel="dispatcher",
                    status="new",
                    subject="Unit not cooling",
                    opened_at=opened,
                    sla_policy=shared["policy"],
                    sla_calendar=shared["calendar"],
                    sla_risk=result.risk,
                    sla_next_due_at=result.next_due_at,
                    sla_risk_changes_at=result.risk_changes_at,
                    sla_evaluated_at=NOW,
                )
            )
            clocks.append(result)
        with transaction.atomic():
            created = Ticket.objects.bulk_create(tickets)
            TicketEvent.objects.bulk_create(
                TicketEvent(
                    ticket=ticket,
                    at=ticket.opened_at,
                    kind=EventKind.OPEN,
                    priority=ticket.priority,
                    status=ticket.status,
                    sla_policy=shared["policy"],
                    sla_calendar=shared["calendar"],
                )
                for ticket in created
            )
            TicketClock.objects.bulk_create(
                TicketClock(
                    ticket=ticket,
                    name=clock.name,
                    budget=clock.budget,
                    used=clock.used,
                    remaining=clock.remaining,
                    state=clock.state,
                    risk=clock.risk,
                    due_at=clock.due_at,
                    breached_by=clock.breached_by,
                    completed_at=clock.completed_at,
                    evaluated_at=NOW,
                )
                for ticket, result in zip(created, clocks, strict=True)
                for clock in result.clocks
            )
        log(f"  {first + len(tickets):,} tickets")
    return risks


def due_query_plan() -> str:
    """How the database runs the sweep's query (one batch of it)."""
    from django.db import connection

    from pacta.service.selectors import ticket_list_sla_due

    plan = ticket_list_sla_due(NOW)[:200].explain()
    return plan if connection.vendor == "postgresql" else plan.replace("\n", "; ")


def run_one(url: str, count: int, storm: bool) -> dict:
    setup_django(url)
    from django.db import connection

    from pacta.service.models import RescueAction
    from pacta.service.services.rescue import sla_sweep

    log(f"{connection.vendor}: setting up {count:,} open tickets")
    started = time.perf_counter()
    shared = make_records()
    risks = make_tickets(shared, count)
    setup_seconds = time.perf_counter() - started
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
            cursor.execute("SHOW server_version")
            database = f"PostgreSQL {cursor.fetchone()[0]}"
    else:
        import sqlite3

        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        database = f"SQLite {sqlite3.sqlite_version}"
    server_cpu = backend_cpu(connection)
    sweeps = []
    for label, delta in [*STEPS, STORM] if storm else STEPS:
        at = NOW + delta
        server = server_cpu()
        cpu = time.process_time()
        began = time.perf_counter()
        done = sla_sweep(now=at)
        seconds = time.perf_counter() - began
        cpu = time.process_time() - cpu
        server = server_cpu() - server if server is not None else None
        sweeps.append(
            {"label": label, "seconds": seconds, "cpu": cpu, "server_cpu": server, **done}
        )
        log(f"  sweep {label}: {done['checked']:,} checked, {done['raised']:,} raised")
        log(f"    in {seconds:.3f} s (CPU: {cpu:.3f} s here, {server or 0:.3f} s in the server)")
    return {
        "database": database,
        "risks": risks,
        "setup_seconds": setup_seconds,
        "sweeps": sweeps,
        "actions": RescueAction.objects.count(),
        "plan": due_query_plan(),
    }


def backend_cpu(connection) -> Callable[[], float | None]:
    """The CPU seconds used so far by this connection's server process, when it runs on this
    machine (read from /proc); None otherwise (SQLite runs inside this process)."""
    if connection.vendor != "postgresql":
        return lambda: None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    stat = Path(f"/proc/{pid}/stat")
    ticks = os.sysconf("SC_CLK_TCK")

    def used() -> float | None:
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None  # a server elsewhere
        return (int(fields[11]) + int(fields[12])) / ticks

    return used


# --- the parent: one child per database, then the report --------------------------------------
def child(url: str, count: int, storm: bool) -> dict:
    done = subprocess.run(  # noqa: S603
        [
            sys.executable,
            __file__,
            "--child",
            url,
            "--tickets",
            str(count),
            *(["--storm"] if storm else []),
        ],
        stdout=subprocess.PIPE,
        check=True,
        text=True,
        cwd=ROOT,
    )
    return json.loads(done.stdout)


def repeated(runs: list[dict]) -> dict:
    """The runs of one database as one result: per sweep the best and the median of each run's
    seconds, the median CPU times, and the load of the machine during the runs."""
    first = runs[0]
    sweeps = []
    for index, sweep in enumerate(first["sweeps"]):
        each = [run["sweeps"][index] for run in runs]
        assert {(s["checked"], s["raised"]) for s in each} == {(sweep["checked"], sweep["raised"])}
        server = [s["server_cpu"] for s in each if s["server_cpu"] is not None]
        sweeps.append(
            {
                "label": sweep["label"],
                "checked": sweep["checked"],
                "raised": sweep["raised"],
                "best": min(s["seconds"] for s in each),
                "median": statistics.median(s["seconds"] for s in each),
                "cpu": statistics.median(s["cpu"] for s in each),
                "server_cpu": statistics.median(server) if server else None,
            }
        )
    return {
        **first,
        "runs": len(runs),
        "sweeps": sweeps,
        "load": [run["load"] for run in runs],
        "setup_seconds": statistics.median(run["setup_seconds"] for run in runs),
    }


def report(results: list[dict], info: dict[str, str], when: str, count: int) -> str:
    runs = results[0]["runs"] if results else 0
    loads = [load for result in results for load in result["load"]]
    lines = [
        HEADING,
        "",
        f"Measured {when} by `bench/sweep_bench.py` (`make bench`).",
        "",
        f"- Machine: {info['cpu']}, {info['cores']} cores; {info['python']}. Shared with other "
        "work while measured: load average (1 min) "
        f"{min(loads):.1f}–{max(loads):.1f} at the start of the runs."
        if loads
        else f"- Machine: {info['cpu']}, {info['cores']} cores; {info['python']}.",
        f"- Data: {count:,} open tickets on one contract (calendar Mon–Fri 08:00–18:00 "
        "Europe/Madrid with ES-MD holidays; targets normal 4 h / 16 h, high 1 h / 4 h, critical "
        "30 min / 2 h; escalation on critical), opened uniformly over the 10 days before "
        f"{NOW:%Y-%m-%d %H:%M} Madrid (a Monday), 70% normal, 20% high, 10% critical; their "
        "clocks stored as ticket_open stores them. Two dispatchers and a team of three "
        "technicians receive the notifications and proposals.",
        "- Each sweep is one `sla_sweep(now=...)` call, timed whole (query, clock rebuild from "
        "the event log, stored clocks, rescue actions, outbox e-mails), one after the other. "
        f"Each database set up and swept {runs} times afresh: the best and the median of the "
        "runs' seconds, and the median CPU seconds of the sweeping process and of the database "
        "server's process serving it (PostgreSQL on this machine; SQLite works inside the "
        "process) — what a sweep costs whatever else loads the machine.",
        "",
        "| database | sweep | tickets checked | actions raised | seconds, best | seconds, "
        "median | CPU here | CPU in server | ms a ticket (median) | ≤ 5 s (median)? |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for result in results:
        for sweep in result["sweeps"]:
            met = "yes" if sweep["median"] <= TARGET_SECONDS else "**no**"
            each = f"{sweep['median'] * 1000 / sweep['checked']:.1f}" if sweep["checked"] else "—"
            server = f"{sweep['server_cpu']:.2f}" if sweep["server_cpu"] is not None else "—"
            lines.append(
                f"| {result['database']} | {sweep['label']} | {sweep['checked']:,} | "
                f"{sweep['raised']:,} | {sweep['best']:.3f} | {sweep['median']:.3f} | "
                f"{sweep['cpu']:.2f} | {server} | {each} | {met} |"
            )
    lines += [
        "",
        "Reading: the query that finds the due tickets costs milliseconds however many tickets "
        "are open (it reads the index); the time of a sweep is the work on the tickets that "
        "cross a level — rebuilding their clocks and raising their actions, each notification "
        "an outbox e-mail per recipient, each escalation a priority event, an audit row and a "
        "second rebuild. A batch of up to 200 due tickets is read in a few queries and written "
        "in a few statements whatever its size (on PostgreSQL one `UPDATE … FROM (VALUES …)` "
        "for the stored clocks and one for the tickets' risk fields, one `INSERT … ON CONFLICT "
        "DO NOTHING RETURNING` for the actions with their details and one for their e-mails, "
        "one insert each for the escalation events and audit rows), inside the batch's one "
        "transaction without savepoints. On a loaded machine a sweep's seconds are several "
        "times its CPU seconds (it waits for a core, and PostgreSQL's round trips wait twice); "
        "the CPU columns are the figures to compare between runs.",
    ]
    lines += ["", "Risk of the tickets at set-up (their stored clocks):", ""]
    for result in results:
        shares = ", ".join(f"{k or 'no SLA'} {v:,}" for k, v in sorted(result["risks"].items()))
        lines.append(
            f"- {result['database']}: {shares} (set-up {result['setup_seconds']:.0f} s, median)."
        )
    lines += ["", "Plan of the due-ticket query:", ""]
    for result in results:
        lines += [
            f"- {result['database']}:",
            "",
            "  ```",
            *("  " + row for row in result["plan"].splitlines()),
            "  ```",
        ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    parser.add_argument("--storm", action="store_true", help="also sweep an hour later")
    parser.add_argument("--repeat", type=int, default=3, help="runs a database (best, median)")
    parser.add_argument("--no-docs", action="store_true", help="do not write docs/benchmarks.md")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_one(args.child, args.tickets, args.storm)))
        return

    info = machine()
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    results = []
    if args.only in (None, "sqlite"):
        runs = []
        for _ in range(args.repeat):
            with tempfile.TemporaryDirectory() as folder:
                load = os.getloadavg()[0]
                url = f"sqlite:///{folder}/sweep.sqlite3"
                runs.append({**child(url, args.tickets, args.storm), "load": load})
        results.append(repeated(runs))
    if args.only in (None, "postgres"):
        runs = []
        for _ in range(args.repeat):
            try:
                load = os.getloadavg()[0]
                url = postgres_create(PG_NAME)
                runs.append({**child(url, args.tickets, args.storm), "load": load})
            finally:
                postgres_drop(PG_NAME)
        results.append(repeated(runs))
    section = report(results, info, when, args.tickets)
    print(section)
    if not args.no_docs:
        write_docs(section, HEADING)
        log("written to docs/benchmarks.md")


if __name__ == "__main__":
    main()
