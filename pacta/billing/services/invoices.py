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
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from django.db import transaction
from django.db.models import Max, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from pacta.accounts.access import SYSTEM
from pacta.audit.services import (
    Action,
    Actor,
    RecordWriter,
    actor_user,
    change_entry,
    change_record,
    change_record_bulk,
    require_reason,
    rows_insert_values,
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
from pacta.billing.services.credits import sla_credits_before_close
from pacta.contracts.selectors import contract_list, contract_version_list
from pacta.domain import invoicing
from pacta.domain.errors import InvalidInput, PactaError
from pacta.domain.facturae import DIR3_ROLES
from pacta.domain.terms import version_in_force
from pacta.entitlements.selectors import credit_list_owed
from pacta.service.selectors import work_order_reference

Contract = Any
Customer = Any
Credit = Any
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
    """Work orders already billed: by their rated lines, or by the quote they carry out."""
    return InvoiceLine.objects.filter(
        work_order__isnull=False, kind__in=[InvoiceLineKind.CHARGE, InvoiceLineKind.QUOTE]
    ).values("work_order_id")


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


class PendingLine(NamedTuple):
    """A charge line waiting to be invoiced, read as values: what billing it takes."""

    pk: int
    position: int
    charge_type: str
    label: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    multiplier: Decimal
    amount: Decimal
    tax_rate: Decimal
    words: list[Any]
    rating_sequence: int
    period_on: dt.date
    work_order_id: int
    contract_id: int


#: The columns of a ``PendingLine``, in its order.
PENDING_COLUMNS = (
    "pk",
    "position",
    "charge_type",
    "label",
    "quantity",
    "unit",
    "unit_price",
    "multiplier",
    "amount",
    "tax_rate",
    "words",
    "rating__sequence",
    "rating__period_on",
    "rating__work_order_id",
    "rating__contract_version__contract_id",
)


def pending_lines(queryset: Any) -> list[PendingLine]:
    """The lines of ``queryset`` (``charge_lines_pending(…)``, narrowed) as plain values: no
    model instance per line."""
    return [PendingLine._make(row) for row in queryset.values_list(*PENDING_COLUMNS)]


# --- turning sources into lines -----------------------------------------------------------------
def _charge_source(line: PendingLine) -> invoicing.LineSource:
    reference = work_order_reference(line.work_order_id)
    return invoicing.LineSource(
        kind=InvoiceLineKind.CHARGE,
        description=f"{reference} · {line.label}",
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
                    "rating": line.rating_sequence,
                    "work_order": reference,
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


@dataclass
class Draft:
    """One invoice to write: what it bills (``key``), for whom, and its sources."""

    key: str
    origin: str
    customer: Customer
    contract: Contract | None
    period: ContractPeriod | None
    sources: Sequence[invoicing.LineSource]
    currency: str
    run: Any = None
    corrects: Invoice | None = None
    series: InvoiceSeries | None = None

    @property
    def kind(self) -> str:
        return InvoiceKind.CREDIT_NOTE if self.corrects is not None else InvoiceKind.INVOICE


def _invoices_write(
    drafts: Sequence[Draft], *, actor: Actor, now: dt.datetime, reason: str = ""
) -> list[Invoice]:
    """Write drafts with their lines and tax totals, in bulk (one insert per table however
    many), and their audit rows; inside the caller's transaction."""
    figures = [invoicing.invoice_figures(d.sources, d.currency) for d in drafts]
    user = actor_user(actor)
    invoices = Invoice.objects.bulk_create(
        [
            Invoice(
                kind=d.kind,
                key=d.key,
                origin=d.origin,
                customer=d.customer,
                contract=d.contract,
                period=d.period,
                corrects=d.corrects,
                series=d.series
                or _series(
                    SeriesKind.CREDIT_NOTE if d.corrects is not None else SeriesKind.INVOICE
                ),
                currency=d.currency,
                language=d.customer.language,
                tax_point_date=d.period.ends_on if d.period is not None else None,
                net_total=f.net_total,
                tax_total=f.tax_total,
                gross_total=f.gross_total,
                created_at=now,
                created_by=user,
                run=d.run,
            )
            for d, f in zip(drafts, figures, strict=True)
        ]
    )
    rows_insert_values(
        InvoiceLine,
        LINE_COLUMNS,
        (
            _line_values(invoice.pk, line)
            for invoice, f in zip(invoices, figures, strict=True)
            for line in f.lines
        ),
    )
    InvoiceTaxTotal.objects.bulk_create(
        [
            InvoiceTaxTotal(invoice=invoice, tax_percent=t.tax_percent, base=t.base, tax=t.tax)
            for invoice, f in zip(invoices, figures, strict=True)
            for t in f.tax_totals
        ]
    )
    change_record_bulk(
        change_entry(
            actor=actor,
            action=Action.CREATE,
            instance=invoice,
            before=None,
            after=snapshot(invoice),
            reason=reason,
            now=now,
        )
        for invoice in invoices
    )
    return invoices


def _invoice_write(*, actor: Actor, now: dt.datetime, reason: str = "", **draft: Any) -> Invoice:
    """Write one draft (see :func:`_invoices_write`)."""
    return _invoices_write([Draft(**draft)], actor=actor, now=now, reason=reason)[0]


#: The columns of an invoice line as ``_line_values`` gives them.
LINE_COLUMNS = (
    "invoice",
    "position",
    "kind",
    "description",
    "quantity",
    "unit",
    "unit_price",
    "net_amount",
    "tax_percent",
    "words",
    "charge_line",
    "credit",
    "corrects_line",
    "work_order",
)


def _line_values(invoice_id: int, line: invoicing.FigureLine) -> tuple[Any, ...]:
    """An invoice line's row (see ``LINE_COLUMNS``): the figures, and what it bills."""
    what, source = line.source
    charge_line = credit = corrects_line = work_order = None
    if what == "charge":
        charge_line, work_order = source.pk, source.work_order_id
    elif what == "credit":
        credit, work_order = source.pk, source.work_order_id
    elif what == "corrects":
        corrects_line, work_order = source.pk, source.work_order_id
    elif what == "quote":
        work_order = source
    return (
        invoice_id,
        line.position,
        line.kind,
        line.description[:300],
        line.quantity,
        line.unit[:10],
        line.unit_price,
        line.net_amount,
        line.tax_percent,
        list(line.words),
        charge_line,
        credit,
        corrects_line,
        work_order,
    )


# --- period close -------------------------------------------------------------------------------
def _today(now: dt.datetime) -> dt.date:
    return timezone.localdate(now)


class PeriodFacts:
    """What closing periods reads, read at once for a batch of periods (a handful of queries
    however many periods): each contract's versions with their scope and dated tax rates, its
    billing terms, the charge lines and credits waiting. Lines handed to one period are not
    handed to another."""

    def __init__(self, periods: Sequence[ContractPeriod]) -> None:
        ids = {period.contract_id for period in periods}
        since = min((period.starts_on for period in periods), default=dt.date.min)
        until = max((period.ends_on for period in periods), default=dt.date.min)
        self.versions: dict[Any, list[Any]] = defaultdict(list)
        versions = contract_version_list(audience=SYSTEM).filter(contract_id__in=ids)
        for version in versions.prefetch_related("scope_lines__service__tax_rate__values"):
            self.versions[version.contract_id].append(version)
        self.terms = {
            terms.contract_id: terms
            for terms in BillingTerms.objects.filter(contract_id__in=ids).prefetch_related(
                "fee_tax_rate__values"
            )
        }
        self.lines: dict[Any, list[PendingLine]] = defaultdict(list)
        lines = charge_lines_pending(
            rating__contract_version__contract_id__in=ids, rating__period_on__lte=until
        )
        for line in pending_lines(lines):
            self.lines[line.contract_id].append(line)
        self.credits: dict[Any, list[Any]] = defaultdict(list)
        invoiced = InvoiceLine.objects.filter(credit__isnull=False).values("credit_id")
        credits = credit_list_owed(contract_ids=ids, starts_on=since, ends_on=until)
        for credit in credits.exclude(pk__in=invoiced):
            self.credits[credit.contract_id].append(credit)
        self.series = _series(SeriesKind.INVOICE)

    def mode(self, contract: Contract) -> str:
        terms = self.terms.get(contract.pk)
        return terms.mode if terms is not None else BillingMode.PERIOD

    def _fee_percent(self, contract: Contract, version: Any, on: dt.date) -> Decimal:
        terms = self.terms.get(contract.pk)
        tax_rate = terms.fee_tax_rate if terms is not None else None
        if tax_rate is None:
            scope = sorted(version.scope_lines.all(), key=lambda line: line.service.code)
            included = [line for line in scope if line.coverage == "included"] or scope
            tax_rate = included[0].service.tax_rate if included else None
        value = version_in_force(tax_rate.values.all(), on) if tax_rate is not None else None
        if value is None:
            raise FeeTaxRateUnknown(
                _("Contract %(contract)s has no tax rate for its fee on %(day)s.")
                % {"contract": contract.number, "day": on.isoformat()}
            )
        return value.percent

    def _fee(self, contract: Contract, period: ContractPeriod) -> invoicing.LineSource | None:
        version = version_in_force(self.versions[contract.pk], period.starts_on)
        if version is None:
            raise NoTermsForPeriod(
                _("Contract %(contract)s had no terms in force on %(day)s.")
                % {"contract": contract.number, "day": period.starts_on.isoformat()}
            )
        if version.subscription_fee == 0:
            return None
        percent = self._fee_percent(contract, version, period.starts_on)
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
                        "Fee of contract %(contract)s, version %(version)s, "
                        "times %(share)s of a period"
                    ),
                    {
                        "contract": contract.number,
                        "version": version.number,
                        "share": str(period.share),
                    },
                ],
            ),
        )

    def sources(self, period: ContractPeriod) -> list[invoicing.LineSource]:
        """What a period's invoice bills: its fee, then (billed per period) the waiting rated
        lines of accepted work done by its end, then its credits (at the fee's tax rate, or
        the first line's, or zero). Call it in the customer's language."""
        contract = period.contract
        sources: list[invoicing.LineSource] = []
        fee = self._fee(contract, period)
        if fee is not None:
            sources.append(fee)
        if self.mode(contract) == BillingMode.PERIOD:
            due, later = [], []
            for line in self.lines[contract.pk]:
                (due if line.period_on <= period.ends_on else later).append(line)
            self.lines[contract.pk] = later
            sources.extend(_charge_source(line) for line in due)
        credits = self.credits[contract.pk]
        ours = [c for c in credits if period.starts_on <= c.period_on <= period.ends_on]
        if ours:
            self.credits[contract.pk] = [c for c in credits if c not in ours]
            percent = sources[0].tax_percent if sources else Decimal(0)
            sources.extend(_credit_source(credit, percent) for credit in ours)
        return sources


def period_key(period: ContractPeriod) -> str:
    return f"period:{period.contract_id}:{period.starts_on.isoformat()}"


def periods_write(
    *,
    actor: Actor,
    periods: Sequence[ContractPeriod],
    facts: PeriodFacts,
    now: dt.datetime,
    run: Any = None,
) -> tuple[dict[Any, Invoice], dict[Any, PactaError], int]:
    """Write the drafts of open periods locked by the caller, in bulk, and mark them closed
    (invoiced straight away when there is nothing to bill). Returns the invoices by period,
    the periods refused (no terms, no tax rate for the fee: left open) with their error, and
    the number of invoice lines written. Inside the caller's transaction: all or nothing."""
    drafts, refused, empty = [], {}, []
    for period in periods:
        contract = period.contract
        try:
            with translation.override(contract.customer.language):
                sources = facts.sources(period)
        except PactaError as error:
            refused[period.pk] = error
            continue
        if not sources:
            empty.append(period)
            continue
        drafts.append(
            Draft(
                key=period_key(period),
                origin=InvoiceOrigin.PERIOD,
                customer=contract.customer,
                contract=contract,
                period=period,
                sources=sources,
                currency=contract.currency,
                run=run,
                series=facts.series,
            )
        )
    invoices = _invoices_write(drafts, actor=actor, now=now)
    entries = []
    for state, done in (
        (PeriodState.CLOSED, [d.period for d in drafts]),
        (PeriodState.INVOICED, empty),
    ):
        if not done:
            continue
        ContractPeriod.objects.filter(pk__in=[p.pk for p in done]).update(
            state=state, closed_at=now
        )
        for period in done:
            before = snapshot(period)
            period.state, period.closed_at = state, now
            entries.append(
                change_entry(
                    actor=actor, instance=period, before=before, after=snapshot(period), now=now
                )
            )
    change_record_bulk(entries)
    lines = sum(len(d.sources) for d in drafts)
    return {invoice.period_id: invoice for invoice in invoices}, refused, lines


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
        refused_credit = sla_credits_before_close([period], now=now)
        if refused_credit:
            raise refused_credit[period.pk]
        written, refused, _lines = periods_write(
            actor=actor, periods=[period], facts=PeriodFacts([period]), now=now, run=run
        )
        if refused:
            raise refused[period.pk]
    return written.get(period.pk)


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
        lines = pending_lines(charge_lines_pending(rating__work_order=work_order))
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


def quote_invoice(*, actor: Actor, quote: Any, now: dt.datetime | None = None) -> Invoice:
    """Billing on quote acceptance: a draft of an accepted quote's lines at their quoted
    prices (the same quote again returns the same invoice). The work order carrying the quote
    out is then billed: its rated lines are not billed again."""
    now = now or timezone.now()
    if quote.status != "accepted":
        raise WrongBillingMode(
            _("Quote %(quote)s is not accepted: only accepted quotes are invoiced.")
            % {"quote": quote.number or quote.pk}
        )
    key = f"quote:{quote.pk}"
    with transaction.atomic():
        existing = Invoice.objects.filter(key=key).first()
        if existing is not None:
            return existing
        sources = [
            invoicing.LineSource(
                kind=InvoiceLineKind.QUOTE,
                description=line.description,
                quantity=line.quantity,
                unit=line.unit,
                unit_price=line.unit_price,
                amount=line.amount,
                tax_percent=line.tax_percent,
                source=("quote", quote.work_order_id),
                words=(
                    [
                        gettext_noop("Line %(line)s of quote %(quote)s"),
                        {"line": line.position, "quote": quote.number or str(quote.pk)},
                    ],
                ),
            )
            for line in quote.lines.order_by("position")
        ]
        if not sources:
            raise NothingToInvoice(_("The quote has no lines."))
        return _invoice_write(
            actor=actor,
            now=now,
            key=key,
            origin=InvoiceOrigin.QUOTE,
            customer=quote.customer,
            contract=quote.contract,
            period=None,
            sources=sources,
            currency=quote.currency,
        )


def customer_invoice_pending(
    *, actor: Actor, customer: Customer, now: dt.datetime | None = None
) -> list[Invoice]:
    """ "Invoice all pending billable work of this customer now": one draft per contract (and
    currency) with every accepted, rated line not yet invoiced, whatever the billing mode."""
    now = now or timezone.now()
    invoices = []
    with transaction.atomic():
        lines = pending_lines(
            charge_lines_pending(rating__contract_version__contract__customer=customer).exclude(
                amount=0
            )
        )
        if not lines:
            raise NothingToInvoice(_("This customer has no billable work waiting."))
        by_contract: dict[Any, list[PendingLine]] = {}
        for line in lines:
            by_contract.setdefault(line.contract_id, []).append(line)
        contracts = contract_list(audience=SYSTEM).in_bulk(list(by_contract))
        with translation.override(customer.language):
            for contract_id, group in by_contract.items():
                contract = contracts[contract_id]
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
        **{field: getattr(customer, field) for _role, field in DIR3_ROLES},
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
            invoice_settle(
                invoice.corrects,
                actor=actor,
                now=now,
                reason=f"credit note {invoice.number}",
            )
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


def invoice_settle(
    invoice: Invoice, *, actor: Actor, now: dt.datetime | None = None, reason: str = ""
) -> Invoice:
    """Set an issued invoice's state from what was paid and credited (inside a transaction);
    a change of state is audited as ``actor``'s, with ``reason`` (what settled it)."""
    invoice = _locked(invoice)
    credited = _credited_issued(invoice)
    state = invoicing.payment_state(
        gross_total=invoice.gross_total + credited, paid_total=invoice.paid_total
    )
    if state == "issued" and invoice.gross_total + credited <= 0:
        state = "paid"  # fully credited: nothing is owed
    if invoice.state != state:
        before = snapshot(invoice)
        Invoice.objects.filter(pk=invoice.pk).update(state=state)
        invoice.state = state
        _audit(actor, invoice, before, reason=reason, now=now)
    return invoice
