"""Reading the catalog, and what was in force on a day."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet

from pacta.accounts.access import Audience, visible
from pacta.catalog.models import (
    ChecklistStep,
    InspectionParameter,
    InspectionTemplate,
    PriceList,
    PriceListLine,
    Product,
    Service,
    TaxRate,
    TaxRateValue,
)
from pacta.domain.terms import version_in_force


def tax_rate_list(*, audience: Audience) -> QuerySet[TaxRate]:
    return visible(TaxRate.objects.prefetch_related("values"), audience)


def tax_rate_value_list(*, audience: Audience) -> QuerySet[TaxRateValue]:
    return visible(TaxRateValue.objects.select_related("tax_rate"), audience)


def tax_rate_percent_on(tax_rate: TaxRate, on: date) -> Decimal | None:
    """The percentage of ``tax_rate`` in force on ``on`` (None before its first value)."""
    value = version_in_force(tax_rate.values.all(), on)
    return value.percent if value is not None else None


def service_list(*, audience: Audience) -> QuerySet[Service]:
    return visible(
        Service.objects.select_related("tax_rate").prefetch_related("checklist_steps"), audience
    )


def checklist_step_list(*, audience: Audience) -> QuerySet[ChecklistStep]:
    return visible(ChecklistStep.objects.select_related("service"), audience)


def product_list(*, audience: Audience) -> QuerySet[Product]:
    return visible(Product.objects.select_related("tax_rate"), audience)


def price_list_list(*, audience: Audience) -> QuerySet[PriceList]:
    return visible(PriceList.objects.select_related("customer"), audience)


def price_list_line_list(*, audience: Audience) -> QuerySet[PriceListLine]:
    return visible(
        PriceListLine.objects.select_related("price_list", "service", "product"), audience
    )


def price_list_line_in_force(
    price_list: PriceList,
    on: date,
    *,
    service: Service | None = None,
    product: Product | None = None,
) -> PriceListLine | None:
    """The line that priced ``service`` (or ``product``) on ``price_list`` on day ``on``."""
    lines = price_list.lines.filter(service=service, product=product, effective_on__lte=on)
    return lines.order_by("-effective_on").first()


def price_list_is_used(price_list: PriceList) -> bool:
    """Whether contract terms refer to ``price_list``."""
    return price_list.contract_versions.exists()


def inspection_template_list(*, audience: Audience) -> QuerySet[InspectionTemplate]:
    return visible(
        InspectionTemplate.objects.select_related("service").prefetch_related("parameters"),
        audience,
    )


def inspection_template_list_for(
    service: Any, *, audience: Audience
) -> QuerySet[InspectionTemplate]:
    """The active templates a work order of ``service`` offers: the service's own and those
    of no service."""
    return (
        inspection_template_list(audience=audience)
        .filter(is_active=True)
        .filter(Q(service=None) | Q(service=service))
    )


def inspection_parameter_list(*, audience: Audience) -> QuerySet[InspectionParameter]:
    return visible(InspectionParameter.objects.select_related("template"), audience)
