"""Payments: money received, what it pays, and bank statements matched to invoices.

A payment is in the customer's currency (another is refused, never converted). It is spread
over the customer's open invoices, oldest due first, unless told which; what is left over is
held on the payment as the customer's credit, to allocate later. An invoice's state follows
by itself: partly paid, then paid.

A bank statement CSV is imported whole or not at all: the encoding (UTF-8) and the columns
are checked first, then every row; all bad rows are named at once. Each movement that names
one open invoice and pays exactly what it owes becomes a payment of that invoice; the others
wait for a person.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from pacta.audit.services import (
    Action,
    Actor,
    actor_user,
    change_entry,
    change_record,
    change_record_bulk,
    snapshot,
)
from pacta.billing.errors import (
    AllocationRefused,
    PaymentCurrencyRefused,
    StatementAlreadyImported,
)
from pacta.billing.models import (
    BankLineState,
    BankStatement,
    BankStatementLine,
    Invoice,
    InvoiceKind,
    InvoiceState,
    Payment,
    PaymentAllocation,
    PaymentMethod,
)
from pacta.billing.services.invoices import invoice_outstanding, invoice_settle
from pacta.domain import invoicing
from pacta.domain.errors import Conflict, FieldErrors, InvalidInput
from pacta.domain.money import quantum_of

Customer = Any
OPEN_STATES = (InvoiceState.ISSUED, InvoiceState.PARTLY_PAID)
#: Columns of a bank statement CSV: the required ones, then the optional ones.
REQUIRED_COLUMNS = ("booked_on", "amount", "currency", "reference")
OPTIONAL_COLUMNS = ("counterparty", "counterparty_iban")


def _open_invoices(customer: Customer) -> Any:
    return Invoice.objects.filter(
        customer=customer, kind=InvoiceKind.INVOICE, state__in=OPEN_STATES
    ).order_by("due_date", "issue_date", "pk")


def _allocate(
    actor: Actor, payment: Payment, invoice: Invoice, amount: Decimal, now: dt.datetime
) -> None:
    """Record ``amount`` of ``payment`` on ``invoice`` (both locked by the caller)."""
    PaymentAllocation.objects.create(
        payment=payment, invoice=invoice, amount=amount, allocated_at=now
    )
    Invoice.objects.filter(pk=invoice.pk).update(paid_total=F("paid_total") + amount)
    Payment.objects.filter(pk=payment.pk).update(allocated=F("allocated") + amount)
    payment.allocated += amount
    invoice_settle(invoice, actor=actor, now=now, reason=f"payment {payment.pk}")


def _check_allocation(payment: Payment, invoice: Invoice, amount: Decimal) -> None:
    if invoice.customer_id != payment.customer_id or invoice.kind != InvoiceKind.INVOICE:
        raise AllocationRefused.on("invoice", _("The invoice is not one of this customer's."))
    if invoice.state not in OPEN_STATES:
        raise AllocationRefused.on(
            "invoice",
            _("Invoice %(number)s is not open for payment (%(state)s).")
            % {"number": invoice.number or invoice.pk, "state": invoice.get_state_display()},
        )
    if amount <= 0 or amount != amount.quantize(quantum_of(payment.currency)):
        raise AllocationRefused.on("amount", _("Allocate an amount above zero, in cents."))
    if amount > payment.amount - payment.allocated:
        raise AllocationRefused.on(
            "amount",
            _("Only %(left)s of the payment is left to allocate.")
            % {"left": payment.amount - payment.allocated},
        )
    if amount > invoice_outstanding(invoice):
        raise AllocationRefused.on(
            "amount",
            _("Invoice %(number)s owes %(due)s only.")
            % {"number": invoice.number, "due": invoice_outstanding(invoice)},
        )


def payment_record(
    *,
    actor: Actor,
    customer: Customer,
    amount: Decimal,
    currency: str,
    received_on: dt.date,
    method: str = PaymentMethod.TRANSFER,
    reference: str = "",
    invoices: Sequence[Invoice] | None = None,
    bank_line: BankStatementLine | None = None,
    now: dt.datetime | None = None,
) -> Payment:
    """Record money a customer paid and spread it over ``invoices`` (in that order; default:
    its open invoices, oldest due first). What is left is held as the customer's credit."""
    now = now or timezone.now()
    errors = FieldErrors()
    if currency != customer.currency:
        raise PaymentCurrencyRefused.on(
            "currency",
            _("%(customer)s pays in %(expected)s, not %(currency)s.")
            % {
                "customer": customer.legal_name,
                "expected": customer.currency,
                "currency": currency,
            },
        )
    if not isinstance(amount, Decimal) or amount <= 0:
        errors.add("amount", _("A payment is an amount above zero."))
    elif amount != amount.quantize(quantum_of(currency)):
        errors.add("amount", _("The amount has more decimals than its currency."))
    if method not in PaymentMethod.values:
        errors.add("method", _("Not a payment method."))
    errors.raise_if_any()
    with transaction.atomic():
        payment = Payment.objects.create(
            customer=customer,
            received_on=received_on,
            amount=amount,
            currency=currency,
            method=method,
            reference=reference[:140],
            bank_line=bank_line,
            created_at=now,
            created_by=actor_user(actor),
        )
        targets = list(invoices) if invoices is not None else list(_open_invoices(customer))
        locked = {
            i.pk: i
            for i in Invoice.objects.select_for_update().filter(pk__in=[t.pk for t in targets])
        }
        if invoices is not None:
            for invoice in targets:
                _check_allocation(payment, locked[invoice.pk], Decimal("0.01"))
        allocations, _left = invoicing.allocate_oldest_first(
            amount, [(t.pk, invoice_outstanding(locked[t.pk])) for t in targets]
        )
        for invoice_id, part in allocations:
            _allocate(actor, payment, locked[invoice_id], part, now)
        change_record(
            actor=actor,
            action=Action.CREATE,
            instance=payment,
            before=None,
            after=snapshot(payment),
            now=now,
        )
    return payment


def payment_allocate(
    *,
    actor: Actor,
    payment: Payment,
    invoice: Invoice,
    amount: Decimal,
    now: dt.datetime | None = None,
) -> PaymentAllocation:
    """Allocate part of what is left of a payment (the customer's credit) to an invoice."""
    now = now or timezone.now()
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
        _check_allocation(payment, invoice, amount)
        before = snapshot(payment)
        _allocate(actor, payment, invoice, amount, now)
        payment.refresh_from_db()
        change_record(
            actor=actor,
            action=Action.UPDATE,
            instance=payment,
            before=before,
            after=snapshot(payment),
            reason=f"allocated to {invoice.number}",
            now=now,
        )
        return payment.allocations.order_by("-pk").first()  # type: ignore[return-value]


def customer_credit(customer: Customer) -> Decimal:
    """What the customer paid that is not allocated to any invoice yet."""
    totals = Payment.objects.filter(customer=customer).aggregate(
        paid=Sum("amount"), allocated=Sum("allocated")
    )
    return (totals["paid"] or Decimal(0)) - (totals["allocated"] or Decimal(0))


# --- bank statements ----------------------------------------------------------------------------
def _decode(content: bytes) -> str:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput.on(
            "file", _("The file is not UTF-8 text: export the statement as UTF-8 CSV.")
        ) from None
    return text


def _columns(header: Sequence[str] | None) -> list[str]:
    names = [name.strip().lower() for name in header or []]
    missing = [name for name in REQUIRED_COLUMNS if name not in names]
    unknown = [name for name in names if name not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    if missing or unknown:
        problems = []
        if missing:
            problems.append(_("missing columns: %(names)s") % {"names": ", ".join(missing)})
        if unknown:
            problems.append(_("unknown columns: %(names)s") % {"names": ", ".join(unknown)})
        message = _("The statement's columns are wrong (%(problems)s); expected %(expected)s.") % {
            "problems": "; ".join(problems),
            "expected": ", ".join(REQUIRED_COLUMNS + OPTIONAL_COLUMNS),
        }
        raise InvalidInput.on("columns", message)
    return names


def _parse_row(number: int, values: dict[str, str]) -> tuple[dict[str, Any], list[str]]:
    """The row's values, and what is wrong with them (nothing: an empty list)."""
    problems: list[str] = []
    parsed: dict[str, Any] = {"row": number}
    try:
        parsed["booked_on"] = dt.date.fromisoformat(values["booked_on"].strip())
    except ValueError:
        problems.append(_("booked_on is not a date (YYYY-MM-DD)."))
    try:
        amount = Decimal(values["amount"].strip())
        if not amount.is_finite() or amount != amount.quantize(Decimal("0.01")):
            raise InvalidOperation
        parsed["amount"] = amount
    except InvalidOperation:
        problems.append(_("amount is not a number with at most two decimals."))
    currency = values["currency"].strip().upper()
    if len(currency) != 3 or not currency.isalpha():
        problems.append(_("currency is not a three-letter code."))
    parsed["currency"] = currency
    parsed["reference"] = values["reference"].strip()[:300]
    parsed["counterparty"] = (values.get("counterparty") or "").strip()[:200]
    parsed["counterparty_iban"] = (values.get("counterparty_iban") or "").strip()[:34]
    return parsed, problems


def bank_statement_import(
    *, actor: Actor, file_name: str, content: bytes, now: dt.datetime | None = None
) -> BankStatement:
    """Import a bank statement CSV (whole or not at all) and match its movements."""
    now = now or timezone.now()
    sha256 = hashlib.sha256(content).hexdigest()
    reader = csv.DictReader(io.StringIO(_decode(content)))
    names = _columns(reader.fieldnames)
    reader.fieldnames = names
    errors = FieldErrors()
    rows = []
    for number, values in enumerate(reader, start=2):  # row 1 is the header
        if None in values or any(values.get(name) is None for name in REQUIRED_COLUMNS):
            parsed, problems = {}, [_("The row does not have one value per column.")]
        else:
            parsed, problems = _parse_row(number, values)
        for problem in problems:
            errors.add(_("row %(row)d") % {"row": number}, problem)
        if not problems:
            rows.append(parsed)
    errors.raise_if_any(
        _("The statement was not imported: some rows are wrong.") if errors else None
    )
    if not rows:
        raise InvalidInput.on("file", _("The statement has no movements."))
    with transaction.atomic():
        if BankStatement.objects.filter(sha256=sha256).exists():
            raise StatementAlreadyImported(_("This statement was imported already."))
        statement = BankStatement.objects.create(
            file_name=file_name[:200], sha256=sha256, imported_at=now, imported_by=actor_user(actor)
        )
        BankStatementLine.objects.bulk_create(
            [BankStatementLine(statement=statement, **values) for values in rows]
        )
        change_record(
            actor=actor,
            action=Action.CREATE,
            instance=statement,
            before=None,
            after=snapshot(statement),
            now=now,
        )
        _match(actor, list(statement.lines.order_by("row")), now)
    return statement


def _pays(actor: Actor, line: BankStatementLine, invoice: Invoice, now: dt.datetime) -> Payment:
    """The bank movement as a payment of ``invoice`` by its customer."""
    return payment_record(
        actor=actor,
        customer=invoice.customer,
        amount=line.amount,
        currency=line.currency,
        received_on=line.booked_on,
        reference=line.reference,
        invoices=[invoice],
        bank_line=line,
        now=now,
    )


def _match(actor: Actor, lines: list[BankStatementLine], now: dt.datetime) -> None:
    candidates = [
        invoicing.OpenInvoice(i.pk, i.number or "", i.currency, invoice_outstanding(i))
        for i in Invoice.objects.filter(kind=InvoiceKind.INVOICE, state__in=OPEN_STATES)
        .exclude(number__isnull=True)
        .select_related("customer")
    ]
    by_id = {
        i.pk: i
        for i in Invoice.objects.filter(pk__in=[c.invoice_id for c in candidates]).select_related(
            "customer"
        )
    }
    entries = []
    for line in lines:
        invoice_id = invoicing.match_bank_line(
            reference=line.reference,
            amount=line.amount,
            currency=line.currency,
            invoices=candidates,
        )
        if invoice_id is None:
            continue
        invoice = by_id[invoice_id]
        _pays(actor, line, invoice, now)
        before = snapshot(line)
        line.state = BankLineState.MATCHED
        line.save(update_fields=["state"])
        entries.append(
            change_entry(actor=actor, instance=line, before=before, after=snapshot(line), now=now)
        )
        # paid now: no second line of the same statement matches it
        candidates = [c for c in candidates if c.invoice_id != invoice_id]
    change_record_bulk(entries)


def bank_line_resolve(
    *,
    actor: Actor,
    line: BankStatementLine,
    invoice: Invoice | None = None,
    ignore: bool = False,
    reason: str = "",
    now: dt.datetime | None = None,
) -> BankStatementLine:
    """A person settles a movement left unmatched: it pays ``invoice`` (any amount up to what
    it owes; the rest is held as the customer's credit), or it is no customer payment.
    ``reason`` (why, e.g. of a movement set aside) is kept in the audit row."""
    now = now or timezone.now()
    with transaction.atomic():
        line = BankStatementLine.objects.select_for_update().get(pk=line.pk)
        if line.state != BankLineState.UNMATCHED:
            raise Conflict(_("This movement was settled already."), code="bank_line_settled")
        before = snapshot(line)
        if ignore:
            line.state = BankLineState.IGNORED
        else:
            if invoice is None:
                raise InvalidInput.on("invoice", _("Name the invoice this movement pays."))
            _pays(actor, line, invoice, now)
            line.state = BankLineState.MATCHED
        line.save(update_fields=["state"])
        change_record(
            actor=actor,
            action=Action.UPDATE,
            instance=line,
            before=before,
            after=snapshot(line),
            reason=reason.strip(),
            now=now,
        )
    return line
