"""Preventive maintenance: recurring visits a contract promises, generated ahead of time."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from pacta.service.models.tickets import Ticket
from pacta.service.models.work import WorkOrder


class PlanFrequency(models.TextChoices):
    WEEKS = "weeks", _("every N weeks")
    MONTHS = "months", _("every N months")


class PreventivePlan(models.Model):
    """A recurring visit for a site (or one piece of equipment) under a contract: every N weeks
    or months from ``starts_on``, optionally only in some months (seasonal HVAC). Occurrences
    that fall on a closed day of the contract's calendar move to its next open day."""

    contract = models.ForeignKey(
        "contracts.Contract",
        verbose_name=_("contract"),
        on_delete=models.PROTECT,
        related_name="preventive_plans",
    )
    site = models.ForeignKey(
        "customers.Site",
        verbose_name=_("site"),
        on_delete=models.PROTECT,
        related_name="preventive_plans",
    )
    equipment = models.ForeignKey(
        "equipment.Equipment",
        verbose_name=_("equipment"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="preventive_plans",
    )
    service = models.ForeignKey(
        "catalog.Service", verbose_name=_("service"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("name"), max_length=200)
    frequency = models.CharField(_("frequency"), max_length=10, choices=PlanFrequency.choices)
    interval = models.PositiveSmallIntegerField(
        _("every"), default=1, validators=[MinValueValidator(1), MaxValueValidator(120)]
    )
    months = models.JSONField(
        _("only in months"),
        default=list,
        blank=True,
        help_text=_("Month numbers 1–12, e.g. [4, 10] for spring and autumn; empty = any."),
    )
    starts_on = models.DateField(_("first visit on"))
    ends_on = models.DateField(_("last visit by"), null=True, blank=True)
    lead_days = models.PositiveSmallIntegerField(
        _("generate days ahead"), default=14, validators=[MaxValueValidator(365)]
    )
    visit_time = models.TimeField(_("visit at (site time)"), default="09:00")
    visit_minutes = models.PositiveIntegerField(_("visit length (minutes)"), default=120)
    technician = models.ForeignKey(
        "accounts.User",
        verbose_name=_("technician"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    priority = models.CharField(_("priority"), max_length=10, default="low")
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("preventive plan")
        verbose_name_plural = _("preventive plans")
        ordering = ["contract", "name"]

    def __str__(self) -> str:
        return self.name


class PlanOccurrence(models.Model):
    """One visit of a plan, generated once: unique per plan and nominal day, so the daily run,
    repeated or run by two workers, never creates it twice."""

    plan = models.ForeignKey(
        PreventivePlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="occurrences"
    )
    nominal_on = models.DateField(_("due by the schedule on"))
    scheduled_on = models.DateField(_("scheduled on"))
    ticket = models.ForeignKey(
        Ticket,
        verbose_name=_("ticket"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    work_order = models.ForeignKey(
        WorkOrder,
        verbose_name=_("work order"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("generated at"))

    class Meta:
        verbose_name = _("plan occurrence")
        verbose_name_plural = _("plan occurrences")
        ordering = ["plan", "nominal_on"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "nominal_on"], name="plan_occurrence_once")
        ]

    def __str__(self) -> str:
        return f"{self.plan} {self.nominal_on}"
