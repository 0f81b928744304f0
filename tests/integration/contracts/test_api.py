"""/api/v1/contracts/, /contract-versions/, /scope-lines/ over real HTTP: the life of a contract,
who sees and writes what, and bad input. The server's "today" is the real one, so the dates
here are counted from it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from pacta.audit.models import AuditEntry
from pacta.contracts.models import Contract, ContractVersion
from tests.support import make
from tests.support.fixtures import ids_of, results
from tests.support.state import row, table_counts

pytestmark = pytest.mark.django_db(transaction=True)


def _days(n):
    return timezone.localdate() + timedelta(days=n)


def _live(customer, **values):
    """An active contract that started 30 days ago, with a first version from its start."""
    return make.contract(customer, starts_on=_days(-30), ends_on=_days(335), **values)


def test_a_manager_creates_activates_and_amends_a_contract(api):
    manager = make.user("manager")
    customer = make.customer(currency="EUR")
    site = make.site(customer)
    unit = make.equipment(site)
    pm = make.service(code="HVAC-PM", unit="visit")
    cm = make.service(code="HVAC-CM")
    prices = make.price_list(customer=customer)
    client = api(manager)

    created = client.post(
        "/contracts/",
        {
            "number": "C-2026-014",
            "title": "HVAC maintenance",
            "customer": customer.pk,
            "sites": [site.pk],
            "equipment": [unit.pk],
            "starts_on": _days(-30).isoformat(),
            "ends_on": _days(335).isoformat(),
            "signed_on": _days(-31).isoformat(),
            "notes": "",
            "reason": "Signed",
        },
    )
    assert created.status_code == 201, created.text
    contract = created.json()
    pk = contract["id"]
    assert {k: contract[k] for k in ("status", "currency", "version_in_force", "sites")} == {
        "status": "draft",
        "currency": "EUR",
        "version_in_force": None,
        "sites": [site.pk],
    }
    assert "reason" not in contract

    first = client.post(
        "/contract-versions/",
        {
            "contract": pk,
            "effective_on": _days(-30).isoformat(),
            "price_list": prices.pk,
            "subscription_fee": "150.00",
            "billing_period": "month",
            "reason": "Initial terms",
            "scope_lines": [
                {"service": pm.pk, "coverage": "included", "period_limit": "4.00"},
                {"service": cm.pk, "coverage": "billable"},
            ],
        },
    )
    assert first.status_code == 201, first.text
    v1 = first.json()
    assert {
        k: v1[k]
        for k in ("number", "subscription_fee", "locked", "reason", "created_by", "approved_by")
    } == {
        "number": 1,
        "subscription_fee": "150.00",
        "locked": False,
        "reason": "Initial terms",
        "created_by": manager.pk,
        "approved_by": None,
    }
    assert sorted((s["service"], s["coverage"], s["period_limit"]) for s in v1["scope_lines"]) == [
        (pm.pk, "included", "4.00"),
        (cm.pk, "billable", None),
    ]

    activated = client.post(f"/contracts/{pk}/status/", {"status": "active", "reason": "Signed"})
    assert activated.status_code == 200, activated.text
    assert (activated.json()["status"], activated.json()["version_in_force"]) == ("active", 1)

    amended = client.post(
        "/contract-versions/",
        {
            "contract": pk,
            "effective_on": _days(0).isoformat(),
            "subscription_fee": "160.00",
            "reason": "Indexed",
        },
    )
    assert amended.status_code == 201, amended.text
    v2 = amended.json()
    assert (v2["number"], v2["subscription_fee"], v2["price_list"], v2["locked"]) == (
        2,
        "160.00",
        prices.pk,
        True,
    )
    assert sorted((s["service"], s["coverage"]) for s in v2["scope_lines"]) == [
        (pm.pk, "included"),
        (cm.pk, "billable"),
    ]
    assert client.get(f"/contracts/{pk}/").json()["version_in_force"] == 2

    stored = row(ContractVersion.objects.get(pk=v1["id"]))
    counts = table_counts()
    refused = client.patch(
        f"/contract-versions/{v1['id']}/", {"subscription_fee": "1.00", "reason": "Correction"}
    )
    assert refused.status_code == 409
    assert refused.json()["code"] == "version_in_force"
    assert refused.json()["detail"] == (
        f"Version 1 of C-2026-014 has been in force since {_days(-30).isoformat()}; "
        "amend the contract instead."
    )
    assert table_counts() == counts
    assert row(ContractVersion.objects.get(pk=v1["id"])) == stored

    log = list(
        AuditEntry.objects.filter(entity_type="contracts.contract", entity_id=str(pk))
        .order_by("id")
        .values_list("action", "actor_id", "reason")
    )
    assert log == [("create", manager.pk, "Signed"), ("status", manager.pk, "Signed")]
    assert list(
        AuditEntry.objects.filter(entity_type="contracts.contractversion")
        .order_by("id")
        .values_list("entity_id", "action", "reason")
    ) == [(str(v1["id"]), "amend", "Initial terms"), (str(v2["id"]), "amend", "Indexed")]


def test_future_terms_are_edited_through_the_api_and_their_scope_replaced(api):
    customer = make.customer()
    pm, cm = make.service(), make.service()
    contract = _live(customer, scope=[(pm, "included")])
    client = api(make.user("manager"))
    future = client.post(
        "/contract-versions/",
        {"contract": contract.pk, "effective_on": _days(10).isoformat(), "reason": "Planned"},
    ).json()
    assert (future["locked"], [s["service"] for s in future["scope_lines"]]) == (False, [pm.pk])

    patched = client.patch(
        f"/contract-versions/{future['id']}/",
        {
            "billing_period": "quarter",
            "scope_lines": [{"service": cm.pk, "coverage": "billable", "notes": "On call"}],
            "reason": "Quarterly, corrective only",
        },
    )
    assert patched.status_code == 200, patched.text
    body = patched.json()
    assert (body["billing_period"], body["reason"]) == ("quarter", "Quarterly, corrective only")
    assert [(s["service"], s["coverage"], s["notes"]) for s in body["scope_lines"]] == [
        (cm.pk, "billable", "On call")
    ]

    line = client.post(
        "/scope-lines/",
        {"version": future["id"], "service": pm.pk, "coverage": "excluded", "reason": "Back"},
    )
    assert line.status_code == 201, line.text
    deleted = client.delete(f"/contract-versions/{future['id']}/", params={"reason": "Withdrawn"})
    assert deleted.status_code == 204
    assert list(contract.versions.values_list("number", flat=True)) == [1]


def test_scope_lines_of_terms_in_force_answer_409(api):
    pm, cm = make.service(), make.service()
    contract = _live(make.customer(), scope=[(pm, "included")])
    line = contract.versions.get().scope_lines.get()
    client = api(make.user("admin"))
    counts = table_counts()

    added = client.post(
        "/scope-lines/",
        {
            "version": line.version_id,
            "service": cm.pk,
            "coverage": "billable",
            "reason": "Add",
        },
    )
    changed = client.patch(f"/scope-lines/{line.pk}/", {"coverage": "billable", "reason": "x"})
    removed = client.delete(f"/scope-lines/{line.pk}/", params={"reason": "x"})

    for response in (added, changed, removed):
        assert response.status_code == 409, response.text
        assert response.json()["code"] == "version_in_force"
    assert table_counts() == counts


def test_a_customer_user_sees_only_its_contracts_versions_and_scope_lines(api):
    group = make.customer(legal_name="Grupo")
    child = make.customer(legal_name="Hospital", parent=group)
    stranger = make.customer(legal_name="Otro")
    service = make.service()
    own = _live(child, scope=[(service, "included")])
    other = _live(stranger, scope=[(service, "included")])
    own_version, other_version = own.versions.get(), other.versions.get()
    own_line, other_line = own_version.scope_lines.get(), other_version.scope_lines.get()
    client = api(make.user("customer", customer=group))

    assert ids_of(client.get("/contracts/")) == {own.pk}
    assert ids_of(client.get("/contract-versions/")) == {own_version.pk}
    assert ids_of(client.get("/scope-lines/")) == {own_line.pk}
    assert client.get(f"/contracts/{own.pk}/").json()["version_in_force"] == 1

    for path in (
        f"/contracts/{other.pk}/",
        f"/contract-versions/{other_version.pk}/",
        f"/scope-lines/{other_line.pk}/",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.json()["code"] == "not_found"

    counts = table_counts()
    refused = client.post(f"/contracts/{own.pk}/status/", {"status": "suspended", "reason": "x"})
    assert refused.status_code == 403
    assert table_counts() == counts


def test_a_dispatcher_reads_contracts_but_cannot_write_them(api):
    customer = make.customer()
    contract = _live(customer)
    version = contract.versions.get()
    client = api(make.user("dispatcher"))

    assert ids_of(client.get("/contracts/")) == {contract.pk}
    assert ids_of(client.get("/contract-versions/", params={"contract": contract.pk})) == {
        version.pk
    }

    counts, before = table_counts(), row(contract)
    attempts = [
        client.post(
            "/contracts/",
            {
                "number": "C-X",
                "title": "X",
                "customer": customer.pk,
                "starts_on": _days(0).isoformat(),
            },
        ),
        client.post(f"/contracts/{contract.pk}/status/", {"status": "suspended", "reason": "x"}),
        client.patch(f"/contracts/{contract.pk}/", {"title": "Mine", "reason": "x"}),
        client.post(
            "/contract-versions/",
            {"contract": contract.pk, "effective_on": _days(5).isoformat(), "reason": "x"},
        ),
        client.delete(f"/contract-versions/{version.pk}/", params={"reason": "x"}),
    ]
    for response in attempts:
        assert response.status_code == 403, response.text
        assert response.json()["code"] == "permission_denied"
    assert table_counts() == counts
    assert row(contract) == before


def test_finance_reads_contracts_terms_and_scope(api):
    contract = _live(make.customer(), scope=[(make.service(), "billable")])
    client = api(make.user("finance"))
    assert ids_of(client.get("/contracts/")) == {contract.pk}
    version = results(client.get("/contract-versions/"))[0]
    assert (version["number"], version["locked"], version["subscription_fee"]) == (
        1,
        True,
        "150.00",
    )
    assert len(results(client.get("/scope-lines/"))) == 1


@pytest.mark.parametrize(
    "case",
    ["ends_before_start", "site_of_another_customer"],
)
def test_bad_contract_input_answers_400_naming_the_field(api, case):
    customer = make.customer()
    stranger_site = make.site(make.customer(), name="Elsewhere")
    body = {
        "number": "C-BAD",
        "title": "Bad",
        "customer": customer.pk,
        "starts_on": _days(0).isoformat(),
        "ends_on": _days(100).isoformat(),
    }
    if case == "ends_before_start":
        body["ends_on"] = _days(-1).isoformat()
        expected = {"ends_on": ["A contract cannot end before it starts."]}
    else:
        body["sites"] = [stranger_site.pk]
        expected = {
            "sites": [f"Elsewhere is not a site of {customer} or of a customer it pays for."]
        }
    client = api(make.user("manager"))
    counts = table_counts()

    response = client.post("/contracts/", body)

    assert response.status_code == 400, response.text
    assert response.json()["fields"] == expected
    assert table_counts() == counts
    assert not Contract.objects.filter(number="C-BAD").exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"effective_on": "before_start"}, "effective_on"),
        ({"price_list": 999999}, "price_list"),
        ({"subscription_fee": "-1.00"}, "subscription_fee"),
        ({"reason": ""}, "reason"),
    ],
)
def test_bad_terms_answer_400_naming_the_field(api, change, field):
    contract = make.contract(
        make.customer(), status="draft", starts_on=_days(-30), ends_on=_days(335)
    )
    if change.get("effective_on") == "before_start":
        change = {"effective_on": _days(-31).isoformat()}
    body = {
        "contract": contract.pk,
        "effective_on": _days(5).isoformat(),
        "subscription_fee": "99.00",
        "reason": "Amendment",
        **change,
    }
    client = api(make.user("manager"))
    counts = table_counts()

    response = client.post("/contract-versions/", body)

    assert response.status_code == 400, response.text
    assert response.json()["code"] == "invalid"
    assert list(response.json()["fields"]) == [field]
    assert table_counts() == counts


def test_a_version_before_the_start_names_the_dates(api):
    contract = make.contract(
        make.customer(), status="draft", starts_on=_days(-30), ends_on=_days(335)
    )
    client = api(make.user("manager"))
    response = client.post(
        "/contract-versions/",
        {"contract": contract.pk, "effective_on": _days(-31).isoformat(), "reason": "Early"},
    )
    assert response.status_code == 400
    assert response.json()["fields"] == {
        "effective_on": [
            f"These terms cannot take effect on {_days(-31).isoformat()}: the contract runs "
            f"from {_days(-30).isoformat()} to {_days(335).isoformat()}."
        ]
    }


def test_a_status_change_without_a_reason_or_to_a_forbidden_status_is_refused(api):
    contract = make.contract(make.customer(), status="draft", starts_on=_days(-30))
    client = api(make.user("manager"))
    counts = table_counts()

    no_reason = client.post(f"/contracts/{contract.pk}/status/", {"status": "active"})
    blank = client.post(f"/contracts/{contract.pk}/status/", {"status": "active", "reason": ""})
    forbidden = client.post(
        f"/contracts/{contract.pk}/status/", {"status": "terminated", "reason": "x"}
    )

    assert (no_reason.status_code, list(no_reason.json()["fields"])) == (400, ["reason"])
    assert blank.json() == {
        "code": "invalid",
        "detail": "Say why: a reason is required for this change.",
        "fields": {"reason": ["Say why: a reason is required for this change."]},
    }
    assert forbidden.status_code == 409
    assert forbidden.json() == {
        "code": "status_transition_refused",
        "detail": "A contract cannot go from draft to terminated.",
        "fields": {},
    }
    assert table_counts() == counts


def test_a_live_contracts_customer_cannot_change(api):
    contract = _live(make.customer())
    other = make.customer()
    before = row(contract)
    response = api(make.user("manager")).patch(
        f"/contracts/{contract.pk}/", {"customer": other.pk, "reason": "Sold"}
    )
    assert response.status_code == 409
    assert (response.json()["code"], response.json()["fields"]) == (
        "contract_field_locked",
        {"customer": ["This is fixed once the contract has left draft."]},
    )
    assert row(contract) == before
