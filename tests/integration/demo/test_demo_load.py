"""The demo data set: loaded through the services, idempotent, consistent, dated by the day it
is loaded."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from lxml import etree

from pacta.accounts.access import SYSTEM, audience_of
from pacta.accounts.selectors import team_list, user_list
from pacta.billing.einvoice import einvoice_render, rules
from pacta.billing.selectors import invoice_list, product_cost_list
from pacta.catalog.selectors import (
    price_list_list,
    tax_rate_list,
    tax_rate_percent_on,
)
from pacta.catalog.services import product_create
from pacta.contracts.selectors import contract_list, contract_version_in_force
from pacta.customers.selectors import customer_list, site_list
from pacta.demo import data
from pacta.demo.loader import demo_load
from pacta.domain.errors import InvalidInput
from pacta.equipment.selectors import equipment_is_under_warranty, equipment_list
from pacta.service.selectors import (
    rescue_action_list,
    ticket_event_list_of,
    ticket_list,
    ticket_list_board,
    time_entry_list,
    work_order_list,
)
from pacta.sla.selectors import calendar_list, sla_calendar, sla_policy_list
from pacta.web.board import board_rows
from tests.integration.billing.test_einvoice import SELLER
from tests.support import make
from tests.support.make import at
from tests.support.state import table_counts

pytestmark = pytest.mark.django_db

H = dt.timedelta(hours=1)
M = dt.timedelta(minutes=1)

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
    "team": 5,
    "service": 12,
    "checklist_step": 23,
    "product": 8,
    "product_cost": 9,
    "price_list": 3,
    "price_list_line": 15,
    "equipment": 10,
    "calendar": 4,
    "calendar_window": 32,
    "closed_day": 2,
    "sla_policy": 5,
    "sla_target": 41,
    "contract": 5,
    "contract_version": 6,
    "scope_line": 15,
    "surcharge_rule": 6,
    "allowance": 2,
    "ticket": 14,
    "work_order": 11,
    "time_entry": 12,
    "part_used": 6,
    "inspection_template": 1,
    "inspection_parameter": 3,
    "report_wording": 2,
    "redaction_rule": 1,
    "cost_rate": 4,
    "sepa_creditor": 1,
    "sepa_mandate": 1,
    "rating": 5,
    # Every period ended by 31 October — ten months of three monthly contracts and three
    # quarters of two quarterly ones — and the two quarters running on that day.
    "billing_period": 38,
    # One for each period ended.
    "invoice": 36,
    # What fell due by 23 November, paid on its due day (see test_finance_... below).
    "payment": 31,
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
    # One audit entry per record created, plus one per activated contract, one per ticket
    # moved on from "new" (11 of the 14), one per billing period closed (36) and one per
    # invoice issued (33: all but October's three monthly ones) and one per invoice its
    # payment settled (31: 30 paid, the hotel's partly paid).
    grown = after["audit.auditentry"] - before["audit.auditentry"]
    assert grown == sum(CREATED.values()) + 5 + 11 + 36 + 33 + 31


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


def test_the_public_sector_foundation_has_its_three_dir3_codes_and_the_others_none():
    demo_load(now=NOW)
    codes = {
        c.legal_name: (c.dir3_accounting_office, c.dir3_managing_body, c.dir3_processing_unit)
        for c in customer_list(audience=SYSTEM)
        if c.dir3_accounting_office
    }
    assert codes == {"Fundación Sanitaria San Rafael": ("A13002908", "A13031045", "A13031046")}


def test_the_foundations_demo_invoices_name_its_centres_in_facturae(settings):
    demo_load(now=NOW)
    settings.PACTA_SELLER = dict(SELLER)
    invoice = (
        invoice_list(audience=SYSTEM)
        .filter(state="issued", customer__legal_name="Fundación Sanitaria San Rafael")
        .order_by("issue_date", "pk")
        .first()
    )
    assert invoice is not None
    xml = einvoice_render(audience=SYSTEM, invoice_id=invoice.pk, syntax="facturae").content
    root = etree.fromstring(xml)
    centres = root.xpath("//BuyerParty/AdministrativeCentres/AdministrativeCentre")
    assert [(c.findtext("CentreCode"), c.findtext("RoleTypeCode")) for c in centres] == [
        ("A13002908", "01"),
        ("A13031045", "02"),
        ("A13031046", "03"),
    ]
    assert rules.xsd_errors(xml, "facturae") == []


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


def test_every_product_has_a_dated_cost_and_the_pocket_filter_rose_in_the_spring():
    demo_load(now=NOW)
    costs = product_cost_list(audience=SYSTEM)
    assert set(costs.values_list("product__sku", flat=True)) == {p["sku"] for p in data.PRODUCTS}
    assert [
        (c.effective_on, c.unit_cost) for c in costs.filter(product__sku="HVAC-FLT-F7-592")
    ] == [(dt.date(2025, 1, 1), Decimal("19.4000")), (dt.date(2026, 4, 1), Decimal("21.1000"))]


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
        ["new"] * 3 + ["assigned"] * 2 + ["in_progress"] * 3 + ["waiting"] + ["resolved"] * 5
    )


# --- SLA: calendars, policies, teams, and the clocks of the demo tickets ----------------------
def test_each_contract_runs_its_terms_on_a_calendar_and_a_policy():
    demo_load(now=NOW)

    terms = [
        (c.number, v.number, v.calendar.name, v.sla_policy.name)
        for c in contract_list(audience=SYSTEM).order_by("number")
        for v in c.versions.order_by("number")
    ]

    assert terms == [
        ("ES-FSR-001", 1, "Madrid — horario de oficina", "Electromedicina hospitalaria"),
        ("ES-PAN-001", 1, "Madrid — horario de oficina", "Básico — horario de oficina"),
        ("FR-HLU-001", 1, "Lyon — heures ouvrées", "CVC — heures ouvrées"),
        # The summer amendment keeps the SLA of the terms before it.
        ("FR-HLU-001", 2, "Lyon — heures ouvrées", "CVC — heures ouvrées"),
        ("FR-RMO-001", 1, "24/7 (Europe/Paris)", "Fibre — niveau Or 24/7"),
        ("RU-UNS-001", 1, "Пермский край — будни 08:00–20:00", "Нефтепромысел — рабочие часы"),
    ]


def test_the_calendars_follow_the_sites_zones_and_holidays():
    demo_load(now=NOW)

    calendars = {
        c.name: (
            c.time_zone,
            c.holiday_country,
            c.holiday_subdivision,
            sorted((w.weekday, w.starts, w.ends) for w in c.windows.all()),
            sorted((d.day, d.name) for d in c.closed_days.all()),
        )
        for c in calendar_list(audience=SYSTEM)
    }

    def week(days, *windows):
        return sorted((day, starts, ends) for day in days for starts, ends in windows)

    assert calendars == {
        "Madrid — horario de oficina": (
            "Europe/Madrid",
            "ES",
            "MD",
            week(range(5), ("08:00", "14:00"), ("15:00", "18:00")),
            [(dt.date(2026, 12, 24), "Nochebuena"), (dt.date(2026, 12, 31), "Nochevieja")],
        ),
        "Lyon — heures ouvrées": (
            "Europe/Paris",
            "FR",
            "",
            week(range(5), ("08:00", "12:00"), ("13:30", "17:30")),
            [],
        ),
        "24/7 (Europe/Paris)": ("Europe/Paris", "", "", week(range(7), ("00:00", "24:00")), []),
        "Пермский край — будни 08:00–20:00": (
            "Asia/Yekaterinburg",
            "RU",
            "",
            week(range(5), ("08:00", "20:00")),
            [],
        ),
    }
    # Public holidays close them: 2 May in the Comunidad de Madrid, 4 November in Russia.
    madrid = sla_calendar(calendar_list(audience=SYSTEM).get(name="Madrid — horario de oficina"))
    perm = sla_calendar(
        calendar_list(audience=SYSTEM).get(name="Пермский край — будни 08:00–20:00")
    )
    yekaterinburg = ZoneInfo("Asia/Yekaterinburg")

    def business_day(calendar, day, zone=make.MADRID):
        return calendar.between(at(f"{day} 00:00", zone), at(f"{day} 23:59", zone))

    assert business_day(madrid, "2026-05-01") == business_day(madrid, "2026-05-02") == 0 * H
    assert business_day(madrid, "2026-05-04") == 9 * H
    assert business_day(perm, "2026-11-04", yekaterinburg) == 0 * H
    assert business_day(perm, "2026-11-05", yekaterinburg) == 12 * H


def test_the_policies_give_targets_for_every_priority():
    demo_load(now=NOW)

    policies = {
        p.name: (p.warning_percent, p.critical_percent, p.pausing_statuses, p.escalate_on)
        for p in sla_policy_list(audience=SYSTEM)
    }
    gold = sla_policy_list(audience=SYSTEM).get(name="Fibre — niveau Or 24/7")
    targets = {(t.priority, t.kind): t.duration for t in gold.targets.all()}

    assert policies == {
        "Básico — horario de oficina": (75, 90, ["waiting"], ""),
        "CVC — heures ouvrées": (75, 90, ["waiting"], ""),
        "Electromedicina hospitalaria": (75, 90, ["waiting"], "critical"),
        "Fibre — niveau Or 24/7": (75, 90, ["waiting"], "critical"),
        "Нефтепромысел — рабочие часы": (75, 90, ["waiting"], ""),
    }
    assert targets == {
        ("critical", "response"): 30 * M,
        ("critical", "resolution"): 4 * H,
        ("critical", "update"): 2 * H,
        ("high", "response"): 1 * H,
        ("high", "resolution"): 8 * H,
        ("normal", "response"): 4 * H,
        ("normal", "resolution"): 120 * H,
        ("low", "response"): 8 * H,
        ("low", "resolution"): 240 * H,
    }
    # every priority's response and resolution; the Gold tier's outages also ask for updates
    assert [p.targets.count() for p in sla_policy_list(audience=SYSTEM)] == [8, 8, 8, 9, 8]


def test_a_team_of_technicians_covers_every_sites_region():
    demo_load(now=NOW)

    teams = {
        t.name: (t.zone_codes, sorted(u.username for u in t.members.all()))
        for t in team_list(audience=SYSTEM)
    }

    assert teams == {
        "Grand Est — fibre optique": (["FR-57"], ["tech.pierre"]),
        "Lyon — CVC": (["FR-69"], ["tech.pierre"]),
        "Madrid — electromedicina": (["MAD-CENTRO"], ["tech.ana", "tech.norte"]),
        "Madrid — mantenimiento general": (["MAD-SUR", "MAD-CENTRO"], ["tech.ana"]),
        "Пермский край — Север": (["RU-59-SEVER"], ["tech.ivan"]),
    }
    covered = {code for codes, _members in teams.values() for code in codes}
    assert {s.zone_code for s in site_list(audience=SYSTEM)} == covered


OVEN = "El horno 1 no alcanza temperatura"
CUT = "Coupure câble 144 FO — travaux de voirie rue Serpenoise"
FTTH = "Raccordement FTTH — boulangerie Weber, 4 place du Marché"
HOTEL_VISIT = "Visite préventive trimestrielle — rooftops et groupe froid"
CHILLER = "Groupe froid : alarme haute pression circuit B"
LEAK = "Пропуск на фланцевом соединении выкидной линии скв. 1207"
NOISE = "Повышенный шум редуктора станка-качалки скв. 1207"
VENTILATOR = "Mantenimiento preventivo semestral — respirador Reanimación cama 2"
PUMP = "Bomba de infusión con alarma de oclusión intermitente"
RESOLVED = [
    "Visita preventiva mensual",
    "Relevé d'atténuation du PM après inondation",
    "Rooftop n°1 : air tiède au restaurant, manque de fluide",
    "Плановое обследование куста №12",
    "Monitor del quirófano 3 se apaga al desconectar la red",
]
#: Where each open ticket's clocks stand at the load, by design, whenever it runs.
OPEN_RISKS = {
    OVEN: "warning",
    CUT: "breached",
    FTTH: "ok",
    HOTEL_VISIT: "ok",
    CHILLER: "critical",
    LEAK: "ok",
    NOISE: "ok",
    VENTILATOR: "ok",
    PUMP: "ok",
}


def clocks_of(subject):
    found = ticket(subject)
    clocks = {c.name: (c.state, c.risk, c.used) for c in found.clocks.all()}
    return found.status, found.sla_risk, clocks


def met(used):
    return ("met", "met", used)


def pending(risk, used):
    return ("pending", risk, used)


def test_the_clocks_of_the_demo_tickets_at_the_load():
    demo_load(now=NOW)  # Monday 23 November 2026, 10:00 in Madrid

    # Opened a business time before the load, still unanswered: 3:10 of the 4-hour response
    # on office hours (from Friday 16:50), 3:40 of 4 hours in Lyon (from Friday 15:50), one
    # hour of 4 in Perm (from 13:00 there, 09:00 in Madrid).
    assert clocks_of(OVEN) == (
        "new",
        "warning",
        {"response": pending("warning", 190 * M), "resolution": pending("ok", 190 * M)},
    )
    assert clocks_of(CHILLER) == (
        "new",
        "critical",
        {"response": pending("critical", 220 * M), "resolution": pending("ok", 220 * M)},
    )
    assert clocks_of(NOISE) == (
        "new",
        "ok",
        {"response": pending("ok", H), "resolution": pending("ok", H)},
    )
    assert [ticket(s).opened_at for s in (OVEN, CHILLER, NOISE)] == [
        at("2026-11-20 16:50"),
        at("2026-11-20 15:50"),
        at("2026-11-23 09:00"),
    ]
    # Opened on a day and answered in time; the cut of yesterday 16:05 has been out for 17:55
    # against a 4-hour repair time. The customer heard from us at 16:20 (the response), 18:00,
    # then not until an hour before the load: that night's cycle is breached, the current one
    # has used one hour of its two.
    assert clocks_of(CUT) == (
        "in_progress",
        "breached",
        {
            "response": met(15 * M),
            "resolution": ("breached", "breached", 17 * H + 55 * M),
            "update": ("breached", "ok", H),
        },
    )
    update = ticket(CUT).clocks.get(name="update")
    # from 18:00 yesterday to 09:00 this morning in Metz: 15 hours, 13 past the budget
    assert (update.breaches, update.breached_by, update.due_at) == (
        1,
        13 * H,
        at("2026-11-23 11:00"),
    )
    updates = ticket_event_list_of(ticket(CUT), audience=SYSTEM).filter(kind="update")
    assert [e.at for e in updates] == [at("2026-11-22 18:00"), at("2026-11-23 09:00")]
    assert updates[0].reason.startswith("Équipe sur place")
    assert clocks_of(FTTH) == (
        "assigned",
        "ok",
        {"response": met(25 * M), "resolution": pending("ok", 46 * H + 40 * M)},
    )
    assert clocks_of(HOTEL_VISIT) == (
        "assigned",
        "ok",
        {"response": met(20 * M), "resolution": pending("ok", 8 * H)},
    )
    assert clocks_of(LEAK) == (
        "in_progress",
        "ok",
        {"response": met(0 * H), "resolution": pending("ok", 6 * H)},
    )
    assert clocks_of(PUMP) == (
        "in_progress",
        "ok",
        {"response": met(0 * H), "resolution": pending("ok", 2 * H)},
    )
    # Waiting on the ward since an hour after it was opened: its clocks stopped there.
    assert clocks_of(VENTILATOR) == (
        "waiting",
        "ok",
        {"response": met(30 * M), "resolution": pending("ok", H)},
    )
    # Every resolved ticket met both targets.
    resolved = ticket_list(audience=SYSTEM).filter(status="resolved")
    assert {t.subject: t.sla_risk for t in resolved} == dict.fromkeys(RESOLVED, "met")
    assert {c.state for t in resolved for c in t.clocks.all()} == {"met"}


def test_the_tickets_at_risk_raise_their_rescue_actions_once():
    demo_load(now=NOW)
    actions = sorted(
        (a.ticket.subject, a.clock, a.level, a.kind, a.detail)
        for a in rescue_action_list(audience=SYSTEM)
    )

    demo_load(now=NOW + dt.timedelta(days=1))

    # Pierre is on the cut (from 08:00 in Metz): nobody else covers Lorraine, nor Lyon.
    nobody = "No technician of the teams of %s is free now."
    assert actions == [
        (CUT, "resolution", "breached", "escalate", {"from": "critical", "to": "critical"}),
        (CUT, "resolution", "breached", "notify", {"sent_to": ["dispatcher", "tech.pierre"]}),
        (CUT, "resolution", "breached", "reassign", {"technician": None, "why": nobody % "FR-57"}),
        (OVEN, "response", "warning", "notify", {"sent_to": ["dispatcher"]}),
        (CHILLER, "response", "critical", "notify", {"sent_to": ["dispatcher"]}),
        (
            CHILLER,
            "response",
            "critical",
            "reassign",
            {"technician": None, "why": nobody % "FR-69"},
        ),
    ]
    assert rescue_action_list(audience=SYSTEM).count() == len(actions)
    assert ticket(CUT).priority == "critical"


def test_the_dispatch_board_shows_the_most_urgent_first_and_the_paused_visit_last():
    demo_load(now=NOW)

    rows = board_rows(ticket_list_board(audience=SYSTEM), now=NOW)

    assert [(r.ticket.subject, r.risk, r.target, r.remaining_text) for r in rows] == [
        (CUT, "breached", "resolution", "−13:55"),
        (CHILLER, "critical", "response", "0:20"),
        (OVEN, "warning", "response", "0:50"),
        (NOISE, "ok", "response", "3:00"),
        (LEAK, "ok", "resolution", "18:00"),
        (PUMP, "ok", "resolution", "25:00"),
        (HOTEL_VISIT, "ok", "resolution", "72:00"),
        (FTTH, "ok", "resolution", "73:20"),
        (VENTILATOR, "paused", "resolution", "44:00"),
    ]


@pytest.mark.parametrize(
    "now",
    [
        at("2026-11-21 03:00"),  # Saturday night
        at("2026-11-22 23:30"),  # Sunday, late
        at("2026-11-24 00:01"),  # just past midnight
        at("2026-11-27 19:00"),  # Friday evening, after hours everywhere
        at("2026-12-08 12:00"),  # a public holiday in Spain, the day after one in Madrid
        at("2026-03-30 07:00"),  # the morning after the spring change of time
        at("2026-10-25 09:00"),  # the day of the autumn change of time
        NEXT_YEAR,
    ],
    ids=str,
)
def test_the_designed_risks_hold_whenever_the_demo_is_loaded(now):
    demo_load(now=now)

    tickets = ticket_list(audience=SYSTEM)
    assert {t.subject: t.sla_risk for t in tickets.exclude(status="resolved")} == OPEN_RISKS
    assert {t.subject: t.sla_risk for t in tickets.filter(status="resolved")} == dict.fromkeys(
        RESOLVED, "met"
    )
    # The tickets opened a business time ago used exactly that much of their response time.
    used = {s: ticket(s).clocks.get(name="response").used for s in (OVEN, CHILLER, NOISE)}
    assert used == {OVEN: 190 * M, CHILLER: 220 * M, NOISE: H}


# --- the command ------------------------------------------------------------------------------
def test_the_command_lists_what_it_created_and_every_demo_user_with_the_password():
    out = StringIO()
    call_command("demo_load", "--now", "2026-11-23T10:00", stdout=out)
    text = out.getvalue()

    assert text.splitlines()[0] == ("Demo data (year 2026): 414 records created, 0 already there.")
    # (the columns are as wide as the longest kind's name)
    assert re.search(r"\ncontract versions +6 +0\n", text)
    assert re.search(r"\nbusiness calendars +4 +0\n", text)
    assert re.search(r"\nSLA targets +41 +0\n", text)
    assert re.search(r"\ninspection parameters +3 +0\n", text)
    assert re.search(r"\ninvoices +36 +0\npayments +31 +0\n", text)
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
        "Demo data (year 2026): nothing created, all 414 records already there."
    )
    assert all(name in again.getvalue() for name in USERNAMES)


def test_the_command_refuses_a_moment_it_cannot_read():
    counts = table_counts()
    with pytest.raises(Exception, match="--now takes an ISO date and time"):
        call_command("demo_load", "--now", "next tuesday", stdout=StringIO())
    assert table_counts() == counts


def test_the_demo_terms_carry_their_surcharges_and_allowances():
    from pacta.contracts.selectors import allowance_list, surcharge_rule_list

    demo_load(now=NOW)
    hvac_prices = price_list_list(audience=SYSTEM).get(name="HVAC 2026")
    rules = surcharge_rule_list(audience=SYSTEM)

    def flags(rule):
        return rule.on_holidays, rule.emergency, rule.cumulative

    assert sorted(
        (r.name, r.multiplier, r.window_start, r.window_end, r.weekdays, *flags(r))
        for r in rules.filter(price_list=hvac_prices)
    ) == [
        ("Intervention d'urgence", Decimal("1.250"), "", "", [], False, True, True),
        ("Jours fériés", Decimal("2.000"), "", "", [], True, False, False),
        ("Nuit 22:00–06:00", Decimal("2.000"), "22:00", "06:00", [], False, False, False),
        ("Week-end", Decimal("1.500"), "", "", ["sat", "sun"], False, False, False),
    ]
    bakery = contract_version_in_force(contract("ES-PAN-001"), dt.date(2026, 3, 1))
    evening = rules.get(version=bakery)
    assert (evening.multiplier, evening.window_start, evening.window_end) == (
        Decimal("1.500"),
        "18:00",
        "08:00",
    )
    assert [s.code for s in evening.services.all()] == ["GEN-CORR"]
    visits = allowance_list(audience=SYSTEM).get(version=bakery)
    assert (visits.kind, visits.quantity, [s.code for s in visits.services.all()]) == (
        "included_visits",
        Decimal("3.00"),
        ["GEN-PM"],
    )
    oil = contract_version_in_force(contract("RU-UNS-001"), dt.date(2026, 3, 1))
    assert [(r.multiplier, r.outside_access) for r in rules.filter(version=oil)] == [
        (Decimal("1.800"), True)
    ]
    bank = allowance_list(audience=SYSTEM).get(version__contract__number="ES-FSR-001")
    assert (bank.kind, bank.quantity, bank.allows_overage, bank.overage_unit_price) == (
        "prepaid_hours",
        Decimal("20.00"),
        True,
        Decimal("68.0000"),
    )
    assert (bank.rolls_over, bank.rollover_limit) == (True, Decimal("10.00"))


def test_finance_finds_drafts_to_review_paid_partly_paid_and_overdue_invoices_and_costed_jobs():
    from pacta.billing.margins import job_margins
    from pacta.billing.selectors import invoice_list, payment_list, sepa_mandate_list

    demo_load(now=NOW)

    invoices = invoice_list(audience=SYSTEM).select_related("contract", "period")
    states = {}
    for invoice in invoices:
        states[invoice.state] = states.get(invoice.state, 0) + 1
    # October of the three monthly contracts waits as drafts; of the 33 issued, the ones due
    # by 23 November are paid on their due day but the hotel's third quarter (half paid) and
    # the oil company's September (overdue); the hospital's September is not due yet.
    assert states == {"draft": 3, "paid": 30, "partly_paid": 1, "issued": 2}
    assert sorted(
        (i.contract.number, i.period.starts_on.isoformat()) for i in invoices.filter(state="draft")
    ) == [
        ("ES-FSR-001", "2026-10-01"),
        ("ES-PAN-001", "2026-10-01"),
        ("RU-UNS-001", "2026-10-01"),
    ]
    half = invoices.get(state="partly_paid")
    assert (half.contract.number, half.number, half.gross_total, half.due_date) == (
        "FR-HLU-001",
        "F2026-00031",
        Decimal("1908.00"),
        dt.date(2026, 10, 31),
    )
    assert [
        (p.amount, p.received_on)
        for p in payment_list(audience=SYSTEM).filter(allocations__invoice=half)
    ] == [(Decimal("954.00"), dt.date(2026, 10, 31))]
    unpaid = sorted(
        (i.contract.number, i.gross_total, i.currency, i.due_date.isoformat())
        for i in invoices.filter(state="issued")
    )
    assert unpaid == [
        ("ES-FSR-001", Decimal("3569.50"), "EUR", "2026-11-30"),
        ("RU-UNS-001", Decimal("469700.00"), "RUB", "2026-10-31"),
    ]
    bakery = customer_list(audience=SYSTEM).get(legal_name="Panadería Hermanos Ruiz S.L.")
    assert sepa_mandate_list(audience=SYSTEM).get().customer == bakery
    assert {p.method for p in payment_list(audience=SYSTEM).filter(customer=bakery)} == {
        "direct_debit"
    }
    jobs = job_margins(
        audience=SYSTEM, starts_on=dt.date(2026, 1, 1), ends_on=dt.date(2026, 12, 31)
    )
    assert len(jobs) == 5
    assert [job.figures.unpriced_hours for job in jobs] == [Decimal(0)] * 5
    assert all(job.figures.labour > 0 for job in jobs)
    # every part used is costed at its product's cost of the day, e.g. 2.5 kg of R-410A at
    # 27.30 and a belt at 9.75
    assert [job.figures.unpriced_parts for job in jobs] == [0] * 5
    assert [job.figures.parts for job in jobs] == [
        Decimal(cost) for cost in ("24.60", "21.80", "78.00", "33.60", "112.00")
    ]
