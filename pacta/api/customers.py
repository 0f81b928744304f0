"""/api/v1/customers/, /contacts/, /sites/."""

from __future__ import annotations

from rest_framework.routers import DefaultRouter

from pacta.api.records import RecordSerializer, RecordViewSet
from pacta.customers import selectors, services
from pacta.customers.models import Contact, Customer, Site

ADDRESS = ["address_line1", "address_line2", "postal_code", "city", "region", "country"]


class CustomerSerializer(RecordSerializer):
    class Meta:
        model = Customer
        fields = [
            "id",
            "legal_name",
            "trade_name",
            "tax_id",
            *ADDRESS,
            "email",
            "phone",
            "currency",
            "language",
            "payment_terms_days",
            "parent",
            "is_active",
            "notes",
            "dir3_accounting_office",
            "dir3_managing_body",
            "dir3_processing_unit",
            "reason",
        ]
        extra_kwargs = {"currency": {"required": False}, "language": {"required": False}}


class ContactSerializer(RecordSerializer):
    class Meta:
        model = Contact
        fields = [
            "id",
            "customer",
            "name",
            "job_title",
            "email",
            "phone",
            "language",
            "is_primary",
            "is_billing",
            "is_active",
            "reason",
        ]


class SiteSerializer(RecordSerializer):
    class Meta:
        model = Site
        fields = [
            "id",
            "customer",
            "name",
            "code",
            *ADDRESS,
            "time_zone",
            "zone_code",
            "latitude",
            "longitude",
            "access_notes",
            "sla_in_site_time_zone",
            "is_active",
            "reason",
        ]


class CustomerViewSet(RecordViewSet):
    serializer_class = CustomerSerializer
    selector = staticmethod(selectors.customer_list)
    writer = services.CUSTOMER
    filterset_fields = ["country", "currency", "language", "parent", "is_active"]
    search_fields = ["legal_name", "trade_name", "tax_id", "email", "city"]
    ordering_fields = ["legal_name", "id"]


class ContactViewSet(RecordViewSet):
    serializer_class = ContactSerializer
    selector = staticmethod(selectors.contact_list)
    writer = services.CONTACT
    filterset_fields = ["customer", "is_primary", "is_billing", "is_active"]
    search_fields = ["name", "email", "phone"]
    ordering_fields = ["name", "id"]


class SiteViewSet(RecordViewSet):
    serializer_class = SiteSerializer
    selector = staticmethod(selectors.site_list)
    writer = services.SITE
    filterset_fields = ["customer", "country", "zone_code", "time_zone", "is_active"]
    search_fields = ["name", "code", "city", "address_line1"]
    ordering_fields = ["name", "id"]


def register(router: DefaultRouter) -> None:
    router.register("customers", CustomerViewSet, basename="customer")
    router.register("contacts", ContactViewSet, basename="contact")
    router.register("sites", SiteViewSet, basename="site")
