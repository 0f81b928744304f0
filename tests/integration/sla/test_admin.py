"""The SLA pages of the back office, as a manager: calendars and policies with their rows in
inlines (rows checked together, refusals on the field, nothing written), read-only clocks."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from pacta.audit.models import AuditEntry
from pacta.sla.models import BusinessCalendar, CalendarWindow, SlaPolicy, SlaTarget, TicketClock
from tests.support import make
from tests.support.state import row, table_counts

pytestmark = pytest.mark.django_db


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


def _rows(prefix, rows, *, start=0):
    data = {}
    for index, values in enumerate(rows, start=start):
        for name, value in values.items():
            data[f"{prefix}-{index}-{name}"] = value
    return data


@pytest.fixture
def manager():
    return make.user("manager")


@pytest.fixture
def client(manager):
    signed_in = Client()
    signed_in.force_login(manager)
    return signed_in


def _calendar_form(windows, days=(), **changes):
    return {
        "name": "Madrid office",
        "time_zone": "Europe/Madrid",
        "is_active": "on",
        "holiday_country": "ES",
        "holiday_subdivision": "",
        "notes": "",
        "reason": "Office hours",
        **_management("windows", len(windows)),
        **_rows("windows", windows),
        **_management("closed_days", len(days)),
        **_rows("closed_days", days),
        **changes,
    }


def _inline_errors(response, prefix):
    for formset in response.context["inline_admin_formsets"]:
        if formset.formset.prefix == prefix:
            return formset.formset.errors, formset.formset.non_form_errors()
    raise AssertionError(prefix)


# --- calendars ------------------------------------------------------------------------------------
def test_a_manager_adds_a_calendar_with_its_windows_through_the_inlines(client, manager):
    response = client.post(
        _url(BusinessCalendar, "add"),
        _calendar_form(
            [
                {"weekday": "0", "starts": "08:00", "ends": "13:00"},
                {"weekday": "0", "starts": "15:00", "ends": "18:00"},
            ],
            [{"day": "2026-12-24", "name": "Christmas Eve"}],
        ),
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    calendar = BusinessCalendar.objects.get(name="Madrid office")
    assert list(calendar.windows.values_list("weekday", "starts", "ends")) == [
        (0, "08:00", "13:00"),
        (0, "15:00", "18:00"),
    ]
    assert list(calendar.closed_days.values_list("name", flat=True)) == ["Christmas Eve"]
    entries = AuditEntry.objects.filter(actor=manager).order_by("id")
    assert list(entries.values_list("entity_type", "action", "reason")) == [
        ("sla.businesscalendar", "create", "Office hours"),
        ("sla.calendarwindow", "create", "Office hours"),
        ("sla.calendarwindow", "create", "Office hours"),
        ("sla.closedday", "create", "Office hours"),
    ]


def test_an_overlapping_window_comes_back_on_its_field_and_nothing_is_written(client):
    counts = table_counts()

    response = client.post(
        _url(BusinessCalendar, "add"),
        _calendar_form(
            [
                {"weekday": "0", "starts": "08:00", "ends": "13:00"},
                {"weekday": "0", "starts": "12:00", "ends": "14:00"},
            ]
        ),
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {}
    errors, non_form = _inline_errors(response, "windows")
    assert errors == [{}, {"starts": ["This window overlaps Monday 08:00–13:00."]}]
    assert list(non_form) == []
    # What was typed is shown again.
    assert 'value="12:00"' in response.content.decode()
    assert table_counts() == counts


def test_a_reversed_window_comes_back_on_its_end(client):
    counts = table_counts()
    response = client.post(
        _url(BusinessCalendar, "add"),
        _calendar_form([{"weekday": "2", "starts": "18:00", "ends": "08:00"}]),
    )
    assert response.status_code == 200
    errors, _non_form = _inline_errors(response, "windows")
    assert errors == [{"ends": ["A window must end after it starts."]}]
    assert table_counts() == counts


def test_a_day_closed_twice_on_the_page_comes_back_on_its_day(client):
    counts = table_counts()
    response = client.post(
        _url(BusinessCalendar, "add"),
        _calendar_form(
            [{"weekday": "0", "starts": "08:00", "ends": "18:00"}],
            [{"day": "2026-12-24", "name": "Eve"}, {"day": "2026-12-24", "name": "Again"}],
        ),
    )
    assert response.status_code == 200
    errors, _non_form = _inline_errors(response, "closed_days")
    assert errors == [{}, {"day": ["This day is already closed in this calendar."]}]
    assert table_counts() == counts


def test_a_bad_time_zone_comes_back_on_the_calendars_field(client):
    counts = table_counts()
    response = client.post(
        _url(BusinessCalendar, "add"),
        _calendar_form([{"weekday": "0", "starts": "08:00", "ends": "18:00"}], time_zone="Mars/X"),
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "time_zone": ["Mars/X is not an IANA time zone (e.g. Europe/Madrid)."]
    }
    assert table_counts() == counts


def _existing_rows(calendar):
    windows = list(calendar.windows.order_by("weekday", "starts"))
    return windows, {
        **_management("windows", len(windows), initial=len(windows)),
        **_rows(
            "windows",
            [
                {
                    "id": str(w.pk),
                    "calendar": str(calendar.pk),
                    "weekday": str(w.weekday),
                    "starts": w.starts,
                    "ends": w.ends,
                }
                for w in windows
            ],
        ),
        **_management("closed_days", 0),
    }


def _change_form(calendar, **changes):
    stored = row(calendar)
    return {
        "name": stored["name"],
        "time_zone": stored["time_zone"],
        "is_active": "on",
        "holiday_country": stored["holiday_country"],
        "holiday_subdivision": stored["holiday_subdivision"],
        "notes": stored["notes"],
        "reason": "",
        **changes,
    }


def test_on_the_change_page_a_new_window_is_checked_with_the_stored_week(client):
    calendar = make.calendar()
    windows, data = _existing_rows(calendar)
    new = {"calendar": str(calendar.pk), "weekday": "4", "starts": "17:30", "ends": "20:00"}
    data = {
        **_change_form(calendar),
        **data,
        **_management("windows", len(windows) + 1, initial=len(windows)),
        **_rows("windows", [new], start=len(windows)),
    }
    counts, stamp = table_counts(), row(calendar)["updated_at"]

    response = client.post(_url(BusinessCalendar, "change", calendar.pk), data)

    assert response.status_code == 200
    errors, _non_form = _inline_errors(response, "windows")
    assert errors[-1] == {"starts": ["This window overlaps Friday 08:00–18:00."]}
    assert (table_counts(), row(calendar)["updated_at"]) == (counts, stamp)


def test_deleting_the_last_window_on_the_page_is_refused_above_the_rows(client):
    calendar = make.calendar(windows=[{"weekday": 0, "starts": "08:00", "ends": "18:00"}])
    _windows, data = _existing_rows(calendar)
    data = {**_change_form(calendar), **data, "windows-0-DELETE": "on"}
    counts = table_counts()

    response = client.post(_url(BusinessCalendar, "change", calendar.pk), data)

    assert response.status_code == 200
    _errors, non_form = _inline_errors(response, "windows")
    assert list(non_form) == [
        f"Monday 08:00–18:00: Monday 08:00–18:00 is the last working window of {calendar.name}, "
        "and a calendar keeps at least one: add the new window first, then delete this one."
    ]
    assert table_counts() == counts


def test_a_window_is_changed_on_the_page_through_its_service(client, manager):
    calendar = make.calendar()
    windows, data = _existing_rows(calendar)
    data = {**_change_form(calendar, reason="Shorter Fridays"), **data, "windows-4-ends": "15:00"}

    response = client.post(_url(BusinessCalendar, "change", calendar.pk), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert CalendarWindow.objects.get(pk=windows[4].pk).ends == "15:00"
    entry = AuditEntry.objects.filter(entity_type="sla.calendarwindow").latest("id")
    assert (entry.action, entry.actor_id, entry.reason, entry.after["ends"]) == (
        "update",
        manager.pk,
        "Shorter Fridays",
        "15:00",
    )


# --- SLA policies ---------------------------------------------------------------------------------
def _policy_form(targets, **changes):
    return {
        "name": "Gold",
        "is_active": "on",
        "warning_percent": "75",
        "critical_percent": "90",
        "pausing_statuses": ["waiting"],
        "escalate_on": "",
        "notes": "",
        "reason": "Gold tier",
        **_management("targets", len(targets)),
        **_rows("targets", targets),
        **changes,
    }


def test_a_manager_adds_a_policy_with_its_targets(client):
    response = client.post(
        _url(SlaPolicy, "add"),
        _policy_form(
            [
                {"priority": "high", "kind": "response", "duration": "01:00:00"},
                {"priority": "high", "kind": "resolution", "duration": "04:00:00"},
            ],
            pausing_statuses=["waiting", "assigned"],
        ),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    policy = SlaPolicy.objects.get(name="Gold")
    assert policy.pausing_statuses == ["waiting", "assigned"]
    assert list(policy.targets.values_list("priority", "kind", "duration")) == [
        ("high", "resolution", timedelta(hours=4)),
        ("high", "response", timedelta(hours=1)),
    ]


def test_a_policy_may_ask_for_updates_to_the_customer(client):
    kinds = client.get(_url(SlaPolicy, "add")).context["inline_admin_formsets"][0].formset
    assert dict(kinds.empty_form.fields["kind"].choices)["update"] == "customer updates"

    response = client.post(
        _url(SlaPolicy, "add"),
        _policy_form(
            [
                {"priority": "critical", "kind": "response", "duration": "00:30:00"},
                {"priority": "critical", "kind": "update", "duration": "02:00:00"},
            ]
        ),
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    policy = SlaPolicy.objects.get(name="Gold")
    assert list(policy.targets.values_list("priority", "kind", "duration")) == [
        ("critical", "response", timedelta(minutes=30)),
        ("critical", "update", timedelta(hours=2)),
    ]


def test_the_add_page_pauses_on_waiting_unless_told_and_offers_no_done_status(client):
    response = client.get(_url(SlaPolicy, "add"))
    field = response.context["adminform"].form["pausing_statuses"]
    assert field.value() == ["waiting"]
    assert [value for value, _label in field.field.choices] == [
        "new",
        "assigned",
        "in_progress",
        "waiting",
    ]


def test_a_target_given_twice_comes_back_on_its_priority(client):
    counts = table_counts()
    response = client.post(
        _url(SlaPolicy, "add"),
        _policy_form(
            [
                {"priority": "high", "kind": "response", "duration": "01:00:00"},
                {"priority": "high", "kind": "response", "duration": "02:00:00"},
            ]
        ),
    )
    assert response.status_code == 200
    errors, _non_form = _inline_errors(response, "targets")
    assert errors == [
        {},
        {"priority": ["This policy already has a first response target for high."]},
    ]
    assert table_counts() == counts


def test_thresholds_out_of_order_come_back_on_the_warning(client):
    counts = table_counts()
    response = client.post(
        _url(SlaPolicy, "add"),
        _policy_form(
            [{"priority": "high", "kind": "response", "duration": "01:00:00"}],
            warning_percent="95",
            critical_percent="90",
        ),
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "warning_percent": ["Thresholds must satisfy 0 < warning < critical <= 100 percent."]
    }
    assert table_counts() == counts


def test_a_target_changed_on_the_page_moves_the_policy_forward(client):
    policy = make.sla_policy(targets={"high": (timedelta(hours=1), timedelta(hours=4))})
    targets = list(policy.targets.order_by("priority", "kind"))
    stamp = row(policy)["updated_at"]
    data = {
        **_policy_form([], name=policy.name, reason="Faster"),
        **_management("targets", 2, initial=2),
        **_rows(
            "targets",
            [
                {
                    "id": str(t.pk),
                    "policy": str(policy.pk),
                    "priority": t.priority,
                    "kind": t.kind,
                    "duration": "00:30:00" if t.kind == "response" else "04:00:00",
                }
                for t in targets
            ],
        ),
    }
    response = client.post(_url(SlaPolicy, "change", policy.pk), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert SlaTarget.objects.get(policy=policy, kind="response").duration == timedelta(minutes=30)
    assert row(policy)["updated_at"] > stamp


# --- clocks ---------------------------------------------------------------------------------------
def test_clocks_are_shown_read_only(client):
    customer = make.customer()
    site, service = make.site(customer), make.service()
    contract = make.contract(
        customer,
        sites=[site],
        scope=[(service, "included")],
        calendar=make.calendar(),
        sla_policy=make.sla_policy(),
    )
    make.ticket(site, service, contract=contract)
    clock = TicketClock.objects.get(name="response")

    assert client.get(_url(TicketClock, "changelist")).status_code == 200
    page = client.get(_url(TicketClock, "change", clock.pk))
    assert page.status_code == 200
    assert page.context["adminform"].form.fields == {}
    assert client.get(_url(TicketClock, "add")).status_code == 403
    before = row(clock)
    assert client.post(_url(TicketClock, "delete", clock.pk), {"post": "yes"}).status_code == 403
    assert row(clock) == before


def test_the_sla_pages_are_closed_to_technicians():
    technician = make.user("technician")
    signed_in = Client()
    signed_in.force_login(technician)
    response = signed_in.get(_url(BusinessCalendar, "changelist"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))
