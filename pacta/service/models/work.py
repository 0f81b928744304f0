"""Work orders, the time technicians log on them, and the parts they use."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from pacta.service.models.tickets import Ticket


class WorkOrderStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("scheduled")
    EN_ROUTE = "en_route", _("en route")
    ON_SITE = "on_site", _("on site")
    COMPLETED = "completed", _("completed")
    ACCEPTED = "accepted", _("accepted by the customer")
    DISPUTED = "disputed", _("disputed")
    CANCELLED = "cancelled", pgettext_lazy("work order status", "cancelled")


class TimeKind(models.TextChoices):
    WORK = "work", _("work")
    TRAVEL = "travel", _("travel")


class CustomerDecisionVia(models.TextChoices):
    NONE = "", _("—")
    SIGNATURE = "signature", _("signature on site")
    PORTAL = "portal", _("customer portal")
    EMAIL = "email", _("e-mail link")


def work_order_reference(pk: int) -> str:
    """How people call the work order of id ``pk`` ("WO-000042")."""
    return f"WO-{pk:06d}"


class WorkOrder(models.Model):
    """A visit or job done for a ticket by one technician (ours, or a contractor's)."""

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.PROTECT, related_name="work_orders"
    )
    technician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("technician"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="work_orders",
    )
    contractor = models.ForeignKey(
        "accounts.Contractor",
        verbose_name=_("contractor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="work_orders",
    )
    scheduled_start_at = models.DateTimeField(_("scheduled start"), null=True, blank=True)
    scheduled_end_at = models.DateTimeField(_("scheduled end"), null=True, blank=True)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=WorkOrderStatus.choices,
        default=WorkOrderStatus.SCHEDULED,
    )
    travel_km = models.DecimalField(
        _("travel distance (km)"),
        max_digits=8,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
        help_text=_("For travel charged per km; otherwise the site's zone decides."),
    )
    notes = models.TextField(_("notes"), blank=True)
    # --- the visit (issue 5): when each step of the status flow was reached ---
    en_route_at = models.DateTimeField(_("en route at"), null=True, blank=True)
    arrived_at = models.DateTimeField(_("on site at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    customer_decided_at = models.DateTimeField(_("accepted or disputed at"), null=True, blank=True)
    customer_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("accepted or disputed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    customer_decided_via = models.CharField(
        _("accepted or disputed through"),
        max_length=10,
        choices=CustomerDecisionVia.choices,
        blank=True,
    )
    dispute_reason = models.TextField(_("why the customer disputes it"), blank=True)
    # --- the technician's running timer: started on the phone, a time entry when stopped ---
    timer_started_at = models.DateTimeField(_("timer started at"), null=True, blank=True)
    timer_kind = models.CharField(
        _("timer kind"), max_length=10, choices=TimeKind.choices, blank=True
    )

    class Meta:
        verbose_name = _("work order")
        verbose_name_plural = _("work orders")
        ordering = ["-scheduled_start_at", "-id"]
        indexes = [models.Index(fields=["technician", "scheduled_start_at"])]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        return work_order_reference(self.pk) if self.pk else "WO-new"


class TimeEntry(models.Model):
    """Time one technician spent on a work order, working or travelling."""

    work_order = models.ForeignKey(
        WorkOrder,
        verbose_name=_("work order"),
        on_delete=models.PROTECT,
        related_name="time_entries",
    )
    technician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("technician"),
        on_delete=models.PROTECT,
        related_name="time_entries",
    )
    started_at = models.DateTimeField(_("started at"))
    ended_at = models.DateTimeField(_("ended at"))
    kind = models.CharField(
        _("kind"), max_length=10, choices=TimeKind.choices, default=TimeKind.WORK
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("time entry")
        verbose_name_plural = _("time entries")
        ordering = ["work_order", "started_at"]
        indexes = [models.Index(fields=["technician", "started_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ended_at__gt=models.F("started_at")),
                name="time_entry_ends_after_start",
                violation_error_message=_("A time entry must end after it starts."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.started_at:%Y-%m-%d %H:%M}–{self.ended_at:%H:%M}"


class PartUsed(models.Model):
    """A quantity of a catalog product used on a work order."""

    work_order = models.ForeignKey(
        WorkOrder, verbose_name=_("work order"), on_delete=models.PROTECT, related_name="parts_used"
    )
    product = models.ForeignKey(
        "catalog.Product",
        verbose_name=_("product"),
        on_delete=models.PROTECT,
        related_name="parts_used",
    )
    quantity = models.DecimalField(
        _("quantity"),
        max_digits=12,
        decimal_places=3,
        validators=[MinValueValidator(Decimal("0.001"))],
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("part used")
        verbose_name_plural = _("parts used")
        ordering = ["work_order", "id"]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product}"
