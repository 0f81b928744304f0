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

Best of 5 repetitions, ``time.perf_counter``, one process pinned to one core.

    .venv/bin/python bench/rating_bench.py [--no-docs]
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import random
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from importlib.metadata import version
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


def make_work(size: int, rng: random.Random, site: Site) -> list[WorkRecord]:
    low = int(dt.datetime(2026, 1, 1, tzinfo=ZONE).timestamp()) // 60
    high = int(dt.datetime(2027, 1, 1, tzinfo=ZONE).timestamp()) // 60
    orders = []
    for number in range(ENTRIES // size):
        minute = rng.randrange(low, high)
        entries = []
        for _ in range(size):
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


def best(run: Callable[[], object], count: int) -> tuple[float, object]:
    rates = []
    result: object = None
    for _ in range(REPEATS):
        gc.collect()
        gc.disable()
        started = time.perf_counter()
        result = run()
        elapsed = time.perf_counter() - started
        gc.enable()
        rates.append(count / elapsed)
    return max(rates), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-docs", action="store_true", help="leave docs/benchmarks.md alone")
    arguments = parser.parse_args()
    pinned = pin_to_one_core()
    rng = random.Random(SEED)
    site = Site("S1", "Europe/Madrid", holidays=public_holidays("ES", "MD"))
    terms = make_terms()
    balances = Balances(dt.date(2026, 1, 1), {("BANK", ""): D(10)})
    rows = []
    checks = []
    for size in SIZES:
        orders = make_work(size, rng, site)
        count = sum(len(order.time_entries) for order in orders)
        log(f"rating {len(orders):,} work orders of {size} entries")
        rate_work_order(orders[0], terms, balances)  # the timeline is built once per terms

        def run(orders: list[WorkRecord] = orders) -> object:
            return [rate_work_order(order, terms, balances) for order in orders]

        rate, results = best(run, count)
        lines = sum(len(r.lines) for r in results)  # type: ignore[attr-defined]
        checks.append(f"{size} entries per work order: {lines:,} lines")
        rows.append(
            (
                f"time entries per second, work orders of {size} entr{'y' if size == 1 else 'ies'}",
                rate,
                ENTRY_FLOOR,
            )
        )
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
    kernel_rate, _ = best(lambda: price_amounts(kernel, cent), KERNEL_ROWS)
    rows.append(
        (
            "pricing kernel, lines per second (Decimal, half-up to the cent)",
            kernel_rate,
            KERNEL_FLOOR,
        )
    )

    # the marginal cost of an entry, from the 10- and 100-entry rows
    per_order = {
        size: size / rate for size, (_label, rate, _floor) in zip(SIZES, rows, strict=False)
    }
    per_entry = (per_order[100] - per_order[10]) / 90
    now = dt.datetime.now(dt.UTC)
    info = machine()
    table = [
        "| measure | pacta | target | met? |",
        "| --- | ---: | --- | --- |",
    ]
    for label, rate, floor in rows:
        met = "yes" if rate >= floor else "no"
        table.append(f"| {label} | {rate:,.0f} | ≥ {floor:,} | {met} |")
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
            "- Best of 5 repetitions, `time.perf_counter`, one process, garbage collector off "
            "while timing.",
            "",
            *table,
            "",
            f"Splitting and summing costs about {per_entry * 1e6:.1f} µs per time entry; the "
            "rest of a work order's cost is per line (lines, traces, draws: about 20 µs each), so "
            f"the {ENTRY_FLOOR:,} entries per second hold for work orders with many entries "
            "and not for one entry per work order.",
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
