"""Rating (issue 4): the pure core's throughput in time entries per second, and the pricing
kernel's in lines per second.

The terms: a price list with a rate change on 1 July, surcharges that split the day at 08:00,
18:00, 22:00 and midnight (evening 18:00–22:00 ×1.25, night 22:00–08:00 ×2.00, weekend ×1.50,
public holidays ×2.50, an emergency ×1.25 cumulative), a prepaid bank of hours with overage.
The site: Europe/Madrid with the ES + ES-MD public holidays. Inputs, fixed seed: 100,000 time
entries of 15 min to 10 h starting at whole minutes uniformly over 2026, one technician per
work order, back to back with gaps of 0–12 h, in work orders of N entries (N given per row);
each work order draws on a bank of 10 h, a tenth are emergencies. The clock covers
``rate_work_order`` only (inputs are built before), so the number is the pure core's.

The pricing kernel: 1,000,000 (quantity, unit price, multiplier) rows of Decimal (quantities
to 6 decimals, prices to 2 or 4, multipliers 1.00–3.125), priced half-up to the cent by
``price_amounts``.

Five runs of each, one process pinned to one core, each rating run with new terms (so the
plans, lines and timelines it reuses are the ones it made itself); rates per CPU second of
the process (``time.process_time``) and per second of the wall clock, best and median.

    .venv/bin/python bench/rating_bench.py [--no-docs]
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from importlib.metadata import version
from typing import NamedTuple
from zoneinfo import ZoneInfo

from report import machine, pin_to_one_core, write_docs

from pacta.domain.entitlement import Allowance, AllowanceKind, Balances
from pacta.domain.public_holidays import public_holidays
from pacta.domain.rating import (
    ContractTerms,
    Coverage,
    PriceLine,
    PriceList,
    ScopeLine,
    Site,
    SurchargeRule,
    TimeEntry,
    WorkRecord,
    price_amounts,
    rate_work_order,
)

HEADING = "## Rating (issue 4)"
ZONE = ZoneInfo("Europe/Madrid")
SEED = 20_260_401
ENTRIES = 100_000
KERNEL_ROWS = 1_000_000
REPEATS = 5
SIZES = (1, 10, 100)
#: The mixed row: each work order has 1 to 10 entries (uniform), as in the services' bench.
MIXED = (1, 10)
ENTRY_FLOOR = 150_000
KERNEL_FLOOR = 2_000_000
D = Decimal


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def make_terms() -> ContractTerms:
    bank = Allowance(
        "BANK", AllowanceKind.PREPAID_HOURS, D(10), allows_overage=True, overage_unit_price=D(70)
    )
    return ContractTerms(
        "C-BENCH",
        1,
        dt.date(2026, 1, 1),
        (ScopeLine("REP", Coverage.BILLABLE),),
        PriceList(
            "Bench 2026",
            "EUR",
            (
                PriceLine("REP", "Repair labour", D("80.00"), dt.date(2026, 1, 1), D(21)),
                PriceLine("REP", "Repair labour", D("84.50"), dt.date(2026, 7, 1), D(21)),
            ),
        ),
        surcharges=(
            SurchargeRule("evening", D("1.25"), window=("18:00", "22:00")),
            SurchargeRule("night", D("2.00"), window=("22:00", "08:00")),
            SurchargeRule("weekend", D("1.50"), weekdays=frozenset({"sat", "sun"})),
            SurchargeRule("public holiday", D("2.50"), on_holidays=True),
            SurchargeRule("emergency", D("1.25"), emergency=True, cumulative=True),
        ),
        allowances=(bank,),
    )


def make_work(size: int | tuple[int, int], rng: random.Random, site: Site) -> list[WorkRecord]:
    """Work orders of ``size`` entries each (or of a number drawn from the ``(low, high)``
    range each), ENTRIES entries in all."""
    low = int(dt.datetime(2026, 1, 1, tzinfo=ZONE).timestamp()) // 60
    high = int(dt.datetime(2027, 1, 1, tzinfo=ZONE).timestamp()) // 60
    orders = []
    made = 0
    while made < ENTRIES:
        number = len(orders)
        count = size if isinstance(size, int) else rng.randint(*size)
        count = min(count, ENTRIES - made)
        made += count
        minute = rng.randrange(low, high)
        entries = []
        for _ in range(count):
            length = rng.randint(15, 600)
            start = dt.datetime.fromtimestamp(minute * 60, ZONE)
            end = dt.datetime.fromtimestamp((minute + length) * 60, ZONE)
            entries.append(TimeEntry("T1", start, end))
            minute += length + rng.randint(0, 720)
        orders.append(
            WorkRecord(
                f"WO-{number}",
                "REP",
                site,
                time_entries=tuple(entries),
                emergency=rng.random() < 0.1,
            )
        )
    return orders


def measure(
    run: Callable[[], object], count: int, setup: Callable[[], None] = lambda: None
) -> tuple[Rates, object]:
    """``count`` per second over ``REPEATS`` runs of ``run`` (``setup`` before each, untimed):
    per CPU second of this process (what one core does, whatever else the machine runs) and
    per second of the wall clock."""
    cpu: list[float] = []
    wall: list[float] = []
    result: object = None
    for _ in range(REPEATS):
        setup()
        gc.collect()
        gc.disable()
        started, started_cpu = time.perf_counter(), time.process_time()
        result = run()
        elapsed_cpu, elapsed = time.process_time() - started_cpu, time.perf_counter() - started
        gc.enable()
        cpu.append(count / elapsed_cpu)
        wall.append(count / elapsed)
    return Rates(max(cpu), statistics.median(cpu), max(wall), statistics.median(wall)), result


class Rates(NamedTuple):
    best: float
    median: float
    best_wall: float
    median_wall: float


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-docs", action="store_true", help="leave docs/benchmarks.md alone")
    arguments = parser.parse_args()
    pinned = pin_to_one_core()
    rng = random.Random(SEED)
    site = Site("S1", "Europe/Madrid", holidays=public_holidays("ES", "MD"))
    balances = Balances(dt.date(2026, 1, 1), {("BANK", ""): D(10)})
    rows: list[tuple[str, Rates, int]] = []
    checks = []
    for size in (*SIZES, MIXED):
        orders = make_work(size, rng, site)
        count = sum(len(order.time_entries) for order in orders)
        shape = f"{size}" if isinstance(size, int) else f"{size[0]}–{size[1]}"
        log(f"rating {len(orders):,} work orders of {shape} entries")
        fresh: list[ContractTerms] = []

        def setup(orders: list[WorkRecord] = orders, fresh: list[ContractTerms] = fresh) -> None:
            # new terms each run: nothing is kept from the run before; the site's timeline is
            # built once per terms, before the clock starts
            fresh[:] = [make_terms()]
            rate_work_order(orders[0], fresh[0], balances)

        def run(orders: list[WorkRecord] = orders, fresh: list[ContractTerms] = fresh) -> object:
            terms = fresh[0]
            return [rate_work_order(order, terms, balances) for order in orders]

        rates, results = measure(run, count, setup)
        lines = sum(len(r.lines) for r in results)  # type: ignore[attr-defined]
        checks.append(f"{shape} entries per work order: {lines:,} lines")
        label = f"time entries per second, work orders of {shape} entr{'y' if size == 1 else 'ies'}"
        if not isinstance(size, int):
            label += f" (uniform; {len(orders):,} work orders, as in the services' bench)"
        rows.append((label, rates, ENTRY_FLOOR))
    log("pricing kernel")
    kernel_rng = random.Random(SEED + 1)
    multipliers = [D("1"), D("1.25"), D("1.50"), D("2.00"), D("2.50"), D("3.125")]
    kernel = [
        (
            D(kernel_rng.randrange(1, 40_000_000)).scaleb(-6),
            D(kernel_rng.randrange(100, 2_000_000)).scaleb(-kernel_rng.choice((2, 4))),
            kernel_rng.choice(multipliers),
        )
        for _ in range(KERNEL_ROWS)
    ]
    cent = D("0.01")
    kernel_rate, _ = measure(lambda: price_amounts(kernel, cent), KERNEL_ROWS)
    rows.append(
        (
            "pricing kernel, lines per second (Decimal, half-up to the cent)",
            kernel_rate,
            KERNEL_FLOOR,
        )
    )

    # the marginal cost of an entry, from the 10- and 100-entry rows (best CPU rates)
    per_order = {
        size: size / rates.best for size, (_label, rates, _floor) in zip(SIZES, rows, strict=False)
    }
    per_entry = (per_order[100] - per_order[10]) / 90
    now = dt.datetime.now(dt.UTC)
    info = machine()
    table = [
        "| measure | best | median | wall clock: best, median | target | met? |",
        "| --- | ---: | ---: | ---: | --- | --- |",
    ]
    for label, rates, floor in rows:
        met = "yes" if rates.best >= floor else "no"
        table.append(
            f"| {label} | {rates.best:,.0f} | {rates.median:,.0f} | "
            f"{rates.best_wall:,.0f}, {rates.median_wall:,.0f} | ≥ {floor:,} | {met} |"
        )
    section = "\n".join(
        [
            HEADING,
            "",
            f"Measured {now:%Y-%m-%d %H:%M} UTC by `make bench` (`bench/rating_bench.py`).",
            "",
            f"- Machine: {info['cpu']}, {info['cores']} cores; {pinned}; {info['python']} "
            f"(`{info['interpreter']}`).",
            f"- Versions: holidays {version('holidays')}.",
            "- Terms: evening 18:00–22:00 ×1.25, night 22:00–08:00 ×2.00, weekend ×1.50, "
            "ES + ES-MD public holidays ×2.50, emergency ×1.25 cumulative; a rate change on "
            "1 July; a prepaid bank of 10 h with overage at 70.00.",
            f"- Inputs (seed {SEED}): {ENTRIES:,} time entries of 15 min–10 h at whole minutes "
            "over 2026 in Europe/Madrid, one technician per work order, 0–12 h apart; a tenth "
            "of the work orders are emergencies; each is rated against a bank of 10 h. The "
            "clock covers `rate_work_order` only.",
            f"- Pricing kernel: {KERNEL_ROWS:,} Decimal rows (quantity, unit price, "
            "multiplier) through `price_amounts`.",
            "- 5 runs each, one process, garbage collector off while timing; each rating run "
            "gets new terms (nothing kept from the run before: plans, lines and timelines are "
            "made during the run, the site's timeline before the clock starts). Rates are per "
            "CPU second of the process (`time.process_time`: what one core does; a loaded "
            "machine slows it less than the wall clock, but still slows it; load average "
            f"{os.getloadavg()[0]:.1f} at the end), best and "
            "median of the 5, and per second of the wall clock (`time.perf_counter`). "
            "“Met?” reads the best CPU rate.",
            "",
            *table,
            "",
            f"A work order's time entries cost about {per_entry * 1e6:.1f} µs each beyond "
            f"the first (read and split in C, `pacta/domain/_timeline.c`); the rest is per "
            f"work order: its plan, its lines (reused per quantity of time), its draws and "
            f"its result, about {per_order[1] * 1e6:.1f} µs in all for one entry.",
            "",
            "Lines produced: " + "; ".join(checks) + ".",
            "",
        ]
    )
    print(section)
    if not arguments.no_docs:
        write_docs(section, HEADING)


if __name__ == "__main__":
    main()
