"""Errors of rating and billing: what the state of the work or the terms refuses."""

from pacta.domain.errors import Conflict, InvalidInput


class WorkOrderNotCompleted(Conflict):
    """Only completed (or accepted) work is rated."""

    code = "work_order_not_completed"


class NoTermsInForce(Conflict):
    """The ticket's contract had no terms in force on the day of the work."""

    code = "no_terms_in_force"


class NotAwaitingApproval(Conflict):
    """The line does not wait for a decision (already decided, or never needed one)."""

    code = "not_awaiting_approval"


# --- invoicing ----------------------------------------------------------------------------------
class InvoiceImmutable(Conflict):
    """An issued invoice never changes: corrections are credit notes."""

    code = "invoice_immutable"


class NotADraft(Conflict):
    """Only a draft is issued (or deleted)."""

    code = "invoice_not_draft"


class NotIssued(Conflict):
    """Credit notes, payments and disputes are for issued invoices only."""

    code = "invoice_not_issued"


class FeeTaxRateUnknown(Conflict):
    """The contract's fee has no tax rate: none in its billing terms, no service in its scope."""

    code = "fee_tax_rate_unknown"


class NoTermsForPeriod(Conflict):
    """The contract had no terms in force on the first day of the period."""

    code = "no_terms_for_period"


class NothingToInvoice(Conflict):
    """There is no billable work waiting (e.g. "invoice pending work now" found none)."""

    code = "nothing_to_invoice"


class WrongBillingMode(Conflict):
    """The contract is not invoiced this way (e.g. per job on a contract billed per period)."""

    code = "wrong_billing_mode"


# --- payments -----------------------------------------------------------------------------------
class PaymentCurrencyRefused(InvalidInput):
    """A payment is in the customer's currency: another is refused, never converted."""

    code = "payment_currency_refused"


class AllocationRefused(InvalidInput):
    """An allocation beyond what is left of the payment, or what the invoice owes."""

    code = "allocation_refused"


class StatementAlreadyImported(Conflict):
    """The same bank statement file (by checksum) was imported before."""

    code = "statement_already_imported"


# --- disputes -----------------------------------------------------------------------------------
class DisputeOpen(Conflict):
    """The line has an open dispute already."""

    code = "dispute_open"


class DisputeResolved(Conflict):
    """The dispute was resolved already."""

    code = "dispute_resolved"


# --- SEPA direct debit --------------------------------------------------------------------------
class MandateRevoked(Conflict):
    """A revoked mandate changes no more and collects nothing."""

    code = "sepa_mandate_revoked"


class NoLiveMandate(Conflict):
    """The customer has no mandate in force on the collection day (none, revoked, or a one-off
    collected already)."""

    code = "sepa_no_live_mandate"


class InvoiceAlreadyDebited(Conflict):
    """An invoice is collected in one direct-debit batch at most."""

    code = "sepa_invoice_already_debited"


class NotCollectable(Conflict):
    """The invoice cannot be collected: not an issued, unpaid invoice in euros."""

    code = "sepa_not_collectable"


class DebtorAddressMissing(InvalidInput):
    """The customer's address lacks the town or the country a debit needs (since November
    2026 the debtor's address is structured, with both)."""

    code = "sepa_debtor_address_missing"


class NothingToCollect(Conflict):
    """No invoice is due for direct debit on the collection day."""

    code = "sepa_nothing_to_collect"


class SepaFileRefused(Conflict):
    """The built file breaks its XSD or the EPC rules (a bug or a value no check caught):
    nothing is stored."""

    code = "sepa_file_refused"


# --- accounting exports -------------------------------------------------------------------------
class ExportFormatUnknown(InvalidInput):
    """The export format is not one of those written (contaplus, csv, xero, qbo)."""

    code = "export_format_unknown"


class ExportRangeRefused(InvalidInput):
    """The dates of an export are missing, not dates, or the first is after the last."""

    code = "export_range_refused"


class ExportCurrencyRefused(InvalidInput):
    """A ContaPlus journal is in euros: an invoice or receipt in another currency is refused,
    never converted."""

    code = "export_currency_refused"


# --- e-invoices ---------------------------------------------------------------------------------
class EInvoiceSyntaxUnknown(InvalidInput):
    """The e-invoice syntax asked for is not one of facturx, cii, ubl."""

    code = "einvoice_syntax_unknown"


class EInvoiceSellerIncomplete(Conflict):
    """The seller's details (setting PACTA_SELLER) lack what EN 16931 requires."""

    code = "einvoice_seller_incomplete"


class EInvoiceRejected(Conflict):
    """The e-invoice written breaks its XSD or an EN 16931 rule: it is not handed out."""

    code = "einvoice_rejected"


# --- contractor statements ----------------------------------------------------------------------
class ContractorRateMissing(Conflict):
    """A work order on the statement had no contractor rate in force on the day of the work."""

    code = "contractor_rate_missing"


class StatementPeriodNotEnded(InvalidInput):
    """A contractor statement is made for a period that has ended only (bad input: the field
    ``ends_on`` is named)."""

    code = "statement_period_not_ended"


class StatementPeriodOverlaps(Conflict):
    """The period overlaps a statement of the contractor, issued or draft (so drafting the same
    period twice makes one statement)."""

    code = "statement_period_overlaps"


class StatementIssued(Conflict):
    """An issued contractor statement never changes."""

    code = "statement_issued"
