"""The roles of pacta's users."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    MANAGER = "manager", _("Manager")
    DISPATCHER = "dispatcher", _("Dispatcher")
    TECHNICIAN = "technician", _("Technician")
    FINANCE = "finance", _("Finance")
    CONTRACTOR = "contractor", _("Contractor")
    CUSTOMER = "customer", _("Customer")


#: People of the service company who see every row of what their role may read.
OFFICE_ROLES = frozenset({Role.ADMIN, Role.MANAGER, Role.DISPATCHER, Role.FINANCE})
#: Roles that may use the back office (the Django admin).
BACK_OFFICE_ROLES = OFFICE_ROLES
#: Roles from outside the company: they see only rows that belong to them.
EXTERNAL_ROLES = frozenset({Role.CONTRACTOR, Role.CUSTOMER})
