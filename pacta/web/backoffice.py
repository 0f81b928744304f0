"""The back office: Django's admin, opened to the office roles, titled for pacta."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _

from pacta.accounts.roles import BACK_OFFICE_ROLES


class BackOffice(admin.AdminSite):
    site_header = _("pacta back office")
    site_title = _("pacta")
    index_title = _("Records")

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(user.is_active and getattr(user, "role", None) in BACK_OFFICE_ROLES)

    def password_change(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        # Passwords change through the accounts service (checked, audited, tokens revoked).
        return redirect("web:password")
