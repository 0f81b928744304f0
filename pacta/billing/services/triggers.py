"""Invoices that draft themselves: what follows a customer's acceptance under a contract's
billing mode, and the SLA credits a period earns before it is closed.

- A work order of a contract billed **per job** is invoiced once the customer accepted it and
  it is rated: the rating task, which every path that completes, accepts or corrects work
  queues after commit, ends with :func:`work_orders_invoice_per_job`.
- A quote accepted on a contract billed **on quote acceptance** is invoiced at its quoted
  prices by a task queued after the acceptance commits (:func:`quote_invoice_after_commit`);
  the work order carrying it out is then never billed again from its rating.
- Before a billing period closes, its **SLA-breach service credit** is computed from the
  stored clocks (``credits.sla_credits_before_close``, called by the period close), so the
  invoice carries it.

Each is idempotent: an invoice is found by its key before one is written, and a credit that
did not change writes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import transaction

from pacta.accounts.access import SYSTEM
from pacta.billing.errors import NothingToInvoice
from pacta.billing.models import BillingMode, BillingTerms, Invoice
from pacta.billing.services.invoices import quote_invoice, work_order_invoice
from pacta.service.selectors import quote_list, work_order_list


def _billed_as(mode: str, contract_ids: Iterable[Any]) -> set[Any]:
    return set(
        BillingTerms.objects.filter(contract_id__in=set(contract_ids), mode=mode).values_list(
            "contract_id", flat=True
        )
    )


def work_orders_invoice_per_job(
    *, work_order_ids: Sequence[int], now: dt.datetime | None = None
) -> list[Invoice]:
    """Draft the invoice of each of ``work_order_ids`` that the customer accepted, on a
    contract billed per job, not invoiced yet (with rated lines waiting); the invoices
    written now."""
    accepted = list(
        work_order_list(audience=SYSTEM).filter(pk__in=work_order_ids, status="accepted")
    )
    per_job = _billed_as(BillingMode.JOB, (w.ticket.contract_id for w in accepted))
    keys = set(
        Invoice.objects.filter(key__in=[f"job:{w.pk}" for w in accepted]).values_list(
            "key", flat=True
        )
    )
    written = []
    for work_order in accepted:
        if work_order.ticket.contract_id not in per_job or f"job:{work_order.pk}" in keys:
            continue
        try:
            written.append(work_order_invoice(actor=None, work_order=work_order, now=now))
        except NothingToInvoice:
            continue  # nothing rated is waiting (e.g. billed another way): nothing to draft
    return written


def quote_invoice_if_billed_on_acceptance(
    *, quote_id: int, now: dt.datetime | None = None
) -> Invoice | None:
    """Draft the invoice of an accepted quote whose contract is billed on quote acceptance
    (the same quote again returns the same invoice); None for other contracts."""
    quote = quote_list(audience=SYSTEM).filter(pk=quote_id, status="accepted").first()
    if quote is None or quote.contract_id is None:
        return None
    if quote.contract_id not in _billed_as(BillingMode.QUOTE, [quote.contract_id]):
        return None
    return quote_invoice(actor=None, quote=quote, now=now)


def quote_invoice_after_commit(quote: Any) -> None:
    """Call in the transaction that accepts ``quote``: when it commits, a task drafts its
    invoice if its contract is billed on quote acceptance."""
    from pacta.billing.tasks import quote_invoice_task

    pk = quote.pk
    transaction.on_commit(lambda: quote_invoice_task.enqueue(pk))
