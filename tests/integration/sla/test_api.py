"""/api/v1/calendars/ (and their previews), /sla-policies/, /ticket-clocks/ over real HTTP: who
may do what, nested rows replaced on write, bad input on the field and the row."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from pacta.audit.models import AuditEntry
from pacta.sla.models import BusinessCalendar, CalendarWindow, SlaPolicy
from tests.support import make
from tests.support.fixtures import ids_of, results
from tests.support.state import row, table_counts

pytestmark = pytest.mark.django_db(transaction=True)

OFFICE = [{"weekday": day, "starts": "08:00", "ends": "18:00"} for day in range(5)]
NEW_CALENDAR = {
    "name": "Madrid office",
    "time_zone": "Europe/Madrid",
    "holiday_country": "ES",
    "holiday_subdivision": "MD",
    "windows": OFFICE,
    "closed_days": [{"day": "2026-12-24", "name": "Christmas Eve"}],
}
NEW_POLICY = {
    "name": "Gold",
    "warning_percent": 70,
    "critical_percent": 90,
    "targets": [
        {"priority": "high", "kind": "response", "duration_seconds": 3600},
        {"priority": "high", "kind": "resolution", "duration_seconds": 14400},
    ],
}


def _rows(body, name):
    return [{k: v for k, v in r.items() if k != "id"} for r in body[name]]


# --- calendars ------------------------------------------------------------------------------------
def test_a_manager_creates_reads_changes_lists_and_deletes_a_calendar(api):
    manager = make.user("manager")
    client = api(manager)

    created = client.post("/calendars/", {**NEW_CALENDAR, "reason": "Office hours"})
    assert created.status_code == 201, created.text
    body = created.json()
    pk = body["id"]
    assert {
        k: body[k] for k in ("name", "time_zone", "holiday_country", "holiday_subdivision")
    } == {
        "name": "Madrid office",
        "time_zone": "Europe/Madrid",
        "holiday_country": "ES",
        "holiday_subdivision": "MD",
    }
    assert _rows(body, "windows") == OFFICE
    assert _rows(body, "closed_days") == [{"day": "2026-12-24", "name": "Christmas Eve"}]
    assert "reason" not in body

    monday = body["windows"][0]["id"]
    changed = client.patch(
        f"/calendars/{pk}/",
        {
            "windows": [*OFFICE, {"weekday": 5, "starts": "09:00", "ends": "13:00"}],
            "reason": "Saturday mornings",
        },
    )
    assert changed.status_code == 200, changed.text
    assert _rows(changed.json(), "windows")[-1] == {
        "weekday": 5,
        "starts": "09:00",
        "ends": "13:00",
    }
    assert changed.json()["windows"][0]["id"] == monday  # unchanged rows are kept
    assert _rows(changed.json(), "closed_days") == [{"day": "2026-12-24", "name": "Christmas Eve"}]
    assert client.get(f"/calendars/{pk}/").json()["windows"] == changed.json()["windows"]

    assert ids_of(client.get("/calendars/", params={"search": "Madrid"})) == {pk}

    deleted = client.delete(f"/calendars/{pk}/", params={"reason": "Test record"})
    assert deleted.status_code == 204
    assert not BusinessCalendar.objects.filter(pk=pk).exists()
    log = list(
        AuditEntry.objects.filter(entity_type="sla.businesscalendar", entity_id=str(pk))
        .order_by("id")
        .values_list("action", "actor_id", "reason")
    )
    assert log == [
        ("create", manager.pk, "Office hours"),
        ("update", manager.pk, "Saturday mornings"),
        ("delete", manager.pk, "Test record"),
    ]
    windows_log = AuditEntry.objects.filter(entity_type="sla.calendarwindow")
    assert list(windows_log.values_list("action", flat=True).order_by("id")) == (
        ["create"] * 5 + ["create"] + ["delete"] * 6
    )


def test_an_overlapping_window_answers_400_naming_the_row_and_nothing_is_written(api):
    client = api(make.user("manager"))
    counts = table_counts()
    response = client.post(
        "/calendars/",
        {
            **NEW_CALENDAR,
            "windows": [
                {"weekday": 0, "starts": "08:00", "ends": "13:00"},
                {"weekday": 0, "starts": "12:00", "ends": "14:00"},
            ],
        },
    )
    assert response.status_code == 400
    assert response.json() == {
        "code": "calendar_invalid",
        "detail": "Row 2 (Monday 12:00–14:00): the windows of a day overlap.",
        "fields": {"windows": ["Row 2 (Monday 12:00–14:00): the windows of a day overlap."]},
    }
    assert table_counts() == counts


@pytest.mark.parametrize(
    ("change", "fields"),
    [
        ({"time_zone": "Mars/Olympus"}, ["time_zone"]),
        ({"holiday_country": "XX"}, ["holiday_country"]),
        ({"windows": []}, ["windows"]),
        ({"windows": [{"weekday": "monday", "starts": "08:00", "ends": "18:00"}]}, ["windows"]),
        ({"closed_days": [{"day": "24/12/2026"}]}, ["closed_days"]),
        ({"name": ""}, ["name"]),
    ],
)
def test_bad_calendar_input_answers_400_naming_the_field(api, change, fields):
    client = api(make.user("admin"))
    counts = table_counts()
    response = client.post("/calendars/", {**NEW_CALENDAR, **change})
    assert response.status_code == 400, response.text
    assert list(response.json()["fields"]) == fields
    assert table_counts() == counts


def test_a_calendar_needs_its_windows_on_creation(api):
    client = api(make.user("manager"))
    counts = table_counts()
    response = client.post("/calendars/", {"name": "Empty", "time_zone": "Europe/Madrid"})
    assert response.status_code == 400
    assert response.json()["fields"] == {"windows": ["This field is required."]}
    assert table_counts() == counts


def test_a_calendar_in_live_terms_changes_with_a_reason_and_in_use_is_not_deleted(api):
    calendar = make.calendar()
    make.contract(make.customer(), calendar=calendar, sla_policy=make.sla_policy())
    client = api(make.user("manager"))
    before = row(calendar)

    refused = client.patch(f"/calendars/{calendar.pk}/", {"notes": "Changed"})
    assert refused.status_code == 400
    assert refused.json()["fields"] == {
        "reason": ["Say why: a reason is required for this change."]
    }
    assert row(calendar) == before

    in_use = client.delete(f"/calendars/{calendar.pk}/", params={"reason": "Old"})
    assert in_use.status_code == 409
    assert in_use.json()["code"] == "in_use"
    assert row(calendar) == before

    accepted = client.patch(f"/calendars/{calendar.pk}/", {"notes": "Changed", "reason": "Note"})
    assert accepted.status_code == 200, accepted.text


@pytest.mark.parametrize("role", ["dispatcher", "finance"])
def test_office_roles_read_calendars_and_policies_but_do_not_write_them(api, role):
    calendar, policy = make.calendar(), make.sla_policy()
    client = api(make.user(role))
    assert ids_of(client.get("/calendars/")) == {calendar.pk}
    assert client.get(f"/sla-policies/{policy.pk}/").status_code == 200

    counts = table_counts()
    for response in (
        client.post("/calendars/", NEW_CALENDAR),
        client.patch(f"/calendars/{calendar.pk}/", {"notes": "x"}),
        client.delete(f"/calendars/{calendar.pk}/"),
        client.post("/sla-policies/", NEW_POLICY),
        client.patch(f"/sla-policies/{policy.pk}/", {"notes": "x"}),
    ):
        assert response.status_code == 403, response.text
        assert response.json()["code"] == "permission_denied"
    assert table_counts() == counts


@pytest.mark.parametrize("role", ["technician", "contractor", "customer"])
def test_field_and_outside_roles_may_not_see_calendars_or_policies(api, role):
    customer, company = make.customer(), make.contractor()
    user = make.user(
        role,
        **({"customer": customer} if role == "customer" else {}),
        **({"contractor": company} if role == "contractor" else {}),
    )
    calendar, policy = make.calendar(), make.sla_policy()
    client = api(user)
    for path in (
        "/calendars/",
        f"/calendars/{calendar.pk}/",
        f"/calendars/{calendar.pk}/add/?start=2026-03-06T17:00:00%2B01:00&duration=60",
        "/sla-policies/",
        f"/sla-policies/{policy.pk}/",
    ):
        assert client.get(path).status_code == 403, path


# --- previews -------------------------------------------------------------------------------------
def test_the_add_preview_gives_the_instant_in_the_calendars_zone(api):
    calendar = make.calendar()
    client = api(make.user("dispatcher"))

    response = client.get(
        f"/calendars/{calendar.pk}/add/",
        params={"start": "2026-03-06T17:00:00+01:00", "duration": 7200},
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"result": "2026-03-09T09:00:00+01:00"}

    # The same instant given in UTC, with a "+" sent unescaped (it arrives as a space).
    unescaped = client.get(
        f"/calendars/{calendar.pk}/add/?start=2026-03-06T16:00:00+00:00&duration=7200"
    )
    assert unescaped.json() == {"result": "2026-03-09T09:00:00+01:00"}


def test_the_between_preview_counts_business_seconds(api):
    calendar = make.calendar()
    client = api(make.user("finance"))
    response = client.get(
        f"/calendars/{calendar.pk}/between/",
        params={"start": "2026-03-06T17:00:00+01:00", "end": "2026-03-09T09:00:00Z"},
    )
    assert response.status_code == 200, response.text
    # Friday 17:00–18:00 and Monday 08:00–10:00 (09:00 UTC).
    assert response.json() == {"seconds": 10800}


def test_a_calendar_with_madrid_holidays_skips_2_may(api):
    national = make.calendar(holiday_country="ES")
    madrid = make.calendar(holiday_country="ES", holiday_subdivision="MD")
    client = api(make.user("manager"))
    params = {"start": "2025-04-30T17:00:00+02:00", "duration": 7200}
    assert client.get(f"/calendars/{national.pk}/add/", params=params).json() == {
        "result": "2025-05-02T09:00:00+02:00"
    }
    assert client.get(f"/calendars/{madrid.pk}/add/", params=params).json() == {
        "result": "2025-05-05T09:00:00+02:00"
    }
    between = client.get(
        f"/calendars/{madrid.pk}/between/",
        params={"start": "2025-04-30T08:00:00+02:00", "end": "2025-05-06T08:00:00+02:00"},
    )
    assert between.json() == {"seconds": 2 * 10 * 3600}  # 30 April and 5 May


@pytest.mark.parametrize(
    ("action", "params", "field"),
    [
        ("add", {"start": "2026-03-06T17:00:00", "duration": 60}, "start"),
        ("add", {"start": "next friday", "duration": 60}, "start"),
        ("add", {"duration": 60}, "start"),
        ("add", {"start": "2026-03-06T17:00:00+01:00", "duration": -60}, "duration"),
        ("add", {"start": "2026-03-06T17:00:00+01:00", "duration": "2h"}, "duration"),
        ("add", {"start": "2026-03-06T17:00:00+01:00"}, "duration"),
        ("add", {"start": "2999-03-06T17:00:00+01:00", "duration": 60}, "start"),
        ("between", {"start": "2026-03-06T17:00:00+01:00"}, "end"),
        ("between", {"start": "2026-03-06T17:00:00+01:00", "end": "2026-03-09T09:00"}, "end"),
    ],
)
def test_a_bad_preview_instant_or_duration_answers_400_naming_it(api, action, params, field):
    calendar = make.calendar()
    response = api(make.user("manager")).get(f"/calendars/{calendar.pk}/{action}/", params=params)
    assert response.status_code == 400, response.text
    assert list(response.json()["fields"]) == [field]


def test_the_exact_refusal_of_a_naive_instant(api):
    calendar = make.calendar()
    response = api(make.user("manager")).get(
        f"/calendars/{calendar.pk}/add/", params={"start": "2026-03-06T17:00", "duration": 60}
    )
    assert response.json() == {
        "code": "invalid",
        "detail": "Give the offset too (+01:00, or Z for UTC): a time without one is ambiguous.",
        "fields": {
            "start": [
                "Give the offset too (+01:00, or Z for UTC): a time without one is ambiguous."
            ]
        },
    }


def test_a_preview_of_a_calendar_that_does_not_exist_answers_404(api):
    response = api(make.user("manager")).get(
        "/calendars/999999/add/", params={"start": "2026-03-06T17:00:00+01:00", "duration": 60}
    )
    assert response.status_code == 404


# --- SLA policies ---------------------------------------------------------------------------------
def test_a_manager_creates_and_replaces_a_policys_targets_in_seconds(api):
    client = api(make.user("manager"))

    created = client.post("/sla-policies/", {**NEW_POLICY, "reason": "Gold tier"})
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["name"], body["pausing_statuses"], body["escalate_on"]) == (
        "Gold",
        ["waiting"],
        "",
    )
    assert _rows(body, "targets") == [  # in the order of priority, then kind
        {"priority": "high", "kind": "resolution", "duration_seconds": 14400},
        {"priority": "high", "kind": "response", "duration_seconds": 3600},
    ]

    changed = client.patch(
        f"/sla-policies/{body['id']}/",
        {
            "targets": [
                {"priority": "high", "kind": "response", "duration_seconds": 1800},
                {"priority": "critical", "kind": "response", "duration_seconds": 900},
            ],
            "pausing_statuses": ["waiting", "assigned"],
            "escalate_on": "critical",
        },
    )
    assert changed.status_code == 200, changed.text
    assert sorted((t["priority"], t["duration_seconds"]) for t in changed.json()["targets"]) == [
        ("critical", 900),
        ("high", 1800),
    ]
    stored = SlaPolicy.objects.get(pk=body["id"])
    assert (stored.pausing_statuses, stored.escalate_on, stored.targets.count()) == (
        ["waiting", "assigned"],
        "critical",
        2,
    )


def test_a_policy_asks_for_an_update_to_the_customer_every_so_often(api):
    client = api(make.user("manager"))
    targets = [
        *NEW_POLICY["targets"],
        {"priority": "high", "kind": "update", "duration_seconds": 7200},
    ]

    created = client.post("/sla-policies/", {**NEW_POLICY, "targets": targets})

    assert created.status_code == 201, created.text
    assert _rows(created.json(), "targets") == [
        {"priority": "high", "kind": "resolution", "duration_seconds": 14400},
        {"priority": "high", "kind": "response", "duration_seconds": 3600},
        {"priority": "high", "kind": "update", "duration_seconds": 7200},
    ]
    stored = SlaPolicy.objects.get(pk=created.json()["id"])
    assert stored.targets.get(kind="update").duration == timedelta(hours=2)


@pytest.mark.parametrize(
    ("change", "fields"),
    [
        (
            {"targets": [{"priority": "high", "kind": "response", "duration_seconds": 0}]},
            {
                "targets": [
                    "Row 1 (high, first response): the business time must be more than zero."
                ]
            },
        ),
        (
            {
                "targets": [
                    {"priority": "high", "kind": "response", "duration_seconds": 60},
                    {"priority": "high", "kind": "response", "duration_seconds": 120},
                ]
            },
            {"targets": ["Row 2 (high, first response): row 1 already gives this target."]},
        ),
        (
            {"targets": [{"priority": "asap", "kind": "response", "duration_seconds": 60}]},
            {"targets": ["Row 1: asap is not a ticket priority (low, normal, high, critical)."]},
        ),
        (
            {"pausing_statuses": ["closed"]},
            {
                "pausing_statuses": [
                    "closed ends the work: it stops the clocks, it does not pause them."
                ]
            },
        ),
        (
            {"warning_percent": 95, "critical_percent": 90},
            {"warning_percent": ["Thresholds must satisfy 0 < warning < critical <= 100 percent."]},
        ),
        ({"escalate_on": "sometimes"}, {"escalate_on": ['"sometimes" is not a valid choice.']}),
    ],
)
def test_bad_policy_input_answers_400_naming_the_field_and_row(api, change, fields):
    client = api(make.user("admin"))
    counts = table_counts()
    response = client.post("/sla-policies/", {**NEW_POLICY, **change})
    assert response.status_code == 400, response.text
    assert response.json()["fields"] == fields
    assert table_counts() == counts


def test_a_duration_beyond_a_year_is_refused_before_the_services(api):
    client = api(make.user("admin"))
    counts = table_counts()
    response = client.post(
        "/sla-policies/",
        {
            **NEW_POLICY,
            "targets": [{"priority": "high", "kind": "response", "duration_seconds": 10**12}],
        },
    )
    assert response.status_code == 400
    assert response.json()["fields"] == {
        "targets": {
            "0": {"duration_seconds": ["Ensure this value is less than or equal to 31622400."]}
        }
    }
    assert table_counts() == counts


# --- ticket clocks --------------------------------------------------------------------------------
@pytest.fixture
def clocks_world():
    technician = make.user("technician")
    own, other = make.customer(), make.customer()
    service = make.service()
    tickets = {}
    for name, customer in (("own", own), ("other", other)):
        site = make.site(customer)
        contract = make.contract(
            customer,
            sites=[site],
            scope=[(service, "included")],
            calendar=make.calendar(),
            sla_policy=make.sla_policy(),
        )
        tickets[name] = make.ticket(site, service, contract=contract)
    make.work_order(tickets["own"], technician)
    return {"technician": technician, "own": own, "tickets": tickets}


def test_clocks_are_read_only_and_show_business_time_in_seconds(api, clocks_world):
    ticket = clocks_world["tickets"]["own"]
    client = api(make.user("dispatcher"))

    listed = results(client.get("/ticket-clocks/", params={"ticket": ticket.pk, "ordering": "id"}))
    by_name = {clock["name"]: clock for clock in listed}
    # Opened Monday 2 March 2026 at 09:00 (normal priority), evaluated a minute later.
    response = by_name["response"]
    assert {k: response[k] for k in response if k not in ("id", "ticket", "evaluated_at")} == {
        "name": "response",
        "budget_seconds": 14400,
        "used_seconds": 60,
        "remaining_seconds": 14340,
        "state": "pending",
        "risk": "ok",
        "due_at": "2026-03-02T13:00:00+01:00",
        "breached_by_seconds": 0,
        "breaches": 0,
        "completed_at": None,
    }
    assert by_name["resolution"]["due_at"] == "2026-03-03T15:00:00+01:00"

    counts = table_counts()
    clock = listed[0]["id"]
    assert client.post("/ticket-clocks/", {}).status_code == 405
    assert client.patch(f"/ticket-clocks/{clock}/", {"state": "met"}).status_code == 405
    assert client.delete(f"/ticket-clocks/{clock}/").status_code == 405
    assert table_counts() == counts


def test_who_sees_which_clocks(api, clocks_world):
    own, other = clocks_world["tickets"]["own"], clocks_world["tickets"]["other"]
    own_clocks = set(own.clocks.values_list("pk", flat=True))
    other_clocks = set(other.clocks.values_list("pk", flat=True))
    assert len(own_clocks) == len(other_clocks) == 2

    for role in ("manager", "finance"):
        assert ids_of(api(make.user(role)).get("/ticket-clocks/")) == own_clocks | other_clocks

    technician = api(clocks_world["technician"])
    assert ids_of(technician.get("/ticket-clocks/")) == own_clocks

    customer = api(make.user("customer", customer=clocks_world["own"]))
    assert ids_of(customer.get("/ticket-clocks/")) == own_clocks
    stranger = min(other_clocks)
    for client in (technician, customer):
        hidden = client.get(f"/ticket-clocks/{stranger}/")
        assert hidden.status_code == 404
        assert hidden.json()["code"] == "not_found"

    contractor = api(make.user("contractor", contractor=make.contractor()))
    assert contractor.get("/ticket-clocks/").status_code == 403


# --- sites ----------------------------------------------------------------------------------------
def test_a_site_runs_its_sla_in_its_own_zone_when_told(api):
    customer = make.customer()
    site = make.site(customer)
    client = api(make.user("manager"))
    assert client.get(f"/sites/{site.pk}/").json()["sla_in_site_time_zone"] is False
    changed = client.patch(
        f"/sites/{site.pk}/", {"sla_in_site_time_zone": True, "time_zone": "Atlantic/Canary"}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["sla_in_site_time_zone"] is True
    assert row(site)["sla_in_site_time_zone"] is True


def test_window_rows_read_back_as_stored(api):
    calendar = make.calendar(closed_days=[{"day": date(2026, 8, 14), "name": "Bridge"}])
    body = api(make.user("manager")).get(f"/calendars/{calendar.pk}/").json()
    assert body["windows"] == [
        {"id": w.pk, "weekday": w.weekday, "starts": w.starts, "ends": w.ends}
        for w in CalendarWindow.objects.filter(calendar=calendar).order_by("weekday", "starts")
    ]
    assert body["closed_days"] == [
        {"id": calendar.closed_days.get().pk, "day": "2026-08-14", "name": "Bridge"}
    ]
