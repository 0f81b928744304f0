"""The back office (Django's admin): who enters, every registered page, and writes through it.

The pages are read from ``admin.site._registry``, so a page another app registers is covered
here without editing this file.
"""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import Client, RequestFactory
from django.urls import reverse

from pacta.accounts.access import ADD, VIEW, audience_of, kind_of, may
from pacta.accounts.services import user_update
from pacta.audit.models import AuditEntry
from pacta.customers.models import Contact, Customer, Site
from pacta.web.admin.records import ReadOnlyAdmin, RecordAdmin
from tests.support import make
from tests.support.state import row, table_counts

pytestmark = pytest.mark.django_db

PAGES = sorted(admin.site._registry.items(), key=lambda item: kind_of(item[0]))
KINDS = [kind_of(model) for model, _page in PAGES]
OFFICE = ["admin", "manager", "dispatcher", "finance"]


def _url(model, view, *args):
    meta = model._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}", args=args)


def _signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def _outsiders():
    company = make.contractor()
    return {
        "technician": make.user("technician"),
        "contractor": make.user("contractor", contractor=company),
        "customer": make.user("customer", customer=make.customer()),
    }


def test_every_page_is_a_record_page():
    # Pages outside pacta's access table (Django's groups, tokens) would be closed to everyone.
    assert KINDS, "no back-office page is registered"
    for model, page in PAGES:
        assert isinstance(page, RecordAdmin | ReadOnlyAdmin), kind_of(model)


@pytest.mark.parametrize("role", ["admin", "manager"])
@pytest.mark.parametrize(("model", "page"), PAGES, ids=KINDS)
def test_admins_and_managers_open_every_changelist(role, model, page):
    response = _signed_in(make.user(role)).get(_url(model, "changelist"))
    assert response.status_code == 200, kind_of(model)


@pytest.mark.parametrize("role", OFFICE)
@pytest.mark.parametrize(("model", "page"), PAGES, ids=KINDS)
def test_the_add_page_opens_where_the_role_may_add(role, model, page):
    user = make.user(role)
    request = RequestFactory().get("/admin/")
    request.user = user
    may_add = page.has_add_permission(request)
    if isinstance(page, RecordAdmin):
        assert may_add == may(audience_of(user), kind_of(model), ADD)
    else:
        assert may_add is False
    response = _signed_in(user).get(_url(model, "add"))
    assert response.status_code == (200 if may_add else 403), (role, kind_of(model))


@pytest.mark.parametrize("role", OFFICE)
@pytest.mark.parametrize(("model", "page"), PAGES, ids=KINDS)
def test_the_changelist_opens_where_the_role_may_view(role, model, page):
    user = make.user(role)
    response = _signed_in(user).get(_url(model, "changelist"))
    expected = 200 if may(audience_of(user), kind_of(model), VIEW) else 403
    assert response.status_code == expected, (role, kind_of(model))


def test_change_pages_open_for_an_admin():
    admin_user = make.user("admin")
    customer = make.customer()
    make.contact(customer)
    make.site(customer)
    make.user("technician", contractor=make.contractor())
    client = _signed_in(admin_user)
    opened = set()
    for model, _page in PAGES:
        instance = model._default_manager.order_by("pk").first()
        if instance is None:
            continue
        response = client.get(_url(model, "change", instance.pk))
        assert response.status_code == 200, kind_of(model)
        opened.add(kind_of(model))
    assert {
        "accounts.user",
        "accounts.contractor",
        "audit.auditentry",
        "customers.customer",
        "customers.contact",
        "customers.site",
    } <= opened


@pytest.mark.parametrize("role", ["technician", "contractor", "customer", None])
def test_people_outside_the_office_are_sent_to_the_admin_login(role):
    client = _signed_in(_outsiders()[role]) if role else Client()
    index = client.get(reverse("admin:index"))
    assert index.status_code == 302
    assert index["Location"] == "/admin/login/?next=/admin/"
    for model, _page in PAGES:
        url = _url(model, "changelist")
        response = client.get(url)
        assert response.status_code == 302, kind_of(model)
        assert response["Location"].startswith("/admin/login/"), kind_of(model)


def test_an_inactive_manager_is_sent_to_the_admin_login():
    manager = make.user("manager")
    client = _signed_in(manager)
    assert client.get(reverse("admin:index")).status_code == 200
    user_update(actor=None, user=manager, values={"is_active": False})
    assert client.get(reverse("admin:index")).status_code == 302


def test_a_customer_user_cannot_sign_in_to_the_back_office():
    user = _outsiders()["customer"]
    client = Client()
    response = client.post(
        reverse("admin:login"), {"username": user.username, "password": make.PASSWORD}
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "Please enter the correct username and password for a staff account. "
        "Note that both fields may be case-sensitive."
    ]
    assert "_auth_user_id" not in client.session


# --- writing through the back office --------------------------------------------------------------
def _management(prefix, total):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def _customer_form(**changes):
    return {
        "legal_name": "Clínica Dental Retiro S.L.",
        "trade_name": "Dental Retiro",
        "tax_id": "ESB12345678",
        "parent": "",
        "is_active": "on",
        "address_line1": "Calle de Alcalá 100",
        "address_line2": "",
        "postal_code": "28009",
        "city": "Madrid",
        "region": "Madrid",
        "country": "ES",
        "email": "admin@dentalretiro.es",
        "phone": "+34 910 000 001",
        "currency": "EUR",
        "language": "es",
        "payment_terms_days": "30",
        "notes": "",
        "reason": "Signed at the dental fair",
        **_management("contacts", 0),
        **_management("sites", 0),
        **changes,
    }


def test_a_manager_adds_a_customer_with_a_contact_and_a_site():
    manager = make.user("manager")
    data = _customer_form(
        **_management("contacts", 1),
        **{
            "contacts-0-name": "Ana Ruiz",
            "contacts-0-job_title": "Office manager",
            "contacts-0-email": "ana@dentalretiro.es",
            "contacts-0-phone": "",
            "contacts-0-language": "es",
            "contacts-0-is_primary": "on",
        },
        **_management("sites", 1),
        **{
            "sites-0-name": "Clinic",
            "sites-0-code": "RET-1",
            "sites-0-city": "Madrid",
            "sites-0-country": "ES",
            "sites-0-time_zone": "Europe/Madrid",
            "sites-0-zone_code": "MAD-CENTRO",
        },
    )
    response = _signed_in(manager).post(_url(Customer, "add"), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert response["Location"] == _url(Customer, "changelist")
    customer = Customer.objects.get(tax_id="ESB12345678")
    assert (customer.legal_name, customer.currency, customer.payment_terms_days) == (
        "Clínica Dental Retiro S.L.",
        "EUR",
        30,
    )
    contact = Contact.objects.get(customer=customer)
    site = Site.objects.get(customer=customer)
    assert (contact.name, contact.email, contact.is_primary) == (
        "Ana Ruiz",
        "ana@dentalretiro.es",
        True,
    )
    assert (site.name, site.time_zone, site.zone_code) == ("Clinic", "Europe/Madrid", "MAD-CENTRO")

    log = {
        (entry.entity_type, entry.entity_id): (entry.action, entry.actor_id, entry.reason)
        for entry in AuditEntry.objects.all()
    }
    for record in (customer, contact, site):
        assert log[(kind_of(record), str(record.pk))] == (
            "create",
            manager.pk,
            "Signed at the dental fair",
        )


def test_a_manager_changes_a_customer_and_the_change_is_audited():
    manager = make.user("manager")
    customer = make.customer(legal_name="Old Name S.L.", tax_id="ESB00000001")
    data = _customer_form(
        legal_name="New Name S.L.", tax_id="ESB00000001", reason="Registered name changed"
    )
    response = _signed_in(manager).post(_url(Customer, "change", customer.pk), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert row(customer)["legal_name"] == "New Name S.L."
    entry = AuditEntry.objects.filter(entity_type="customers.customer").latest("id")
    assert (entry.action, entry.actor_id, entry.reason, entry.before["legal_name"]) == (
        "update",
        manager.pk,
        "Registered name changed",
        "Old Name S.L.",
    )


def test_an_unknown_currency_is_refused_on_the_currency_field():
    client = _signed_in(make.user("manager"))
    counts = table_counts()
    response = client.post(_url(Customer, "add"), _customer_form(currency="XXX"))
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors["currency"] == ["XXX is not an ISO 4217 currency code."]
    assert list(form.errors) == ["currency"]
    assert table_counts() == counts


def test_an_unknown_site_time_zone_is_refused_on_the_time_zone_field():
    customer = make.customer()
    client = _signed_in(make.user("manager"))
    counts = table_counts()
    response = client.post(
        _url(Site, "add"),
        {
            "customer": str(customer.pk),
            "name": "Depot",
            "code": "",
            "is_active": "on",
            "address_line1": "",
            "address_line2": "",
            "postal_code": "",
            "city": "Madrid",
            "region": "",
            "country": "ES",
            "time_zone": "Mars/Olympus",
            "zone_code": "",
            "latitude": "",
            "longitude": "",
            "access_notes": "",
            "reason": "",
        },
    )
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors == {
        "time_zone": ["Mars/Olympus is not an IANA time zone (e.g. Europe/Madrid)."]
    }
    assert table_counts() == counts


def test_an_unknown_time_zone_on_an_inline_site_writes_nothing():
    client = _signed_in(make.user("manager"))
    counts = table_counts()
    data = _customer_form(
        **_management("sites", 1),
        **{
            "sites-0-name": "Base",
            "sites-0-code": "",
            "sites-0-city": "Madrid",
            "sites-0-country": "ES",
            "sites-0-time_zone": "Mars/Olympus",
            "sites-0-zone_code": "",
        },
    )
    response = client.post(_url(Customer, "add"), data)
    assert table_counts() == counts
    assert not Customer.objects.filter(tax_id="ESB12345678").exists()
    # The row is rehearsed under a rehearsed customer: the page comes back with what was typed
    # and the error on the site's time zone.
    assert response.status_code == 200
    sites = next(
        f.formset for f in response.context["inline_admin_formsets"] if f.formset.prefix == "sites"
    )
    assert sites.errors == [
        {"time_zone": ["Mars/Olympus is not an IANA time zone (e.g. Europe/Madrid)."]}
    ]
    assert sites.forms[0]["name"].value() == "Base"


def test_a_customer_with_sites_cannot_be_deleted_through_the_back_office():
    customer = make.customer(legal_name="Busy S.L.")
    site = make.site(customer, name="Main depot")
    client = _signed_in(make.user("admin"))
    counts = table_counts()

    response = client.post(_url(Customer, "delete", customer.pk), {"post": "yes"})

    assert Customer.objects.filter(pk=customer.pk).exists()
    assert table_counts() == counts
    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>Cannot delete customer</h1>" in page
    assert (
        "Deleting the customer 'Busy S.L.' would require deleting the following "
        "protected related objects:"
    ) in page
    assert f'<a href="{_url(Site, "change", site.pk)}">Main depot</a>' in page


def test_a_refused_bulk_delete_deletes_nothing_and_says_why():
    busy, idle = make.customer(legal_name="Busy S.L."), make.customer(legal_name="Idle S.L.")
    make.site(busy)
    client = _signed_in(make.user("admin"))
    counts = table_counts()
    response = client.post(
        _url(Customer, "changelist"),
        {"action": "delete_selected", "_selected_action": [busy.pk, idle.pk], "post": "yes"},
        follow=True,
    )
    assert response.status_code == 200
    assert table_counts() == counts
    assert Customer.objects.filter(pk__in=[busy.pk, idle.pk]).count() == 2


def test_a_duplicate_tax_id_is_refused_on_the_tax_id_field():
    make.customer(tax_id="ESB12345678", country="ES")
    client = _signed_in(make.user("manager"))
    counts = table_counts()
    response = client.post(_url(Customer, "add"), _customer_form())
    assert response.status_code == 200
    assert table_counts() == counts
    assert response.context["adminform"].form.errors == {
        "tax_id": ["Another customer in this country has this tax id."]
    }
