"""Reading ratings and their charge lines, billing periods, invoices and runs, costs."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pacta.accounts.access import SYSTEM, Audience, visible
from pacta.accounts.roles import Role
from pacta.billing.errors import EInvoiceSellerIncomplete, NotIssued
from pacta.billing.models import (
    BankStatement,
    BankStatementLine,
    BillingTerms,
    ChargeLine,
    ContractorStatement,
    ContractPeriod,
    CostRate,
    Dispute,
    Invoice,
    InvoiceKind,
    InvoiceLine,
    InvoiceRun,
    InvoiceState,
    InvoiceTaxTotal,
    Payment,
    PaymentAllocation,
    ProductCost,
    Rating,
    SepaBatch,
    SepaCreditor,
    SepaDebit,
    SepaMandate,
)
from pacta.billing.wording import words_text
from pacta.domain.accounting import (
    ExportBuyer,
    ExportInvoice,
    ExportLine,
    ExportReceipt,
    ExportTax,
)
from pacta.domain.einvoice import (
    CREDIT_NOTE_TYPE,
    INVOICE_TYPE,
    EDocument,
    EParty,
    ETax,
    document_line,
    seller_missing,
)
from pacta.domain.errors import NotFound
from pacta.domain.facturae import DIR3_ROLES
from pacta.domain.money import Money
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


def cost_rate_list(*, audience: Audience) -> QuerySet[CostRate]:
    return visible(CostRate.objects.select_related("technician"), audience)


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


def product_cost_list(*, audience: Audience) -> QuerySet[ProductCost]:
    return visible(ProductCost.objects.select_related("product"), audience)


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


# --- accounting exports -----------------------------------------------------------------------
def _money(value: Any, currency: str) -> Money:
    return Money(value, currency)


def _buyer_address(buyer: dict[str, str]) -> dict[str, str]:
    """The e-mail and postal address of the buyer frozen on an invoice at issue."""
    keys = ("email", "address", "address_2", "postal_code", "city", "region", "country")
    return {key: buyer.get(key, "") for key in keys}


def invoice_list_for_export(
    *, audience: Audience, starts_on: dt.date, ends_on: dt.date
) -> list[ExportInvoice]:
    """Issued invoices and credit notes (never drafts) the audience may see, issued from
    ``starts_on`` to ``ends_on`` (inclusive), by issue date and number, as plain values with
    the customer as it was at issue."""
    rows = (
        invoice_list(audience=audience)
        .exclude(state=InvoiceState.DRAFT)
        .filter(issue_date__gte=starts_on, issue_date__lte=ends_on)
        .prefetch_related(
            Prefetch("lines", queryset=InvoiceLine.objects.order_by("position")),
            Prefetch("tax_totals", queryset=InvoiceTaxTotal.objects.order_by("tax_percent")),
        )
        .order_by("issue_date", "series__code", "year", "sequence", "pk")
    )
    result = []
    for row in rows:
        currency, buyer = row.currency, row.buyer or {}
        result.append(
            ExportInvoice(
                number=row.number or "",
                series=row.series.code,
                sequence=row.sequence or 0,
                kind=row.kind,
                issue_on=row.issue_date,
                due_on=row.due_date,
                buyer=ExportBuyer(
                    customer_id=row.customer_id,
                    name=buyer.get("name") or row.customer.legal_name,
                    tax_id=buyer.get("tax_id", ""),
                    **_buyer_address(buyer),
                ),
                currency=currency,
                net_total=_money(row.net_total, currency),
                tax_total=_money(row.tax_total, currency),
                gross_total=_money(row.gross_total, currency),
                corrects=(row.corrects.number or "") if row.corrects else "",
                lines=tuple(
                    ExportLine(
                        position=line.position,
                        description=line.description,
                        quantity=line.quantity,
                        unit_price=line.unit_price,
                        net=_money(line.net_amount, currency),
                        tax_percent=line.tax_percent,
                    )
                    for line in row.lines.all()
                ),
                taxes=tuple(
                    ExportTax(
                        percent=tax.tax_percent,
                        base=_money(tax.base, currency),
                        tax=_money(tax.tax, currency),
                    )
                    for tax in row.tax_totals.all()
                ),
            )
        )
    return result


def payment_list_for_export(
    *, audience: Audience, starts_on: dt.date, ends_on: dt.date
) -> list[ExportReceipt]:
    """Payments the audience may see, received from ``starts_on`` to ``ends_on`` (inclusive),
    by day and id, with the numbers of the invoices each paid."""
    allocations = PaymentAllocation.objects.select_related("invoice").order_by("id")
    rows = (
        payment_list(audience=audience)
        .filter(received_on__gte=starts_on, received_on__lte=ends_on)
        .prefetch_related(Prefetch("allocations", queryset=allocations))
        .order_by("received_on", "pk")
    )
    return [
        ExportReceipt(
            payment_id=row.pk,
            received_on=row.received_on,
            customer_id=row.customer_id,
            customer_name=row.customer.legal_name,
            amount=_money(row.amount, row.currency),
            reference=row.reference,
            invoices=tuple(a.invoice.number or "" for a in row.allocations.all()),
        )
        for row in rows
    ]


# --- e-invoices -------------------------------------------------------------------------------
def _seller() -> tuple[EParty, str]:
    given = dict(getattr(settings, "PACTA_SELLER", {}) or {})
    fields = ("name", "vat_id", "address", "address_2", "postal_code", "city", "region")
    party = EParty(
        **{key: str(given.get(key) or "").strip() for key in fields},
        country=str(given.get("country") or "").strip().upper(),
        email=str(given.get("email") or "").strip(),
    )
    missing = seller_missing(party)
    if missing:
        raise EInvoiceSellerIncomplete(
            _("The seller's details lack: %(fields)s (setting PACTA_SELLER).")
            % {"fields": ", ".join(missing)}
        )
    return party, str(given.get("iban") or "").replace(" ", "").upper()


def invoice_get_for_einvoice(*, audience: Audience, pk: Any) -> EDocument:
    """An issued invoice or credit note the audience may see, read once as the plain values
    every e-invoice syntax writes: the seller from ``PACTA_SELLER``, the buyer as frozen on the
    invoice at issue, the stored lines and tax totals (nothing recomputed), amounts in the
    document's sign (a credit note's positive). A draft is refused (``invoice_not_issued``)."""
    row = (
        invoice_list(audience=audience)
        .select_related("contract", "corrects__series", "corrects__period", "customer", "series")
        .prefetch_related(
            Prefetch("lines", queryset=InvoiceLine.objects.order_by("position")),
            Prefetch("tax_totals", queryset=InvoiceTaxTotal.objects.order_by("tax_percent")),
        )
        .filter(pk=pk)
        .first()
    )
    if row is None:
        raise NotFound(_("No such invoice."))
    if row.state == InvoiceState.DRAFT or not row.number or row.issue_date is None:
        raise NotIssued(_("Only an issued invoice has an e-invoice; this one is a draft."))
    seller, iban = _seller()
    credit_note = row.kind == InvoiceKind.CREDIT_NOTE
    sign = -1 if credit_note else 1
    buyer = row.buyer or {}
    lines = tuple(
        document_line(
            position=line.position,
            name=line.description,
            quantity=line.quantity,
            unit=line.unit,
            unit_price=line.unit_price,
            net=line.net_amount,
            tax_percent=line.tax_percent,
            sign=sign,
        )
        for line in row.lines.all()
    )
    net, tax, gross = row.net_total * sign, row.tax_total * sign, row.gross_total * sign
    return EDocument(
        number=row.number,
        type_code=CREDIT_NOTE_TYPE if credit_note else INVOICE_TYPE,
        issue_on=row.issue_date,
        due_on=row.due_date,
        delivery_on=row.tax_point_date,
        currency=row.currency,
        buyer_reference=row.contract.number if row.contract else str(row.customer_id),
        seller=seller,
        buyer=EParty(
            name=buyer.get("name") or row.customer.legal_name,
            vat_id=buyer.get("tax_id", ""),
            **_buyer_address(buyer),
        ),
        lines=lines,
        taxes=tuple(
            ETax(percent=t.tax_percent, base=t.base * sign, tax=t.tax * sign)
            for t in row.tax_totals.all()
        ),
        line_total=net,
        tax_basis_total=net,
        tax_total=tax,
        grand_total=gross,
        payable=gross,
        corrects_number=(row.corrects.number or "") if row.corrects else "",
        corrects_issue_on=row.corrects.issue_date if row.corrects else None,
        seller_iban=iban,
        series_code=row.series.code,
        corrects_series_code=row.corrects.series.code if row.corrects else "",
        language=row.language,
        corrects_period=_tax_period(row.corrects) if row.corrects else None,
        buyer_centres=_buyer_centres(buyer, row.customer),
    )


def _tax_period(invoice: Invoice) -> tuple[dt.date, dt.date] | None:
    """The days an invoice taxed: its billing period, else its date of supply."""
    if invoice.period is not None:
        return invoice.period.starts_on, invoice.period.ends_on
    day = invoice.tax_point_date or invoice.issue_date
    return (day, day) if day else None


def _buyer_centres(buyer: dict[str, str], customer: Any) -> tuple[tuple[str, str], ...]:
    """The buyer's DIR3 centres as (role, code), as frozen at issue; an invoice issued before
    they were frozen reads them from the customer."""
    frozen = any(field in buyer for _role, field in DIR3_ROLES)
    codes = tuple(
        (role, str((buyer.get(field) if frozen else getattr(customer, field, "")) or ""))
        for role, field in DIR3_ROLES
    )
    return codes if all(code for _role, code in codes) else ()


# --- contractor statements ----------------------------------------------------------------------
def contractor_statement_list(*, audience: Audience) -> QuerySet[ContractorStatement]:
    """The statements ``audience`` may see (a contractor user: its company's), newest first,
    with their lines."""
    return (
        visible(ContractorStatement.objects.select_related("contractor"), audience)
        .prefetch_related("lines__work_order")
        .order_by("-starts_on", "contractor__name", "id")
    )


def day_bounds(starts_on: dt.date, ends_on: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The instants a period of days starts and ends (exclusive), in the business zone."""
    zone = timezone.get_default_timezone()
    start = dt.datetime.combine(starts_on, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(ends_on + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    return start, end


def work_orders_of_contractor(contractor: Any) -> QuerySet[Any]:
    """Work orders given to ``contractor`` or to one of its technicians."""
    return work_order_list(audience=SYSTEM).filter(
        Q(contractor=contractor) | Q(technician__contractor=contractor)
    )


def contractor_statement_awaiting(statement: ContractorStatement) -> list[Any]:
    """The contractor's work orders completed by the end of the statement's period but not
    accepted by the customer (still awaiting, or disputed): listed, not paid."""
    _, end = day_bounds(statement.starts_on, statement.ends_on)
    return list(
        work_orders_of_contractor(statement.contractor_id)
        .filter(status__in=["completed", "disputed"], completed_at__lt=end)
        .order_by("completed_at", "id")
    )
