"""Back-office pages for installed equipment, with its contract coverage and its history."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from pacta.equipment import selectors, services
from pacta.equipment.models import Equipment
from pacta.web.admin import tables
from pacta.web.admin.records import RecordAdmin

#: Read-only sections shown on the change page only (a new record has no history yet).
HISTORY_FIELDS = ("contract_coverage", "intervention_history")


@admin.register(Equipment)
class EquipmentAdmin(RecordAdmin):
    writer = services.EQUIPMENT
    list_display = (
        "serial_number",
        "manufacturer",
        "model",
        "name",
        "site",
        "customer",
        "warranty_until",
        "is_active",
    )
    list_filter = ("manufacturer", "is_active", "site__country")
    list_select_related = ("site", "site__customer", "product")
    search_fields = (
        "serial_number",
        "manufacturer",
        "model",
        "name",
        "site__name",
        "site__customer__legal_name",
    )
    autocomplete_fields = ("site",)
    raw_id_fields = ("product",)
    readonly_fields = HISTORY_FIELDS
    fieldsets = (
        (
            None,
            {"fields": ("site", ("manufacturer", "serial_number"), "model", "name", "is_active")},
        ),
        (_("Catalog"), {"fields": ("product",)}),
        (_("Installation and warranty"), {"fields": (("installed_on", "warranty_until"),)}),
        (_("Notes"), {"fields": ("notes",)}),
        (_("Contract coverage"), {"fields": ("contract_coverage",)}),
        (_("Intervention history"), {"fields": ("intervention_history",)}),
    )

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None:
            return fieldsets
        return [
            (title, options)
            for title, options in fieldsets
            if not set(options.get("fields", ())) & set(HISTORY_FIELDS)
        ]

    @admin.display(description=_("customer"), ordering="site__customer__legal_name")
    def customer(self, equipment: Equipment) -> Any:
        return equipment.site.customer

    @admin.display(description=_("contracts covering this equipment"))
    def contract_coverage(self, equipment: Equipment) -> Any:
        contracts = selectors.equipment_contracts(equipment)
        if not contracts:
            return _("No contract covers this equipment.")
        return tables.table(
            [_("contract"), _("title"), _("status"), _("starts on"), _("ends on")],
            (
                (
                    "",
                    tables.link(contract, contract.number),
                    contract.title,
                    contract.get_status_display(),
                    tables.day(contract.starts_on),
                    tables.day(contract.ends_on),
                )
                for contract in contracts
            ),
        )

    @admin.display(description=_("tickets and work orders"))
    def intervention_history(self, equipment: Equipment) -> Any:
        tickets = selectors.equipment_history(equipment)
        if not tickets:
            return _("No intervention yet.")
        rows: list[Sequence[Any]] = []
        for ticket in tickets:
            rows.append(
                (
                    "ticket",
                    tables.link(ticket, ticket.reference),
                    tables.moment(ticket.opened_at),
                    ticket.service,
                    ticket.get_status_display(),
                    "",
                )
            )
            rows.extend(
                (
                    "work-order",
                    format_html("&emsp;{}", tables.link(work_order, work_order.reference)),
                    tables.moment(work_order.scheduled_start_at),
                    "",
                    work_order.get_status_display(),
                    work_order.technician or "—",
                )
                for work_order in ticket.work_orders.all()
            )
        return tables.table(
            [_("reference"), _("date"), _("service"), _("status"), _("technician")], rows
        )
