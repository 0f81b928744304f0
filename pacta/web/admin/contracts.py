"""Back-office pages for contracts, the versions of their terms, and their scope lines.

A contract's status changes on its own page ("Change status"), with a reason, through
``contract_status_change``. A new version is an amendment: the add page asks for the day and
the terms that change; what is left empty is copied from the version in force the day before.
Terms in force on a live contract are shown read-only: they are amended, never edited.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from pacta.accounts.access import VIEW, audience_of, kind_of, may
from pacta.contracts import selectors, services
from pacta.contracts.models import (
    Allowance,
    Contract,
    ContractStatus,
    ContractVersion,
    RoutingRule,
    ScopeLine,
    SurchargeRule,
    TravelRule,
)
from pacta.domain.errors import PactaError
from pacta.web.admin.records import RecordAdmin, RecordAdminForm, RecordInline, add_refusal


def _today() -> Any:
    return timezone.localdate()


def _is_locked(version: ContractVersion | None) -> bool:
    return (
        version is not None
        and version.pk is not None
        and (selectors.contract_version_is_locked(version, today=_today()))
    )


# --- contracts ----------------------------------------------------------------------------------
class ContractAdminForm(RecordAdminForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is None and "currency" in self.fields:
            self.fields["currency"].required = False
            self.fields["currency"].help_text = _("Leave empty for the customer's currency.")


class ContractVersionInline(admin.TabularInline):  # type: ignore[type-arg]
    """The versions of the contract's terms, read-only: a new one is an amendment."""

    model = ContractVersion
    fields = (
        "number",
        "effective_on",
        "subscription_fee",
        "billing_period",
        "price_list",
        "sla_policy",
        "calendar",
        "approved_by",
    )
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may(audience_of(request.user), kind_of(self.model), VIEW)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ContractStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=ContractStatus.choices)
    reason = forms.CharField(
        label=_("Reason for this change"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Kept in the audit log with who and when."),
    )


@admin.register(Contract)
class ContractAdmin(RecordAdmin):
    writer = services.CONTRACT
    form = ContractAdminForm
    list_display = ("number", "title", "customer", "status", "starts_on", "ends_on", "currency")
    list_filter = ("status", "currency")
    list_select_related = ("customer",)
    search_fields = ("number", "title", "customer__legal_name")
    autocomplete_fields = ("customer", "sites", "equipment")
    inlines = (ContractVersionInline,)
    fieldsets = (
        (None, {"fields": ("number", "title", "customer", ("status", "status_change"))}),
        (_("Dates"), {"fields": (("starts_on", "ends_on"), "signed_on")}),
        (
            _("Currency, sites and equipment covered"),
            {"fields": ("currency", "sites", "equipment")},
        ),
        (_("Notes"), {"fields": ("notes",)}),
    )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = ["status", "status_change"]
        if obj is not None and obj.status != ContractStatus.DRAFT:
            fields += list(services.FIXED_ONCE_LIVE)
        return fields

    @admin.display(description=_("status change"))
    def status_change(self, contract: Contract) -> Any:
        if contract.pk is None:
            return "—"
        return format_html('<a href="{}">{}</a>', self._status_url(contract.pk), _("Change status"))

    def _status_url(self, pk: Any) -> str:
        return reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_status", args=[pk])

    def get_urls(self) -> list[URLPattern]:
        name = f"{self.opts.app_label}_{self.opts.model_name}_status"
        return [
            path(
                "<path:object_id>/status/",
                self.admin_site.admin_view(self.status_view),
                name=name,
            ),
            *super().get_urls(),
        ]

    def status_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """The "Change status" page: a status and a reason, through contract_status_change."""
        contract = self.get_object(request, unquote(object_id))
        if contract is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_change_permission(request, contract):
            raise PermissionDenied
        change_url = reverse(
            f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[contract.pk]
        )
        form = ContractStatusForm(request.POST or None, initial={"status": contract.status})
        if request.method == "POST" and form.is_valid():
            try:
                changed = services.contract_status_change(
                    actor=request.user,
                    contract=contract,
                    status=form.cleaned_data["status"],
                    reason=form.cleaned_data["reason"],
                )
            except PactaError as error:
                add_refusal(form, error)
            else:
                self.message_user(
                    request,
                    gettext("Contract %(number)s is now %(status)s.")
                    % {"number": changed.number, "status": changed.get_status_display()},
                )
                return HttpResponseRedirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": contract,
            "change_url": change_url,
            "title": gettext("Change the status of %(number)s") % {"number": contract.number},
            "current": gettext("Current status: %(status)s.")
            % {"status": contract.get_status_display()},
            "submit": gettext("Change status"),
            "form": form,
        }
        return TemplateResponse(request, "admin/contracts/contract/status.html", context)


# --- contract versions (terms) ------------------------------------------------------------------
#: On the amendment page, an empty term means "as in the version in force the day before".
COPIED_WHEN_EMPTY = services.TERMS


def _amend_from_form(*, actor: Any, values: Mapping[str, Any], reason: str = "") -> Any:
    given = {
        name: value
        for name, value in values.items()
        if not (name in COPIED_WHEN_EMPTY and value in (None, ""))
    }
    return services.contract_amend(actor=actor, values=given, reason=reason)


#: The version services, with the amendment page's "empty = copied" reading of the form.
AMENDMENT = dataclasses.replace(services.CONTRACT_VERSION, create=_amend_from_form)


class ContractVersionAdminForm(RecordAdminForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The reason typed here is this change's; the stored one is shown beside the terms.
        self.initial["reason"] = ""
        if self.instance.pk is not None:
            return
        copied = _("Leave empty to keep the terms in force the day before.")
        for name in COPIED_WHEN_EMPTY:
            if name not in self.fields:
                continue
            field = self.fields[name]
            field.required = False
            field.help_text = copied
            self.initial.pop(name, None)
        if "billing_period" in self.fields:
            period: Any = self.fields["billing_period"]
            period.choices = [("", "---------"), *period.choices]


SLA_FIELDSET = (
    _("SLA"),
    {"fields": (("sla_policy", "calendar"), ("sla_credit_percent", "sla_credit_cap_percent"))},
)
AMENDMENT_FIELDSETS = (
    (None, {"fields": ("contract", "effective_on")}),
    (_("Terms"), {"fields": ("price_list", ("subscription_fee", "billing_period"))}),
    SLA_FIELDSET,
    (_("Approval"), {"fields": ("approved_by",)}),
)
VERSION_FIELDSETS = (
    (None, {"fields": ("contract", "number", "effective_on", "locked")}),
    (_("Terms"), {"fields": ("price_list", ("subscription_fee", "billing_period"))}),
    SLA_FIELDSET,
    (_("Amendment"), {"fields": ("approved_by", "terms_reason", ("created_at", "created_by"))}),
)


class VersionTermsInline(RecordInline):
    """Rows of a version's terms. Terms in force on a live contract are never edited: their
    rows are shown read-only (the next amendment copies them, and is edited before it starts)."""

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        version = args[0] if args else None
        return super().has_add_permission(request, *args) and not _is_locked(version)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj) and not _is_locked(obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_delete_permission(request, obj) and not _is_locked(obj)


class ScopeLineInline(VersionTermsInline):
    model = ScopeLine
    writer = services.SCOPE_LINE
    fields = (
        "service",
        "coverage",
        "period_limit",
        "minimum_minutes",
        "increment_minutes",
        "notes",
    )
    autocomplete_fields = ("service",)


class SurchargeRuleInline(VersionTermsInline):
    model = SurchargeRule
    fk_name = "version"
    writer = services.SURCHARGE_RULE
    fields = services.SURCHARGE_RULE_VALUES
    autocomplete_fields = ("services",)


class TravelRuleInline(VersionTermsInline):
    model = TravelRule
    fk_name = "version"
    writer = services.TRAVEL_RULE
    fields = services.TRAVEL_RULE_VALUES


class AllowanceInline(VersionTermsInline):
    model = Allowance
    writer = services.ALLOWANCE
    fields = services.ALLOWANCE_VALUES
    autocomplete_fields = ("services", "products")


@admin.register(ContractVersion)
class ContractVersionAdmin(RecordAdmin):
    writer = AMENDMENT
    form = ContractVersionAdminForm
    list_display = (
        "contract",
        "number",
        "effective_on",
        "subscription_fee",
        "billing_period",
        "price_list",
        "locked",
    )
    list_filter = ("billing_period",)
    list_select_related = ("contract", "price_list")
    search_fields = ("contract__number", "contract__title", "contract__customer__legal_name")
    autocomplete_fields = ("contract", "price_list", "calendar", "sla_policy", "approved_by")
    date_hierarchy = "effective_on"

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets: list[Any] = list(AMENDMENT_FIELDSETS if obj is None else VERSION_FIELDSETS)
        if obj is None or self.has_change_permission(request, obj):
            fieldsets.append((pgettext_lazy("form section", "Change"), {"fields": ["reason"]}))
        return fieldsets

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ()
        return ("contract", "number", "locked", "terms_reason", "created_at", "created_by")

    def get_inlines(self, request: HttpRequest, obj: Any = None) -> Any:
        # The amendment copies its scope and rules from the version in force; they are edited
        # afterwards, while the new version is not yet in force.
        if obj is None:
            return []
        return [ScopeLineInline, SurchargeRuleInline, TravelRuleInline, AllowanceInline]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj) and not _is_locked(obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_delete_permission(request, obj) and not _is_locked(obj)

    @admin.display(description=_("in force (locked)"), boolean=True)
    def locked(self, version: ContractVersion) -> bool:
        return _is_locked(version)

    @admin.display(description=_("reason for these terms"))
    def terms_reason(self, version: ContractVersion) -> str:
        return version.reason


@admin.register(ScopeLine)
class ScopeLineAdmin(RecordAdmin):
    writer = services.SCOPE_LINE
    list_display = ("version", "service", "coverage", "period_limit")
    list_filter = ("coverage",)
    list_select_related = ("version", "version__contract", "service")
    search_fields = ("service__code", "service__name", "version__contract__number")
    autocomplete_fields = ("version", "service")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        locked = obj is not None and _is_locked(obj.version)
        return super().has_change_permission(request, obj) and not locked

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        locked = obj is not None and _is_locked(obj.version)
        return super().has_delete_permission(request, obj) and not locked


# --- intake (issue 5) ---------------------------------------------------------------------------
@admin.register(RoutingRule)
class RoutingRuleAdmin(RecordAdmin):
    """Which team a contract's tickets go to (the most specific rule wins)."""

    writer = services.ROUTING_RULE
    list_display = ("contract", "service", "priority", "region", "team")
    list_filter = ("priority",)
    list_select_related = ("contract", "service", "team")
    search_fields = ("contract__number", "service__code", "region", "team__name")
    autocomplete_fields = ("contract", "service")
