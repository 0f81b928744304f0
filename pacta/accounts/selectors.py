"""Reading users and contractor companies."""

from __future__ import annotations

from django.db.models import QuerySet

from pacta.accounts.access import Audience, visible
from pacta.accounts.models import Contractor, Team, User
from pacta.accounts.roles import Role


def user_list(*, audience: Audience) -> QuerySet[User]:
    return visible(User.objects.select_related("customer", "contractor"), audience)


def user_list_technicians(*, audience: Audience) -> QuerySet[User]:
    return user_list(audience=audience).filter(role=Role.TECHNICIAN, is_active=True)


def contractor_list(*, audience: Audience) -> QuerySet[Contractor]:
    return visible(Contractor.objects.all(), audience)


def user_get_by_username(username: str) -> User | None:
    return User.objects.filter(username=username).first()


def user_list_dispatchers() -> QuerySet[User]:
    """The active dispatchers: who is told when a ticket's SLA is at risk."""
    return User.objects.filter(role=Role.DISPATCHER, is_active=True).order_by("username")


def team_list(*, audience: Audience) -> QuerySet[Team]:
    return visible(Team.objects.prefetch_related("members"), audience)


def team_list_covering(zone_code: str) -> list[Team]:
    """The active teams whose regions include ``zone_code`` (compared ignoring case)."""
    wanted = zone_code.strip().upper()
    return [
        team
        for team in Team.objects.filter(is_active=True).prefetch_related("members")
        if wanted in {str(code).strip().upper() for code in team.zone_codes}
    ]
