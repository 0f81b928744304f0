"""Business calendars and SLA policies (attached to contract terms), and each ticket's clocks."""

from __future__ import annotations

from datetime import timedelta

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from pacta.domain import sla as domain
from pacta.domain import tickets


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class BusinessCalendar(models.Model):
    """When the clocks run: weekly working windows in a time zone, minus holidays and closed
    days."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    time_zone = models.CharField(
        _("time zone"), max_length=64, help_text=_("IANA name, e.g. Europe/Madrid.")
    )
    holiday_country = models.CharField(
        _("public holidays of"),
        max_length=2,
        blank=True,
        help_text=_("Country code (ES, FR, RU…); leave empty for no public holidays."),
    )
    holiday_subdivision = models.CharField(
        _("region"),
        max_length=10,
        blank=True,
        help_text=_("Region or department code for regional holidays (MD, 57…)."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    notes = models.TextField(_("notes"), blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CalendarWindow(models.Model):
    """A working window of one weekday ("08:00"–"13:00"; "24:00" may end a window)."""

    calendar = models.ForeignKey(
        BusinessCalendar,
        verbose_name=_("calendar"),
        on_delete=models.CASCADE,
        related_name="windows",
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    starts = models.CharField(_("from"), max_length=5, help_text=_("HH:MM"))
    ends = models.CharField(_("until"), max_length=5, help_text=_("HH:MM; 24:00 for midnight"))

    class Meta:
        verbose_name = _("working window")
        verbose_name_plural = _("working windows")
        ordering = ["calendar", "weekday", "starts"]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.starts}–{self.ends}"


class ClosedDay(models.Model):
    """A whole day the calendar is closed (besides public holidays)."""

    calendar = models.ForeignKey(
        BusinessCalendar,
        verbose_name=_("calendar"),
        on_delete=models.CASCADE,
        related_name="closed_days",
    )
    day = models.DateField(_("day"))
    name = models.CharField(_("name"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("closed day")
        verbose_name_plural = _("closed days")
        ordering = ["calendar", "day"]
        constraints = [
            models.UniqueConstraint(
                fields=["calendar", "day"],
                name="closed_day_unique",
                violation_error_message=_("This day is already closed in this calendar."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.name}".strip()


class RiskLevel(models.TextChoices):
    NONE = "", _("no SLA")
    OK = domain.OK, _("on track")
    WARNING = domain.WARNING, _("warning")
    CRITICAL = domain.CRITICAL, _("critical")
    BREACHED = domain.BREACHED, _("breached")
    MET = domain.MET, _("met")


class EscalateOn(models.TextChoices):
    NEVER = "", _("never")
    WARNING = domain.WARNING, _("warning")
    CRITICAL = domain.CRITICAL, _("critical")
    BREACHED = domain.BREACHED, _("breached")


class SlaPolicy(models.Model):
    """Targets per priority, which ticket statuses pause the clocks, and when to warn."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    warning_percent = models.PositiveSmallIntegerField(
        _("warning at (percent used)"),
        default=75,
        validators=[MinValueValidator(1), MaxValueValidator(99)],
    )
    critical_percent = models.PositiveSmallIntegerField(
        _("critical at (percent used)"),
        default=90,
        validators=[MinValueValidator(2), MaxValueValidator(100)],
    )
    pausing_statuses = models.JSONField(
        _("statuses that pause the clocks"),
        default=list,
        blank=True,
        help_text=_("Ticket statuses, e.g. waiting (on the customer)."),
    )
    escalate_on = models.CharField(
        _("raise the priority on"),
        max_length=10,
        choices=EscalateOn.choices,
        default=EscalateOn.NEVER,
        blank=True,
    )
    is_active = models.BooleanField(_("active"), default=True)
    notes = models.TextField(_("notes"), blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TargetKind(models.TextChoices):
    RESPONSE = domain.RESPONSE.name, _("first response")
    RESOLUTION = domain.RESOLUTION.name, _("resolution")
    UPDATE = domain.UPDATES.name, _("customer updates")


class SlaTarget(models.Model):
    """How much business time a priority gets for a target: the first response, the
    resolution, or at most between two updates to the customer (a recurring target)."""

    policy = models.ForeignKey(
        SlaPolicy, verbose_name=_("SLA policy"), on_delete=models.CASCADE, related_name="targets"
    )
    priority = models.CharField(
        _("priority"),
        max_length=10,
        choices=[(p.value, p.value) for p in tickets.LADDER],
    )
    kind = models.CharField(_("target"), max_length=20, choices=TargetKind.choices)
    duration = models.DurationField(
        _("business time"),
        validators=[MinValueValidator(timedelta(seconds=1))],
        help_text=_("Business time on the calendar, e.g. 04:00:00 for four hours."),
    )

    class Meta:
        verbose_name = _("SLA target")
        verbose_name_plural = _("SLA targets")
        ordering = ["policy", "priority", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "priority", "kind"],
                name="sla_target_unique",
                violation_error_message=_("This policy already has this target for this priority."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.policy}: {self.priority} {self.get_kind_display()} {self.duration}"


class TicketClock(models.Model):
    """One target's clock of a ticket, as last evaluated from the ticket's events.

    Derived data: rebuilt from the event log whenever it changes (and by the sweep as time
    passes), so it is written without an audit row; the events that move it are audited.
    """

    ticket = models.ForeignKey(
        "service.Ticket", verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="clocks"
    )
    name = models.CharField(_("target"), max_length=20)
    budget = models.DurationField(_("business time allowed"))
    used = models.DurationField(_("business time used"))
    remaining = models.DurationField(_("business time remaining"))
    state = models.CharField(_("state"), max_length=10)
    risk = models.CharField(_("risk"), max_length=10, choices=RiskLevel.choices)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    breached_by = models.DurationField(_("breached by"))
    breaches = models.PositiveIntegerField(
        _("breaches"),
        default=0,
        help_text=_("How many cycles of the target ran past the budget (0 or 1 unless it recurs)."),
    )
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    evaluated_at = models.DateTimeField(_("evaluated at"))

    class Meta:
        verbose_name = _("ticket clock")
        verbose_name_plural = _("ticket clocks")
        ordering = ["ticket", "name"]
        constraints = [
            models.UniqueConstraint(fields=["ticket", "name"], name="ticket_clock_unique")
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.name}: {self.state}"
