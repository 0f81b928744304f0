"""What a technician records on a work order at the site: the checklist, photos, expenses, the
customer's signature; and the phone's offline operations, applied once each."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from pacta.service.models.work import WorkOrder


class StepApproval(models.TextChoices):
    NOT_NEEDED = "", _("in scope")
    PENDING = "pending", _("awaiting approval")
    APPROVED = "approved", _("approved")
    REJECTED = "rejected", _("rejected")


class ChecklistItem(models.Model):
    """One step of a work order's checklist: copied from the service's template when the work
    order is created (so a later change of the template does not rewrite history), or added on
    site. A step outside the contracted scope (its template step requires a service the
    contract does not cover, or a step added on site) waits for a manager's approval before it
    may be done; a mandatory or safety step blocks completion until it is done."""

    work_order = models.ForeignKey(
        WorkOrder,
        verbose_name=_("work order"),
        on_delete=models.CASCADE,
        related_name="checklist_items",
    )
    position = models.PositiveSmallIntegerField(_("position"))
    text = models.CharField(_("step"), max_length=300)
    template_step = models.ForeignKey(
        "catalog.ChecklistStep",
        verbose_name=_("template step"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    requires_service = models.ForeignKey(
        "catalog.Service",
        verbose_name=_("work of service"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The service this step's work belongs to, when it is not the ticket's."),
    )
    is_mandatory = models.BooleanField(_("mandatory"), default=False)
    is_safety = models.BooleanField(_("safety step"), default=False)
    in_scope = models.BooleanField(_("in the contracted scope"), default=True)
    approval = models.CharField(
        _("approval"), max_length=10, choices=StepApproval.choices, default="", blank=True
    )
    approval_requested_at = models.DateTimeField(_("approval asked at"), null=True, blank=True)
    approval_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approval asked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decision_reason = models.TextField(_("reason of the decision"), blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("done by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        ordering = ["work_order", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["work_order", "position"], name="checklist_item_unique_position"
            ),
            models.CheckConstraint(
                condition=Q(in_scope=True, approval="") | Q(in_scope=False) & ~Q(approval=""),
                name="checklist_item_approval_iff_out_of_scope",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.text}"


class PhotoKind(models.TextChoices):
    BEFORE = "before", _("before the work")
    AFTER = "after", _("after the work")
    ISSUE = "issue", _("issue found")
    RECEIPT = "receipt", _("receipt")
    OTHER = "other", _("other")


def _photo_path(photo: Photo, filename: str) -> str:
    return f"work-orders/{photo.work_order_id}/photos/{uuid.uuid4().hex}{_suffix(filename)}"


def _signature_path(signature: Signature, filename: str) -> str:
    return f"work-orders/{signature.work_order_id}/signature-{uuid.uuid4().hex}.png"


def _suffix(filename: str) -> str:
    dot = filename.rfind(".")
    return filename[dot:].lower()[:6] if dot >= 0 else ""


class Photo(models.Model):
    """A picture taken on a work order (JPEG, PNG or WebP, checked by content, size-limited),
    stored through Django's storage."""

    work_order = models.ForeignKey(
        WorkOrder, verbose_name=_("work order"), on_delete=models.CASCADE, related_name="photos"
    )
    image = models.ImageField(
        _("image"), upload_to=_photo_path, width_field="width", height_field="height"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=PhotoKind.choices)
    caption = models.CharField(_("caption"), max_length=300, blank=True)
    content_type = models.CharField(_("content type"), max_length=50)
    size_bytes = models.PositiveIntegerField(_("size (bytes)"))
    width = models.PositiveIntegerField(_("width"), null=True, blank=True)
    height = models.PositiveIntegerField(_("height"), null=True, blank=True)
    taken_at = models.DateTimeField(_("taken at"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["work_order", "taken_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.taken_at:%Y-%m-%d %H:%M}"


class Signature(models.Model):
    """The customer's signature accepting a work order: drawn on the screen, kept as a PNG with
    the signer's name and the instant."""

    work_order = models.OneToOneField(
        WorkOrder, verbose_name=_("work order"), on_delete=models.CASCADE, related_name="signature"
    )
    image = models.ImageField(_("signature"), upload_to=_signature_path)
    signer_name = models.CharField(_("signed by (name)"), max_length=200)
    signed_at = models.DateTimeField(_("signed at"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")

    def __str__(self) -> str:
        return f"{self.signer_name} {self.signed_at:%Y-%m-%d %H:%M}"


class Expense(models.Model):
    """Money a technician spent for a work order (parking, tolls, a part bought locally), with
    its receipt."""

    work_order = models.ForeignKey(
        WorkOrder, verbose_name=_("work order"), on_delete=models.PROTECT, related_name="expenses"
    )
    technician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("technician"),
        on_delete=models.PROTECT,
        related_name="expenses",
    )
    description = models.CharField(_("description"), max_length=300)
    amount = models.DecimalField(
        _("amount"),
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    currency = models.CharField(_("currency"), max_length=3)
    incurred_on = models.DateField(_("date"))
    receipt = models.ForeignKey(
        Photo,
        verbose_name=_("receipt"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    is_billable = models.BooleanField(_("billed to the customer"), default=False)

    class Meta:
        verbose_name = _("expense")
        verbose_name_plural = _("expenses")
        ordering = ["work_order", "incurred_on", "id"]

    def __str__(self) -> str:
        return f"{self.description} {self.amount} {self.currency}"


class SyncOperation(models.Model):
    """One operation the technician's phone made (offline or not), by the id the phone gave
    it: applied once however often the phone retries; a retry gets the first answer back."""

    id = models.UUIDField(_("operation id"), primary_key=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.CASCADE, related_name="+"
    )
    work_order = models.ForeignKey(
        WorkOrder,
        verbose_name=_("work order"),
        on_delete=models.CASCADE,
        related_name="sync_operations",
    )
    kind = models.CharField(_("operation"), max_length=30)
    made_at = models.DateTimeField(_("made on the phone at"))
    received_at = models.DateTimeField(_("received at"))
    status = models.PositiveSmallIntegerField(_("answer status"))
    result = models.JSONField(_("answer"), default=dict, blank=True)

    class Meta:
        verbose_name = _("phone operation")
        verbose_name_plural = _("phone operations")
        ordering = ["work_order", "made_at"]

    def __str__(self) -> str:
        return f"{self.kind} {self.id}"
