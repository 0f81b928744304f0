"""Reading ratings and their charge lines, billing periods, invoices and runs."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet

from pacta.accounts.access import Audience, visible
from pacta.accounts.roles import Role
from pacta.billing.models import (
    BankStatement,
    BankStatementLine,
    BillingTerms,
    ChargeLine,
    ContractPeriod,
    Dispute,
    Invoice,
    InvoiceLine,
    InvoiceRun,
    InvoiceState,
    Payment,
    PaymentAllocation,
    Rating,
    SepaBatch,
    SepaCreditor,
    SepaDebit,
    SepaMandate,
)
from pacta.billing.wording import words_text
from pacta.service.selectors import work_order_list


def rating_current_of(work_order: Any) -> Rating | None:
    """The work order's current rating with its lines in order (None if it was never rated);
    for documents about a work order whose reader the caller has checked."""
    lines = ChargeLine.objects.order_by("position")
    return (
        Rating.objects.filter(work_order=work_order, superseded_at__isnull=True)
        .prefetch_related(Prefetch("lines", queryset=lines))
        .first()
    )


def rating_list(*, audience: Any) -> QuerySet[Rating]:
    """Ratings the audience may see, newest first, each with its lines in order."""
    lines = ChargeLine.objects.order_by("position")
    return visible(
        Rating.objects.select_related("work_order", "contract_version__contract")
        .prefetch_related(Prefetch("lines", queryset=lines))
        .order_by("-rated_at", "-id"),
        audience,
    )


def charge_line_list(*, audience: Any) -> QuerySet[ChargeLine]:
    """Charge lines the audience may see, by rating (newest first) and position."""
    return visible(
        ChargeLine.objects.select_related("rating__contract_version__contract").order_by(
            "-rating__rated_at", "-rating_id", "position"
        ),
        audience,
    )


def charge_line_words(line: ChargeLine) -> str:
    """The line's trace in words a customer reads, in the active language."""
    return words_text(line.words or ())


def charge_line_get_for_decision(pk: Any, *, audience: Any) -> ChargeLine | None:
    """A charge line of a work order the audience may see, with its rating (None otherwise)."""
    visible_work = work_order_list(audience=audience).values("pk")
    return (
        ChargeLine.objects.select_related("rating")
        .filter(pk=pk, rating__work_order__in=visible_work)
        .first()
    )


# --- invoicing ------------------------------------------------------------------------------------
def _issued_only_for_customers(queryset: QuerySet[Any], audience: Audience, path: str) -> Any:
    """A customer never sees drafts: only what was issued to it."""
    if audience.role == Role.CUSTOMER:
        return queryset.exclude(**{path: InvoiceState.DRAFT})
    return queryset


def invoice_list(*, audience: Audience) -> QuerySet[Invoice]:
    rows = Invoice.objects.select_related("customer", "contract", "series", "corrects")
    return _issued_only_for_customers(visible(rows, audience), audience, "state")


def invoice_line_list(*, audience: Audience) -> QuerySet[InvoiceLine]:
    rows = InvoiceLine.objects.select_related("invoice", "charge_line", "credit", "work_order")
    return _issued_only_for_customers(visible(rows, audience), audience, "invoice__state")


def contract_period_list(*, audience: Audience) -> QuerySet[ContractPeriod]:
    return visible(ContractPeriod.objects.select_related("contract"), audience)


def invoice_run_list(*, audience: Audience) -> QuerySet[InvoiceRun]:
    return visible(InvoiceRun.objects.all(), audience)


def billing_terms_list(*, audience: Audience) -> QuerySet[BillingTerms]:
    rows = BillingTerms.objects.select_related("contract", "fee_tax_rate").order_by("contract")
    return visible(rows, audience)


def payment_list(*, audience: Audience) -> QuerySet[Payment]:
    return visible(Payment.objects.select_related("customer"), audience)


def payment_allocation_list(*, audience: Audience) -> QuerySet[PaymentAllocation]:
    return visible(PaymentAllocation.objects.select_related("payment", "invoice"), audience)


def bank_statement_list(*, audience: Audience) -> QuerySet[BankStatement]:
    return visible(BankStatement.objects.all(), audience)


def bank_statement_line_list(*, audience: Audience) -> QuerySet[BankStatementLine]:
    return visible(BankStatementLine.objects.select_related("statement"), audience)


def dispute_list(*, audience: Audience) -> QuerySet[Dispute]:
    return visible(Dispute.objects.select_related("line__invoice"), audience)


def sepa_creditor_list(*, audience: Audience) -> QuerySet[SepaCreditor]:
    return visible(SepaCreditor.objects.all(), audience)


def sepa_mandate_list(*, audience: Audience) -> QuerySet[SepaMandate]:
    return visible(SepaMandate.objects.select_related("customer"), audience)


def sepa_batch_list(*, audience: Audience) -> QuerySet[SepaBatch]:
    return visible(SepaBatch.objects.select_related("creditor"), audience)


def sepa_debit_list(*, audience: Audience) -> QuerySet[SepaDebit]:
    return visible(SepaDebit.objects.select_related("batch", "invoice", "mandate"), audience)


def sepa_creditor_default(*, audience: Audience) -> SepaCreditor | None:
    """The creditor account that collects when none is named: the one marked default (the
    first if several are), else the only one; None when that leaves a choice or there is none."""
    found = list(sepa_creditor_list(audience=audience).order_by("-is_default", "pk")[:2])
    if found and (found[0].is_default or len(found) == 1):
        return found[0]
    return None
