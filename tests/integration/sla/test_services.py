"""Business calendars and SLA policies through their services: every rule, refusals with the
exact fields and nothing changed, the audit rows, and the mappers' cache kept in step."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from pacta.audit.models import AuditEntry
from pacta.domain.errors import Conflict, InvalidInput
from pacta.service.services import ticket_sla_policy_change
from pacta.sla import selectors
from pacta.sla.models import BusinessCalendar, CalendarWindow, ClosedDay, SlaPolicy, SlaTarget
from pacta.sla.services import (
    calendar_create,
    calendar_delete,
    calendar_update,
    calendar_window_create,
    calendar_window_delete,
    calendar_window_update,
    closed_day_create,
    closed_day_delete,
    closed_day_update,
    sla_policy_create,
    sla_policy_delete,
    sla_policy_update,
    sla_target_create,
    sla_target_delete,
    sla_target_update,
)
from tests.support import make
from tests.support.state import row, table_counts

pytestmark = pytest.mark.django_db

FRIDAY_5PM = make.at("2026-03-06 17:00")
TWO_HOURS = timedelta(hours=2)


def _fresh(record):
    return type(record)._default_manager.get(pk=record.pk)


def _windows(calendar):
    return list(
        CalendarWindow.objects.filter(calendar=calendar)
        .order_by("weekday", "starts")
        .values_list("weekday", "starts", "ends")
    )


def _log(kind, since):
    return list(
        AuditEntry.objects.filter(entity_type=kind, id__gt=since)
        .order_by("id")
        .values_list("action", "entity_label", "reason")
    )


def _last_audit_id():
    last = AuditEntry.objects.order_by("-id").first()
    return last.id if last is not None else 0


def _live_contract_with(calendar=None, policy=None):
    return make.contract(
        make.customer(),
        calendar=calendar or make.calendar(),
        sla_policy=policy or make.sla_policy(),
    )


# --- calendars ------------------------------------------------------------------------------------
def test_a_calendar_is_stored_with_its_rows_each_with_its_own_audit_entry():
    admin = make.user("admin")
    since = _last_audit_id()

    calendar = calendar_create(
        actor=admin,
        values={
            "name": "  Madrid office  ",
            "time_zone": "Europe/Madrid",
            "holiday_country": " es ",
            "holiday_subdivision": " MD ",
            "windows": [
                {"weekday": 0, "starts": "08:00", "ends": "13:00"},
                {"weekday": 0, "starts": "15:00", "ends": "18:00"},
                {"weekday": 5, "starts": "20:00", "ends": "24:00"},
            ],
            "closed_days": [{"day": date(2026, 12, 24), "name": "Christmas Eve"}],
        },
        reason="Office hours agreed",
    )

    stored = _fresh(calendar)
    assert (stored.name, stored.holiday_country, stored.holiday_subdivision) == (
        "Madrid office",
        "ES",
        "MD",
    )
    assert _windows(calendar) == [
        (0, "08:00", "13:00"),
        (0, "15:00", "18:00"),
        (5, "20:00", "24:00"),
    ]
    assert list(calendar.closed_days.values_list("day", "name")) == [
        (date(2026, 12, 24), "Christmas Eve")
    ]
    assert _log("sla.businesscalendar", since) == [
        ("create", "Madrid office", "Office hours agreed")
    ]
    assert _log("sla.calendarwindow", since) == [
        ("create", "Monday 08:00–13:00", "Office hours agreed"),
        ("create", "Monday 15:00–18:00", "Office hours agreed"),
        ("create", "Saturday 20:00–24:00", "Office hours agreed"),
    ]
    assert _log("sla.closedday", since) == [
        ("create", "2026-12-24 Christmas Eve", "Office hours agreed")
    ]
    # The returned record is the one the mappers will see: its version includes the rows.
    assert calendar.updated_at == stored.updated_at


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        (
            {"time_zone": "Mars/Olympus"},
            {"time_zone": ["Mars/Olympus is not an IANA time zone (e.g. Europe/Madrid)."]},
        ),
        (
            {
                "windows": [
                    {"weekday": 0, "starts": "08:00", "ends": "13:00"},
                    {"weekday": 0, "starts": "12:00", "ends": "14:00"},
                ]
            },
            {"windows": ["Row 2 (Monday 12:00–14:00): the windows of a day overlap."]},
        ),
        (
            {"windows": [{"weekday": 1, "starts": "18:00", "ends": "08:00"}]},
            {"windows": ["Row 1 (Tuesday 18:00–08:00): a window must end after it starts."]},
        ),
        (
            {"windows": [{"weekday": 2, "starts": "24:00", "ends": "24:00"}]},
            {"windows": ["Row 1 (Wednesday 24:00–24:00): 24:00 can only end a window."]},
        ),
        (
            {"windows": [{"weekday": 3, "starts": "8:00", "ends": "18:00"}]},
            {
                "windows": [
                    'Row 1 (Thursday 8:00–18:00): give the start as "HH:MM", from 00:00 to 23:59.'
                ]
            },
        ),
        (
            {"windows": [{"weekday": 4, "starts": "08:00", "ends": "25:00"}]},
            {"windows": ['Row 1 (Friday 08:00–25:00): give the end as "HH:MM", up to 24:00.']},
        ),
        (
            {"windows": [{"weekday": 7, "starts": "08:00", "ends": "18:00"}]},
            {"windows": ["Row 1: the weekday is a number from 0 (Monday) to 6 (Sunday)."]},
        ),
        (
            {"windows": [{"weekday": 0, "starts": "08:00", "ends": "18:00", "lunch": "14:00"}]},
            {"windows": ["Row 1: unknown fields: lunch."]},
        ),
        (
            {"windows": []},
            {"windows": ["A calendar needs at least one working window in its week."]},
        ),
        (
            {"holiday_country": "XX"},
            {"holiday_country": ["XX is not a country the holidays calendar knows."]},
        ),
        (
            {"holiday_country": "ES", "holiday_subdivision": "ZZ"},
            {"holiday_subdivision": ["ZZ is not a subdivision of ES."]},
        ),
        (
            {
                "closed_days": [
                    {"day": date(2026, 12, 24), "name": "Christmas Eve"},
                    {"day": date(2026, 12, 24), "name": "Again"},
                ]
            },
            {"closed_days": ["Row 2: 2026-12-24 is already closed in row 1."]},
        ),
        (
            {"closed_days": [{"day": "soon"}]},
            {"closed_days": ["Row 1: give the day as a date."]},
        ),
    ],
)
def test_a_bad_calendar_is_refused_on_its_field_naming_the_row(changes, fields):
    counts = table_counts()
    with pytest.raises(InvalidInput) as refused:
        make.calendar(**changes)
    assert refused.value.code == "calendar_invalid"
    assert refused.value.fields == fields
    assert table_counts() == counts


def test_every_problem_of_a_calendar_is_reported_at_once_rows_in_order():
    counts = table_counts()
    with pytest.raises(InvalidInput) as refused:
        make.calendar(
            time_zone="Europe/Atlantis",
            holiday_country="XX",
            windows=[
                {"weekday": 0, "starts": "12:00", "ends": "14:00"},
                {"weekday": 9, "starts": "08:00", "ends": "09:00"},
                {"weekday": 0, "starts": "08:00", "ends": "13:00"},
                {"weekday": 1, "starts": "10:00", "ends": "09:00"},
            ],
        )
    assert refused.value.fields == {
        "holiday_country": ["XX is not a country the holidays calendar knows."],
        "time_zone": ["Europe/Atlantis is not an IANA time zone (e.g. Europe/Madrid)."],
        "windows": [
            "Row 1 (Monday 12:00–14:00): the windows of a day overlap.",
            "Row 2: the weekday is a number from 0 (Monday) to 6 (Sunday).",
            "Row 4 (Tuesday 10:00–09:00): a window must end after it starts.",
        ],
    }
    assert table_counts() == counts


def test_windows_may_touch_and_end_at_midnight():
    calendar = make.calendar(
        windows=[
            {"weekday": 4, "starts": "08:00", "ends": "13:00"},
            {"weekday": 4, "starts": "13:00", "ends": "24:00"},
            {"weekday": 5, "starts": "00:00", "ends": "02:00"},
        ]
    )
    # Friday 17:00 + 9 hours: 7 hours to midnight, then 2 on Saturday morning.
    assert selectors.sla_calendar(calendar).add(FRIDAY_5PM, timedelta(hours=9)) == make.at(
        "2026-03-07 02:00"
    )


def test_given_rows_replace_the_calendars_rows_keeping_those_unchanged():
    calendar = make.calendar()
    monday = CalendarWindow.objects.get(calendar=calendar, weekday=0)
    closed = closed_day_create(
        actor=None, values={"calendar": calendar, "day": date(2026, 8, 14), "name": "Bridge"}
    )
    before = _fresh(calendar).updated_at
    since = _last_audit_id()

    calendar_update(
        actor=None,
        calendar=_fresh(calendar),
        values={
            "windows": [
                {"weekday": 0, "starts": "08:00", "ends": "18:00"},
                {"weekday": 5, "starts": "09:00", "ends": "13:00"},
            ],
            "closed_days": [
                {"day": date(2026, 8, 14), "name": "Summer bridge"},
                {"day": date(2026, 12, 24), "name": ""},
            ],
        },
        reason="Saturday mornings",
    )

    assert _windows(calendar) == [(0, "08:00", "18:00"), (5, "09:00", "13:00")]
    assert CalendarWindow.objects.filter(pk=monday.pk).exists()
    assert list(calendar.closed_days.order_by("day").values_list("pk", "day", "name")) == [
        (closed.pk, date(2026, 8, 14), "Summer bridge"),
        (
            ClosedDay.objects.get(calendar=calendar, day=date(2026, 12, 24)).pk,
            date(2026, 12, 24),
            "",
        ),
    ]
    assert [action for action, _label, _reason in _log("sla.calendarwindow", since)] == [
        "delete",
        "delete",
        "delete",
        "delete",
        "create",
    ]
    assert _log("sla.closedday", since) == [
        ("update", "2026-08-14 Summer bridge", "Saturday mornings"),
        ("create", "2026-12-24", "Saturday mornings"),
    ]
    assert _fresh(calendar).updated_at > before


def test_an_update_without_rows_keeps_them():
    calendar = make.calendar()
    calendar_update(actor=None, calendar=calendar, values={"notes": "Main office"})
    assert _windows(calendar) == [(day, "08:00", "18:00") for day in range(5)]


def test_every_write_to_a_calendar_or_its_rows_changes_what_the_calendar_computes():
    calendar = make.calendar()
    assert selectors.sla_calendar(_fresh(calendar)).add(FRIDAY_5PM, TWO_HOURS) == make.at(
        "2026-03-09 09:00"
    )
    stamps = [_fresh(calendar).updated_at]

    # A Saturday window: the two hours end on Saturday morning.
    saturday = calendar_window_create(
        actor=None, values={"calendar": calendar, "weekday": 5, "starts": "09:00", "ends": "13:00"}
    )
    stamps.append(_fresh(calendar).updated_at)
    assert selectors.sla_calendar(_fresh(calendar)).add(FRIDAY_5PM, TWO_HOURS) == make.at(
        "2026-03-07 10:00"
    )

    # The window moved later.
    calendar_window_update(
        actor=None, calendar_window=saturday, values={"starts": "10:00", "ends": "14:00"}
    )
    stamps.append(_fresh(calendar).updated_at)
    assert selectors.sla_calendar(_fresh(calendar)).add(FRIDAY_5PM, TWO_HOURS) == make.at(
        "2026-03-07 11:00"
    )

    # That Saturday closed.
    closed = closed_day_create(
        actor=None, values={"calendar": calendar, "day": date(2026, 3, 7), "name": "Inventory"}
    )
    stamps.append(_fresh(calendar).updated_at)
    assert selectors.sla_calendar(_fresh(calendar)).add(FRIDAY_5PM, TWO_HOURS) == make.at(
        "2026-03-09 09:00"
    )

    # Moved to the Monday after.
    closed_day_update(actor=None, closed_day=closed, values={"day": date(2026, 3, 9)})
    stamps.append(_fresh(calendar).updated_at)
    assert selectors.sla_calendar(_fresh(calendar)).add(FRIDAY_5PM, TWO_HOURS) == make.at(
        "2026-03-07 11:00"
    )

    closed_day_delete(actor=None, closed_day=closed)
    calendar_window_delete(actor=None, calendar_window=saturday)
    stamps.append(_fresh(calendar).updated_at)
    assert selectors.sla_calendar(_fresh(calendar)).add(FRIDAY_5PM, TWO_HOURS) == make.at(
        "2026-03-09 09:00"
    )

    # Nested rows given to the calendar itself, and its time zone.
    calendar_update(
        actor=None,
        calendar=_fresh(calendar),
        values={"time_zone": "Atlantic/Canary", "windows": make.OFFICE_HOURS},
    )
    stamps.append(_fresh(calendar).updated_at)
    assert selectors.sla_calendar(_fresh(calendar)).add(FRIDAY_5PM, TWO_HOURS) == make.at(
        "2026-03-06 19:00"
    )
    assert stamps == sorted(set(stamps))


def test_a_calendar_in_the_terms_of_a_live_contract_changes_only_with_a_reason():
    calendar = make.calendar()
    _live_contract_with(calendar=calendar)
    monday = CalendarWindow.objects.get(calendar=calendar, weekday=0)
    counts, before = table_counts(), row(calendar)

    refusals = [
        lambda: calendar_update(actor=None, calendar=calendar, values={"notes": "x"}),
        lambda: calendar_update(actor=None, calendar=calendar, values={"windows": []}, reason=" "),
        lambda: calendar_window_create(
            actor=None,
            values={"calendar": calendar, "weekday": 5, "starts": "09:00", "ends": "13:00"},
        ),
        lambda: calendar_window_update(
            actor=None, calendar_window=monday, values={"ends": "17:00"}
        ),
        lambda: calendar_window_delete(actor=None, calendar_window=monday),
        lambda: closed_day_create(
            actor=None, values={"calendar": calendar, "day": date(2026, 12, 24)}
        ),
    ]
    for refuse in refusals:
        with pytest.raises(InvalidInput) as refused:
            refuse()
        assert refused.value.fields == {
            "reason": ["Say why: a reason is required for this change."]
        }
    assert (table_counts(), row(calendar)) == (counts, before)

    since = _last_audit_id()
    calendar_window_update(
        actor=None, calendar_window=monday, values={"ends": "17:00"}, reason="Shorter Mondays"
    )
    assert _log("sla.calendarwindow", since) == [
        ("update", "Monday 08:00–17:00", "Shorter Mondays")
    ]


def test_a_calendar_of_a_draft_contract_changes_without_a_reason():
    calendar = make.calendar()
    make.contract(make.customer(), calendar=calendar, sla_policy=make.sla_policy(), status="draft")
    calendar_update(actor=None, calendar=calendar, values={"notes": "Still negotiating"})
    assert _fresh(calendar).notes == "Still negotiating"


def test_a_calendar_is_deleted_with_its_rows_each_audited():
    calendar = make.calendar(closed_days=[{"day": date(2026, 12, 24), "name": "Eve"}])
    pk = calendar.pk
    since = _last_audit_id()

    calendar_delete(actor=None, calendar=calendar, reason="Never used")

    assert not BusinessCalendar.objects.filter(pk=pk).exists()
    assert [a for a, _l, _r in _log("sla.calendarwindow", since)] == ["delete"] * 5
    assert _log("sla.closedday", since) == [("delete", "2026-12-24 Eve", "Never used")]
    assert _log("sla.businesscalendar", since)[-1][0] == "delete"


def test_a_calendar_used_by_contract_versions_or_tickets_is_not_deleted():
    in_terms = make.calendar()
    make.contract(make.customer(), calendar=in_terms, sla_policy=make.sla_policy(), status="draft")
    on_ticket = make.calendar()
    customer = make.customer()
    site, service = make.site(customer), make.service()
    ticket = make.ticket(site, service)
    ticket_sla_policy_change(
        actor=None,
        ticket=ticket,
        policy=make.sla_policy(),
        calendar=on_ticket,
        reason="Premium care",
        now=make.at("2026-03-02 10:00"),
    )
    counts = table_counts()

    for calendar, users in ((in_terms, "contract versions"), (on_ticket, "tickets")):
        with pytest.raises(Conflict) as refused:
            calendar_delete(actor=None, calendar=_fresh(calendar))
        assert refused.value.code == "in_use"
        assert users in refused.value.detail
    assert table_counts() == counts


def test_one_window_is_checked_with_the_whole_week_on_its_own_fields():
    calendar = make.calendar()
    monday = CalendarWindow.objects.get(calendar=calendar, weekday=0)
    counts, stamp = table_counts(), _fresh(calendar).updated_at

    cases = [
        (
            {"weekday": 0, "starts": "17:00", "ends": "20:00"},
            {"starts": ["This window overlaps Monday 08:00–18:00."]},
        ),
        (
            {"weekday": 0, "starts": "06:00", "ends": "09:00"},
            {"starts": ["This window overlaps Monday 08:00–18:00."]},
        ),
        (
            {"weekday": 5, "starts": "13:00", "ends": "09:00"},
            {"ends": ["A window must end after it starts."]},
        ),
        (
            {"weekday": 5, "starts": "24:00", "ends": "24:00"},
            {"starts": ["24:00 can only end a window."]},
        ),
        (
            {"weekday": 5, "starts": "9h", "ends": "13:00"},
            {"starts": ['Give the time as "HH:MM", from 00:00 to 23:59.']},
        ),
        (
            {"weekday": 5, "starts": "09:00", "ends": "24:30"},
            {"ends": ['Give the time as "HH:MM", up to 24:00.']},
        ),
    ]
    for values, fields in cases:
        with pytest.raises(InvalidInput) as refused:
            calendar_window_create(actor=None, values={"calendar": calendar, **values})
        assert refused.value.fields == fields, values
    with pytest.raises(InvalidInput) as refused:
        calendar_window_update(actor=None, calendar_window=monday, values={"weekday": 1})
    assert refused.value.fields == {"starts": ["This window overlaps Tuesday 08:00–18:00."]}
    assert (table_counts(), _fresh(calendar).updated_at) == (counts, stamp)


def test_a_window_or_closed_day_stays_with_its_calendar():
    calendar, other = make.calendar(), make.calendar()
    monday = CalendarWindow.objects.get(calendar=calendar, weekday=0)
    closed = closed_day_create(actor=None, values={"calendar": calendar, "day": date(2026, 8, 14)})
    before = (row(monday), row(closed))

    with pytest.raises(InvalidInput) as refused:
        calendar_window_update(actor=None, calendar_window=monday, values={"calendar": other})
    assert (refused.value.code, list(refused.value.fields)) == ("row_moved", ["calendar"])
    with pytest.raises(InvalidInput) as refused:
        closed_day_update(actor=None, closed_day=closed, values={"calendar": other})
    assert (refused.value.code, list(refused.value.fields)) == ("row_moved", ["calendar"])
    assert (row(monday), row(closed)) == before


def test_the_last_window_of_a_calendar_is_not_deleted():
    calendar = make.calendar(windows=[{"weekday": 0, "starts": "08:00", "ends": "18:00"}])
    window = calendar.windows.get()
    counts = table_counts()
    with pytest.raises(Conflict) as refused:
        calendar_window_delete(actor=None, calendar_window=window)
    assert refused.value.code == "last_row"
    assert refused.value.detail == (
        f"Monday 08:00–18:00 is the last working window of {calendar.name}, and a calendar keeps "
        "at least one: add the new window first, then delete this one."
    )
    assert table_counts() == counts


def test_a_day_is_closed_once_per_calendar():
    calendar = make.calendar(closed_days=[{"day": date(2026, 12, 24), "name": "Eve"}])
    counts = table_counts()
    with pytest.raises(InvalidInput) as refused:
        closed_day_create(actor=None, values={"calendar": calendar, "day": date(2026, 12, 24)})
    assert refused.value.fields == {"day": ["This day is already closed in this calendar."]}
    assert table_counts() == counts


def test_a_calendar_may_start_without_windows_and_then_runs_no_clock():
    calendar = calendar_create(
        actor=None, values={"name": "Being set up", "time_zone": "Europe/Madrid"}
    )
    assert _windows(calendar) == []
    assert selectors.sla_terms(make.sla_policy(), calendar) is None
    calendar_window_create(
        actor=None, values={"calendar": calendar, "weekday": 0, "starts": "08:00", "ends": "18:00"}
    )
    assert selectors.sla_terms(make.sla_policy(), _fresh(calendar)) is not None


def test_regional_holidays_are_skipped():
    # 2025: 1 May (Thursday) is a national holiday, 2 May (Friday) a Madrid one.
    national = make.calendar(holiday_country="ES")
    madrid = make.calendar(holiday_country="ES", holiday_subdivision="MD")
    start = make.at("2025-04-30 17:00")
    assert selectors.sla_calendar(national).add(start, TWO_HOURS) == make.at("2025-05-02 09:00")
    assert selectors.sla_calendar(madrid).add(start, TWO_HOURS) == make.at("2025-05-05 09:00")


# --- SLA policies ---------------------------------------------------------------------------------
def _targets(policy):
    return list(
        SlaTarget.objects.filter(policy=policy)
        .order_by("priority", "kind")
        .values_list("priority", "kind", "duration")
    )


def _row(priority, kind, hours):
    return {"priority": priority, "kind": kind, "duration": timedelta(hours=hours)}


def test_a_policy_is_stored_with_its_targets_each_audited_pausing_on_waiting_by_default():
    manager = make.user("manager")
    since = _last_audit_id()

    policy = sla_policy_create(
        actor=manager,
        values={
            "name": " Gold ",
            "targets": [_row("high", "response", 1), _row("high", "resolution", 4)],
        },
        reason="Gold tier",
    )

    stored = _fresh(policy)
    assert (
        stored.name,
        stored.pausing_statuses,
        stored.warning_percent,
        stored.critical_percent,
    ) == (
        "Gold",
        ["waiting"],
        75,
        90,
    )
    assert _targets(policy) == [
        ("high", "resolution", timedelta(hours=4)),
        ("high", "response", timedelta(hours=1)),
    ]
    assert _log("sla.slapolicy", since) == [("create", "Gold", "Gold tier")]
    assert _log("sla.slatarget", since) == [
        ("create", "Gold: high first response 1:00:00", "Gold tier"),
        ("create", "Gold: high resolution 4:00:00", "Gold tier"),
    ]
    assert (
        AuditEntry.objects.filter(id__gt=since).values_list("actor_id", flat=True).distinct().get()
        == manager.pk
    )


def test_pausing_statuses_are_cleaned_and_may_be_none():
    policy = make.sla_policy(pausing_statuses=[" Waiting ", "waiting", "ASSIGNED"])
    assert _fresh(policy).pausing_statuses == ["waiting", "assigned"]
    assert _fresh(make.sla_policy(pausing_statuses=[])).pausing_statuses == []


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        (
            {"targets": [_row("high", "response", 0)]},
            {
                "targets": [
                    "Row 1 (high, first response): the business time must be more than zero."
                ]
            },
        ),
        (
            {"targets": [{**_row("high", "response", 1), "duration": timedelta(seconds=-60)}]},
            {
                "targets": [
                    "Row 1 (high, first response): the business time must be more than zero."
                ]
            },
        ),
        (
            {
                "targets": [
                    _row("high", "response", 1),
                    _row("normal", "response", 2),
                    _row("high", "response", 3),
                ]
            },
            {"targets": ["Row 3 (high, first response): row 1 already gives this target."]},
        ),
        (
            {"targets": [_row("urgent", "response", 1)]},
            {"targets": ["Row 1: urgent is not a ticket priority (low, normal, high, critical)."]},
        ),
        (
            {"targets": [_row("high", "arrival", 1)]},
            {"targets": ["Row 1: arrival is not a kind of target (response, resolution, update)."]},
        ),
        (
            {"targets": [{"priority": "high", "kind": "response", "duration": 3600}]},
            {"targets": ["Row 1: give the business time as a duration."]},
        ),
        (
            {"targets": []},
            {"targets": ["A policy needs targets for at least one priority."]},
        ),
        (
            {"pausing_statuses": ["resolved"]},
            {
                "pausing_statuses": [
                    "resolved ends the work: it stops the clocks, it does not pause them."
                ]
            },
        ),
        (
            {"pausing_statuses": ["sleeping"]},
            {
                "pausing_statuses": [
                    "sleeping is not a ticket status that can pause the clocks "
                    "(new, assigned, in_progress, waiting)."
                ]
            },
        ),
        (
            {"pausing_statuses": "waiting"},
            {"pausing_statuses": ['Give the statuses as a list, e.g. ["waiting"].']},
        ),
        (
            {"warning_percent": 90, "critical_percent": 80},
            {"warning_percent": ["Thresholds must satisfy 0 < warning < critical <= 100 percent."]},
        ),
    ],
)
def test_a_bad_policy_is_refused_on_its_field_naming_the_row(changes, fields):
    counts = table_counts()
    values = {"name": "Bad", "targets": [_row("high", "response", 1)], **changes}
    with pytest.raises(InvalidInput) as refused:
        sla_policy_create(actor=None, values=values)
    assert refused.value.code == "sla_policy_invalid"
    assert refused.value.fields == fields
    assert table_counts() == counts


def test_given_targets_replace_the_policys_and_its_domain_value_follows():
    policy = make.sla_policy()
    calendar = make.calendar()
    kept = SlaTarget.objects.get(policy=policy, priority="critical", kind="response")
    assert selectors.sla_terms(_fresh(policy), calendar).policy.budgets("high") == {
        "response": timedelta(hours=1),
        "resolution": timedelta(hours=4),
    }
    before = _fresh(policy).updated_at
    since = _last_audit_id()

    sla_policy_update(
        actor=None,
        sla_policy=_fresh(policy),
        values={
            "targets": [
                _row("critical", "response", 0.5),
                _row("high", "response", 2),
                _row("low", "resolution", 40),
            ]
        },
        reason="Renegotiated",
    )

    assert _targets(policy) == [
        ("critical", "response", timedelta(minutes=30)),
        ("high", "response", timedelta(hours=2)),
        ("low", "resolution", timedelta(hours=40)),
    ]
    assert SlaTarget.objects.filter(pk=kept.pk).exists()
    assert sorted(a for a, _l, _r in _log("sla.slatarget", since)) == ["create"] + [
        "delete"
    ] * 4 + ["update"]
    assert _fresh(policy).updated_at > before
    assert selectors.sla_terms(_fresh(policy), calendar).policy.budgets("high") == {
        "response": timedelta(hours=2)
    }


def test_one_target_is_checked_with_the_whole_policy_on_its_own_fields():
    policy, other = make.sla_policy(), make.sla_policy()
    high = SlaTarget.objects.get(policy=policy, priority="high", kind="response")
    counts, stamp = table_counts(), _fresh(policy).updated_at

    with pytest.raises(InvalidInput) as refused:
        sla_target_create(actor=None, values={"policy": policy, **_row("high", "response", 3)})
    assert refused.value.fields == {
        "priority": ["This policy already has a first response target for high."]
    }
    with pytest.raises(InvalidInput) as refused:
        sla_target_update(actor=None, sla_target=high, values={"priority": "normal"})
    assert list(refused.value.fields) == ["priority"]
    with pytest.raises(InvalidInput) as refused:
        sla_target_update(actor=None, sla_target=high, values={"policy": other})
    assert (refused.value.code, list(refused.value.fields)) == ("row_moved", ["policy"])
    assert (table_counts(), _fresh(policy).updated_at) == (counts, stamp)

    sla_target_update(
        actor=None, sla_target=_fresh(high), values={"duration": timedelta(minutes=45)}
    )
    assert _fresh(policy).updated_at > stamp
    assert selectors.sla_terms(_fresh(policy), make.calendar()).policy.budgets("high")[
        "response"
    ] == timedelta(minutes=45)


def test_the_last_target_of_a_policy_is_not_deleted_but_others_are():
    policy = make.sla_policy(targets={"high": (timedelta(hours=1), timedelta(hours=4))})
    response, resolution = (
        SlaTarget.objects.get(policy=policy, kind="response"),
        SlaTarget.objects.get(policy=policy, kind="resolution"),
    )
    sla_target_delete(actor=None, sla_target=response)
    counts = table_counts()
    with pytest.raises(Conflict) as refused:
        sla_target_delete(actor=None, sla_target=resolution)
    assert refused.value.code == "last_row"
    assert table_counts() == counts


def test_a_policy_may_start_without_targets_and_gets_them_one_by_one():
    policy = sla_policy_create(actor=None, values={"name": "Being set up"})
    assert (_targets(policy), _fresh(policy).pausing_statuses) == ([], ["waiting"])
    sla_target_create(actor=None, values={"policy": policy, **_row("normal", "response", 4)})
    assert _targets(policy) == [("normal", "response", timedelta(hours=4))]


def test_a_policy_in_the_terms_of_a_live_contract_changes_only_with_a_reason():
    policy = make.sla_policy()
    _live_contract_with(policy=policy)
    high = SlaTarget.objects.get(policy=policy, priority="high", kind="response")
    counts, before = table_counts(), row(policy)

    for refuse in (
        lambda: sla_policy_update(actor=None, sla_policy=policy, values={"warning_percent": 60}),
        lambda: sla_target_update(actor=None, sla_target=high, values={"duration": TWO_HOURS}),
        lambda: sla_target_delete(actor=None, sla_target=high),
    ):
        with pytest.raises(InvalidInput) as refused:
            refuse()
        assert list(refused.value.fields) == ["reason"]
    assert (table_counts(), row(policy)) == (counts, before)

    sla_policy_update(
        actor=None, sla_policy=policy, values={"warning_percent": 60}, reason="Warn earlier"
    )
    assert _fresh(policy).warning_percent == 60


def test_a_policy_is_deleted_with_its_targets_unless_in_use():
    unused = make.sla_policy()
    since = _last_audit_id()
    sla_policy_delete(actor=None, sla_policy=unused, reason="Duplicate")
    assert not SlaPolicy.objects.filter(name=unused.name).exists()
    assert [a for a, _l, _r in _log("sla.slatarget", since)] == ["delete"] * 6

    used = make.sla_policy()
    make.contract(make.customer(), calendar=make.calendar(), sla_policy=used, status="draft")
    counts = table_counts()
    with pytest.raises(Conflict) as refused:
        sla_policy_delete(actor=None, sla_policy=used)
    assert refused.value.code == "in_use"
    assert table_counts() == counts


def test_calendars_and_policies_are_found_by_name():
    calendar, policy = make.calendar(name="Office"), make.sla_policy(name="Gold")
    assert selectors.calendar_get_by_name("Office") == calendar
    assert selectors.sla_policy_get_by_name("Gold") == policy
    assert selectors.calendar_get_by_name("Nowhere") is None


# --- one source of a calendar's holidays (clocks and rating) ------------------------------------
def test_a_calendars_holidays_are_its_public_holidays_and_its_own_closed_days():
    calendar = make.calendar(
        holiday_country="ES",
        holiday_subdivision="MD",
        closed_days=[
            {"day": date(2026, 12, 24), "name": "Nochebuena"},
            {"day": date(2026, 12, 31), "name": "Nochevieja"},
        ],
    )

    of_year = selectors.calendar_holidays(calendar)

    assert of_year is not None
    spain = [(1, 1), (1, 6), (4, 3), (5, 1), (8, 15), (10, 12), (12, 8), (12, 25)]
    madrid = [(4, 2), (5, 2), (11, 2), (12, 7)]  # Maundy Thursday, 2 May, two Mondays after
    own = [(12, 24), (12, 31)]
    assert sorted(of_year(2026)) == sorted(date(2026, m, d) for m, d in spain + madrid + own)
    assert not {date(2027, 12, 24), date(2027, 12, 31)} & set(of_year(2027))  # dated days
    # the clocks run on the same days: each working day among them is closed
    clocks = selectors.sla_calendar(calendar)
    madrid_zone = ZoneInfo("Europe/Madrid")
    for day in of_year(2026):
        assert not clocks.is_open(datetime.combine(day, time(10), madrid_zone)), day
    assert clocks.is_open(datetime(2026, 12, 23, 10, tzinfo=madrid_zone))
    assert selectors.calendar_holidays(make.calendar()) is None  # neither: nothing to ask
    assert selectors.calendar_holidays(None) is None
