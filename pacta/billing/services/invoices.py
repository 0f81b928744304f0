"""Invoices and credit notes: drafts made from what was delivered, issued once, then frozen.

A draft comes from a closed billing period (the fee times the period's share, the rated lines
of accepted work, the period's credits), an accepted work order (per-job billing), or "all
pending billable work of this customer now". Every line points at its source; a charge line
or a credit is billed at most once (unique indexes, whatever the path). Figures are computed
by :mod:`pacta.domain.invoicing` and stored: an invoice never recomputes.

Issuing gives the next number of the series and year under a row lock on its counter, so
numbers are gapless and never shared. An issued invoice refuses every change: corrections are
credit notes, for the whole invoice or some lines, never more than is left on it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Max, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from pacta.audit.services import (
    Action,
    Actor,
    RecordWriter,
    actor_user,
    change_record,
    require_reason,
    snapshot,
)
from pacta.billing.errors import (
    FeeTaxRateUnknown,
    InvoiceImmutable,
    NotADraft,
    NoTermsForPeriod,
    NothingToInvoice,
    NotIssued,
    WrongBillingMode,
)
from pacta.billing.models import (
    Approval,
    BillingMode,
    BillingTerms,
    ChargeLine,
    ContractPeriod,
    Invoice,
    InvoiceKind,
    InvoiceLine,
    InvoiceLineKind,
    InvoiceOrigin,
    InvoiceSeries,
    InvoiceState,
    InvoiceTaxTotal,
    PeriodState,
    SeriesCounter,
    SeriesKind,
)
from pacta.catalog.selectors import tax_rate_percent_on
from pacta.contracts.selectors import contract_version_in_force
from pacta.domain import invoicing
from pacta.domain.errors import InvalidInput

Contract = Any
Customer = Any
Credit = Any
#: The credits ledger's record, reached through the invoice line that bills a credit (the
#: entitlements app has no selector for credits yet; when it gets one, read through it).
CREDITS = InvoiceLine._meta.get_field("credit").related_model
#: The series made when none is marked default for its kind.
DEFAULT_SERIES = {
    SeriesKind.INVOICE: ("F", "Invoices"),
    SeriesKind.CREDIT_NOTE: ("R", "Credit notes"),
}
#: Draft fields a person may still change; everything else comes from the sources.
DRAFT_FIELDS = frozenset({"notes", "due_date", "tax_point_date"})


def _audit(
    actor: Actor,
    instance: Any,
    before: dict[str, Any] | None,
    *,
    action: str = Action.UPDATE,
    reason: str = "",
    now: dt.datetime | None = None,
) -> None:
    after = None if action == Action.DELETE else snapshot(instance)
    change_record(
        actor=actor,
        action=action,
        instance=instance,
        before=before,
        after=after,
        reason=reason,
        now=now,
    )


# --- reading what is due ------------------------------------------------------------------------
def billing_mode_of(contract: Contract) -> str:
    terms = BillingTerms.objects.filter(contract=contract).values_list("mode", flat=True).first()
    return terms or BillingMode.PERIOD


def _invoiced_work_orders() -> Any:
    return InvoiceLine.objects.filter(work_order__isnull=False, charge_line__isnull=False).values(
        "work_order_id"
    )


def charge_lines_pending(**filters: Any) -> Any:
    """Charge lines waiting to be invoiced: on the current rating of accepted work, approved
    when they needed approval, on no invoice yet. A work order already invoiced and rated
    again afterwards is left for a person (a credit note and a new invoice), never billed twice.
    ``filters`` narrow it (``rating__contract_version__contract=…``)."""
    return (
        ChargeLine.objects.filter(
            rating__superseded_at__isnull=True,
            rating__work_order__status="accepted",
            **filters,
        )
        .exclude(approval__in=[Approval.PENDING, Approval.REJECTED])
        .exclude(rating__work_order_id__in=_invoiced_work_orders())
        .select_related("rating__work_order")
        .order_by("rating__work_order_id", "rating_id", "position")
    )


def credits_pending(contract: Contract, starts_on: dt.date, ends_on: dt.date) -> Any:
    invoiced = InvoiceLine.objects.filter(credit__isnull=False).values("credit_id")
    return (
        CREDITS.objects.filter(contract=contract, period_on__gte=starts_on, period_on__lte=ends_on)
        .exclude(pk__in=invoiced)
        .order_by("period_on", "pk")
    )


def _fee_percent(contract: Contract, version: Any, on: dt.date) -> Decimal:
    terms = BillingTerms.objects.filter(contract=contract).select_related("fee_tax_rate").first()
    tax_rate = terms.fee_tax_rate if terms is not None else None
    if tax_rate is None:
        scope = list(version.scope_lines.select_related("service__tax_rate"))
        included = [line for line in scope if line.coverage == "included"] or scope
        tax_rate = included[0].service.tax_rate if included else None
    percent = tax_rate_percent_on(tax_rate, on) if tax_rate is not None else None
    if percent is None:
        raise FeeTaxRateUnknown(
            _("Contract %(contract)s has no tax rate for its fee on %(day)s.")
            % {"contract": contract.number, "day": on.isoformat()}
        )
    return percent


# --- turning sources into lines -----------------------------------------------------------------
def _fee_source(contract: Contract, period: ContractPeriod) -> invoicing.LineSource | None:
    version = contract_version_in_force(contract, period.starts_on)
    if version is None:
        raise NoTermsForPeriod(
            _("Contract %(contract)s had no terms in force on %(day)s.")
            % {"contract": contract.number, "day": period.starts_on.isoformat()}
        )
    if version.subscription_fee == 0:
        return None
    percent = _fee_percent(contract, version, period.starts_on)
    return invoicing.LineSource(
        kind=InvoiceLineKind.FEE,
        description=_("Subscription fee, %(from)s to %(until)s")
        % {"from": period.starts_on.isoformat(), "until": period.ends_on.isoformat()},
        quantity=period.share,
        unit=period.length,
        unit_price=version.subscription_fee,
        amount=invoicing.fee_amount(version.subscription_fee, period.share),
        tax_percent=percent,
        source=("fee", version.pk),
        words=(
            [
                gettext_noop(
                    "Fee of contract %(contract)s, version %(version)s, times %(share)s of a period"
                ),
                {
                    "contract": contract.number,
                    "version": version.number,
                    "share": str(period.share),
                },
            ],
        ),
    )


def _charge_source(line: ChargeLine) -> invoicing.LineSource:
    work_order = line.rating.work_order
    return invoicing.LineSource(
        kind=InvoiceLineKind.CHARGE,
        description=f"{work_order.reference} · {line.label}",
        quantity=line.quantity,
        unit=line.unit,
        unit_price=line.unit_price * line.multiplier,
        amount=line.amount,
        tax_percent=line.tax_rate,
        source=("charge", line),
        words=(
            [
                gettext_noop(
                    "Line %(line)s of rating %(rating)s of %(work_order)s (%(charge_type)s)"
                ),
                {
                    "line": line.position,
                    "rating": line.rating.sequence,
                    "work_order": work_order.reference,
                    "charge_type": line.charge_type,
                },
            ],
            *line.words,
        ),
    )


def _credit_source(credit: Credit, tax_percent: Decimal) -> invoicing.LineSource:
    return invoicing.LineSource(
        kind=InvoiceLineKind.CREDIT,
        description=f"{credit.get_kind_display()}: {credit.reason}"[:300],
        quantity=Decimal(1),
        unit="",
        unit_price=credit.amount,
        amount=credit.amount,
        tax_percent=tax_percent,
        source=("credit", credit),
        words=(
            [
                gettext_noop("Credit %(credit)s of %(period)s"),
                {"credit": credit.pk, "period": str(credit.period_on)},
            ],
        ),
    )


def _series(kind: str) -> InvoiceSeries:
    series = InvoiceSeries.objects.filter(kind=kind, is_default=True, is_active=True).first()
    if series is None:
        code, name = DEFAULT_SERIES[SeriesKind(kind)]
        series, _created = InvoiceSeries.objects.get_or_create(
            code=code, defaults={"name": name, "kind": kind, "is_default": True}
        )
    return series


def _invoice_write(
    *,
    actor: Actor,
    key: str,
    origin: str,
    customer: Customer,
    contract: Contract | None,
    period: ContractPeriod | None,
    sources: Sequence[invoicing.LineSource],
    currency: str,
    now: dt.datetime,
    run: Any = None,
    corrects: Invoice | None = None,
    reason: str = "",
) -> Invoice:
    """Write one draft with its lines and tax totals (inside the caller's transaction)."""
    figures = invoicing.invoice_figures(sources, currency)
    kind = InvoiceKind.CREDIT_NOTE if corrects is not None else InvoiceKind.INVOICE
    invoice = Invoice.objects.create(
        kind=kind,
        key=key,
        origin=origin,
        customer=customer,
        contract=contract,
        period=period,
        corrects=corrects,
        series=_series(kind),
        currency=currency,
        language=customer.language,
        tax_point_date=period.ends_on if period is not None else None,
        net_total=figures.net_total,
        tax_total=figures.tax_total,
        gross_total=figures.gross_total,
        created_at=now,
        created_by=actor_user(actor),
        run=run,
    )
    InvoiceLine.objects.bulk_create([_line_row(invoice, line) for line in figures.lines])
    InvoiceTaxTotal.objects.bulk_create(
        [
            InvoiceTaxTotal(invoice=invoice, tax_percent=t.tax_percent, base=t.base, tax=t.tax)
            for t in figures.tax_totals
        ]
    )
    _audit(actor, invoice, None, action=Action.CREATE, reason=reason, now=now)
    return invoice


def _line_row(invoice: Invoice, line: invoicing.FigureLine) -> InvoiceLine:
    what, source = line.source
    row = InvoiceLine(
        invoice=invoice,
        position=line.position,
        kind=line.kind,
        description=line.description[:300],
        quantity=line.quantity,
        unit=line.unit[:10],
        unit_price=line.unit_price,
        net_amount=line.net_amount,
        tax_percent=line.tax_percent,
        words=list(line.words),
    )
    if what == "charge":
        row.charge_line = source
        row.work_order_id = source.rating.work_order_id
    elif what == "credit":
        row.credit = source
        row.work_order_id = source.work_order_id
    elif what == "corrects":
        row.corrects_line = source
        row.work_order_id = source.work_order_id
    return row


# --- period close -------------------------------------------------------------------------------
def _today(now: dt.datetime) -> dt.date:
    return timezone.localdate(now)


def period_sources(period: ContractPeriod) -> list[invoicing.LineSource]:
    """What a period's invoice bills: its fee, then (billed per period) the pending rated lines
    of accepted work done by its end, then its credits (at the fee's tax rate, or the first
    line's, or zero)."""
    contract = period.contract
    sources: list[invoicing.LineSource] = []
    fee = _fee_source(contract, period)
    if fee is not None:
        sources.append(fee)
    if billing_mode_of(contract) == BillingMode.PERIOD:
        lines = charge_lines_pending(
            rating__contract_version__contract=contract, rating__period_on__lte=period.ends_on
        )
        sources.extend(_charge_source(line) for line in lines)
    credits = list(credits_pending(contract, period.starts_on, period.ends_on))
    if credits:
        percent = sources[0].tax_percent if sources else Decimal(0)
        sources.extend(_credit_source(credit, percent) for credit in credits)
    return sources


def period_key(period: ContractPeriod) -> str:
    return f"period:{period.contract_id}:{period.starts_on.isoformat()}"


def period_close(
    *, actor: Actor, period: ContractPeriod, now: dt.datetime | None = None, run: Any = None
) -> Invoice | None:
    """Close an ended period into an invoice draft (None when there is nothing to bill: then
    the period is marked invoiced straight away). A period already closed returns its
    invoice and writes nothing."""
    now = now or timezone.now()
    with transaction.atomic():
        period = (
            ContractPeriod.objects.select_for_update()
            .select_related("contract__customer")
            .get(pk=period.pk)
        )
        if period.state != PeriodState.OPEN:
            return Invoice.objects.filter(key=period_key(period)).first()
        invoicing.period_check_ended(ends_on=period.ends_on, today=_today(now))
        contract = period.contract
        customer = contract.customer
        with translation.override(customer.language):
            sources = period_sources(period)
        before = snapshot(period)
        invoice = None
        if sources:
            invoice = _invoice_write(
                actor=actor,
                key=period_key(period),
                origin=InvoiceOrigin.PERIOD,
                customer=customer,
                contract=contract,
                period=period,
                sources=sources,
                currency=contract.currency,
                now=now,
                run=run,
            )
        period.state = PeriodState.CLOSED if invoice is not None else PeriodState.INVOICED
        period.closed_at = now
        period.save(update_fields=["state", "closed_at"])
        _audit(actor, period, before, now=now)
    return invoice


# --- other ways to bill -------------------------------------------------------------------------
def work_order_invoice(*, actor: Actor, work_order: Any, now: dt.datetime | None = None) -> Invoice:
    """Per-job billing: a draft for an accepted work order of a contract billed per job (the
    same work order again returns the same invoice)."""
    now = now or timezone.now()
    contract = work_order.ticket.contract
    if contract is None or billing_mode_of(contract) != BillingMode.JOB:
        raise WrongBillingMode(_("This work order's contract is not billed per job."))
    key = f"job:{work_order.pk}"
    with transaction.atomic():
        existing = Invoice.objects.filter(key=key).first()
        if existing is not None:
            return existing
        lines = list(charge_lines_pending(rating__work_order=work_order))
        if not lines:
            raise NothingToInvoice(
                _("%(work_order)s has no accepted, rated work waiting to be invoiced.")
                % {"work_order": work_order.reference}
            )
        customer = contract.customer
        with translation.override(customer.language):
            sources = [_charge_source(line) for line in lines]
        return _invoice_write(
            actor=actor,
            key=key,
            origin=InvoiceOrigin.JOB,
            customer=customer,
            contract=contract,
            period=None,
            sources=sources,
            currency=contract.currency,
            now=now,
        )


def customer_invoice_pending(
    *, actor: Actor, customer: Customer, now: dt.datetime | None = None
) -> list[Invoice]:
    """ "Invoice all pending billable work of this customer now": one draft per contract (and
    currency) with every accepted, rated line not yet invoiced, whatever the billing mode."""
    now = now or timezone.now()
    invoices = []
    with transaction.atomic():
        lines = list(
            charge_lines_pending(rating__contract_version__contract__customer=customer)
            .exclude(amount=0)
            .select_related("rating__contract_version__contract")
        )
        if not lines:
            raise NothingToInvoice(_("This customer has no billable work waiting."))
        by_contract: dict[Any, list[ChargeLine]] = {}
        for line in lines:
            by_contract.setdefault(line.rating.contract_version.contract, []).append(line)
        with translation.override(customer.language):
            for contract, group in by_contract.items():
                invoices.append(
                    _invoice_write(
                        actor=actor,
                        key=f"pending:{contract.pk}:{group[0].pk}",
                        origin=InvoiceOrigin.PENDING,
                        customer=customer,
                        contract=contract,
                        period=None,
                        sources=[_charge_source(line) for line in group],
                        currency=contract.currency,
                        now=now,
                    )
                )
    return invoices


# --- drafts and issue ---------------------------------------------------------------------------
def _locked(invoice: Invoice) -> Invoice:
    return Invoice.objects.select_for_update().get(pk=invoice.pk)


def _refuse_issued(invoice: Invoice) -> None:
    if invoice.state != InvoiceState.DRAFT:
        raise InvoiceImmutable(
            _("Invoice %(number)s is issued: correct it with a credit note.")
            % {"number": invoice.number}
        )


def invoice_update(
    *, actor: Actor, invoice: Invoice, values: dict[str, Any], reason: str = ""
) -> Invoice:
    """Change a draft's notes, due date or date of supply; an issued invoice refuses."""
    with transaction.atomic():
        invoice = _locked(invoice)
        _refuse_issued(invoice)
        unknown = sorted(set(values) - DRAFT_FIELDS)
        if unknown:
            raise InvalidInput(
                _("These fields come from what is billed and cannot be changed."),
                fields={name: [_("Not changeable on an invoice.")] for name in unknown},
            )
        before = snapshot(invoice)
        for name, value in values.items():
            setattr(invoice, name, value)
        invoice.save(update_fields=sorted(values))
        _audit(actor, invoice, before, reason=reason)
    return invoice


def invoice_delete(*, actor: Actor, invoice: Invoice, reason: str = "") -> None:
    """Throw away a draft (its period opens again, its lines are billable again)."""
    with transaction.atomic():
        invoice = _locked(invoice)
        _refuse_issued(invoice)
        before = snapshot(invoice)
        period = invoice.period
        invoice.lines.all().delete()
        invoice.tax_totals.all().delete()
        _audit(actor, invoice, before, action=Action.DELETE, reason=reason)
        invoice.delete()
        if period is not None and invoice.origin == InvoiceOrigin.PERIOD:
            ContractPeriod.objects.filter(pk=period.pk).update(
                state=PeriodState.OPEN, closed_at=None
            )


def _buyer(customer: Customer) -> dict[str, str]:
    return {
        "name": customer.legal_name,
        "tax_id": customer.tax_id,
        "address": customer.address_line1,
        "address_2": customer.address_line2,
        "postal_code": customer.postal_code,
        "city": customer.city,
        "region": customer.region,
        "country": str(customer.country.code if customer.country else ""),
        "email": customer.email,
    }


def invoice_issue(
    *,
    actor: Actor,
    invoice: Invoice,
    now: dt.datetime | None = None,
    issue_date: dt.date | None = None,
) -> Invoice:
    """Number and freeze a draft: the next number of its series in the issue year, taken under
    a lock on the series counter (gapless: a failed issue rolls the counter back too)."""
    now = now or timezone.now()
    issue_date = issue_date or _today(now)
    with transaction.atomic():
        invoice = _locked(invoice)
        if invoice.state != InvoiceState.DRAFT:
            raise NotADraft(_("Invoice %(number)s is already issued.") % {"number": invoice.number})
        if invoice.kind == InvoiceKind.CREDIT_NOTE:
            _credit_check_left(invoice.corrects, invoice.gross_total, excluding=invoice)
        year = issue_date.year
        SeriesCounter.objects.get_or_create(series=invoice.series, year=year)
        counter = SeriesCounter.objects.select_for_update().get(series=invoice.series, year=year)
        latest = Invoice.objects.filter(series=invoice.series, year=year).aggregate(
            latest=Max("issue_date")
        )["latest"]
        if latest is not None and issue_date < latest:
            raise InvalidInput.on(
                "issue_date",
                _("Series %(series)s already has an invoice of %(day)s: numbers follow dates.")
                % {"series": invoice.series.code, "day": latest.isoformat()},
            )
        before = snapshot(invoice)
        counter.last_number += 1
        counter.save(update_fields=["last_number"])
        invoice.year = year
        invoice.sequence = counter.last_number
        invoice.number = invoicing.invoice_number(
            series=invoice.series.code, year=year, sequence=counter.last_number
        )
        invoice.issue_date = issue_date
        invoice.tax_point_date = invoice.tax_point_date or issue_date
        customer = invoice.customer
        invoice.due_date = invoice.due_date or issue_date + dt.timedelta(
            days=customer.payment_terms_days
        )
        invoice.buyer = _buyer(customer)
        invoice.state = InvoiceState.ISSUED
        invoice.issued_at = now
        invoice.issued_by = actor_user(actor)
        invoice.save()
        _audit(actor, invoice, before, reason="issued", now=now)
        if invoice.period_id is not None and invoice.origin == InvoiceOrigin.PERIOD:
            ContractPeriod.objects.filter(pk=invoice.period_id).update(state=PeriodState.INVOICED)
        if invoice.kind == InvoiceKind.CREDIT_NOTE:
            invoice_settle(invoice.corrects)
    return invoice


#: The admin and API write invoices through these: drafts change, issued invoices refuse.
INVOICE = RecordWriter(param="invoice", create=None, update=invoice_update, delete=invoice_delete)


# --- credit notes -------------------------------------------------------------------------------
def _credited(invoice: Invoice, *, excluding: Invoice | None = None) -> Decimal:
    notes = invoice.credit_notes.all()
    if excluding is not None:
        notes = notes.exclude(pk=excluding.pk)
    return notes.aggregate(total=Sum("gross_total"))["total"] or Decimal(0)


def _credit_check_left(invoice: Invoice, new: Decimal, *, excluding: Invoice | None = None) -> None:
    invoicing.credit_note_check_total(
        invoice_gross=invoice.gross_total,
        credited_gross=_credited(invoice, excluding=excluding),
        new=new,
    )


def credit_note_create(
    *,
    actor: Actor,
    invoice: Invoice,
    reason: str,
    lines: Sequence[tuple[Any, Decimal | None]] | None = None,
    now: dt.datetime | None = None,
) -> Invoice:
    """A draft credit note against an issued invoice: every line (``lines`` None) or the given
    (line id, net amount; None = what is left of it). Refuses more than is left on a line or
    on the invoice."""
    reason = require_reason(reason)
    now = now or timezone.now()
    with transaction.atomic():
        invoice = _locked(invoice)
        if invoice.kind != InvoiceKind.INVOICE or invoice.state == InvoiceState.DRAFT:
            raise NotIssued(_("Only an issued invoice is corrected by a credit note."))
        rows = list(invoice.lines.order_by("position"))
        credited = dict(
            InvoiceLine.objects.filter(corrects_line__invoice=invoice)
            .values("corrects_line_id")
            .annotate(total=Sum("net_amount"))
            .values_list("corrects_line_id", "total")
        )
        creditable = [
            invoicing.CreditableLine(row.pk, row.net_amount, credited.get(row.pk, Decimal(0)))
            for row in rows
        ]
        if lines is None:
            wanted = [(row.pk, None) for row in rows if row.net_amount + credited.get(row.pk, 0)]
        else:
            wanted = [(int(line_id), amount) for line_id, amount in lines]
        amounts = invoicing.credit_note_amounts(creditable, wanted)
        by_id = {row.pk: row for row in rows}
        sources = [
            invoicing.LineSource(
                kind=InvoiceLineKind.CORRECTION,
                description=by_id[line.line_id].description,
                quantity=Decimal(1),
                unit="",
                unit_price=amount,
                amount=amount,
                tax_percent=by_id[line.line_id].tax_percent,
                source=("corrects", by_id[line.line_id]),
                words=(
                    [
                        gettext_noop("Corrects line %(line)s of invoice %(number)s"),
                        {"line": by_id[line.line_id].position, "number": invoice.number},
                    ],
                ),
            )
            for line, amount in amounts
        ]
        figures = invoicing.invoice_figures(sources, invoice.currency)
        _credit_check_left(invoice, figures.gross_total)
        count = invoice.credit_notes.count()
        return _invoice_write(
            actor=actor,
            key=f"correction:{invoice.pk}:{count + 1}",
            origin=InvoiceOrigin.CORRECTION,
            customer=invoice.customer,
            contract=invoice.contract,
            period=invoice.period,
            sources=sources,
            currency=invoice.currency,
            now=now,
            corrects=invoice,
            reason=reason,
        )


# --- payment state ------------------------------------------------------------------------------
def _credited_issued(invoice: Invoice) -> Decimal:
    notes = invoice.credit_notes.exclude(state=InvoiceState.DRAFT)
    return notes.aggregate(total=Sum("gross_total"))["total"] or Decimal(0)


def invoice_outstanding(invoice: Invoice) -> Decimal:
    """What is still owed: the total, less issued credit notes, less what was paid."""
    paid = Invoice.objects.filter(pk=invoice.pk).values_list("paid_total", flat=True).get()
    return invoice.gross_total + _credited_issued(invoice) - paid


def invoice_settle(invoice: Invoice) -> Invoice:
    """Set an issued invoice's state from what was paid and credited (inside a transaction)."""
    invoice = _locked(invoice)
    credited = _credited_issued(invoice)
    state = invoicing.payment_state(
        gross_total=invoice.gross_total + credited, paid_total=invoice.paid_total
    )
    if state == "issued" and invoice.gross_total + credited <= 0:
        state = "paid"  # fully credited: nothing is owed
    if invoice.state != state:
        Invoice.objects.filter(pk=invoice.pk).update(state=state)
        invoice.state = state
    return invoice
