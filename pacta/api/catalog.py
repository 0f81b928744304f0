"""/api/v1/tax-rates/, /tax-rate-values/, /services/, /checklist-steps/, /products/,
/price-lists/, /price-list-lines/."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.routers import DefaultRouter

from pacta.api.records import RecordSerializer, RecordViewSet
from pacta.catalog import selectors, services
from pacta.catalog.models import (
    ChecklistStep,
    PriceList,
    PriceListLine,
    Product,
    Service,
    TaxRate,
    TaxRateValue,
)


class TaxRateValueSerializer(RecordSerializer):
    class Meta:
        model = TaxRateValue
        fields = ["id", "tax_rate", "effective_on", "percent", "reason"]


class TaxRateValueInRateSerializer(serializers.ModelSerializer):
    class Meta:
        model = TaxRateValue
        fields = ["id", "effective_on", "percent"]


class TaxRateSerializer(RecordSerializer):
    values = TaxRateValueInRateSerializer(many=True, read_only=True)
    percent_today = serializers.SerializerMethodField(
        help_text="The percentage in force today (empty before the first value)."
    )

    class Meta:
        model = TaxRate
        fields = ["id", "code", "name", "country", "is_active", "values", "percent_today", "reason"]

    @extend_schema_field(serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True))
    def get_percent_today(self, tax_rate: TaxRate) -> str | None:
        percent = selectors.tax_rate_percent_on(tax_rate, timezone.localdate())
        return None if percent is None else str(percent)  # Decimal as text, never a JSON float


class ChecklistStepSerializer(RecordSerializer):
    class Meta:
        model = ChecklistStep
        fields = ["id", "service", "position", "text", "is_mandatory", "is_safety", "reason"]


class ChecklistStepInServiceSerializer(serializers.ModelSerializer):
    class Meta:
        model = ChecklistStep
        fields = ["id", "position", "text", "is_mandatory", "is_safety"]


class ServiceSerializer(RecordSerializer):
    checklist_steps = ChecklistStepInServiceSerializer(many=True, read_only=True)

    class Meta:
        model = Service
        fields = [
            "id",
            "code",
            "name",
            "description",
            "unit",
            "default_price",
            "tax_rate",
            "included",
            "is_active",
            "checklist_steps",
            "reason",
        ]


class ProductSerializer(RecordSerializer):
    class Meta:
        model = Product
        fields = [
            "id",
            "sku",
            "name",
            "description",
            "unit",
            "price",
            "tax_rate",
            "is_active",
            "reason",
        ]


class PriceListSerializer(RecordSerializer):
    class Meta:
        model = PriceList
        fields = ["id", "name", "currency", "customer", "description", "is_active", "reason"]


class PriceListLineSerializer(RecordSerializer):
    class Meta:
        model = PriceListLine
        fields = [
            "id",
            "price_list",
            "service",
            "product",
            "label",
            "unit_price",
            "effective_on",
            "reason",
        ]


class TaxRateViewSet(RecordViewSet):
    serializer_class = TaxRateSerializer
    selector = staticmethod(selectors.tax_rate_list)
    writer = services.TAX_RATE
    filterset_fields = ["country", "is_active"]
    search_fields = ["code", "name"]
    ordering_fields = ["code", "id"]


class TaxRateValueViewSet(RecordViewSet):
    serializer_class = TaxRateValueSerializer
    selector = staticmethod(selectors.tax_rate_value_list)
    writer = services.TAX_RATE_VALUE
    filterset_fields = ["tax_rate", "effective_on"]
    ordering_fields = ["effective_on", "id"]


class ServiceViewSet(RecordViewSet):
    serializer_class = ServiceSerializer
    selector = staticmethod(selectors.service_list)
    writer = services.SERVICE
    filterset_fields = ["unit", "tax_rate", "is_active"]
    search_fields = ["code", "name", "description"]
    ordering_fields = ["code", "name", "id"]


class ChecklistStepViewSet(RecordViewSet):
    serializer_class = ChecklistStepSerializer
    selector = staticmethod(selectors.checklist_step_list)
    writer = services.CHECKLIST_STEP
    filterset_fields = ["service", "is_mandatory", "is_safety"]
    ordering_fields = ["position", "id"]


class ProductViewSet(RecordViewSet):
    serializer_class = ProductSerializer
    selector = staticmethod(selectors.product_list)
    writer = services.PRODUCT
    filterset_fields = ["unit", "tax_rate", "is_active"]
    search_fields = ["sku", "name", "description"]
    ordering_fields = ["sku", "name", "id"]


class PriceListViewSet(RecordViewSet):
    serializer_class = PriceListSerializer
    selector = staticmethod(selectors.price_list_list)
    writer = services.PRICE_LIST
    filterset_fields = ["currency", "customer", "is_active"]
    search_fields = ["name", "description"]
    ordering_fields = ["name", "id"]


class PriceListLineViewSet(RecordViewSet):
    serializer_class = PriceListLineSerializer
    selector = staticmethod(selectors.price_list_line_list)
    writer = services.PRICE_LIST_LINE
    filterset_fields = ["price_list", "service", "product", "effective_on"]
    search_fields = ["label"]
    ordering_fields = ["effective_on", "id"]


def register(router: DefaultRouter) -> None:
    router.register("tax-rates", TaxRateViewSet, basename="tax-rate")
    router.register("tax-rate-values", TaxRateValueViewSet, basename="tax-rate-value")
    router.register("services", ServiceViewSet, basename="service")
    router.register("checklist-steps", ChecklistStepViewSet, basename="checklist-step")
    router.register("products", ProductViewSet, basename="product")
    router.register("price-lists", PriceListViewSet, basename="price-list")
    router.register("price-list-lines", PriceListLineViewSet, basename="price-list-line")
