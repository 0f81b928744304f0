"""The home page shows each role what it needs first, and only what it may see."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from tests.support import make

pytestmark = pytest.mark.django_db


def _home(user):
    client = Client()
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    return response


def _world():
    own, other = make.customer(legal_name="Own S.L."), make.customer(legal_name="Other S.L.")
    own_site, other_site = make.site(own), make.site(other)
    service = make.service()
    own_contract = make.contract(
        own, sites=[own_site], scope=[(service, "included")], fee=Decimal("150.00")
    )
    make.contract(other, sites=[other_site], scope=[(service, "included")])
    own_ticket = make.ticket(own_site, service, contract=own_contract, subject="Cold room warm")
    make.ticket(other_site, service, subject="Someone else's fault")
    return own, own_contract, own_ticket


def test_the_office_sees_its_workload():
    _world()
    response = _home(make.user("dispatcher"))
    assert response.context["office"] == {
        "open_tickets": 2,
        "open_work_orders": 0,
        "active_contracts": 2,
    }


def test_a_customer_sees_its_contracts_with_the_terms_in_force_and_its_open_requests():
    own, contract, ticket = _world()
    response = _home(make.user("customer", customer=own))
    assert [(c.number, terms.number) for c, terms in response.context["contracts"]] == [
        (contract.number, 1)
    ]
    assert [t.pk for t in response.context["tickets"]] == [ticket.pk]
    page = response.content.decode()
    assert "Cold room warm" in page
    assert "Someone else" not in page
    assert "150.00 EUR" in page
    assert "office" not in response.context


def test_a_technician_sees_its_jobs_of_today_only():
    _own, _contract, ticket = _world()
    technician, colleague = make.user("technician"), make.user("technician")
    zone = timezone.get_current_timezone()
    today = timezone.localdate()
    at_nine = datetime.combine(today, time(9), tzinfo=zone)
    mine_today = make.work_order(
        ticket,
        technician,
        scheduled_start_at=at_nine,
        scheduled_end_at=at_nine + timedelta(hours=2),
    )
    make.work_order(
        ticket,
        technician,
        scheduled_start_at=at_nine + timedelta(days=1),
        scheduled_end_at=at_nine + timedelta(days=1, hours=1),
    )
    make.work_order(
        ticket, colleague, scheduled_start_at=at_nine, scheduled_end_at=at_nine + timedelta(hours=1)
    )
    response = _home(technician)
    assert [job.pk for job in response.context["jobs"]] == [mine_today.pk]
    assert "My jobs today" in response.content.decode()
    assert isinstance(response.context["today"], date)


def test_a_contractor_sees_its_companys_open_work_orders():
    _own, _contract, ticket = _world()
    company, rival = make.contractor(), make.contractor()
    ours = make.work_order(ticket, make.user("technician", contractor=company))
    make.work_order(ticket, make.user("technician", contractor=rival))
    response = _home(make.user("contractor", contractor=company))
    assert [job.pk for job in response.context["jobs"]] == [ours.pk]
