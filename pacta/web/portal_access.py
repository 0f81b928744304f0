"""Who uses the customer portal: a customer's users only (anyone else is refused with 403);
what they see is their customer's records and those of the customers it pays for, through the
selectors and ``audience_of``."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from pacta.accounts.access import Audience, audience_of
from pacta.accounts.roles import Role


def customer_audience(request: HttpRequest) -> Audience:
    """The signed-in customer user's audience; 403 for anyone else."""
    reader = audience_of(request.user)
    if reader.role != Role.CUSTOMER:
        raise PermissionDenied
    return reader
