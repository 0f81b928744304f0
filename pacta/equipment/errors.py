"""Errors of installed equipment."""

from pacta.domain.errors import Conflict


class EquipmentCovered(Conflict):
    """The equipment cannot move to a site that a contract covering it does not cover."""

    code = "equipment_covered"
