"""The contract pages of the back office, as a manager: writes go through the services, refusals
land on the field, the status changes on its own page, terms in force are read-only."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from pacta.audit.models import AuditEntry
from pacta.contracts.models import Contract, ContractVersion, ScopeLine
from pacta.contracts.services import contract_amend
from tests.support import make
from tests.support.state import row, table_counts

pytestmark = pytest.mark.django_db


def _days(n):
    return timezone.localdate() + timedelta(days=n)


def _url(model, view, *args):
    meta = model._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}", args=args)


def _management(prefix, total, initial=0):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


#: The version page's rule inlines, posted with no rows.
RULES_UNTOUCHED = {
    **_management("surchargerules", 0),
    **_management("travelrules", 0),
    **_management("allowances", 0),
}


def _contract_form(customer, **changes):
    return {
        "number": "C-2026-100",
        "title": "HVAC maintenance",
        "customer": str(customer.pk),
        "sites": [],
        "equipment": [],
        "starts_on": _days(0).isoformat(),
        "ends_on": _days(364).isoformat(),
        "signed_on": "",
        "currency": "",
        "notes": "",
        "reason": "Signed",
        **_management("versions", 0),
        **changes,
    }


def _amendment_form(contract, **changes):
    return {
        "contract": str(contract.pk),
        "effective_on": _days(10).isoformat(),
        "price_list": "",
        "subscription_fee": "",
        "billing_period": "",
        "approved_by": "",
        "reason": "Indexed",
        **changes,
    }


# --- contracts ------------------------------------------------------------------------------------
def test_a_manager_adds_a_draft_contract_in_the_customers_currency(client, manager):
    customer = make.customer(currency="EUR")
    site = make.site(customer)

    response = client.post(_url(Contract, "add"), _contract_form(customer, sites=[str(site.pk)]))

    assert response.status_code == 302, response.context["adminform"].form.errors
    contract = Contract.objects.get(number="C-2026-100")
    assert (contract.status, contract.currency, list(contract.sites.all())) == (
        "draft",
        "EUR",
        [site],
    )
    entry = AuditEntry.objects.get(entity_type="contracts.contract", entity_id=str(contract.pk))
    assert (entry.action, entry.actor_id, entry.reason) == ("create", manager.pk, "Signed")


def test_a_contract_ending_before_it_starts_is_refused_on_ends_on(client):
    customer = make.customer()
    counts = table_counts()

    response = client.post(
        _url(Contract, "add"), _contract_form(customer, ends_on=_days(-1).isoformat())
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "ends_on": ["A contract cannot end before it starts."]
    }
    assert table_counts() == counts


def test_a_site_of_another_customer_is_refused_on_sites(client):
    customer = make.customer()
    elsewhere = make.site(make.customer(), name="Elsewhere")
    counts = table_counts()

    response = client.post(
        _url(Contract, "add"), _contract_form(customer, sites=[str(elsewhere.pk)])
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "sites": [f"Elsewhere is not a site of {customer} or of a customer it pays for."]
    }
    assert table_counts() == counts


def test_a_live_contract_shows_its_fixed_fields_read_only_and_links_to_its_status_page(client):
    contract = make.contract(make.customer(), starts_on=_days(-30), ends_on=_days(335))

    response = client.get(_url(Contract, "change", contract.pk))

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert set(form.fields) == {"title", "sites", "equipment", "ends_on", "signed_on", "notes"} | {
        "reason"
    }
    page = response.content.decode()
    assert f'<a href="{_url(Contract, "status", contract.pk)}">Change status</a>' in page
    # The versions are listed, read-only, each with a link to its page.
    version = contract.versions.get()
    assert _url(ContractVersion, "change", version.pk) in page


# --- the status page ------------------------------------------------------------------------------
def test_the_status_page_activates_a_contract_and_the_change_is_audited(client, manager):
    contract = make.contract(
        make.customer(), status="draft", starts_on=_days(-30), ends_on=_days(335)
    )
    status_url = _url(Contract, "status", contract.pk)
    assert client.get(status_url).status_code == 200

    response = client.post(status_url, {"status": "active", "reason": "Signed by both"})

    assert response.status_code == 302
    assert response["Location"] == _url(Contract, "change", contract.pk)
    assert row(contract)["status"] == "active"
    entry = AuditEntry.objects.filter(entity_type="contracts.contract").latest("id")
    assert (entry.action, entry.actor_id, entry.reason, entry.after["status"]) == (
        "status",
        manager.pk,
        "Signed by both",
        "active",
    )


def test_the_status_page_shows_a_refused_transition_as_a_form_error(client):
    contract = make.contract(make.customer(), starts_on=_days(-30), ends_on=_days(335))
    counts, before = table_counts(), row(contract)

    response = client.post(
        _url(Contract, "status", contract.pk), {"status": "draft", "reason": "Undo"}
    )

    assert response.status_code == 200
    form = response.context["form"]
    assert form.non_field_errors() == ["A contract cannot go from active to draft."]
    assert "A contract cannot go from active to draft." in response.content.decode()
    assert table_counts() == counts
    assert row(contract) == before


def test_the_status_page_needs_a_reason(client):
    contract = make.contract(
        make.customer(), status="draft", starts_on=_days(-30), ends_on=_days(335)
    )
    response = client.post(_url(Contract, "status", contract.pk), {"status": "active"})
    assert response.status_code == 200
    assert response.context["form"].errors == {"reason": ["This field is required."]}
    assert row(contract)["status"] == "draft"


def test_a_dispatcher_may_not_open_the_status_page():
    contract = make.contract(make.customer(), starts_on=_days(-30), ends_on=_days(335))
    dispatcher = Client()
    dispatcher.force_login(make.user("dispatcher"))
    url = _url(Contract, "status", contract.pk)
    assert dispatcher.get(url).status_code == 403
    assert dispatcher.post(url, {"status": "suspended", "reason": "x"}).status_code == 403
    assert row(contract)["status"] == "active"


# --- versions: amendments and terms in force ------------------------------------------------------
def test_an_amendment_effective_before_the_contract_starts_is_refused_on_effective_on(client):
    contract = make.contract(
        make.customer(), status="draft", starts_on=_days(-30), ends_on=_days(335)
    )
    counts = table_counts()

    response = client.post(
        _url(ContractVersion, "add"),
        _amendment_form(contract, effective_on=_days(-31).isoformat()),
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "effective_on": [
            f"These terms cannot take effect on {_days(-31).isoformat()}: the contract runs "
            f"from {_days(-30).isoformat()} to {_days(335).isoformat()}."
        ]
    }
    assert table_counts() == counts


def test_an_amendment_copies_the_terms_left_empty(client, manager):
    service = make.service()
    contract = make.contract(
        make.customer(),
        starts_on=_days(-30),
        ends_on=_days(335),
        fee=Decimal("150.00"),
        scope=[(service, "included")],
    )

    response = client.post(
        _url(ContractVersion, "add"), _amendment_form(contract, subscription_fee="175.00")
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    amended = contract.versions.get(number=2)
    assert (
        amended.effective_on,
        amended.subscription_fee,
        amended.billing_period,
        amended.created_by_id,
        amended.reason,
    ) == (_days(10), Decimal("175.00"), "month", manager.pk, "Indexed")
    assert list(amended.scope_lines.values_list("service_id", "coverage")) == [
        (service.pk, "included")
    ]
    entry = AuditEntry.objects.get(
        entity_type="contracts.contractversion", entity_id=str(amended.pk)
    )
    assert (entry.action, entry.actor_id) == ("amend", manager.pk)


def test_a_version_in_force_is_shown_read_only_and_a_post_changes_nothing(client):
    service = make.service()
    contract = make.contract(
        make.customer(), starts_on=_days(-30), ends_on=_days(335), scope=[(service, "included")]
    )
    version = contract.versions.get()
    line = version.scope_lines.get()
    url = _url(ContractVersion, "change", version.pk)

    page = client.get(url)

    assert page.status_code == 200
    admin_form = page.context["adminform"]
    assert set(admin_form.readonly_fields) >= {
        "contract",
        "effective_on",
        "price_list",
        "subscription_fee",
        "billing_period",
        "approved_by",
    }
    html = page.content.decode()
    assert 'name="subscription_fee"' not in html
    assert 'name="reason"' not in html
    assert 'name="scope_lines-0-coverage"' not in html
    assert _url(ContractVersion, "delete", version.pk) not in html

    counts, before, line_before = table_counts(), row(version), row(line)
    response = client.post(
        url,
        {
            "effective_on": version.effective_on.isoformat(),
            "price_list": "",
            "subscription_fee": "1.00",
            "billing_period": "year",
            "approved_by": "",
            "reason": "Cheaper",
            **_management("scope_lines", 1, 1),
            "scope_lines-0-id": str(line.pk),
            "scope_lines-0-version": str(version.pk),
            "scope_lines-0-service": str(service.pk),
            "scope_lines-0-coverage": "excluded",
        },
    )
    assert response.status_code == 403
    assert client.post(
        _url(ContractVersion, "delete", version.pk), {"post": "yes"}
    ).status_code == (403)
    assert table_counts() == counts
    assert (row(version), row(line)) == (before, line_before)


def test_future_terms_and_their_scope_are_edited_on_the_change_page(client, manager):
    pm, cm = make.service(), make.service()
    contract = make.contract(
        make.customer(), starts_on=_days(-30), ends_on=_days(335), scope=[(pm, "included")]
    )
    future = contract_amend(
        actor=manager,
        values={"contract": contract, "effective_on": _days(10)},
        reason="Indexed",
    )
    line = future.scope_lines.get()
    url = _url(ContractVersion, "change", future.pk)
    assert 'name="scope_lines-0-coverage"' in client.get(url).content.decode()

    response = client.post(
        url,
        {
            "effective_on": future.effective_on.isoformat(),
            "price_list": "",
            "subscription_fee": "180.00",
            "billing_period": "month",
            "approved_by": str(manager.pk),
            "reason": "Renegotiated",
            **_management("scope_lines", 2, 1),
            **RULES_UNTOUCHED,
            "scope_lines-0-id": str(line.pk),
            "scope_lines-0-version": str(future.pk),
            "scope_lines-0-service": str(pm.pk),
            "scope_lines-0-coverage": "billable",
            "scope_lines-0-period_limit": "",
            "scope_lines-0-minimum_minutes": "0",
            "scope_lines-0-increment_minutes": "0",
            "scope_lines-0-notes": "",
            "scope_lines-1-id": "",
            "scope_lines-1-version": str(future.pk),
            "scope_lines-1-service": str(cm.pk),
            "scope_lines-1-coverage": "included",
            "scope_lines-1-period_limit": "2",
            "scope_lines-1-minimum_minutes": "0",
            "scope_lines-1-increment_minutes": "15",
            "scope_lines-1-notes": "",
        },
    )

    assert response.status_code == 302, [
        (f.formset.prefix, f.formset.errors, f.formset.non_form_errors())
        for f in response.context["inline_admin_formsets"]
    ]
    stored = ContractVersion.objects.get(pk=future.pk)
    assert (stored.subscription_fee, stored.approved_by_id, stored.reason) == (
        Decimal("180.00"),
        manager.pk,
        "Renegotiated",
    )
    assert sorted(
        ScopeLine.objects.filter(version=future).values_list(
            "service_id", "coverage", "period_limit", "increment_minutes"
        )
    ) == sorted([(pm.pk, "billable", None, 0), (cm.pk, "included", Decimal("2.00"), 15)])
    reasons = set(
        AuditEntry.objects.filter(
            entity_type="contracts.scopeline", action__in=["create", "update"]
        )
        .exclude(reason="Indexed")
        .exclude(reason="Initial terms")
        .values_list("action", "reason")
    )
    assert reasons == {("update", "Renegotiated"), ("create", "Renegotiated")}
