"""Money received: payments and what they pay, bank statements, SEPA direct debits."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from pacta.billing.models.invoices import Invoice


class PaymentMethod(models.TextChoices):
    TRANSFER = "transfer", _("bank transfer")
    DIRECT_DEBIT = "direct_debit", _("SEPA direct debit")
    CARD = "card", _("card")
    CASH = "cash", _("cash")


class Payment(models.Model):
    """Money a customer paid, in the customer's currency. What is not allocated to invoices is
    held as the customer's credit."""

    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="+"
    )
    received_on = models.DateField(_("received on"))
    amount = models.DecimalField(
        _("amount"),
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    currency = models.CharField(_("currency"), max_length=3)
    method = models.CharField(_("method"), max_length=12, choices=PaymentMethod.choices)
    reference = models.CharField(_("reference"), max_length=140, blank=True)
    allocated = models.DecimalField(_("allocated"), max_digits=14, decimal_places=2, default=0)
    bank_line = models.OneToOneField(
        "billing.BankStatementLine",
        verbose_name=_("bank statement line"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payment",
    )
    created_at = models.DateTimeField(_("recorded at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-received_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(allocated__gte=0) & Q(allocated__lte=models.F("amount")),
                name="payment_allocated_within_amount",
            )
        ]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} {self.received_on}"


class PaymentAllocation(models.Model):
    """The part of a payment that pays one invoice."""

    payment = models.ForeignKey(
        Payment, verbose_name=_("payment"), on_delete=models.PROTECT, related_name="allocations"
    )
    invoice = models.ForeignKey(
        Invoice, verbose_name=_("invoice"), on_delete=models.PROTECT, related_name="allocations"
    )
    amount = models.DecimalField(
        _("amount"),
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    allocated_at = models.DateTimeField(_("allocated at"))

    class Meta:
        verbose_name = _("payment allocation")
        verbose_name_plural = _("payment allocations")
        ordering = ["payment", "id"]

    def __str__(self) -> str:
        return f"{self.payment_id} → {self.invoice_id}: {self.amount}"


class BankStatement(models.Model):
    """A bank statement imported from a CSV file, whole or not at all."""

    file_name = models.CharField(_("file"), max_length=200)
    sha256 = models.CharField(_("checksum"), max_length=64, unique=True)
    account_iban = models.CharField(_("account"), max_length=34, blank=True)
    imported_at = models.DateTimeField(_("imported at"))
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("bank statement")
        verbose_name_plural = _("bank statements")
        ordering = ["-imported_at"]

    def __str__(self) -> str:
        return self.file_name


class BankLineState(models.TextChoices):
    UNMATCHED = "unmatched", _("waiting for a person")
    MATCHED = "matched", _("matched")
    IGNORED = "ignored", _("not a customer payment")


class BankStatementLine(models.Model):
    """One movement of a bank statement; matched to an invoice by reference and amount, or
    left for a person."""

    statement = models.ForeignKey(
        BankStatement, verbose_name=_("statement"), on_delete=models.CASCADE, related_name="lines"
    )
    row = models.PositiveIntegerField(_("row"))
    booked_on = models.DateField(_("booked on"))
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    reference = models.CharField(_("reference"), max_length=300, blank=True)
    counterparty = models.CharField(_("counterparty"), max_length=200, blank=True)
    counterparty_iban = models.CharField(_("counterparty account"), max_length=34, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=BankLineState.choices, default=BankLineState.UNMATCHED
    )

    class Meta:
        verbose_name = _("bank statement line")
        verbose_name_plural = _("bank statement lines")
        ordering = ["statement", "row"]
        constraints = [
            models.UniqueConstraint(fields=["statement", "row"], name="bank_line_unique_row")
        ]

    def __str__(self) -> str:
        return f"{self.booked_on} {self.amount} {self.reference}"


class SepaCreditor(models.Model):
    """Our account that collects direct debits: creditor identifier, IBAN, BIC, and the
    pain.008 version its bank takes."""

    name = models.CharField(_("name"), max_length=70)
    creditor_id = models.CharField(_("creditor identifier"), max_length=35)
    iban = models.CharField(_("IBAN"), max_length=34)
    bic = models.CharField(_("BIC"), max_length=11)
    pain_version = models.CharField(
        _("pain.008 version"),
        max_length=20,
        choices=[("pain.008.001.08", "pain.008.001.08"), ("pain.008.001.02", "pain.008.001.02")],
        default="pain.008.001.08",
    )
    is_default = models.BooleanField(_("default"), default=False)

    class Meta:
        verbose_name = _("SEPA creditor account")
        verbose_name_plural = _("SEPA creditor accounts")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class MandateSequence(models.TextChoices):
    FIRST = "FRST", _("first collection")
    RECURRING = "RCUR", _("recurring")
    ONE_OFF = "OOFF", _("one-off")


class SepaMandate(models.Model):
    """A customer's signed authorisation to debit its account."""

    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="+"
    )
    reference = models.CharField(_("mandate reference"), max_length=35, unique=True)
    signed_on = models.DateField(_("signed on"))
    debtor_name = models.CharField(_("account holder"), max_length=70)
    iban = models.CharField(_("IBAN"), max_length=34)
    bic = models.CharField(_("BIC"), max_length=11, blank=True)
    recurring = models.BooleanField(_("recurring"), default=True)
    first_collected_on = models.DateField(_("first collected on"), null=True, blank=True)
    revoked_on = models.DateField(_("revoked on"), null=True, blank=True)

    class Meta:
        verbose_name = _("SEPA mandate")
        verbose_name_plural = _("SEPA mandates")
        ordering = ["customer", "-signed_on"]

    def __str__(self) -> str:
        return self.reference


class SepaBatch(models.Model):
    """A direct-debit collection file (pain.008) for invoices due."""

    creditor = models.ForeignKey(
        SepaCreditor,
        verbose_name=_("creditor account"),
        on_delete=models.PROTECT,
        related_name="batches",
    )
    message_id = models.CharField(_("message id"), max_length=35, unique=True)
    pain_version = models.CharField(_("pain.008 version"), max_length=20)
    collection_date = models.DateField(_("collection date"))
    count = models.PositiveIntegerField(_("transactions"))
    control_sum = models.DecimalField(_("control sum"), max_digits=16, decimal_places=2)
    xml = models.FileField(_("file"), upload_to="sepa/")
    created_at = models.DateTimeField(_("created at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("SEPA batch")
        verbose_name_plural = _("SEPA batches")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.message_id


class SepaDebit(models.Model):
    """One invoice collected in a batch; an invoice is in one batch at most."""

    batch = models.ForeignKey(
        SepaBatch, verbose_name=_("batch"), on_delete=models.CASCADE, related_name="debits"
    )
    invoice = models.OneToOneField(
        Invoice, verbose_name=_("invoice"), on_delete=models.PROTECT, related_name="sepa_debit"
    )
    mandate = models.ForeignKey(
        SepaMandate, verbose_name=_("mandate"), on_delete=models.PROTECT, related_name="debits"
    )
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    sequence = models.CharField(_("sequence"), max_length=4, choices=MandateSequence.choices)
    end_to_end_id = models.CharField(_("end-to-end id"), max_length=35, unique=True)

    class Meta:
        verbose_name = _("SEPA debit")
        verbose_name_plural = _("SEPA debits")
        ordering = ["batch", "id"]

    def __str__(self) -> str:
        return self.end_to_end_id
