"""Invoice runs: every due contract period invoiced exactly once — idempotent, crash-safe, and
safe with two workers at once (real concurrent connections)."""

from __future__ import annotations

import io
import threading
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from pacta.billing.models import ContractPeriod, Invoice, InvoiceLine, InvoiceRun
from pacta.billing.services import invoice_run
from pacta.domain.invoicing import PeriodNotEnded
from tests.support import make
from tests.support.make import at
from tests.support.state import table_counts

NOW = at("2026-04-02 10:00")
UNTIL = date(2026, 3, 31)


def contracts(count: int) -> list:
    service = make.service()
    made = []
    for _ in range(count):
        customer = make.customer()
        made.append(make.contract(customer, scope=[(service, "included")], fee=Decimal("90.00")))
    return made


def invoice_counts():
    return Invoice.objects.count(), InvoiceLine.objects.count()


@pytest.mark.django_db
def test_a_run_invoices_every_ended_period_once_and_a_second_run_creates_nothing():
    made = contracts(2)
    steps = []
    run = invoice_run(actor=None, until=UNTIL, now=NOW, progress=lambda d, t: steps.append((d, t)))
    assert (run.state, run.periods, run.lines, run.skipped, run.errors) == ("finished", 6, 6, 0, [])
    assert steps == [(i, 6) for i in range(1, 7)]
    assert sorted(Invoice.objects.values_list("key", flat=True)) == sorted(
        f"period:{c.pk}:2026-{m:02d}-01" for c in made for m in (1, 2, 3)
    )
    assert all(i.gross_total == Decimal("108.90") for i in Invoice.objects.all())
    assert ContractPeriod.objects.filter(state="open").count() == 0
    before = invoice_counts()
    again = invoice_run(actor=None, until=UNTIL, now=NOW)
    assert (again.periods, again.skipped) == (0, 6)
    assert invoice_counts() == before


@pytest.mark.django_db
def test_a_run_until_a_day_not_yet_past_is_refused_and_writes_nothing():
    contracts(1)
    before = table_counts()
    with pytest.raises(PeriodNotEnded):
        invoice_run(actor=None, until=date(2026, 4, 2), now=NOW)
    assert table_counts() == before


@pytest.mark.django_db
def test_a_run_killed_mid_way_leaves_whole_invoices_and_a_rerun_completes_it():
    contracts(2)

    def crash(done, total):
        if done == 2:
            raise KeyboardInterrupt  # the process is stopped after two periods

    with pytest.raises(KeyboardInterrupt):
        invoice_run(actor=None, until=UNTIL, now=NOW, progress=crash)
    assert InvoiceRun.objects.get().state == "failed"
    assert invoice_counts() == (2, 2)
    assert all(i.lines.count() == 1 and i.tax_totals.count() == 1 for i in Invoice.objects.all())
    rerun = invoice_run(actor=None, until=UNTIL, now=NOW)
    assert (rerun.periods, rerun.skipped) == (4, 2)
    assert invoice_counts() == (6, 6)


@pytest.mark.django_db
def test_a_refused_period_is_reported_and_the_others_go_on():
    contracts(1)
    customer = make.customer()
    untaxed = make.contract(customer, number="C-NOTAX")  # no scope, so no tax rate for its fee
    run = invoice_run(actor=None, until=date(2026, 1, 31), now=NOW)
    assert run.periods == 1
    assert [(e["contract"], e["code"]) for e in run.errors] == [
        (untaxed.pk, "fee_tax_rate_unknown")
    ]


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_invoice_every_period_exactly_once():
    made = contracts(8)
    errors = []
    runs = []

    def worker():
        try:
            runs.append(invoice_run(actor=None, until=UNTIL, now=NOW))
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(r.periods for r in runs) == 24
    assert Invoice.objects.count() == 24
    assert ContractPeriod.objects.filter(contract__in=made).count() == 8 * 3
    keys = list(Invoice.objects.values_list("key", flat=True))
    assert len(set(keys)) == 24


@pytest.mark.django_db
def test_the_command_shows_a_progress_bar_and_refuses_a_day_not_past():
    contracts(1)
    out, err = io.StringIO(), io.StringIO()
    call_command("invoice_run", "--until", "2026-03-31", stdout=out, stderr=err)
    assert out.getvalue() == (
        "Invoice run through 2026-03-31: 3 periods closed, 3 lines written, "
        "0 already invoiced, 0 refused.\n"
    )
    assert err.getvalue().split("\r")[1:] == [
        "[" + "#" * 10 + "." * 20 + "] 1/3",
        "[" + "#" * 20 + "." * 10 + "] 2/3",
        "[" + "#" * 30 + "] 3/3\n",
    ]
    with pytest.raises(CommandError, match="has not ended yet"):
        call_command("invoice_run", "--until", "2999-01-01", stdout=out, stderr=err)
