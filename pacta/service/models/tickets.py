"""Tickets (requests for service), the events their SLA clocks are computed from, and the
rescue actions the sweep raises."""

from __future__ import annotations

from django.conf import settings
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
    #: A visit a preventive plan generated ahead of time: planned work, with no SLA clocks
    #: (its promise is the visit's day, on its work order).
    PLAN = "plan", _("preventive plan")


class TicketStatus(models.TextChoices):
    NEW = domain.TicketStatus.NEW.value, _("new")
    ASSIGNED = domain.TicketStatus.ASSIGNED.value, _("assigned")
    IN_PROGRESS = domain.TicketStatus.IN_PROGRESS.value, _("in progress")
    WAITING = domain.TicketStatus.WAITING.value, _("waiting on customer")
    RESOLVED = domain.TicketStatus.RESOLVED.value, _("resolved")
    CLOSED = domain.TicketStatus.CLOSED.value, _("closed")
    CANCELLED = domain.TicketStatus.CANCELLED.value, pgettext_lazy("ticket status", "cancelled")


class TicketOverride(models.TextChoices):
    """A ticket the contract does not allow (lapsed, service not in scope, site not covered),
    opened anyway by a dispatcher or a manager with a reason: its work is billed, or quoted."""

    NONE = "", _("within the contract")
    BILLABLE = "billable", _("billable outside the contract")
    QUOTE = "quote", _("to be quoted")


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
    # --- intake (issue 5) ---
    contact = models.ForeignKey(
        "customers.Contact",
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
        help_text=_("Where the contract's routing sent it."),
    )
    override = models.CharField(
        _("opened outside the contract"),
        max_length=10,
        choices=TicketOverride.choices,
        default=TicketOverride.NONE,
        blank=True,
    )
    override_reason = models.TextField(_("why it was opened outside the contract"), blank=True)
    overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("opened outside the contract by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

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
    level, kind and episode (a reopened ticket, and each new cycle of a recurring target such as
    customer updates, starts a new episode), so a sweep run twice, or by two workers at once,
    raises each action once."""

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


class TicketComment(models.Model):
    """A message on a ticket: from the customer (portal, or an e-mail reply), or from us (public:
    the customer sees it; internal: only the office)."""

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="comments"
    )
    at = models.DateTimeField(_("at"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    contact = models.ForeignKey(
        "customers.Contact",
        verbose_name=_("by (contact)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    body = models.TextField(_("message"))
    is_public = models.BooleanField(_("seen by the customer"), default=True)
    inbound = models.ForeignKey(
        "comms.InboundMessage",
        verbose_name=_("from e-mail"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("ticket comment")
        verbose_name_plural = _("ticket comments")
        ordering = ["ticket", "at", "id"]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.at:%Y-%m-%d %H:%M}"
