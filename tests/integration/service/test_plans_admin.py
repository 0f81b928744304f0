"""The back office writes preventive plans through their services (a refusal lands on its
field, nothing written) and shows quotes and generated visits read-only."""

from __future__ import annotations

import pytest

from pacta.service.models import PreventivePlan
from tests.support import make
from tests.support.state import table_counts

pytestmark = pytest.mark.django_db

PLAN_ADD = "/admin/service/preventiveplan/add/"


def plan_form(contract, site, service, **values):
    return {
        "contract": contract.pk,
        "site": site.pk,
        "equipment": "",
        "service": service.pk,
        "name": "Boiler service",
        "frequency": "months",
        "interval": "6",
        "months": "[]",
        "starts_on": "2026-02-02",
        "ends_on": "",
        "lead_days": "14",
        "visit_time": "09:00",
        "visit_minutes": "120",
        "technician": "",
        "priority": "low",
        "is_active": "on",
        "reason": "Signed maintenance plan",
        **values,
    }


def test_a_manager_writes_a_plan_and_a_bad_one_is_refused_on_its_field(client):
    customer = make.customer()
    site, elsewhere, service = make.site(customer), make.site(customer), make.service()
    contract = make.contract(customer, sites=[site], scope=[(service, "included")])
    client.force_login(make.user("manager"))

    counts = table_counts()
    refused = client.post(PLAN_ADD, plan_form(contract, elsewhere, service, months="[4, 13]"))
    assert refused.status_code == 200
    assert refused.context["adminform"].form.errors == {
        "site": [f"Contract {contract.number} does not cover this site."],
        "months": ["Give month numbers from 1 to 12, e.g. [4, 10]."],
    }
    assert table_counts() == counts

    saved = client.post(PLAN_ADD, plan_form(contract, site, service, months="[10, 4]"))
    assert saved.status_code == 302, saved.context["adminform"].form.errors
    plan = PreventivePlan.objects.get()
    assert (plan.site, plan.interval, plan.months) == (site, 6, [4, 10])


def test_quotes_and_visits_are_read_only_pages(client):
    client.force_login(make.user("manager"))
    for kind in ("quote", "planoccurrence"):
        assert client.get(f"/admin/service/{kind}/").status_code == 200
        assert client.get(f"/admin/service/{kind}/add/").status_code == 403
