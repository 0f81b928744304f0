"""Back-office pages for users, contractor companies and teams."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.models import Group
from django.db.models import ManyToManyField
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from pacta.accounts import selectors, services
from pacta.accounts.access import audience_of
from pacta.accounts.models import Contractor, Team, User
from pacta.accounts.roles import Role
from pacta.web.admin.records import RecordAdmin, RecordAdminForm


class UserAdminForm(RecordAdminForm):
    password = forms.CharField(
        label=_("New password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Leave empty to keep the current password."),
    )
    language = forms.ChoiceField(
        label=_("language"),
        required=False,
        choices=[("", "—"), *settings.LANGUAGES],
    )


@admin.register(User)
class UserAdmin(RecordAdmin):
    writer = services.USER
    form = UserAdminForm
    list_display = (
        "username",
        "first_name",
        "last_name",
        "role",
        "customer",
        "contractor",
        "is_active",
    )
    list_filter = ("role", "is_active", "language")
    search_fields = ("username", "first_name", "last_name", "email")
    autocomplete_fields = ("customer", "contractor")
    readonly_fields = ("last_login", "date_joined")
    fieldsets = (
        (None, {"fields": ("username", "password", "is_active")}),
        (
            _("Person"),
            {"fields": ("first_name", "last_name", "email", "phone", "language", "time_zone")},
        ),
        (_("Role"), {"fields": ("role", "customer", "contractor")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None and not self.has_change_permission(request, obj):
            # A read-only page shows each field's stored value: for the password, its hash.
            fieldsets = [
                (title, {**opts, "fields": [f for f in opts["fields"] if f != "password"]})
                for title, opts in fieldsets
            ]
        return fieldsets

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and obj.pk == request.user.pk and form.cleaned_data.get("password"):
            # A new password ends the other sessions of the user, not the one that set it.
            update_session_auth_hash(request, obj)


@admin.register(Contractor)
class ContractorAdmin(RecordAdmin):
    writer = services.CONTRACTOR
    list_display = ("name", "tax_id", "email", "phone", "country", "is_active")
    list_filter = ("country", "is_active")
    search_fields = ("name", "tax_id", "email")


class ZoneCodesField(forms.CharField):
    """Region codes typed as "MAD-NORTE, MAD-SUR" and kept as a list (the service upper-cases)."""

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return ", ".join(str(code) for code in value)
        return value

    def to_python(self, value: Any) -> Any:
        text = super().to_python(value)
        return [
            code for code in (part.strip() for part in text.replace(";", ",").split(",")) if code
        ]


class TeamAdminForm(RecordAdminForm):
    zone_codes = ZoneCodesField(
        label=_("regions covered"),
        required=False,
        help_text=_("Site region / zone codes, separated by commas, e.g. MAD-NORTE, MAD-SUR."),
    )


@admin.register(Team)
class TeamAdmin(RecordAdmin):
    writer = services.TEAM
    form = TeamAdminForm
    list_display = ("name", "regions", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name",)
    filter_horizontal = ("members",)
    fieldsets = ((None, {"fields": ("name", "zone_codes", "members", "is_active")}),)

    @admin.display(description=_("regions covered"))
    def regions(self, team: Team) -> str:
        return ", ".join(team.zone_codes)

    def formfield_for_manytomany(
        self, db_field: ManyToManyField[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> Any:
        if db_field.name == "members":
            # Only technicians are offered; the service refuses one who is no longer active.
            users = selectors.user_list(audience=audience_of(request.user))
            kwargs["queryset"] = users.filter(role=Role.TECHNICIAN).order_by("username")
        return super().formfield_for_manytomany(db_field, request, **kwargs)


# Roles (pacta.accounts.access) decide what a user may do; Django's groups and permissions are
# not used, and their page would be closed even to administrators (nobody is a superuser).
if admin.site.is_registered(Group):
    admin.site.unregister(Group)
