"""Pages of the signed-in user: home, their own password, and the dispatch board."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pacta.accounts.access import Audience, audience_of
from pacta.accounts.roles import Role
from pacta.accounts.services import user_change_password
from pacta.contracts.selectors import contract_list, contract_version_in_force
from pacta.domain.errors import InvalidInput
from pacta.domain.lifecycle import ContractStatus
from pacta.service.selectors import (
    ticket_list_open,
    work_order_list_for_technician,
    work_order_list_open,
)
from pacta.web.board import BOARD_ROLES, BoardFilters, board_rows


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """What each role needs first: the office its workload, a technician today's jobs, a
    contractor its open work orders, a customer its contracts and open requests."""
    user = request.user
    reader = audience_of(user)
    today = timezone.localdate()
    context: dict[str, Any] = {"today": today}
    if reader.is_office:
        context["office"] = {
            "open_tickets": ticket_list_open(audience=reader).count(),
            "open_work_orders": work_order_list_open(audience=reader).count(),
            "active_contracts": contract_list(audience=reader)
            .filter(status=ContractStatus.ACTIVE)
            .count(),
        }
    elif reader.role == Role.TECHNICIAN:
        context["jobs"] = work_order_list_for_technician(technician=user, on=today)
    elif reader.role == Role.CONTRACTOR:
        context["jobs"] = work_order_list_open(audience=reader)[:50]
    elif reader.role == Role.CUSTOMER:
        context["contracts"] = [
            (contract, contract_version_in_force(contract, today))
            for contract in contract_list(audience=reader).order_by("number")
        ]
        context["tickets"] = ticket_list_open(audience=reader)[:50]
    return render(request, "web/home.html", context)


class PasswordForm(forms.Form):
    current_password = forms.CharField(
        label=gettext_lazy("Current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new_password = forms.CharField(
        label=gettext_lazy("New password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    new_password_again = forms.CharField(
        label=gettext_lazy("New password, again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("new_password") != data.get("new_password_again"):
            self.add_error("new_password_again", _("The two new passwords differ."))
        return data


@login_required
def password(request: HttpRequest) -> HttpResponse:
    """Change one's own password (through the service: checked, audited, API tokens revoked)."""
    form = PasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = user_change_password(
                actor=request.user,
                user=request.user,
                current_password=form.cleaned_data["current_password"],
                new_password=form.cleaned_data["new_password"],
            )
        except InvalidInput as error:
            for field, problems in error.fields.items():
                target = "new_password" if field == "password" else field
                for problem in problems:
                    form.add_error(target if target in form.fields else None, problem)
        else:
            update_session_auth_hash(request, user)  # this session stays signed in
            messages.success(request, _("Your password has been changed."))
            return redirect("web:home")
    return render(request, "web/password.html", {"form": form})


# --- the dispatch board ---------------------------------------------------------------------------
def _board_reader(request: HttpRequest) -> Audience:
    reader = audience_of(request.user)
    if reader.role not in BOARD_ROLES:
        raise PermissionDenied
    return reader


def _board(request: HttpRequest) -> tuple[BoardFilters, dict[str, Any], int]:
    """The filters, the rows at this instant, and the status (400 when a filter is refused)."""
    filters = BoardFilters(request.GET, audience=_board_reader(request))
    if not filters.is_valid():
        return filters, {"rows": [], "refused": True}, 400
    rows = board_rows(filters.tickets(), now=timezone.now())
    return filters, {"rows": rows, "refused": False}, 200


@login_required
def board(request: HttpRequest) -> HttpResponse:
    """Open tickets sorted by time to breach; the rows refresh themselves (htmx), and the page
    works without JavaScript (reload it)."""
    filters, context, status = _board(request)
    context.update(
        filters=filters,
        query=filters.query() if status == 200 else "",
        refresh_seconds=settings.PACTA_BOARD_REFRESH_SECONDS,
    )
    return render(request, "web/board.html", context, status=status)


def board_rows_view(request: HttpRequest) -> HttpResponse:
    """The board's rows alone, which the page asks for every few seconds."""
    if not request.user.is_authenticated:
        if request.headers.get("HX-Request") == "true":
            # the session ended: reload the page, which leads to the sign-in page
            return HttpResponse(status=401, headers={"HX-Refresh": "true"})
        return redirect_to_login(request.get_full_path())
    _filters, context, status = _board(request)
    return render(request, "web/board_rows.html", context, status=status)
