"""Installation inspections on a work order: the readings of a template's parameters."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from pacta.service.models.work import WorkOrder


class InspectionResult(models.TextChoices):
    PENDING = "", _("not finished")
    PASS = "pass", _("pass")
    FAIL = "fail", _("fail")


class Inspection(models.Model):
    """One inspection (a template applied to a piece of equipment or the site) on a work order;
    it passes when every reading passes."""

    work_order = models.ForeignKey(
        WorkOrder,
        verbose_name=_("work order"),
        on_delete=models.CASCADE,
        related_name="inspections",
    )
    template = models.ForeignKey(
        "catalog.InspectionTemplate",
        verbose_name=_("template"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    equipment = models.ForeignKey(
        "equipment.Equipment",
        verbose_name=_("equipment"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inspections",
    )
    result = models.CharField(
        _("result"), max_length=4, choices=InspectionResult.choices, default="", blank=True
    )
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("finished by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["work_order", "id"]

    def __str__(self) -> str:
        return f"{self.template_id} {self.get_result_display()}"


class InspectionReading(models.Model):
    """What was measured or checked for one parameter; ``passed`` is computed from the
    parameter's range (numeric) or given (pass/fail)."""

    inspection = models.ForeignKey(
        Inspection, verbose_name=_("inspection"), on_delete=models.CASCADE, related_name="readings"
    )
    parameter = models.ForeignKey(
        "catalog.InspectionParameter",
        verbose_name=_("parameter"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=4, null=True, blank=True)
    passed = models.BooleanField(_("passed"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    read_at = models.DateTimeField(_("read at"))
    read_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("read by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("inspection reading")
        verbose_name_plural = _("inspection readings")
        ordering = ["inspection", "parameter__position"]
        constraints = [
            models.UniqueConstraint(
                fields=["inspection", "parameter"], name="inspection_reading_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.parameter_id}: {self.value}"
