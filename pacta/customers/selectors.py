"""Reading customers, contacts and sites (always through what the reader may see)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from pacta.accounts.access import Audience, visible
from pacta.customers.models import Contact, Customer, Site


def customer_list(*, audience: Audience) -> QuerySet[Customer]:
    return visible(Customer.objects.select_related("parent"), audience)


def customer_descendant_ids(customer: Customer) -> set[int]:
    """The ids of ``customer`` and of every customer it pays for, at any depth."""
    found = {customer.pk}
    frontier = {customer.pk}
    while frontier:
        frontier = (
            set(Customer.objects.filter(parent_id__in=frontier).values_list("id", flat=True))
            - found
        )
        found |= frontier
    return found


def contact_list(*, audience: Audience) -> QuerySet[Contact]:
    return visible(Contact.objects.select_related("customer"), audience)


def contact_of_user(user: Any, *, audience: Audience) -> Contact | None:
    """The contact a customer's user is (an active contact with its e-mail among those it
    sees, the oldest if several), if any."""
    email = getattr(user, "email", "")
    if not email:
        return None
    return (
        contact_list(audience=audience)
        .filter(email__iexact=email, is_active=True)
        .order_by("id")
        .first()
    )


def site_list(*, audience: Audience) -> QuerySet[Site]:
    return visible(Site.objects.select_related("customer"), audience)


def site_is_referenced(site: Site) -> bool:
    """Whether contracts, tickets or equipment point at ``site`` (it then keeps its customer)."""
    return any(
        manager.exists()
        for manager in (
            getattr(site, name)
            for name in ("contracts", "tickets", "equipment")
            if hasattr(site, name)
        )
    )
