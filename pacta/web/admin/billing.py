"""Back-office pages for invoicing: invoices (drafts reviewed and issued here; an issued
invoice is shown read-only: corrections are credit notes), their lines and tax totals,
billing periods, invoice runs, and each contract's billing terms."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from pacta.accounts.access import audience_of
from pacta.billing import selectors, services
from pacta.billing.models import (
    BillingTerms,
    ContractPeriod,
    CostRate,
    Invoice,
    InvoiceLine,
    InvoiceRun,
    InvoiceState,
    InvoiceTaxTotal,
    ProductCost,
    SepaBatch,
    SepaCreditor,
    SepaMandate,
)
from pacta.billing.services.costs import COST_RATE, PRODUCT_COST
from pacta.domain.errors import PactaError
from pacta.web.admin.records import ReadOnlyAdmin, RecordAdmin

#: What a person may still change on a draft; the rest comes from what it bills.
DRAFT_FIELDS = ("notes", "due_date", "tax_point_date")


class _ShownInline(admin.TabularInline):  # type: ignore[type-arg]
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class InvoiceLineInline(_ShownInline):
    model = InvoiceLine
    fields = ("position", "kind", "description", "quantity", "unit_price", "net_amount")
    readonly_fields = fields


class InvoiceTaxTotalInline(_ShownInline):
    model = InvoiceTaxTotal
    fields = ("tax_percent", "base", "tax")
    readonly_fields = fields


@admin.register(Invoice)
class InvoiceAdmin(RecordAdmin):
    writer = services.INVOICE
    list_display = ("__str__", "kind", "customer", "state", "issue_date", "gross_total")
    list_filter = ("state", "kind", "origin")
    search_fields = ("number", "customer__legal_name", "key")
    inlines = (InvoiceLineInline, InvoiceTaxTotalInline)
    actions = ("issue_drafts",)
    fields = (
        "kind",
        "number",
        "state",
        "customer",
        "contract",
        "period",
        "corrects",
        "currency",
        "language",
        "issue_date",
        "net_total",
        "tax_total",
        "gross_total",
        "paid_total",
        *DRAFT_FIELDS,
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return selectors.invoice_list(audience=audience_of(request.user))

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [name for name in self.fields if name not in DRAFT_FIELDS]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False  # drafts come from periods, jobs and pending work, not from a blank form

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.state != InvoiceState.DRAFT:
            return False  # issued: shown, never changed
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.state != InvoiceState.DRAFT:
            return False
        return super().has_delete_permission(request, obj)

    @admin.action(description=_("Issue the selected drafts"))
    def issue_drafts(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        issued = 0
        for invoice in queryset.filter(state=InvoiceState.DRAFT).order_by("pk"):
            try:
                services.invoice_issue(actor=request.user, invoice=invoice)
            except PactaError as error:
                self.message_user(request, error.message_in(gettext), level=messages.ERROR)
                return
            issued += 1
        self.message_user(
            request,
            ngettext("%(count)d invoice issued.", "%(count)d invoices issued.", issued)
            % {"count": issued},
        )


@admin.register(ContractPeriod)
class ContractPeriodAdmin(ReadOnlyAdmin):
    list_display = ("contract", "starts_on", "ends_on", "share", "state")
    list_filter = ("state", "length")
    search_fields = ("contract__number",)


@admin.register(InvoiceRun)
class InvoiceRunAdmin(ReadOnlyAdmin):
    list_display = ("through", "state", "started_at", "finished_at", "periods", "lines")
    list_filter = ("state",)


@admin.register(CostRate)
class CostRateAdmin(RecordAdmin):
    writer = COST_RATE
    list_display = ("technician", "hourly_cost", "currency", "effective_on")
    list_filter = ("currency",)
    search_fields = ("technician__username", "technician__first_name", "technician__last_name")
    autocomplete_fields = ("technician",)


@admin.register(ProductCost)
class ProductCostAdmin(RecordAdmin):
    writer = PRODUCT_COST
    list_display = ("product", "unit_cost", "effective_on")
    search_fields = ("product__sku", "product__name")
    autocomplete_fields = ("product",)


@admin.register(BillingTerms)
class BillingTermsAdmin(RecordAdmin):
    writer = services.BILLING_TERMS
    list_display = ("contract", "mode", "fee_tax_rate")
    list_filter = ("mode",)
    raw_id_fields = ("contract",)


# --- SEPA direct debit (sepa) -------------------------------------------------------------------
@admin.register(SepaCreditor)
class SepaCreditorAdmin(RecordAdmin):
    writer = services.SEPA_CREDITOR
    list_display = ("name", "creditor_id", "iban", "pain_version", "is_default")


@admin.register(SepaMandate)
class SepaMandateAdmin(RecordAdmin):
    """Mandates are written through the SEPA services; they are revoked (API), never deleted."""

    writer = services.SEPA_MANDATE
    list_display = ("reference", "customer", "signed_on", "iban", "recurring", "revoked_on")
    list_filter = ("recurring",)
    search_fields = ("reference", "customer__legal_name", "debtor_name")
    raw_id_fields = ("customer",)
    readonly_fields = ("first_collected_on", "revoked_on")


@admin.register(SepaBatch)
class SepaBatchAdmin(ReadOnlyAdmin):
    list_display = ("message_id", "creditor", "collection_date", "count", "control_sum")
