"""Tickets (requests for service) and the work orders that do the work.

Plain records for now: the SLA engine adds clocks to tickets, field service adds checklists,
photos and signatures to work orders, rating turns time and parts into charge lines.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from pacta.domain import tickets as domain


class Priority(models.TextChoices):
    CRITICAL = domain.Priority.CRITICAL.value, _("critical")
    HIGH = domain.Priority.HIGH.value, _("high")
    NORMAL = domain.Priority.NORMAL.value, _("normal")
    LOW = domain.Priority.LOW.value, _("low")


class Channel(models.TextChoices):
    PORTAL = "portal", _("customer portal")
    DISPATCHER = "dispatcher", _("dispatcher (phone)")
    EMAIL = "email", _("e-mail")
    API = "api", _("API")


class TicketStatus(models.TextChoices):
    NEW = domain.TicketStatus.NEW.value, _("new")
    ASSIGNED = domain.TicketStatus.ASSIGNED.value, _("assigned")
    IN_PROGRESS = domain.TicketStatus.IN_PROGRESS.value, _("in progress")
    WAITING = domain.TicketStatus.WAITING.value, _("waiting on customer")
    RESOLVED = domain.TicketStatus.RESOLVED.value, _("resolved")
    CLOSED = domain.TicketStatus.CLOSED.value, _("closed")
    CANCELLED = domain.TicketStatus.CANCELLED.value, pgettext_lazy("ticket status", "cancelled")


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


class Ticket(models.Model):
    """A customer's request for a service, at a site, under a contract."""

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    contract = models.ForeignKey(
        "contracts.Contract",
        verbose_name=_("contract"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    site = models.ForeignKey(
        "customers.Site", verbose_name=_("site"), on_delete=models.PROTECT, related_name="tickets"
    )
    equipment = models.ForeignKey(
        "equipment.Equipment",
        verbose_name=_("equipment"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    service = models.ForeignKey(
        "catalog.Service",
        verbose_name=_("service"),
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices)
    status = models.CharField(
        _("status"), max_length=12, choices=TicketStatus.choices, default=TicketStatus.NEW
    )
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    opened_at = models.DateTimeField(_("opened at"), db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # --- the SLA terms the clocks run on, and where the clocks stand (rebuilt from the events)
    sla_policy = models.ForeignKey(
        "sla.SlaPolicy",
        verbose_name=_("SLA policy"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    sla_calendar = models.ForeignKey(
        "sla.BusinessCalendar",
        verbose_name=_("business calendar"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    sla_risk = models.CharField(_("SLA risk"), max_length=10, blank=True, db_index=True)
    sla_next_due_at = models.DateTimeField(_("next SLA deadline"), null=True, blank=True)
    sla_risk_changes_at = models.DateTimeField(
        _("SLA risk changes at"),
        null=True,
        blank=True,
        help_text=_("When the risk moves next if nothing happens: what the sweep looks for."),
    )
    sla_evaluated_at = models.DateTimeField(_("SLA evaluated at"), null=True, blank=True)

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["-opened_at", "-id"]
        indexes = [
            models.Index(fields=["status", "opened_at"]),
            # The sweep's query: the open tickets whose risk changes by now, in that order.
            models.Index(
                fields=["sla_risk_changes_at", "id"],
                condition=models.Q(sla_risk_changes_at__isnull=False),
                name="ticket_sla_next_change",
            ),
            models.Index(fields=["sla_next_due_at"], name="ticket_sla_next_due"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.subject}"

    @property
    def reference(self) -> str:
        return f"T-{self.pk:06d}" if self.pk else "T-new"


class EventKind(models.TextChoices):
    OPEN = "open", _("opened")
    RESPOND = "respond", _("first response")
    UPDATE = "update", _("customer update")
    PAUSE = "pause", _("paused")
    RESUME = "resume", _("resumed")
    RESOLVE = "resolve", _("resolved")
    REOPEN = "reopen", _("reopened")
    PRIORITY = "priority", _("priority changed")
    POLICY = "policy", _("SLA policy changed")
    STATUS = "status", _("status changed")


class TicketEvent(models.Model):
    """What happened to a ticket, in order: the log its SLA clocks are computed from."""

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="events"
    )
    at = models.DateTimeField(_("at"))
    kind = models.CharField(_("event"), max_length=10, choices=EventKind.choices)
    priority = models.CharField(_("priority"), max_length=10, blank=True)
    status = models.CharField(_("status"), max_length=12, blank=True)
    sla_policy = models.ForeignKey(
        "sla.SlaPolicy",
        verbose_name=_("SLA policy"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    sla_calendar = models.ForeignKey(
        "sla.BusinessCalendar",
        verbose_name=_("business calendar"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("ticket event")
        verbose_name_plural = _("ticket events")
        ordering = ["ticket", "at", "id"]
        indexes = [models.Index(fields=["ticket", "at", "id"])]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"


class RescueLevel(models.TextChoices):
    WARNING = "warning", _("warning")
    CRITICAL = "critical", _("critical")
    BREACHED = "breached", _("breached")


class RescueKind(models.TextChoices):
    NOTIFY = "notify", _("notify the dispatcher and the assignee")
    REASSIGN = "reassign", _("propose another technician")
    ESCALATE = "escalate", _("raise the priority")


class RescueAction(models.Model):
    """What the SLA sweep did when a ticket's clock entered a risk level. Unique per clock,
    level, kind and episode (a reopened ticket starts a new episode), so a sweep run twice, or
    by two workers at once, raises each action once."""

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="rescue_actions"
    )
    clock = models.CharField(_("target"), max_length=20)
    level = models.CharField(_("level"), max_length=10, choices=RescueLevel.choices)
    kind = models.CharField(_("action"), max_length=10, choices=RescueKind.choices)
    episode = models.PositiveSmallIntegerField(_("episode"), default=0)
    created_at = models.DateTimeField(_("raised at"))
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handled by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("rescue action")
        verbose_name_plural = _("rescue actions")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "clock", "level", "kind", "episode"],
                name="rescue_action_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.clock} {self.level}: {self.kind}"


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

    class Meta:
        verbose_name = _("work order")
        verbose_name_plural = _("work orders")
        ordering = ["-scheduled_start_at", "-id"]
        indexes = [models.Index(fields=["technician", "scheduled_start_at"])]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        return f"WO-{self.pk:06d}" if self.pk else "WO-new"


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
