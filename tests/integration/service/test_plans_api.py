"""/api/v1/preventive-plans/ and /plan-occurrences/ over real HTTP: the office writes plans
(refusals name the field and write nothing); the visits generated are read, never written."""

from __future__ import annotations

import pytest

from pacta.service.services.plans import plans_generate
from tests.support import make
from tests.support.make import at
from tests.support.state import table_counts

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def terms():
    customer = make.customer()
    site = make.site(customer)
    service = make.service()
    contract = make.contract(
        customer,
        sites=[site],
        scope=[(service, "included")],
        calendar=make.calendar(),
        sla_policy=make.sla_policy(),
    )
    return {"site": site, "service": service, "contract": contract}


def test_the_office_plans_visits_and_reads_what_was_generated(api, terms):
    client = api(make.user("manager"))
    body = {
        "contract": terms["contract"].pk,
        "site": terms["site"].pk,
        "service": terms["service"].pk,
        "name": "Spring and autumn HVAC",
        "frequency": "months",
        "months": [10, 4],
        "starts_on": "2026-01-15",
    }
    counts = table_counts()
    bad = client.post("/preventive-plans/", {**body, "months": [0, 4]})
    assert bad.status_code == 400
    assert bad.json()["fields"] == {"months": ["Give month numbers from 1 to 12, e.g. [4, 10]."]}
    assert table_counts() == counts

    created = client.post("/preventive-plans/", body)
    assert created.status_code == 201, created.text
    plan = created.json()
    assert (plan["months"], plan["interval"], plan["lead_days"], plan["visit_time"]) == (
        [4, 10],
        1,
        14,
        "09:00:00",
    )

    plans_generate(now=at("2026-04-10 07:00"))
    visits = client.get("/plan-occurrences/", params={"plan": plan["id"]}).json()["results"]
    assert [(v["nominal_on"], v["scheduled_on"]) for v in visits] == [("2026-04-15", "2026-04-15")]
    assert visits[0]["work_order"] is not None
    assert client.post("/plan-occurrences/", {}).status_code == 405


def test_customers_and_technicians_do_not_see_plans(api, terms):
    customer = make.user("customer", customer=terms["site"].customer)
    for user in (customer, make.user("technician")):
        assert api(user).get("/preventive-plans/").status_code == 403
