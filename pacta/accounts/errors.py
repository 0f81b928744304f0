"""Errors of accounts: who may hold which role."""

from pacta.domain.errors import Forbidden, InvalidInput


class RoleNotGrantable(Forbidden):
    code = "role_not_grantable"


class InvalidMembership(InvalidInput):
    code = "invalid_membership"
