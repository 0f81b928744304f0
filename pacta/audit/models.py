"""The change log: one row per write, written by the service that made the write."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Action(models.TextChoices):
    CREATE = "create", _("created")
    UPDATE = "update", _("updated")
    DELETE = "delete", _("deleted")
    AMEND = "amend", _("amended")
    STATUS = "status", _("status changed")


class PeriodicRun(models.Model):
    """One run of a periodic job for one time slot (the SLA sweep of 10:05, the billing run of
    March): the unique key lets only one worker claim a slot, however many try."""

    job = models.CharField(_("job"), max_length=100)
    slot = models.CharField(_("slot"), max_length=100)
    claimed_at = models.DateTimeField(_("claimed at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    report = models.JSONField(_("report"), default=dict, blank=True)

    class Meta:
        verbose_name = _("periodic run")
        verbose_name_plural = _("periodic runs")
        ordering = ["-claimed_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["job", "slot"], name="periodic_run_unique_slot")
        ]

    def __str__(self) -> str:
        return f"{self.job} {self.slot}"


class AuditEntry(models.Model):
    """Who did what to which record, when and why, with the record before and after.

    Rows are only ever inserted (by :func:`pacta.audit.services.change_record`); the back office
    and the API show them read-only.
    """

    at = models.DateTimeField(_("time"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_label = models.CharField(_("actor label"), max_length=200)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    entity_type = models.CharField(_("record type"), max_length=100)
    entity_id = models.CharField(_("record id"), max_length=64)
    entity_label = models.CharField(_("record"), max_length=300)
    reason = models.TextField(_("reason"), blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["entity_type", "entity_id", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.action} {self.entity_label}"
