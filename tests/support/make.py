"""Records for tests, built through the services (so every fixture obeys the same rules).

Each function takes the record's values as keyword overrides; unique values come from a
counter. The actor is ``None`` ("system") unless given.
"""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

_seq = itertools.count(1)
PASSWORD = "correct-horse-battery-42"
MADRID = ZoneInfo("Europe/Madrid")


def n() -> int:
    return next(_seq)


def at(text: str, zone: ZoneInfo = MADRID) -> datetime:
    """An aware datetime from 'YYYY-MM-DD HH:MM' in ``zone`` (Madrid by default)."""
    return datetime.fromisoformat(text).replace(tzinfo=zone)


# --- accounts ---------------------------------------------------------------------------------
def contractor(**values: Any) -> Any:
    from pacta.accounts.services import contractor_create

    values = {"name": f"Contractor {n()}", "country": "ES", **values}
    return contractor_create(actor=None, values=values)


def user(role: str, **values: Any) -> Any:
    from pacta.accounts.services import user_create

    values = {"username": f"{role}{n()}", "password": PASSWORD, "role": role, **values}
    return user_create(actor=None, values=values)


# --- customers --------------------------------------------------------------------------------
def customer(**values: Any) -> Any:
    from pacta.customers.services import customer_create

    i = n()
    values = {
        "legal_name": f"Customer {i} S.L.",
        "tax_id": f"ESB{i:08d}",
        "country": "ES",
        "city": "Madrid",
        "currency": "EUR",
        "language": "es",
        **values,
    }
    return customer_create(actor=None, values=values)


def contact(customer: Any, **values: Any) -> Any:
    from pacta.customers.services import contact_create

    i = n()
    values = {"customer": customer, "name": f"Contact {i}", "email": f"c{i}@example.com", **values}
    return contact_create(actor=None, values=values)


def site(customer: Any, **values: Any) -> Any:
    from pacta.customers.services import site_create

    values = {
        "customer": customer,
        "name": f"Site {n()}",
        "country": customer.country,
        "city": customer.city or "Madrid",
        "time_zone": "Europe/Madrid",
        **values,
    }
    return site_create(actor=None, values=values)


# --- catalog ----------------------------------------------------------------------------------
def tax_rate(percent: str = "21.00", effective_on: date = date(2020, 1, 1), **values: Any) -> Any:
    from pacta.catalog.services import tax_rate_create, tax_rate_value_create

    values = {"code": f"VAT-{n()}", "name": "VAT general", "country": "ES", **values}
    rate = tax_rate_create(actor=None, values=values)
    tax_rate_value_create(
        actor=None,
        values={"tax_rate": rate, "effective_on": effective_on, "percent": Decimal(percent)},
        reason="Rate in force",
    )
    return rate


def service(**values: Any) -> Any:
    from pacta.catalog.services import service_create

    if "tax_rate" not in values:
        values["tax_rate"] = tax_rate()
    values = {
        "code": f"SRV-{n()}",
        "name": "Corrective maintenance",
        "unit": "hour",
        "default_price": Decimal("60.00"),
        **values,
    }
    return service_create(actor=None, values=values)


def checklist_step(service: Any, **values: Any) -> Any:
    from pacta.catalog.services import checklist_step_create

    values = {"service": service, "position": n(), "text": "Check the unit", **values}
    return checklist_step_create(actor=None, values=values)


def product(**values: Any) -> Any:
    from pacta.catalog.services import product_create

    if "tax_rate" not in values:
        values["tax_rate"] = tax_rate()
    values = {"sku": f"SKU-{n()}", "name": "Filter", "price": Decimal("12.50"), **values}
    return product_create(actor=None, values=values)


def product_cost(product_: Any, **values: Any) -> Any:
    from pacta.billing.services.costs import product_cost_create

    values = {"product": product_, "unit_cost": Decimal("4.00"), **values}
    values.setdefault("effective_on", date(2026, 1, 1))
    return product_cost_create(actor=None, values=values, reason="Supplier price list")


def cost_rate(technician: Any, **values: Any) -> Any:
    from pacta.billing.services.costs import cost_rate_create

    values = {
        "technician": technician,
        "hourly_cost": Decimal("30.00"),
        "currency": "EUR",
        **values,
    }
    values.setdefault("effective_on", date(2026, 1, 1))
    return cost_rate_create(actor=None, values=values, reason="Payroll")


def price_list(**values: Any) -> Any:
    from pacta.catalog.services import price_list_create

    values = {"name": f"Price list {n()}", "currency": "EUR", **values}
    return price_list_create(actor=None, values=values)


def price_list_line(price_list: Any, **values: Any) -> Any:
    from pacta.catalog.services import price_list_line_create

    values = {
        "price_list": price_list,
        "unit_price": Decimal("55.00"),
        "effective_on": date(2026, 1, 1),
        **values,
    }
    return price_list_line_create(actor=None, values=values, reason="Price agreed")


# --- equipment --------------------------------------------------------------------------------
def equipment(site: Any, **values: Any) -> Any:
    from pacta.equipment.services import equipment_create

    values = {
        "site": site,
        "serial_number": f"SN-{n():06d}",
        "manufacturer": "Daikin",
        "model": "VRV IV",
        **values,
    }
    return equipment_create(actor=None, values=values)


# --- SLA ------------------------------------------------------------------------------------------
OFFICE_HOURS = [
    {"weekday": day, "starts": "08:00", "ends": "18:00"} for day in range(5)
]  # Monday to Friday


def calendar(**values: Any) -> Any:
    """A business calendar (Mon–Fri 08:00–18:00 in Madrid unless told)."""
    from pacta.sla.services import calendar_create

    values = {
        "name": f"Calendar {n()}",
        "time_zone": "Europe/Madrid",
        "windows": OFFICE_HOURS,
        "closed_days": [],
        **values,
    }
    return calendar_create(actor=None, values=values)


def sla_policy(targets: dict[str, tuple[timedelta, timedelta]] | None = None, **values: Any) -> Any:
    """An SLA policy; ``targets`` maps priority -> (response, resolution)."""
    from pacta.sla.services import sla_policy_create

    targets = targets or {
        "critical": (timedelta(minutes=30), timedelta(hours=2)),
        "high": (timedelta(hours=1), timedelta(hours=4)),
        "normal": (timedelta(hours=4), timedelta(hours=16)),
    }
    rows = [
        {"priority": priority, "kind": kind, "duration": duration}
        for priority, (response, resolution) in targets.items()
        for kind, duration in (("response", response), ("resolution", resolution))
    ]
    values = {"name": f"Policy {n()}", "targets": rows, "pausing_statuses": ["waiting"], **values}
    return sla_policy_create(actor=None, values=values)


# --- contracts --------------------------------------------------------------------------------
def contract(
    customer: Any,
    *,
    sites: list[Any] | None = None,
    equipment: list[Any] | None = None,
    scope: list[tuple[Any, str]] | None = None,
    status: str = "active",
    starts_on: date = date(2026, 1, 1),
    ends_on: date | None = date(2026, 12, 31),
    fee: Decimal = Decimal("150.00"),
    price_list: Any = None,
    calendar: Any = None,
    sla_policy: Any = None,
    now: datetime | None = None,
    **values: Any,
) -> Any:
    """A contract with a first version (``scope``: [(service, coverage), ...]), then activated.

    Unless ``now`` is given, it is signed at noon on its first day, so the fixture does not
    depend on the day the tests run.
    """
    from pacta.contracts.services import contract_amend, contract_create, contract_status_change

    if now is None:
        now = datetime.combine(starts_on, datetime.min.time(), MADRID).replace(hour=12)

    values = {
        "number": f"C-{n():05d}",
        "title": "Maintenance",
        "customer": customer,
        "starts_on": starts_on,
        "ends_on": ends_on,
        "currency": customer.currency,
        "sites": sites or [],
        "equipment": equipment or [],
        **values,
    }
    created = contract_create(actor=None, values=values)
    contract_amend(
        actor=None,
        values={
            "contract": created,
            "effective_on": starts_on,
            "subscription_fee": fee,
            "billing_period": "month",
            "price_list": price_list,
            **({"calendar": calendar} if calendar is not None else {}),
            **({"sla_policy": sla_policy} if sla_policy is not None else {}),
            "scope_lines": [{"service": s, "coverage": coverage} for s, coverage in (scope or [])],
        },
        reason="Initial terms",
        now=now,
    )
    if status != "draft":
        created = contract_status_change(
            actor=None, contract=created, status="active", reason="Signed", now=now
        )
    return created


# --- service ----------------------------------------------------------------------------------
def ticket(
    site: Any, service: Any, *, contract: Any = None, reason: str = "", **values: Any
) -> Any:
    """A ticket opened by the system. Without a contract it falls under the site's live contract
    covering the service if there is one, and is opened outside any contract (billable, with a
    reason) otherwise, as the system may (``override=""`` asks for the intake rules)."""
    from pacta.service.services import ticket_open

    if contract is None and "override" not in values:
        values["override"] = "billable"
    if values.get("override"):
        reason = reason or "Opened outside the contract for the test"
    values = {
        "customer": site.customer,
        "site": site,
        "service": service,
        "contract": contract,
        "priority": "normal",
        "channel": "dispatcher",
        "subject": "Unit not cooling",
        "opened_at": at("2026-03-02 09:00"),
        **values,
    }
    return ticket_open(
        actor=None, values=values, reason=reason, now=values["opened_at"] + timedelta(minutes=1)
    )


def work_order(ticket: Any, technician: Any = None, **values: Any) -> Any:
    from pacta.service.services import work_order_create

    values = {
        "ticket": ticket,
        "technician": technician,
        "scheduled_start_at": at("2026-03-03 09:00"),
        "scheduled_end_at": at("2026-03-03 11:00"),
        **values,
    }
    return work_order_create(actor=None, values=values)


def time_entry(work_order: Any, **values: Any) -> Any:
    from pacta.service.services import time_entry_create

    values = {
        "work_order": work_order,
        "technician": work_order.technician,
        "started_at": at("2026-03-03 09:00"),
        "ended_at": at("2026-03-03 10:30"),
        "kind": "work",
        **values,
    }
    return time_entry_create(actor=None, values=values)


def part_used(work_order: Any, product: Any, **values: Any) -> Any:
    from pacta.service.services import part_used_create

    values = {"work_order": work_order, "product": product, "quantity": Decimal("2"), **values}
    return part_used_create(actor=None, values=values)


# --- SEPA direct debit (sepa) -------------------------------------------------------------------
def sepa_creditor(**values: Any) -> Any:
    from pacta.billing.services import sepa_creditor_create

    values = {
        "name": "Pacta Servicios S.L.",
        "creditor_id": "ES97ZZZB12345678",
        "iban": "ES7620770024003102575766",
        "bic": "CVALESVVXXX",
        **values,
    }
    return sepa_creditor_create(actor=None, values=values)


def sepa_mandate(customer: Any, **values: Any) -> Any:
    from pacta.billing.services import sepa_mandate_create

    values = {
        "customer": customer,
        "reference": f"MND-{n()}",
        "signed_on": date(2026, 1, 15),
        "debtor_name": customer.legal_name,
        "iban": "ES9121000418450200051332",
        **values,
    }
    return sepa_mandate_create(actor=None, values=values, now=at("2026-04-02 10:00"))


# --- invoicing ----------------------------------------------------------------------------------
def issued_invoices(customer: Any, until: date = date(2026, 2, 28), **values: Any) -> list[Any]:
    """A contract of ``customer`` (one included service: a fee of 150.00 + 21% VAT a month)
    whose periods through ``until`` are closed and issued: its invoices, oldest first."""
    from pacta.billing.models import ContractPeriod
    from pacta.billing.services import invoice_issue, period_close, periods_ensure

    now = values.pop("now", at("2026-04-02 10:00"))
    made = contract(customer, scope=[(service(), "included")], **values)
    periods_ensure(contract=made, until=until, now=now)
    periods = ContractPeriod.objects.filter(contract=made).order_by("starts_on")
    return [
        invoice_issue(actor=None, invoice=period_close(actor=None, period=p, now=now), now=now)
        for p in periods
    ]
