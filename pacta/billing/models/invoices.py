"""Billing periods of contracts, invoices and credit notes, their lines and tax totals, and the
runs that make them."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class PeriodState(models.TextChoices):
    OPEN = "open", _("open")
    CLOSED = "closed", _("closed")
    INVOICED = "invoiced", _("invoiced")


class ContractPeriod(models.Model):
    """One billing period of a contract (month, quarter or year from the contract's start; the
    first and last prorated by their share of days): open while work is done in it, closed when
    its invoice draft is made, invoiced when that invoice is issued."""

    contract = models.ForeignKey(
        "contracts.Contract",
        verbose_name=_("contract"),
        on_delete=models.PROTECT,
        related_name="billing_periods",
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until (inclusive)"))
    length = models.CharField(_("billing period"), max_length=10)
    share = models.DecimalField(
        _("share of a full period"),
        max_digits=7,
        decimal_places=6,
        default=Decimal(1),
        help_text=_("Below 1 for a prorated first or last period."),
    )
    state = models.CharField(
        _("state"), max_length=10, choices=PeriodState.choices, default=PeriodState.OPEN
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("billing period")
        verbose_name_plural = _("billing periods")
        ordering = ["contract", "starts_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "starts_on"], name="contract_period_unique_start"
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")),
                name="contract_period_ends_after_start",
            ),
        ]
        indexes = [models.Index(fields=["state", "ends_on"])]

    def __str__(self) -> str:
        return f"{self.contract_id} {self.starts_on}–{self.ends_on}"


class BillingMode(models.TextChoices):
    PERIOD = "period", _("per billing period")
    JOB = "job", _("per job, when the customer accepts the work order")
    QUOTE = "quote", _("on quote acceptance")


class BillingTerms(models.Model):
    """How a contract is invoiced: per billing period (the default, also for a contract with
    no row here), per accepted job, or on quote acceptance; and the tax rate of its fee
    (otherwise the tax rate of the first included service in its scope)."""

    contract = models.OneToOneField(
        "contracts.Contract",
        verbose_name=_("contract"),
        on_delete=models.CASCADE,
        related_name="billing_terms",
    )
    mode = models.CharField(
        _("billing mode"), max_length=10, choices=BillingMode.choices, default=BillingMode.PERIOD
    )
    fee_tax_rate = models.ForeignKey(
        "catalog.TaxRate",
        verbose_name=_("tax rate of the fee"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("billing terms")
        verbose_name_plural = _("billing terms")

    def __str__(self) -> str:
        return f"{self.contract_id} {self.mode}"


class SeriesKind(models.TextChoices):
    INVOICE = "invoice", _("invoices")
    CREDIT_NOTE = "credit_note", _("credit notes")


class InvoiceSeries(models.Model):
    """A numbering series ("F" invoices, "R" credit notes): numbers are given at issue, gapless
    per series and year."""

    code = models.CharField(_("code"), max_length=10, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=12, choices=SeriesKind.choices)
    is_default = models.BooleanField(_("default for its kind"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("invoice series")
        verbose_name_plural = _("invoice series")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind"], condition=Q(is_default=True), name="invoice_series_one_default"
            )
        ]

    def __str__(self) -> str:
        return self.code


class SeriesCounter(models.Model):
    """The last number given in a series and year; locked while an invoice is issued, so two
    issues at once never get the same number nor leave a gap."""

    series = models.ForeignKey(
        InvoiceSeries, verbose_name=_("series"), on_delete=models.PROTECT, related_name="counters"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    last_number = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("series counter")
        verbose_name_plural = _("series counters")
        constraints = [
            models.UniqueConstraint(fields=["series", "year"], name="series_counter_unique")
        ]

    def __str__(self) -> str:
        return f"{self.series_id} {self.year}: {self.last_number}"


class InvoiceKind(models.TextChoices):
    INVOICE = "invoice", _("invoice")
    CREDIT_NOTE = "credit_note", _("credit note")


class InvoiceState(models.TextChoices):
    DRAFT = "draft", _("draft")
    ISSUED = "issued", _("issued")
    PARTLY_PAID = "partly_paid", _("partly paid")
    PAID = "paid", _("paid")


class InvoiceOrigin(models.TextChoices):
    PERIOD = "period", _("billing period")
    JOB = "job", _("accepted work order")
    QUOTE = "quote", _("accepted quote")
    PENDING = "pending", _("pending billable work")
    CORRECTION = "correction", _("correction")


class Invoice(models.Model):
    """An invoice or a credit note. A draft may change; once issued (numbered) it never does:
    corrections are credit notes. ``key`` says what it bills (``period:<contract>:<start>``,
    ``job:<work order>``, ``quote:<quote>``…) and is unique, so no run, retry or second worker
    can bill the same thing twice. What the customer was at issue (name, tax id, address) is
    kept on it, never read again from the customer."""

    kind = models.CharField(
        _("kind"), max_length=12, choices=InvoiceKind.choices, default=InvoiceKind.INVOICE
    )
    key = models.CharField(_("what it bills"), max_length=120, unique=True)
    origin = models.CharField(_("origin"), max_length=12, choices=InvoiceOrigin.choices)
    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="+"
    )
    contract = models.ForeignKey(
        "contracts.Contract",
        verbose_name=_("contract"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    period = models.ForeignKey(
        ContractPeriod,
        verbose_name=_("billing period"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invoices",
    )
    corrects = models.ForeignKey(
        "self",
        verbose_name=_("corrects invoice"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="credit_notes",
    )
    series = models.ForeignKey(
        InvoiceSeries, verbose_name=_("series"), on_delete=models.PROTECT, related_name="invoices"
    )
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    sequence = models.PositiveIntegerField(_("number in the series"), null=True, blank=True)
    number = models.CharField(_("number"), max_length=30, null=True, blank=True, unique=True)
    state = models.CharField(
        _("state"), max_length=12, choices=InvoiceState.choices, default=InvoiceState.DRAFT
    )
    currency = models.CharField(_("currency"), max_length=3)
    language = models.CharField(_("language"), max_length=8)
    issue_date = models.DateField(_("issue date"), null=True, blank=True)
    tax_point_date = models.DateField(_("date of supply"), null=True, blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    net_total = models.DecimalField(_("net total"), max_digits=14, decimal_places=2, default=0)
    tax_total = models.DecimalField(_("tax total"), max_digits=14, decimal_places=2, default=0)
    gross_total = models.DecimalField(_("total"), max_digits=14, decimal_places=2, default=0)
    paid_total = models.DecimalField(_("paid"), max_digits=14, decimal_places=2, default=0)
    buyer = models.JSONField(
        _("customer at issue"),
        default=dict,
        blank=True,
        help_text=_("Name, tax id, address and e-mail as they were when issued."),
    )
    notes = models.TextField(_("notes"), blank=True)
    pdf = models.FileField(_("PDF"), upload_to="invoices/", blank=True)
    created_at = models.DateTimeField(_("created at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    run = models.ForeignKey(
        "billing.InvoiceRun",
        verbose_name=_("invoice run"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="invoices",
    )

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["-issue_date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["series", "year", "sequence"], name="invoice_unique_number_in_series"
            ),
            models.CheckConstraint(
                condition=Q(state="draft", number__isnull=True)
                | ~Q(state="draft") & Q(number__isnull=False, issue_date__isnull=False),
                name="invoice_numbered_iff_issued",
            ),
            models.CheckConstraint(
                condition=Q(kind="invoice", corrects__isnull=True)
                | Q(kind="credit_note", corrects__isnull=False),
                name="invoice_credit_note_corrects_an_invoice",
            ),
        ]
        indexes = [
            models.Index(fields=["customer", "state"]),
            models.Index(fields=["state", "due_date"]),
        ]

    def __str__(self) -> str:
        return self.number or f"draft {self.pk}"


class InvoiceLineKind(models.TextChoices):
    FEE = "fee", _("subscription fee")
    CHARGE = "charge", _("rated work")
    CREDIT = "credit", _("credit")
    QUOTE = "quote", _("quoted work")
    CORRECTION = "correction", _("correction")


class InvoiceLine(models.Model):
    """One line of an invoice: the period's fee, a rated charge line (included lines at zero,
    so the customer sees what the fee covered), a credit, a quoted line, or a correction. A
    charge line or a credit is billed once: a unique index on each keeps it on one invoice. A
    credit note's lines point at the lines they correct (``corrects_line``), never at charge
    lines or credits."""

    invoice = models.ForeignKey(
        Invoice, verbose_name=_("invoice"), on_delete=models.CASCADE, related_name="lines"
    )
    position = models.PositiveIntegerField(_("line"))
    kind = models.CharField(_("kind"), max_length=12, choices=InvoiceLineKind.choices)
    description = models.CharField(_("description"), max_length=300)
    quantity = models.DecimalField(_("quantity"), max_digits=18, decimal_places=6)
    unit = models.CharField(_("unit"), max_length=10, blank=True)
    unit_price = models.DecimalField(_("unit price"), max_digits=14, decimal_places=4)
    net_amount = models.DecimalField(_("net amount"), max_digits=14, decimal_places=2)
    tax_percent = models.DecimalField(_("tax (%)"), max_digits=5, decimal_places=2)
    charge_line = models.ForeignKey(
        "billing.ChargeLine",
        verbose_name=_("charge line"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    credit = models.ForeignKey(
        "entitlements.Credit",
        verbose_name=_("credit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    work_order = models.ForeignKey(
        "service.WorkOrder",
        verbose_name=_("work order"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    corrects_line = models.ForeignKey(
        "self",
        verbose_name=_("corrects line"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    words = models.JSONField(
        _("explanation"), default=list, blank=True, help_text=_("Where the line comes from.")
    )

    class Meta:
        verbose_name = _("invoice line")
        verbose_name_plural = _("invoice lines")
        ordering = ["invoice", "position"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "position"], name="invoice_line_unique"),
            models.UniqueConstraint(
                fields=["charge_line"],
                condition=Q(charge_line__isnull=False),
                name="invoice_line_bills_a_charge_line_once",
            ),
            models.UniqueConstraint(
                fields=["credit"],
                condition=Q(credit__isnull=False),
                name="invoice_line_bills_a_credit_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.description}"


class InvoiceTaxTotal(models.Model):
    """The base and tax of one tax rate on an invoice: lines are rounded one by one, then the
    tax of each rate is rounded once on its base."""

    invoice = models.ForeignKey(
        Invoice, verbose_name=_("invoice"), on_delete=models.CASCADE, related_name="tax_totals"
    )
    tax_percent = models.DecimalField(_("tax (%)"), max_digits=5, decimal_places=2)
    base = models.DecimalField(_("base"), max_digits=14, decimal_places=2)
    tax = models.DecimalField(_("tax"), max_digits=14, decimal_places=2)

    class Meta:
        verbose_name = _("tax total")
        verbose_name_plural = _("tax totals")
        ordering = ["invoice", "tax_percent"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "tax_percent"], name="invoice_tax_unique")
        ]

    def __str__(self) -> str:
        return f"{self.tax_percent}%: {self.tax}"


class RunState(models.TextChoices):
    RUNNING = "running", _("running")
    FINISHED = "finished", _("finished")
    FAILED = "failed", _("failed")


class InvoiceRun(models.Model):
    """One invoice run over the contracts whose periods ended by ``through``. Each contract
    period is invoiced in its own transaction, so a killed run leaves whole invoices only and a
    re-run completes the rest."""

    through = models.DateField(_("periods ended by"))
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=RunState.choices, default=RunState.RUNNING
    )
    periods = models.PositiveIntegerField(_("periods invoiced"), default=0)
    lines = models.PositiveIntegerField(_("lines written"), default=0)
    skipped = models.PositiveIntegerField(_("periods already invoiced"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("invoice run")
        verbose_name_plural = _("invoice runs")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.through} {self.state}"


class DisputeState(models.TextChoices):
    OPEN = "open", _("open")
    CREDITED = "credited", _("credited")
    REJECTED = "rejected", _("rejected")


class Dispute(models.Model):
    """A customer's objection to an invoice line, with a reason; finance resolves it with a
    credit note or rejects it with a reason."""

    line = models.ForeignKey(
        InvoiceLine,
        verbose_name=_("invoice line"),
        on_delete=models.PROTECT,
        related_name="disputes",
    )
    raised_at = models.DateTimeField(_("raised at"))
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("raised by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reason = models.TextField(_("reason"))
    state = models.CharField(
        _("state"),
        max_length=10,
        choices=DisputeState.choices,
        default=DisputeState.OPEN,
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resolved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    resolution = models.TextField(_("resolution"), blank=True)
    credit_note = models.ForeignKey(
        Invoice,
        verbose_name=_("credit note"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")
        ordering = ["-raised_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["line"], condition=Q(state="open"), name="dispute_one_open_per_line"
            )
        ]

    def __str__(self) -> str:
        return f"{self.line_id} {self.state}"
