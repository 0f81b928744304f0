"""Business calendar (issue 3): pacta against businesstimedelta and django-bizcal.

One calendar, built the same way in each library: Monday to Friday 08:00–18:00 in
Europe/Madrid, closed on Spain's public holidays with the Community of Madrid's (ES-MD) — one
list of dates, made once from the ``holidays`` package and handed to all three. Inputs are made
once with a fixed seed: 100,000 aware instants drawn uniformly over 2026 (nights and weekends
included) and business durations, "short" (1 s .. 8 business hours) and "long" (30 .. 100
business hours, 3 .. 10 business days), in whole seconds.

Before any timing, 2,000 inputs of every operation are run through the three libraries and the
results compared, with a few hand-made probes (daylight-saving weekends, holidays, ending
exactly at a close, sub-second instants) whose answers follow from the semantics in
/work/shared/acceptance/README.md.

Throughput is operations per second, best of 5 repetitions, one process pinned to one core,
``time.perf_counter``. pacta runs every input; a peer too slow for that runs the first N inputs
(N is printed) — the same inputs, a prefix of the same random stream, and nothing is
extrapolated. The table goes to stdout and into docs/benchmarks.md.

    .venv/bin/python bench/calendar_bench.py [--no-docs]
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import random
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib.metadata import version
from zoneinfo import ZoneInfo

import businesstimedelta
import holidays
import pytz
from django_bizcal import WorkingCalendar
from django_bizcal.providers import SetHolidayProvider
from report import machine, pin_to_one_core, write_docs

from pacta.domain.calendar import ACCELERATED, BusinessCalendar
from pacta.domain.public_holidays import public_holidays

HEADING = "## Business calendar (issue 3)"

ZONE_NAME = "Europe/Madrid"
ZONE = ZoneInfo(ZONE_NAME)
COUNTRY, SUBDIVISION = "ES", "MD"
#: Inputs start in 2026 and long ones end in January 2027; the years either side are margin
#: (businesstimedelta looks up to five years ahead for the next holiday).
HOLIDAY_YEARS = range(2025, 2029)
OPENS, CLOSES = dt.time(8), dt.time(18)

SEED = 20_260_101
COUNT = 100_000
CHECK_COUNT = 2_000
REPEATS = 5
#: A peer runs the first N inputs, N chosen so one repetition lasts about this long.
PEER_SECONDS = 0.5
PEER_MIN = 1_000
SHORT = (1, 8 * 3600)
LONG = (30 * 3600, 100 * 3600)
PAUSE_GAP = (0, 48 * 3600)

PACTA, BTD, BIZCAL = "pacta", "businesstimedelta", "django-bizcal"
PEERS = (BTD, BIZCAL)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- the one calendar, three times -----------------------------------------------------------
def holiday_dates() -> frozenset[dt.date]:
    days = holidays.country_holidays(COUNTRY, subdiv=SUBDIVISION, years=list(HOLIDAY_YEARS))
    dates = frozenset(days)
    # pacta in production asks public_holidays() year by year: check it gives this very list.
    source = public_holidays(COUNTRY, SUBDIVISION)
    assert dates == frozenset().union(*(source(year) for year in HOLIDAY_YEARS))
    return dates


@dataclass(frozen=True)
class Library:
    name: str
    add: Callable[[dt.datetime, dt.timedelta], dt.datetime]
    between: Callable[[dt.datetime, dt.datetime], dt.timedelta]
    #: Business time of a span minus its pauses in one call, where the library has one.
    paused: Callable[..., dt.timedelta] | None = None


def libraries(dates: frozenset[dt.date]) -> dict[str, Library]:
    by_year: dict[int, list[dt.date]] = {}
    for day in dates:
        by_year.setdefault(day.year, []).append(day)

    weekdays = ("mon", "tue", "wed", "thu", "fri")
    pacta = BusinessCalendar(
        ZONE_NAME,
        {day: [("08:00", "18:00")] for day in weekdays},
        holidays=lambda year: by_year.get(year, ()),
    )

    # businesstimedelta: pytz zone; HolidayRule takes any container of dates (a frozenset is
    # its fastest lookup). Its add is ``BusinessTimeDelta + datetime``, its difference a
    # BusinessTimeDelta whose ``timedelta`` is the business time.
    tz = pytz.timezone(ZONE_NAME)
    rule = businesstimedelta.Rules(
        [
            businesstimedelta.WorkDayRule(
                start_time=OPENS, end_time=CLOSES, working_days=[0, 1, 2, 3, 4], tz=tz
            ),
            businesstimedelta.HolidayRule(dates, tz=tz),
        ]
    )
    delta = businesstimedelta.BusinessTimeDelta

    def btd_add(start: dt.datetime, duration: dt.timedelta) -> dt.datetime:
        return delta(rule, timedelta=duration) + start

    def btd_between(start: dt.datetime, end: dt.datetime) -> dt.timedelta:
        return rule.difference(start, end).timedelta

    # django-bizcal: its calendar core is plain Python (zoneinfo); no Django settings needed.
    bizcal = WorkingCalendar(
        tz=ZONE,
        weekly_schedule={weekday: [("08:00", "18:00")] for weekday in range(5)},
        holiday_provider=SetHolidayProvider(days=dates),
    )
    return {
        PACTA: Library(
            PACTA,
            pacta.add,
            pacta.between,
            lambda o, p1, r1, p2, r2, now: pacta.between(o, now, pauses=((p1, r1), (p2, r2))),
        ),
        BTD: Library(BTD, btd_add, btd_between),
        BIZCAL: Library(BIZCAL, bizcal.add_business_time, bizcal.business_time_between),
    }


# --- inputs ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Operation:
    key: str
    label: str
    kind: str  # "add", "between" or "pauses"
    inputs: Sequence[tuple[dt.datetime, ...]]
    floor: int  # pacta's absolute target, operations per second
    unit: str = "ops/s"
    #: For spans: the business duration each was built from (pacta's round trip is checked).
    durations: Sequence[dt.timedelta] = ()


def make_operations(pacta: Library) -> list[Operation]:
    rng = random.Random(SEED)
    low = int(dt.datetime(2026, 1, 1, tzinfo=ZONE).timestamp())
    high = int(dt.datetime(2027, 1, 1, tzinfo=ZONE).timestamp())

    def instant(seconds: int) -> dt.datetime:
        return dt.datetime.fromtimestamp(seconds, ZONE)

    raw_starts = [rng.randrange(low, high) for _ in range(COUNT)]
    starts = [instant(s) for s in raw_starts]
    short = [dt.timedelta(seconds=rng.randint(*SHORT)) for _ in range(COUNT)]
    long = [dt.timedelta(seconds=rng.randint(*LONG)) for _ in range(COUNT)]
    # A span of a given business length: from a start to pacta's answer for start + duration
    # (checked against the peers below, so the ends are not pacta's word alone).
    short_spans = [(s, pacta.add(s, d)) for s, d in zip(starts, short, strict=True)]
    long_spans = [(s, pacta.add(s, d)) for s, d in zip(starts, long, strict=True)]
    tickets = []
    for opened in raw_starts:
        moments = [opened]
        for _ in range(5):  # pause 1, resume 1, pause 2, resume 2, now
            moments.append(moments[-1] + rng.randint(*PAUSE_GAP))
        tickets.append(tuple(instant(m) for m in moments))
    add_short = list(zip(starts, short, strict=True))
    add_long = list(zip(starts, long, strict=True))
    return [
        Operation("add_short", "add, short (≤ 8 business hours)", "add", add_short, 250_000),
        Operation("add_long", "add, long (3–10 business days)", "add", add_long, 200_000),
        Operation(
            "between_short",
            "between, short spans",
            "between",
            short_spans,
            250_000,
            durations=short,
        ),
        Operation(
            "between_long",
            "between, long spans",
            "between",
            long_spans,
            200_000,
            durations=long,
        ),
        Operation(
            "pauses",
            "between with two pauses (pacta: one call; peers: three)",
            "pauses",
            tickets,
            100_000,
            unit="tickets/s",
        ),
    ]


# --- running an operation --------------------------------------------------------------------
def runner(library: Library, operation: Operation) -> Callable[[Sequence[tuple]], list]:
    """A loop over inputs returning the results, the same shape for every library."""
    if operation.kind == "add":
        add = library.add

        def run_add(inputs: Sequence[tuple]) -> list:
            return [add(s, d) for s, d in inputs]

        return run_add
    between = library.between
    if operation.kind == "between":

        def run_between(inputs: Sequence[tuple]) -> list:
            return [between(s, e) for s, e in inputs]

        return run_between

    paused = library.paused
    if paused is not None:

        def run_paused(inputs: Sequence[tuple]) -> list:
            return [paused(*ticket) for ticket in inputs]

        return run_paused

    def run_pauses(inputs: Sequence[tuple]) -> list:
        return [
            between(o, p1) + between(r1, p2) + between(r2, now) for o, p1, r1, p2, r2, now in inputs
        ]

    return run_pauses


def best_rate(run: Callable[[Sequence[tuple]], list], inputs: Sequence[tuple]) -> float:
    best = float("inf")
    for _ in range(REPEATS):
        started = time.perf_counter()
        run(inputs)
        best = min(best, time.perf_counter() - started)
    return len(inputs) / best


def peer_count(run: Callable[[Sequence[tuple]], list], inputs: Sequence[tuple]) -> int:
    """How many inputs a peer runs: about PEER_SECONDS per repetition, at least PEER_MIN."""
    probe = inputs[:200]
    started = time.perf_counter()
    run(probe)
    rate = len(probe) / (time.perf_counter() - started)
    wanted = int(rate * PEER_SECONDS) // 1000 * 1000
    return max(PEER_MIN, min(len(inputs), wanted))


# --- correctness ---------------------------------------------------------------------------------
def local(value: dt.datetime | dt.timedelta) -> str:
    if isinstance(value, dt.timedelta):
        return str(value)
    return value.astimezone(ZONE).isoformat(sep=" ")


def dst_days(years: range) -> set[dt.date]:
    days = set()
    for year in years:
        day = dt.date(year, 1, 1)
        while day.year == year:
            midnight = dt.datetime.combine(day, dt.time(), tzinfo=ZONE)
            after = dt.datetime.combine(day, dt.time(23), tzinfo=ZONE)
            if midnight.utcoffset() != after.utcoffset():
                days.add(day)
            day += dt.timedelta(days=1)
    return days


def suspects(
    inputs: tuple[dt.datetime, ...], expected: object, got: object, dates: frozenset[dt.date]
) -> str:
    """What the inputs of a disagreement touch: holidays, a DST change, a window's edge."""
    instants = [i for i in inputs if isinstance(i, dt.datetime)]
    instants += [v for v in (expected, got) if isinstance(v, dt.datetime)]
    first = min(i.astimezone(ZONE).date() for i in instants)
    last = max(i.astimezone(ZONE).date() for i in instants)
    notes = []
    if any(first <= day <= last for day in dates):
        notes.append("holiday in span")
    if any(first <= day <= last for day in DST_DAYS):
        notes.append("DST change in span")
    edges = [i for i in instants if i.astimezone(ZONE).time() in (OPENS, CLOSES)]
    if edges:
        notes.append("an instant on a window's edge")
    if any(i.microsecond for i in instants):
        notes.append("sub-second")
    if isinstance(expected, dt.timedelta) and isinstance(got, dt.timedelta):
        notes.append(f"off by {got - expected}")
    if isinstance(expected, dt.datetime) and isinstance(got, dt.datetime):
        notes.append(f"off by {got - expected}")
    return ", ".join(notes) or "none of holiday / DST / edge"


@dataclass
class Check:
    operation: str
    peer: str
    compared: int
    disagreements: int
    examples: list[str]


def cross_check(
    libs: dict[str, Library], operations: list[Operation], dates: frozenset[dt.date]
) -> list[Check]:
    checks = []
    for operation in operations:
        sample = operation.inputs[:CHECK_COUNT]
        mine = runner(libs[PACTA], operation)(sample)
        if operation.durations:  # spans built by pacta.add: between must give the durations back
            built = operation.durations[:CHECK_COUNT]
            wrong = [
                (inputs, d, got)
                for inputs, d, got in zip(sample, built, mine, strict=True)
                if d != got
            ]
            examples = [
                f"{' → '.join(local(i) for i in inputs)}: built from {d}, between gives {got}"
                for inputs, d, got in wrong[:3]
            ]
            checks.append(
                Check(
                    operation.key, "pacta's own add (round trip)", len(sample), len(wrong), examples
                )
            )
        for peer in PEERS:
            theirs = runner(libs[peer], operation)(sample)
            wrong = [
                (inputs, a, b) for inputs, a, b in zip(sample, mine, theirs, strict=True) if a != b
            ]
            examples = [
                f"{' → '.join(local(i) for i in inputs)}: pacta {local(a)}, {peer} {local(b)}"
                f" ({suspects(inputs, a, b, dates)})"
                for inputs, a, b in wrong[:3]
            ]
            checks.append(Check(operation.key, peer, len(sample), len(wrong), examples))
    return checks


@dataclass(frozen=True)
class Probe:
    name: str
    kind: str  # "add" or "between"
    args: tuple
    expected: object


def at(day: str, clock: str) -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=ZONE)


H = dt.timedelta(hours=1)
PROBES = [
    Probe(
        "add across the autumn DST weekend (Fri 17:00 + 2 h)",
        "add",
        (at("2026-10-23", "17:00"), 2 * H),
        at("2026-10-26", "09:00"),
    ),
    Probe(
        "between across the spring DST weekend (Fri 17:00 → Mon 09:00)",
        "between",
        (at("2026-03-27", "17:00"), at("2026-03-30", "09:00")),
        2 * H,
    ),
    Probe(
        "between over a DST Sunday midnight to midnight (closed day)",
        "between",
        (at("2026-03-29", "00:00"), at("2026-03-30", "00:00")),
        dt.timedelta(0),
    ),
    Probe(
        "add ending exactly at the close returns the close (Wed 10:00 + 8 h)",
        "add",
        (at("2026-01-07", "10:00"), 8 * H),
        at("2026-01-07", "18:00"),
    ),
    Probe(
        "add of a whole day from the opening ends at that day's close",
        "add",
        (at("2026-01-07", "08:00"), 10 * H),
        at("2026-01-07", "18:00"),
    ),
    Probe(
        "add starting exactly at the close (Wed 18:00 + 1 h)",
        "add",
        (at("2026-01-07", "18:00"), H),
        at("2026-01-08", "09:00"),
    ),
    Probe(
        "add over a holiday (Thu 24 Dec 17:00 + 2 h; 25 Dec closed)",
        "add",
        (at("2026-12-24", "17:00"), 2 * H),
        at("2026-12-28", "09:00"),
    ),
    Probe(
        "add from inside a holiday (Epiphany 10:00 + 1 h)",
        "add",
        (at("2026-01-06", "10:00"), H),
        at("2026-01-07", "09:00"),
    ),
    Probe(
        "add over Easter in Madrid (Wed 1 Apr 17:00 + 30 h; Thu, Fri closed, Mon open)",
        "add",
        (at("2026-04-01", "17:00"), 30 * H),
        at("2026-04-08", "17:00"),
    ),
    Probe(
        "between a whole open day (08:00 → 18:00)",
        "between",
        (at("2026-01-07", "08:00"), at("2026-01-07", "18:00")),
        10 * H,
    ),
    Probe(
        "between ending at an opening counts nothing of that day",
        "between",
        (at("2026-01-07", "17:00"), at("2026-01-08", "08:00")),
        H,
    ),
    Probe(
        "add with sub-second start and duration",
        "add",
        (at("2026-01-07", "10:00:00.500000"), dt.timedelta(microseconds=250_000)),
        at("2026-01-07", "10:00:00.750000"),
    ),
    Probe(
        "between sub-second instants",
        "between",
        (at("2026-01-07", "10:00:00"), at("2026-01-07", "10:00:00.999000")),
        dt.timedelta(microseconds=999_000),
    ),
    Probe(
        "add with a UTC start, as Django's timezone.now() gives (Wed 16:30Z + 2 h)",
        "add",
        (dt.datetime(2026, 1, 7, 16, 30, tzinfo=dt.UTC), 2 * H),
        at("2026-01-08", "09:30"),
    ),
    Probe(
        "between UTC instants across the spring DST weekend (Fri 16:00Z → Mon 07:00Z)",
        "between",
        (dt.datetime(2026, 3, 27, 16, tzinfo=dt.UTC), dt.datetime(2026, 3, 30, 7, tzinfo=dt.UTC)),
        2 * H,
    ),
]


def run_probes(libs: dict[str, Library]) -> list[tuple[Probe, dict[str, str]]]:
    results = []
    for probe in PROBES:
        row = {}
        for name, library in libs.items():
            function = library.add if probe.kind == "add" else library.between
            try:
                got = function(*probe.args)
            except Exception as error:  # a peer may refuse an input: that is a finding too
                row[name] = f"raises {type(error).__name__}"
                continue
            row[name] = "ok" if got == probe.expected else f"**{local(got)}**"
        results.append((probe, row))
    return results


# --- the machine ---------------------------------------------------------------------------------
# --- the report ----------------------------------------------------------------------------------
def number(rate: float) -> str:
    return f"{rate:,.0f}"


@dataclass
class Row:
    operation: Operation
    rates: dict[str, float]
    counts: dict[str, int]
    extra_target: float = 0.0  # long durations: half pacta's short-duration speed


def table(rows: list[Row]) -> tuple[list[str], list[str]]:
    lines = [
        "| operation | pacta | businesstimedelta | django-bizcal | pacta ÷ faster peer "
        "| target | met? |",
        "| --- | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    misses = []
    for row in rows:
        op = row.operation
        pacta = row.rates[PACTA]
        faster = max(row.rates[p] for p in PEERS)
        ratio = pacta / faster
        target = f"≥ {number(op.floor)} {op.unit}, ≥ 10× faster peer"
        failed = []
        if pacta < op.floor:
            failed.append(f"{number(op.floor)} {op.unit}")
        if ratio < 10:
            failed.append("10× peer")
        if row.extra_target:
            target += f", ≥ ½ its short speed ({number(row.extra_target)})"
            if pacta < row.extra_target:
                failed.append("½ short")
        met = "yes" if not failed else "no (" + ", ".join(failed) + ")"
        if failed:
            misses.append(f"{op.label}: misses {', '.join(failed)}")
        cells = [
            f"{number(row.rates[name])}" + ("" if name == PACTA else f" (n={row.counts[name]:,})")
            for name in (PACTA, *PEERS)
        ]
        lines.append(
            f"| {op.label}, {op.unit} | {' | '.join(cells)} | {ratio:,.1f}× | {target} | {met} |"
        )
    return lines, misses


def report(
    rows: list[Row],
    checks: list[Check],
    probes: list[tuple[Probe, dict[str, str]]],
    info: dict[str, str],
    pinned: str,
    when: str,
) -> str:
    lines, misses = table(rows)
    out = [
        HEADING,
        "",
        f"Measured {when} by `make bench` (`bench/calendar_bench.py`).",
        "",
        f"- Machine: {info['cpu']}, {info['cores']} cores; {pinned}; {info['python']} "
        f"(`{info['interpreter']}`).",
        f"- Versions: businesstimedelta {version('businesstimedelta')} (pytz "
        f"{version('pytz')}), django-bizcal {version('django-bizcal')}, holidays "
        f"{version('holidays')}.",
        "- pacta's `add` and `between` "
        + (
            "ran in C (`pacta/domain/_timeline.c`, built by `make install`; the Python methods "
            "are the definition and agree bit for bit)."
            if ACCELERATED
            else "ran in pure Python (the C accelerator was not built on this machine)."
        ),
        "- Calendar: Mon–Fri 08:00–18:00 Europe/Madrid, closed on the ES + ES-MD public "
        f"holidays of {HOLIDAY_YEARS.start}–{HOLIDAY_YEARS.stop - 1} (one list of dates from "
        "the `holidays` package, the same for all three).",
        f"- Inputs (seed {SEED}): {COUNT:,} aware instants uniform over 2026 (nights and "
        "weekends included); short durations 1 s .. 8 business hours, long 30 .. 100 "
        "business hours; a span is a start and the instant that duration of business time "
        "later; a ticket is opened, paused, resumed, paused, resumed and looked at now, "
        "each step 0–48 h after the last (three `between` calls per ticket).",
        f"- Best of {REPEATS} repetitions, `time.perf_counter`, one process. pacta runs all "
        f"{COUNT:,} inputs; a peer runs the first n (given in its cell), sized to about "
        f"{PEER_SECONDS} s a repetition: a prefix of the same random stream, nothing "
        "extrapolated.",
        "",
        *lines,
        "",
    ]
    if misses:
        out += ["Targets missed on this machine:", ""]
        out += [f"- {miss}" for miss in misses]
        out.append("")
    out += [
        f"Cross-check before timing: the first {CHECK_COUNT:,} inputs of each operation, "
        "pacta against each peer (instants compared as instants, durations exactly):",
        "",
        "| operation | peer | disagreements |",
        "| --- | --- | ---: |",
    ]
    out += [f"| {c.operation} | {c.peer} | {c.disagreements} of {c.compared:,} |" for c in checks]
    examples = [(c, e) for c in checks for e in c.examples]
    if examples:
        out += ["", "Examples:", ""]
        out += [f"- {c.operation}, {c.peer}: {e}" for c, e in examples]
    out += [
        "",
        "Probes (expected answers from the acceptance semantics: business time is real "
        "elapsed time inside the windows; an addition ending exactly at a close returns the "
        "close; a start outside the windows counts from the next opening). A bold cell is a "
        "wrong answer:",
        "",
        "| probe | expected | pacta | businesstimedelta | django-bizcal |",
        "| --- | --- | --- | --- | --- |",
    ]
    out += [
        f"| {p.name} | {local(p.expected)} | {r[PACTA]} | {r[BTD]} | {r[BIZCAL]} |"
        for p, r in probes
    ]
    return "\n".join(out) + "\n"


# --- main ----------------------------------------------------------------------------------------
DST_DAYS = dst_days(HOLIDAY_YEARS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-docs", action="store_true", help="do not write docs/benchmarks.md")
    args = parser.parse_args()

    pinned = pin_to_one_core()
    info = machine()
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    log(f"{when}: {info['cpu']}, {info['cores']} cores, {pinned}; {info['python']}")

    dates = holiday_dates()
    libs = libraries(dates)
    log(f"making {COUNT:,} inputs per operation (seed {SEED})")
    operations = make_operations(libs[PACTA])

    log(f"cross-checking {CHECK_COUNT:,} inputs per operation")
    checks = cross_check(libs, operations, dates)
    probes = run_probes(libs)

    rows = []
    for operation in operations:
        rates, counts = {}, {}
        for name, library in libs.items():
            run = runner(library, operation)
            inputs = operation.inputs
            if name != PACTA:
                inputs = inputs[: peer_count(run, inputs)]
            run(inputs[:1000])  # warm up
            gc.collect()
            rates[name] = best_rate(run, inputs)
            counts[name] = len(inputs)
            rate = number(rates[name])
            log(f"{operation.key:14} {name:18} {rate:>10} {operation.unit} (n={len(inputs):,})")
        rows.append(Row(operation, rates, counts))
    rows[1].extra_target = rows[0].rates[PACTA] / 2  # add long against add short
    rows[3].extra_target = rows[2].rates[PACTA] / 2  # between long against between short

    section = report(rows, checks, probes, info, pinned, when)
    print(section)
    if not args.no_docs:
        write_docs(section, HEADING)
        log("written to docs/benchmarks.md")


if __name__ == "__main__":
    main()
