"""/api/v1/ — one router for every record endpoint; /api/schema/ and /api/docs/ describe them."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.permissions import AllowAny
from rest_framework.routers import DefaultRouter

from pacta.api import (
    accounts,
    audit,
    billing,
    catalog,
    comments,
    comms,
    contracts,
    credits,
    customers,
    equipment,
    exports,
    fieldwork,
    inspections,
    invoicing,
    margins,
    reports,
    rules,
    sepa,
    service,
    sla,
)
from pacta.api import contractors as contractors_api
from pacta.api import plans as plans_api
from pacta.api import quotes as quotes_api

router = DefaultRouter()
for module in (accounts, customers, catalog, equipment, contracts, sla, service, comms, audit):
    module.register(router)
for module in (inspections, reports):
    module.register(router)
rules.register(router)
credits.register(router)
invoicing.register(router)
billing.register(router)
sepa.register(router)
quotes_api.register(router)
plans_api.register(router)
contractors_api.register(router)
margins.register(router)

urlpatterns = [
    path("v1/", include(accounts.urlpatterns)),
    path("v1/", include(fieldwork.urlpatterns)),
    path("v1/", include(comms.urlpatterns)),
    path("v1/", include(router.urls)),
    # The description of the API is public; the data behind it is not.
    path("schema/", SpectacularAPIView.as_view(permission_classes=[AllowAny]), name="api-schema"),
    path(
        "docs/",
        SpectacularSwaggerView.as_view(url_name="api-schema", permission_classes=[AllowAny]),
        name="api-docs",
    ),
    # Accounting exports (issue 6): a file, not a record endpoint.
    path("v1/", include(exports.urlpatterns)),
    # Costs and margins (issue 6): a report, not a record endpoint.
    path("v1/", include(margins.urlpatterns)),
    path("v1/", include(comments.urlpatterns)),
]
