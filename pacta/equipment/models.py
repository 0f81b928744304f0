"""Installed equipment, identified by serial number, at a customer's site."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Equipment(models.Model):
    """One installed unit: its model, where it is, its warranty; its history is its tickets."""

    site = models.ForeignKey(
        "customers.Site", verbose_name=_("site"), on_delete=models.PROTECT, related_name="equipment"
    )
    serial_number = models.CharField(_("serial number"), max_length=100)
    manufacturer = models.CharField(_("manufacturer"), max_length=100, blank=True)
    model = models.CharField(_("model"), max_length=100, blank=True)
    product = models.ForeignKey(
        "catalog.Product",
        verbose_name=_("product"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="equipment",
        help_text=_("The catalog product this unit is, if we sell it."),
    )
    name = models.CharField(
        _("name"), max_length=200, blank=True, help_text=_("What people on site call it.")
    )
    installed_on = models.DateField(_("installed on"), null=True, blank=True)
    warranty_until = models.DateField(_("warranty until"), null=True, blank=True)
    is_active = models.BooleanField(_("in service"), default=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("equipment")
        verbose_name_plural = pgettext_lazy("plural", "equipment")
        ordering = ["site", "serial_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["manufacturer", "serial_number"],
                name="equipment_serial_unique_per_manufacturer",
                violation_error_message=_(
                    "This manufacturer's serial number is already registered."
                ),
            ),
        ]

    def __str__(self) -> str:
        label = self.name or " ".join(p for p in (self.manufacturer, self.model) if p)
        return f"{label} #{self.serial_number}" if label else f"#{self.serial_number}"
