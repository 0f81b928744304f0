"""The demo data set: loaded through the services, idempotent, consistent, dated by the day it
is loaded."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from pacta.accounts.access import SYSTEM, audience_of
from pacta.accounts.selectors import user_list
from pacta.catalog.selectors import (
    price_list_list,
    tax_rate_list,
    tax_rate_percent_on,
)
from pacta.catalog.services import product_create
from pacta.contracts.selectors import contract_list, contract_version_in_force
from pacta.customers.selectors import customer_list
from pacta.demo import data
from pacta.demo.loader import demo_load
from pacta.domain.errors import InvalidInput
from pacta.equipment.selectors import equipment_is_under_warranty, equipment_list
from pacta.service.selectors import ticket_list, time_entry_list, work_order_list
from tests.support import make
from tests.support.make import at
from tests.support.state import table_counts

pytestmark = pytest.mark.django_db

NOW = at("2026-11-23 10:00")
NEXT_YEAR = at("2027-03-10 10:00")
USERNAMES = [
    "admin",
    "manager",
    "dispatcher",
    "finance",
    "tech.ana",
    "tech.pierre",
    "tech.ivan",
    "contractor.norte",
    "tech.norte",
    "customer.hospital",
]
CREATED = {
    "tax_rate": 3,
    "tax_rate_value": 7,
    "customer": 6,
    "contact": 11,
    "site": 7,
    "contractor": 1,
    "user": 10,
    "service": 12,
    "checklist_step": 23,
    "product": 8,
    "price_list": 3,
    "price_list_line": 15,
    "equipment": 10,
    "contract": 5,
    "contract_version": 6,
    "scope_line": 15,
    "ticket": 14,
    "work_order": 11,
    "time_entry": 12,
    "part_used": 6,
}


def user(username):
    return user_list(audience=SYSTEM).get(username=username)


def contract(number):
    return contract_list(audience=SYSTEM).get(number=number)


def ticket(subject):
    return ticket_list(audience=SYSTEM).get(subject=subject)


# --- idempotent -------------------------------------------------------------------------------
def test_the_first_load_creates_every_record_through_the_services_with_an_audit_entry():
    before = table_counts()

    report = demo_load(now=NOW)

    after = table_counts()
    assert dict(report.created) == CREATED
    assert report.existing_total == 0
    assert (after["contracts.contract"], after["service.ticket"], after["accounts.user"]) == (
        before["contracts.contract"] + 5,
        before["service.ticket"] + 14,
        before["accounts.user"] + 10,
    )
    # One audit entry per record created, plus one per activated contract and one per ticket
    # moved on from "new" (11 of the 14).
    grown = after["audit.auditentry"] - before["audit.auditentry"]
    assert grown == sum(CREATED.values()) + 5 + 11


def test_loading_twice_creates_nothing_the_second_time():
    demo_load(now=NOW)
    counts = table_counts()

    again = demo_load(now=NOW)

    assert table_counts() == counts
    assert counts["audit.auditentry"] == table_counts()["audit.auditentry"]
    assert again.created_total == 0
    assert dict(again.existing) == CREATED


@pytest.mark.parametrize("later", [NOW + dt.timedelta(days=2), NEXT_YEAR])
def test_loading_again_on_a_later_day_keeps_the_first_days_data(later):
    demo_load(now=NOW)
    counts = table_counts()

    again = demo_load(now=later)

    assert table_counts() == counts
    assert (again.created_total, again.year) == (0, 2026)


def test_the_load_is_one_transaction_a_refusal_leaves_nothing_behind():
    # A battery already in the catalog, but retired: one of the load's last writes (a part
    # used) is refused.
    product_create(
        actor=None,
        values={
            "sku": "MED-BAT-MX-LI",
            "name": "Old battery",
            "price": Decimal("10.00"),
            "tax_rate": make.tax_rate(),
            "is_active": False,
        },
    )
    counts = table_counts()

    with pytest.raises(InvalidInput) as refused:
        demo_load(now=NOW)

    assert list(refused.value.fields) == ["product"]
    assert table_counts() == counts


# --- consistent -------------------------------------------------------------------------------
def test_five_active_contracts_each_with_its_versions():
    demo_load(now=NOW)

    contracts = contract_list(audience=SYSTEM).order_by("number")
    assert [(c.number, c.status, c.versions.count()) for c in contracts] == [
        ("ES-FSR-001", "active", 1),
        ("ES-PAN-001", "active", 1),
        ("FR-HLU-001", "active", 2),
        ("FR-RMO-001", "active", 1),
        ("RU-UNS-001", "active", 1),
    ]
    bakery = contract("ES-PAN-001")
    first = contract_version_in_force(bakery, dt.date(2026, 1, 1))
    assert (first.number, first.subscription_fee, first.billing_period) == (
        1,
        Decimal("150.00"),
        "month",
    )
    assert sorted(
        (line.service.code, line.coverage, line.period_limit) for line in first.scope_lines.all()
    ) == [("GEN-CORR", "billable", None), ("GEN-PM", "included", Decimal("3.00"))]
    oil = contract_version_in_force(contract("RU-UNS-001"), dt.date(2026, 3, 1))
    assert (oil.contract.currency, oil.subscription_fee, oil.price_list.name) == (
        "RUB",
        Decimal("385000.00"),
        "Уралнефтесервис 2026",
    )


def test_the_hvac_contract_is_amended_on_1_june_for_the_summer_peak():
    demo_load(now=NOW)
    hvac = contract("FR-HLU-001")

    may = contract_version_in_force(hvac, dt.date(2026, 5, 31))
    june = contract_version_in_force(hvac, dt.date(2026, 6, 1))

    assert (may.number, may.subscription_fee, may.billing_period) == (
        1,
        Decimal("1350.00"),
        "quarter",
    )
    assert (june.number, june.subscription_fee, june.reason) == (
        2,
        Decimal("1590.00"),
        "Summer peak season: fee and rates per clause 7.2",
    )
    # The amendment keeps the scope and price list of the terms before it.
    assert sorted(line.service.code for line in june.scope_lines.all()) == [
        "HVAC-CORR",
        "HVAC-PM",
        "HVAC-REFR",
    ]
    assert june.price_list.name == may.price_list.name == "HVAC 2026"
    hvac_prices = price_list_list(audience=SYSTEM).get(name="HVAC 2026")
    corrective = hvac_prices.lines.filter(service__code="HVAC-CORR").order_by("effective_on")
    assert [(line.effective_on, line.unit_price) for line in corrective] == [
        (dt.date(2026, 1, 1), Decimal("65.0000")),
        (dt.date(2026, 6, 1), Decimal("72.0000")),
    ]


def test_the_customer_user_sees_its_customer_and_the_hospital_it_pays_for():
    demo_load(now=NOW)
    hospital_user = user("customer.hospital")

    seen = customer_list(audience=audience_of(hospital_user))

    assert sorted(c.legal_name for c in seen) == [
        "Fundación Sanitaria San Rafael",
        "Hospital Universitario San Rafael",
    ]
    assert [c.number for c in contract_list(audience=audience_of(hospital_user))] == ["ES-FSR-001"]


def test_every_demo_user_can_sign_in_with_the_demo_password():
    demo_load(now=NOW)

    signed_in = {name: Client().login(username=name, password=data.PASSWORD) for name in USERNAMES}

    assert signed_in == dict.fromkeys(USERNAMES, True)
    assert data.PASSWORD == "pacta-demo"
    assert sorted(u.username for u in user_list(audience=SYSTEM)) == sorted(USERNAMES)


def test_the_russian_vat_rises_to_22_percent_in_2026():
    demo_load(now=NOW)
    nds = tax_rate_list(audience=SYSTEM).get(code="RU-NDS")

    assert tax_rate_percent_on(nds, dt.date(2025, 12, 31)) == Decimal("20.00")
    assert tax_rate_percent_on(nds, dt.date(2026, 1, 1)) == Decimal("22.00")
    iva = tax_rate_list(audience=SYSTEM).get(code="ES-IVA-GEN")
    assert tax_rate_percent_on(iva, dt.date(2012, 8, 31)) == Decimal("18.00")
    assert tax_rate_percent_on(iva, dt.date(2012, 9, 1)) == Decimal("21.00")


def test_the_contractors_technician_works_at_the_hospital_and_ivan_at_the_oil_pad():
    demo_load(now=NOW)
    norte = user("contractor.norte")

    theirs = work_order_list(audience=audience_of(norte)).order_by("scheduled_start_at")

    assert [(w.ticket.site.name, w.technician.username, w.status) for w in theirs] == [
        ("Edificio A — Quirófanos", "tech.norte", "completed"),
        ("Centro de Especialidades Retiro", "tech.norte", "en_route"),
    ]
    assert {w.contractor.name for w in theirs} == {"Instalaciones Norte S.L."}
    ivan = work_order_list(audience=audience_of(user("tech.ivan")))
    assert sorted((w.ticket.site.name, w.status) for w in ivan) == [
        ("Куст №12", "completed"),
        ("Куст №12", "en_route"),
    ]
    done = ticket("Плановое обследование куста №12").work_orders.get()
    assert sorted((e.kind, e.ended_at - e.started_at) for e in done.time_entries.all()) == [
        ("travel", dt.timedelta(hours=1, minutes=30)),
        ("travel", dt.timedelta(hours=1, minutes=30)),
        ("work", dt.timedelta(hours=5, minutes=15)),
    ]
    assert [(p.product.sku, p.quantity) for p in done.parts_used.all()] == [
        ("OG-GSK-SNP-80", Decimal("4.000"))
    ]


def test_one_hvac_unit_is_still_under_warranty():
    demo_load(now=NOW)
    units = equipment_list(audience=SYSTEM).filter(site__name="Hôtel Lumière — Presqu'île")

    covered = {u.serial_number: equipment_is_under_warranty(u, now=NOW) for u in units}

    assert covered == {"J0194417": False, "J0257832": True, "4517Q60231": False}
    assert sorted(u.serial_number for u in contract("FR-HLU-001").equipment.all()) == [
        "4517Q60231",
        "J0194417",
        "J0257832",
    ]


# --- dated by the day it runs -----------------------------------------------------------------
@pytest.mark.parametrize("now", [NOW, NEXT_YEAR], ids=["2026-11-23", "2027-03-10"])
def test_the_dates_follow_the_day_it_runs(now):
    report = demo_load(now=now)
    year = now.year
    today = timezone.localdate(now)

    assert report.year == year
    assert {(c.starts_on, c.status) for c in contract_list(audience=SYSTEM)} == {
        (dt.date(year, 1, 1), "active")
    }
    assert sorted((c.number, c.ends_on) for c in contract_list(audience=SYSTEM)) == [
        ("ES-FSR-001", dt.date(year + 1, 12, 31)),
        ("ES-PAN-001", dt.date(year, 12, 31)),
        ("FR-HLU-001", dt.date(year, 12, 31)),
        ("FR-RMO-001", dt.date(year + 1, 12, 31)),
        ("RU-UNS-001", dt.date(year + 1, 12, 31)),
    ]
    hvac = contract("FR-HLU-001")
    assert contract_version_in_force(hvac, dt.date(year, 5, 31)).number == 1
    assert contract_version_in_force(hvac, dt.date(year, 6, 1)).number == 2
    assert sorted(p.name for p in price_list_list(audience=SYSTEM)) == [
        f"HVAC {year}",
        f"Réseaux Moselle {year}",
        f"Уралнефтесервис {year}",
    ]

    # No ticket is opened in the future; completed work and its time lie in the past.
    tickets = ticket_list(audience=SYSTEM)
    assert all(t.opened_at <= now for t in tickets)
    assert all(e.ended_at <= now for e in time_entry_list(audience=SYSTEM))
    assert not tickets.filter(opened_at__lt=now - dt.timedelta(days=9)).exists()

    # Local hours in each site's time zone: the Gold-tier cut is repaired from 08:00 in Metz
    # today, the connection is made at 09:00 tomorrow in Thionville, Ivan reaches the pad at
    # 08:00 Yekaterinburg time.
    def local_start(subject, zone):
        work_order = ticket(subject).work_orders.get()
        return work_order.status, timezone.localtime(work_order.scheduled_start_at, zone)

    paris, yekaterinburg = ZoneInfo("Europe/Paris"), ZoneInfo("Asia/Yekaterinburg")
    tomorrow = today + dt.timedelta(days=1)
    assert local_start("Coupure câble 144 FO — travaux de voirie rue Serpenoise", paris) == (
        "en_route",
        dt.datetime(today.year, today.month, today.day, 8, 0, tzinfo=paris),
    )
    assert local_start("Raccordement FTTH — boulangerie Weber, 4 place du Marché", paris) == (
        "scheduled",
        dt.datetime(tomorrow.year, tomorrow.month, tomorrow.day, 9, 0, tzinfo=paris),
    )
    oil_today = timezone.localdate(now, yekaterinburg)
    assert local_start(
        "Пропуск на фланцевом соединении выкидной линии скв. 1207", yekaterinburg
    ) == (
        "en_route",
        dt.datetime(oil_today.year, oil_today.month, oil_today.day, 8, 0, tzinfo=yekaterinburg),
    )
    assert sorted(t.status for t in tickets) == sorted(
        ["new"] * 3 + ["assigned"] * 3 + ["in_progress"] * 3 + ["resolved"] * 5
    )


# --- the command ------------------------------------------------------------------------------
def test_the_command_lists_what_it_created_and_every_demo_user_with_the_password():
    out = StringIO()
    call_command("demo_load", "--now", "2026-11-23T10:00", stdout=out)
    text = out.getvalue()

    assert text.splitlines()[0] == ("Demo data (year 2026): 185 records created, 0 already there.")
    assert "contract versions        6              0" in text
    lines = {line.split()[0]: line.split() for line in text.splitlines() if line.strip()}
    assert {name: (lines[name][1], lines[name][-1]) for name in USERNAMES} == {
        "admin": ("Administrator", "pacta-demo"),
        "manager": ("Manager", "pacta-demo"),
        "dispatcher": ("Dispatcher", "pacta-demo"),
        "finance": ("Finance", "pacta-demo"),
        "tech.ana": ("Technician", "pacta-demo"),
        "tech.pierre": ("Technician", "pacta-demo"),
        "tech.ivan": ("Technician", "pacta-demo"),
        "contractor.norte": ("Contractor", "pacta-demo"),
        "tech.norte": ("Technician", "pacta-demo"),
        "customer.hospital": ("Customer", "pacta-demo"),
    }

    again = StringIO()
    call_command("demo_load", "--now", "2026-11-23T10:00", stdout=again)
    assert again.getvalue().splitlines()[0] == (
        "Demo data (year 2026): nothing created, all 185 records already there."
    )
    assert all(name in again.getvalue() for name in USERNAMES)


def test_the_command_refuses_a_moment_it_cannot_read():
    counts = table_counts()
    with pytest.raises(Exception, match="--now takes an ISO date and time"):
        call_command("demo_load", "--now", "next tuesday", stdout=StringIO())
    assert table_counts() == counts
