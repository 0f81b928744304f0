"""/api/v1/surcharge-rules/, /travel-rules/, /allowances/: the rules of rating as records.

A contract version's rules are edited while the version is not in force (409
``version_in_force`` afterwards: amend the contract, which copies them); a price list's rules
are dated, and one in force on a price list in use is only ended (409 ``rule_in_force``).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework.routers import DefaultRouter

from pacta.api.records import RecordSerializer, RecordViewSet
from pacta.contracts import selectors, services
from pacta.contracts.models import Allowance, SurchargeRule, TravelRule

OWNER_HELP = {
    "price_list": {
        "help_text": _("The price list the rule is on (or give the contract version)."),
    },
    "version": {
        "help_text": _("The contract version the rule is on (or give the price list)."),
    },
    "valid_from": {
        "help_text": _(
            "Price-list rules: the first day it applies; on a price list in use, today or "
            "later. A new rule of the same name from that day ends the one in force."
        ),
    },
}


class SurchargeRuleSerializer(RecordSerializer):
    class Meta:
        model = SurchargeRule
        fields = [
            "id",
            "price_list",
            "version",
            "name",
            "multiplier",
            "window_start",
            "window_end",
            "weekdays",
            "on_holidays",
            "seasons",
            "emergency",
            "outside_access",
            "cumulative",
            "services",
            "valid_from",
            "valid_to",
            "reason",
        ]
        extra_kwargs = {
            **OWNER_HELP,
            "window_start": {"help_text": _('"HH:MM" local time, e.g. "22:00"; with window_end.')},
        }


class TravelRuleSerializer(RecordSerializer):
    class Meta:
        model = TravelRule
        fields = [
            "id",
            "price_list",
            "version",
            "label",
            "unit_price",
            "zone_code",
            "per_km",
            "tax_rate",
            "valid_from",
            "valid_to",
            "reason",
        ]
        extra_kwargs = OWNER_HELP


class AllowanceSerializer(RecordSerializer):
    class Meta:
        model = Allowance
        fields = [
            "id",
            "version",
            "code",
            "kind",
            "label",
            "quantity",
            "services",
            "products",
            "allows_overage",
            "overage_unit_price",
            "rolls_over",
            "rollover_limit",
            "reason",
        ]


class SurchargeRuleViewSet(RecordViewSet):
    serializer_class = SurchargeRuleSerializer
    selector = staticmethod(selectors.surcharge_rule_list)
    writer = services.SURCHARGE_RULE
    filterset_fields = ["price_list", "version", "version__contract", "name", "cumulative"]
    search_fields = ["name"]
    ordering_fields = ["name", "valid_from", "id"]


class TravelRuleViewSet(RecordViewSet):
    serializer_class = TravelRuleSerializer
    selector = staticmethod(selectors.travel_rule_list)
    writer = services.TRAVEL_RULE
    filterset_fields = ["price_list", "version", "version__contract", "zone_code", "per_km"]
    search_fields = ["label", "zone_code"]
    ordering_fields = ["zone_code", "valid_from", "id"]


class AllowanceViewSet(RecordViewSet):
    serializer_class = AllowanceSerializer
    selector = staticmethod(selectors.allowance_list)
    writer = services.ALLOWANCE
    filterset_fields = ["version", "version__contract", "kind", "code"]
    search_fields = ["code", "label"]
    ordering_fields = ["code", "id"]


def register(router: DefaultRouter) -> None:
    """Add the rating rules' endpoints to the API router."""
    router.register("surcharge-rules", SurchargeRuleViewSet, basename="surcharge-rule")
    router.register("travel-rules", TravelRuleViewSet, basename="travel-rule")
    router.register("allowances", AllowanceViewSet, basename="allowance")
