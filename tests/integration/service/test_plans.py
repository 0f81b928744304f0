"""Preventive plans: visits generated ahead of time as tickets and work orders, moved off the
calendar's closed days, seasonal months, never twice (a second run, two workers at once), and
nothing for a contract that has ended."""

from __future__ import annotations

from datetime import date, time

import pytest
from django.core.management import call_command

from pacta.contracts.services import contract_amend
from pacta.domain.errors import InvalidInput
from pacta.service.models import PlanOccurrence, Ticket, WorkOrder
from pacta.service.services.plans import plan_create, plans_generate
from pacta.service.tasks import plans_generate_task
from tests.support import make
from tests.support.concurrency import at_once
from tests.support.make import at
from tests.support.state import table_counts

NOW = at("2026-01-10 06:00")


@pytest.fixture
def world():
    customer = make.customer()
    site = make.site(customer, name="Hospital wing B")
    service = make.service(code="HVAC-PM", name="HVAC preventive maintenance")
    calendar = make.calendar(closed_days=[{"day": date(2026, 6, 15), "name": "Local holiday"}])
    contract = make.contract(
        customer,
        sites=[site],
        scope=[(service, "included")],
        calendar=calendar,
        sla_policy=make.sla_policy(),
    )
    technician = make.user("technician")
    return {
        "site": site,
        "service": service,
        "contract": contract,
        "technician": technician,
        "customer": customer,
    }


def plan(world, **values):
    return plan_create(
        actor=None,
        values={
            "contract": world["contract"],
            "site": world["site"],
            "service": world["service"],
            "name": "Monthly HVAC check",
            "frequency": "months",
            "interval": 1,
            "starts_on": date(2026, 1, 15),
            "visit_time": time(8, 30),
            "visit_minutes": 90,
            "technician": world["technician"],
            **values,
        },
    )


def scheduled(found):
    return [
        (o.nominal_on, o.scheduled_on)
        for o in PlanOccurrence.objects.filter(plan=found).order_by("nominal_on")
    ]


@pytest.mark.django_db
def test_a_monthly_plan_over_a_year_moves_visits_off_weekends_and_the_holiday(world):
    monthly = plan(world)

    report = plans_generate(now=NOW, horizon_days=365)

    assert report == {
        "plans": 1,
        "generated": 12,
        "existing": 0,
        "not_live": 0,
        "refused": 0,
    }
    assert scheduled(monthly) == [
        (date(2026, 1, 15), date(2026, 1, 15)),
        (date(2026, 2, 15), date(2026, 2, 16)),  # Sunday -> Monday
        (date(2026, 3, 15), date(2026, 3, 16)),
        (date(2026, 4, 15), date(2026, 4, 15)),
        (date(2026, 5, 15), date(2026, 5, 15)),
        (date(2026, 6, 15), date(2026, 6, 16)),  # the calendar's holiday -> Tuesday
        (date(2026, 7, 15), date(2026, 7, 15)),
        (date(2026, 8, 15), date(2026, 8, 17)),  # Saturday -> Monday
        (date(2026, 9, 15), date(2026, 9, 15)),
        (date(2026, 10, 15), date(2026, 10, 15)),
        (date(2026, 11, 15), date(2026, 11, 16)),
        (date(2026, 12, 15), date(2026, 12, 15)),
    ]
    june = PlanOccurrence.objects.get(plan=monthly, nominal_on=date(2026, 6, 15))
    work_order = june.work_order
    assert (work_order.ticket, work_order.technician, work_order.status) == (
        june.ticket,
        world["technician"],
        "scheduled",
    )
    assert (work_order.scheduled_start_at, work_order.scheduled_end_at) == (
        at("2026-06-16 08:30"),
        at("2026-06-16 10:00"),
    )
    ticket = june.ticket
    assert (ticket.contract, ticket.service, ticket.site, ticket.override, ticket.subject) == (
        world["contract"],
        world["service"],
        world["site"],
        "",
        "Monthly HVAC check",
    )
    assert (Ticket.objects.count(), WorkOrder.objects.count()) == (12, 12)


@pytest.mark.django_db
def test_a_second_run_creates_nothing(world):
    plan(world)
    plans_generate(now=NOW, horizon_days=365)
    before = table_counts()

    report = plans_generate(now=at("2026-01-10 07:00"), horizon_days=365)

    assert (report["generated"], report["existing"]) == (0, 12)
    assert table_counts() == before


@pytest.mark.django_db
def test_the_horizon_is_the_plans_lead_days_unless_told(world):
    monthly = plan(world, lead_days=40)
    assert plans_generate(now=NOW)["generated"] == 2  # 15 January and 15 February
    assert [nominal for nominal, _ in scheduled(monthly)] == [date(2026, 1, 15), date(2026, 2, 15)]


@pytest.mark.django_db
def test_seasonal_months_only(world):
    seasonal = plan(world, name="Spring and autumn HVAC", months=[10, 4])
    assert seasonal.months == [4, 10]

    plans_generate(now=NOW, horizon_days=365)

    assert scheduled(seasonal) == [
        (date(2026, 4, 15), date(2026, 4, 15)),
        (date(2026, 10, 15), date(2026, 10, 15)),
    ]


@pytest.mark.django_db
def test_every_two_weeks(world):
    fortnightly = plan(world, frequency="weeks", interval=2, starts_on=date(2026, 1, 12))
    plans_generate(now=NOW, horizon_days=30)
    assert scheduled(fortnightly) == [
        (date(2026, 1, 12), date(2026, 1, 12)),
        (date(2026, 1, 26), date(2026, 1, 26)),
        (date(2026, 2, 9), date(2026, 2, 9)),
    ]


@pytest.mark.django_db
def test_a_plan_on_an_ended_contract_generates_nothing(world):
    ended = make.contract(
        world["customer"],
        sites=[world["site"]],
        scope=[(world["service"], "included")],
        starts_on=date(2025, 1, 1),
        ends_on=date(2025, 12, 31),
    )
    plan(world, contract=ended, starts_on=date(2025, 1, 15))
    before = table_counts()

    report = plans_generate(now=NOW, horizon_days=365)

    assert (report["generated"], report["not_live"]) == (0, 12)
    assert table_counts() == before


@pytest.mark.django_db
def test_visits_stop_with_the_contract(world):
    short = make.contract(
        world["customer"],
        sites=[world["site"]],
        scope=[(world["service"], "included")],
        ends_on=date(2026, 3, 31),
    )
    found = plan(world, contract=short)
    report = plans_generate(now=NOW, horizon_days=365)
    assert (report["generated"], report["not_live"]) == (3, 9)
    assert [nominal for nominal, _ in scheduled(found)] == [
        date(2026, 1, 15),
        date(2026, 2, 15),
        date(2026, 3, 15),
    ]


@pytest.mark.django_db
def test_a_plan_for_a_site_the_contract_does_not_cover_is_refused(world):
    elsewhere = make.site(world["customer"], name="Warehouse")
    painting = make.service(code="PAINT", name="Painting")
    before = table_counts()
    with pytest.raises(InvalidInput) as refused:
        plan(world, site=elsewhere, service=painting, months=[13])
    assert refused.value.fields == {
        "site": [f"Contract {world['contract'].number} does not cover this site."],
        "service": [f"Painting is not in the scope of contract {world['contract'].number}."],
        "months": ["Give month numbers from 1 to 12, e.g. [4, 10]."],
    }
    assert table_counts() == before


@pytest.mark.django_db
def test_the_command_and_the_daily_task_generate_once(world):
    # They run at the real "now": an open-ended contract with weekly visits has some ahead.
    open_ended = make.contract(
        world["customer"],
        sites=[world["site"]],
        scope=[(world["service"], "included")],
        ends_on=None,
    )
    plan(world, contract=open_ended, frequency="weeks", starts_on=date(2026, 1, 5))
    call_command("plans_generate", "--horizon-days", "60")
    generated = PlanOccurrence.objects.count()
    assert generated >= 1
    call_command("plans_generate", "--horizon-days", "60")
    assert plans_generate_task.call("2026-01-10") is not None
    assert plans_generate_task.call("2026-01-10") is None
    assert PlanOccurrence.objects.count() == generated


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_generate_each_visit_once(world):
    plan(world)

    results, errors = at_once(lambda: plans_generate(now=NOW, horizon_days=365))

    assert errors == []
    assert sum(r["generated"] for r in results) == 12
    assert (PlanOccurrence.objects.count(), WorkOrder.objects.count()) == (12, 12)


@pytest.mark.django_db
def test_a_visit_the_intake_rules_refuse_is_counted_and_left_for_a_later_run(world):
    other = make.service(code="PAINT", name="Painting")
    contract = make.contract(
        world["customer"],
        sites=[world["site"]],
        scope=[(other, "billable")],
        sla_policy=make.sla_policy(),
        calendar=make.calendar(),
    )
    plan(world, contract=contract, service=other, lead_days=10)
    # From today on, the contract no longer has the service in scope.
    contract_amend(
        actor=None,
        values={"contract": contract, "effective_on": date(2026, 1, 10), "scope_lines": []},
        reason="Painting dropped",
        now=NOW,
    )
    fine = plan(world, name="Second plan", lead_days=10)
    before = table_counts()

    report = plans_generate(now=NOW)

    assert (report["generated"], report["refused"]) == (1, 1)
    assert [nominal for nominal, _ in scheduled(fine)] == [date(2026, 1, 15)]
    assert table_counts()["service.planoccurrence"] == before["service.planoccurrence"] + 1


@pytest.mark.django_db
def test_a_planned_visit_runs_no_sla_clock_before_its_day(world):
    from pacta.sla.models import TicketClock

    plan(world)
    plans_generate(now=NOW, horizon_days=60)

    tickets = Ticket.objects.order_by("opened_at", "pk")
    assert [(t.channel, t.sla_policy_id, t.sla_next_due_at, t.sla_risk) for t in tickets] == [
        ("plan", None, None, ""),
        ("plan", None, None, ""),
    ]
    assert not TicketClock.objects.filter(ticket__in=tickets).exists()


@pytest.mark.django_db
def test_no_one_but_the_plans_opens_a_planned_visit(world):
    from pacta.service.services import ticket_open

    dispatcher = make.user("dispatcher")
    before = table_counts()
    with pytest.raises(InvalidInput) as refused:
        ticket_open(
            actor=dispatcher,
            values={
                "site": world["site"],
                "service": world["service"],
                "contract": world["contract"],
                "channel": "plan",
                "subject": "No clocks, please",
            },
            now=NOW,
        )
    assert refused.value.fields == {
        "channel": ["Only a preventive plan opens its visits' tickets."]
    }
    assert table_counts() == before
