"""Writing customers, contacts and sites: the only write path, each write audited."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from pacta.audit.services import (
    Actor,
    RecordWriter,
    is_duplicate,
    record_create,
    record_delete,
    record_update,
)
from pacta.customers.errors import CustomerHierarchyInvalid, SiteInUse
from pacta.customers.models import Contact, Customer, Site
from pacta.customers.selectors import customer_descendant_ids, site_is_referenced
from pacta.domain.currencies import is_currency
from pacta.domain.errors import FieldErrors, InvalidInput
from pacta.domain.facturae import DIR3_ROLES, is_dir3_code
from pacta.domain.zones import is_time_zone


def _normalized(values: Mapping[str, Any]) -> dict[str, Any]:
    values = dict(values)
    for name in ("currency",):
        if isinstance(values.get(name), str):
            values[name] = values[name].strip().upper()
    if isinstance(values.get("tax_id"), str):
        values["tax_id"] = values["tax_id"].replace(" ", "").strip().upper()
    for _role, name in DIR3_ROLES:
        if isinstance(values.get(name), str):
            values[name] = values[name].strip().upper()
    return values


def _dir3_check(customer: Customer, errors: FieldErrors) -> None:
    """Each DIR3 code has its shape; a customer gives all three centres or none."""
    codes = {name: getattr(customer, name) for _role, name in DIR3_ROLES}
    for name, code in codes.items():
        if code and not is_dir3_code(code):
            errors.add(
                name,
                _("%(code)s is not a DIR3 code: letters and digits, up to 10 (e.g. L01281343).")
                % {"code": code},
            )
    if any(codes.values()):
        for name, code in codes.items():
            if not code:
                errors.add(
                    name,
                    _(
                        "Give all three DIR3 codes (accounting office, managing body, "
                        "processing unit), or none."
                    ),
                )


# --- customers ----------------------------------------------------------------------------------
def customer_check(customer: Customer, m2m: Mapping[str, list[Any]] | None = None) -> None:
    errors = FieldErrors()
    if not is_currency(customer.currency):
        errors.add(
            "currency",
            _("%(code)s is not an ISO 4217 currency code.") % {"code": customer.currency},
        )
    if customer.tax_id and is_duplicate(customer, country=customer.country, tax_id=customer.tax_id):
        errors.add("tax_id", _("Another customer in this country has this tax id."))
    _dir3_check(customer, errors)
    errors.raise_if_any()
    if (
        customer.parent_id is not None
        and customer.pk is not None
        and customer.parent_id in customer_descendant_ids(customer)
    ):
        raise CustomerHierarchyInvalid.on(
            "parent", _("A customer cannot be paid for by itself or by one of its children.")
        )


def customer_create(*, actor: Actor, values: Mapping[str, Any], reason: str = "") -> Customer:
    values = _normalized(values)
    values.setdefault("currency", settings.PACTA_COMPANY_CURRENCY)
    values.setdefault("language", settings.LANGUAGE_CODE)
    return record_create(Customer, actor=actor, values=values, reason=reason, check=customer_check)


def customer_update(
    *, actor: Actor, customer: Customer, values: Mapping[str, Any], reason: str = ""
) -> Customer:
    return record_update(
        customer, actor=actor, values=_normalized(values), reason=reason, check=customer_check
    )


def customer_delete(*, actor: Actor, customer: Customer, reason: str = "") -> None:
    record_delete(customer, actor=actor, reason=reason)


CUSTOMER = RecordWriter(
    param="customer",
    create=customer_create,
    update=customer_update,
    delete=customer_delete,
    check=customer_check,
)


# --- contacts -----------------------------------------------------------------------------------
def contact_check(contact: Contact, m2m: Mapping[str, list[Any]] | None = None) -> None:
    if contact.email and is_duplicate(
        contact, customer_id=contact.customer_id, email__iexact=contact.email
    ):
        raise InvalidInput.on("email", _("This customer already has a contact with this e-mail."))


def contact_create(*, actor: Actor, values: Mapping[str, Any], reason: str = "") -> Contact:
    return record_create(Contact, actor=actor, values=values, reason=reason, check=contact_check)


def contact_update(
    *, actor: Actor, contact: Contact, values: Mapping[str, Any], reason: str = ""
) -> Contact:
    return record_update(contact, actor=actor, values=values, reason=reason, check=contact_check)


def contact_delete(*, actor: Actor, contact: Contact, reason: str = "") -> None:
    record_delete(contact, actor=actor, reason=reason)


CONTACT = RecordWriter(
    param="contact",
    create=contact_create,
    update=contact_update,
    delete=contact_delete,
    check=contact_check,
)


# --- sites --------------------------------------------------------------------------------------
def site_check(site: Site, m2m: Mapping[str, list[Any]] | None = None) -> None:
    errors = FieldErrors()
    if not is_time_zone(site.time_zone):
        errors.add(
            "time_zone",
            _("%(zone)s is not an IANA time zone (e.g. Europe/Madrid).") % {"zone": site.time_zone},
        )
    if (site.latitude is None) != (site.longitude is None):
        missing = "longitude" if site.longitude is None else "latitude"
        errors.add(missing, _("Give both latitude and longitude, or neither."))
    if is_duplicate(site, customer_id=site.customer_id, name__iexact=site.name):
        errors.add("name", _("This customer already has a site with this name."))
    errors.raise_if_any()


def site_create(*, actor: Actor, values: Mapping[str, Any], reason: str = "") -> Site:
    return record_create(Site, actor=actor, values=values, reason=reason, check=site_check)


def site_update(*, actor: Actor, site: Site, values: Mapping[str, Any], reason: str = "") -> Site:
    new_customer = getattr(values.get("customer"), "pk", values.get("customer"))
    if new_customer is not None and new_customer != site.customer_id and site_is_referenced(site):
        raise SiteInUse(
            _("This site has contracts, tickets or equipment; it stays with its customer."),
            fields={"customer": [_("A site in use cannot move to another customer.")]},
        )
    return record_update(site, actor=actor, values=values, reason=reason, check=site_check)


def site_delete(*, actor: Actor, site: Site, reason: str = "") -> None:
    record_delete(site, actor=actor, reason=reason)


SITE = RecordWriter(
    param="site", create=site_create, update=site_update, delete=site_delete, check=site_check
)
