"""Writing installed equipment: the only write path, each write audited."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from pacta.audit.errors import RecordInUse
from pacta.audit.services import (
    Actor,
    RecordWriter,
    is_duplicate,
    record_create,
    record_delete,
    record_update,
    stored_values,
)
from pacta.domain.errors import FieldErrors
from pacta.equipment.errors import EquipmentCovered
from pacta.equipment.models import Equipment
from pacta.equipment.selectors import equipment_contracts, equipment_contracts_not_covering


def _normalized(values: Mapping[str, Any]) -> dict[str, Any]:
    values = dict(values)
    for name in ("serial_number", "manufacturer"):
        if isinstance(values.get(name), str):
            values[name] = values[name].strip()
    return values


def equipment_check(equipment: Equipment, m2m: Mapping[str, list[Any]] | None = None) -> None:
    errors = FieldErrors()
    if is_duplicate(
        equipment,
        manufacturer__iexact=equipment.manufacturer,
        serial_number__iexact=equipment.serial_number,
    ):
        errors.add("serial_number", _("This manufacturer's serial number is already registered."))
    if (
        equipment.installed_on is not None
        and equipment.warranty_until is not None
        and equipment.warranty_until < equipment.installed_on
    ):
        errors.add(
            "warranty_until", _("The warranty cannot end before the equipment was installed.")
        )
    stored = stored_values(equipment, "site_id", "product_id")
    # A site or product is checked when it is chosen, not on every later change of the record:
    # equipment stays where it is when its site or its catalog product is retired.
    if (
        equipment.site_id is not None
        and equipment.site_id != stored.get("site_id")
        and not equipment.site.is_active
    ):
        errors.add("site", _("Equipment cannot be placed at an inactive site."))
    if (
        equipment.product_id is not None
        and equipment.product_id != stored.get("product_id")
        and not equipment.product.is_active
    ):
        errors.add("product", _("This product is no longer active in the catalog."))
    errors.raise_if_any()


def _refuse_uncovered_move(equipment: Equipment, site: Any) -> None:
    """Equipment under contract moves only to a site its contracts also cover."""
    site_id = getattr(site, "pk", site)
    if site_id is None or site_id == equipment.site_id:
        return
    numbers = list(
        equipment_contracts_not_covering(equipment, site_id).values_list("number", flat=True)
    )
    if numbers:
        listed = ", ".join(numbers)
        raise EquipmentCovered(
            _(
                "This equipment is under contract; it cannot move to a site its contract "
                "does not cover."
            ),
            fields={
                "site": [
                    ngettext(
                        "Contract %(numbers)s covers this equipment but not this site.",
                        "Contracts %(numbers)s cover this equipment but not this site.",
                        len(numbers),
                    )
                    % {"numbers": listed}
                ]
            },
        )


def equipment_create(*, actor: Actor, values: Mapping[str, Any], reason: str = "") -> Equipment:
    return record_create(
        Equipment, actor=actor, values=_normalized(values), reason=reason, check=equipment_check
    )


def equipment_update(
    *, actor: Actor, equipment: Equipment, values: Mapping[str, Any], reason: str = ""
) -> Equipment:
    values = _normalized(values)
    with transaction.atomic():
        if "site" in values:
            _refuse_uncovered_move(equipment, values["site"])
        return record_update(
            equipment, actor=actor, values=values, reason=reason, check=equipment_check
        )


def _refuse_covered_delete(equipment: Equipment) -> None:
    # A contract's coverage is a many-to-many row, which the database would drop silently:
    # equipment a contract covers is in use just like equipment a ticket names.
    contracts = list(equipment_contracts(equipment))
    if contracts:
        raise RecordInUse.of(equipment, contracts)


def equipment_delete(*, actor: Actor, equipment: Equipment, reason: str = "") -> None:
    record_delete(equipment, actor=actor, reason=reason, check=_refuse_covered_delete)


EQUIPMENT = RecordWriter(
    param="equipment",
    create=equipment_create,
    update=equipment_update,
    delete=equipment_delete,
    check=equipment_check,
)
