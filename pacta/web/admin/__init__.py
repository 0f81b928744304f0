"""Back-office pages, one module per app (Django's admin autodiscovery imports this package)."""

from django.contrib import admin as _admin
from rest_framework.authtoken.models import TokenProxy as _TokenProxy

from pacta.web.admin import (  # noqa: F401  (each module registers its pages)
    accounts,
    audit,
    billing,
    catalog,
    comms,
    contracts,
    customers,
    equipment,
    inspections,
    reports,
    service,
    sla,
)
from pacta.web.admin import quotes as _quotes  # noqa: F401  (quotes and preventive plans)

# API tokens are issued through /api/v1/auth/token/, not edited by hand.
if _admin.site.is_registered(_TokenProxy):
    _admin.site.unregister(_TokenProxy)

from django_tasks_db.models import DBTaskResult as _TaskResult

from pacta.web.admin.records import ReadOnlyAdmin as _ReadOnlyAdmin

# Background task results: readable by administrators and managers, changed only by the worker.
if _admin.site.is_registered(_TaskResult):
    _admin.site.unregister(_TaskResult)


@_admin.register(_TaskResult)
class TaskResultAdmin(_ReadOnlyAdmin):
    list_display = ("task_path", "status", "enqueued_at", "finished_at")
    list_filter = ("status", "queue_name")
    search_fields = ("task_path",)
