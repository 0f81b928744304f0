"""Credits through the services: goodwill with an approver, SLA-breach credits from the stored
clocks (capped, recomputed after a late breach with both versions kept), write-offs of rejected
out-of-scope work, reversals; balances derived from the rows. Refusals change nothing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from pacta.audit.models import AuditEntry
from pacta.billing.errors import NoTermsInForce
from pacta.billing.services import (
    charge_line_decide,
    credit_goodwill_grant,
    credit_reverse,
    credits_sla_breach_compute,
    work_order_rate,
)
from pacta.contracts.services import contract_status_change, contract_version_update
from pacta.domain.errors import Forbidden, InvalidInput
from pacta.entitlements.errors import CreditAlreadyReversed, CreditNotReversible
from pacta.entitlements.models import Credit
from pacta.entitlements.selectors import credit_balance
from pacta.service.services import ticket_clocks_refresh
from tests.integration.billing import test_rating
from tests.support import make
from tests.support.make import at
from tests.support.state import table_counts

pytestmark = pytest.mark.django_db

NOW = at("2026-03-20 12:00")
MARCH = date(2026, 3, 1)
#: A completed work order of a service out of the contract's scope (1.5 h at 80.00).
out_of_scope = test_rating.out_of_scope


@pytest.fixture
def job():
    """A contract (fee 150.00 a month) with a repair priced 55.00 an hour, and a work order."""
    customer = make.customer()
    site = make.site(customer)
    repair = make.service(code="REPAIR", name="Repair")
    prices = make.price_list(name="HVAC 2026")
    make.price_list_line(prices, service=repair, unit_price=Decimal("55.00"))
    contract = make.contract(
        customer, sites=[site], scope=[(repair, "billable")], price_list=prices, number="C-9"
    )
    work_order = make.work_order(make.ticket(site, repair, contract=contract))
    return contract, work_order


def goodwill(contract, approver, *, actor=None, reason="Late arrival", **values):
    """A goodwill credit of March, recorded at NOW."""
    return credit_goodwill_grant(
        actor=actor or approver,
        contract=contract,
        period_on=values.pop("period_on", MARCH),
        reason=reason,
        approver=approver,
        now=NOW,
        **values,
    )


def rows(contract):
    return [
        (credit.kind, credit.sequence, credit.amount, credit.reverses_id is not None)
        for credit in Credit.objects.filter(contract=contract).order_by("id")
    ]


# --- goodwill -------------------------------------------------------------------------------------
def test_goodwill_money_is_a_negative_credit_approved_by_a_manager(job):
    contract, _work_order = job
    manager = make.user("manager")
    credit = credit_goodwill_grant(
        actor=make.user("dispatcher"),
        contract=contract,
        period_on=date(2026, 3, 17),
        reason="Late arrival",
        approver=manager,
        amount=Decimal("25.00"),
        now=NOW,
    )
    assert (credit.kind, credit.period_on, credit.amount, credit.currency, credit.hours) == (
        "goodwill",
        MARCH,
        Decimal("-25.0000"),
        "EUR",
        None,
    )
    assert (credit.approved_by, credit.reason, credit.created_at) == (manager, "Late arrival", NOW)
    assert credit.words == [
        [
            "goodwill: %(reason)s (approved by a %(role)s)",
            {"reason": "Late arrival", "role": "manager"},
        ],
        ["contract %(contract)s v%(version)s", {"contract": "C-9", "version": 1}],
    ]
    assert AuditEntry.objects.filter(entity_type="entitlements.credit").count() == 1
    assert credit_balance(contract=contract, period_on=MARCH).owed == Decimal("-25.0000")


def test_goodwill_hours_are_priced_at_the_work_orders_service_or_a_given_rate(job):
    contract, work_order = job
    admin = make.user("admin")
    at_service_price = goodwill(contract, admin, hours=Decimal("1.5"), work_order=work_order)
    at_given_rate = goodwill(contract, admin, hours=Decimal("2.25"), unit_price=Decimal("40.00"))
    assert (at_service_price.amount, at_service_price.hours, at_service_price.work_order) == (
        Decimal("-82.5000"),
        Decimal("1.50"),
        work_order,
    )
    assert at_given_rate.amount == Decimal("-90.0000")
    assert credit_balance(contract=contract, period_on=MARCH).owed == Decimal("-172.5000")


@pytest.mark.parametrize("role", ["dispatcher", "finance", "technician", "customer"])
def test_goodwill_approved_by_a_role_that_may_not_is_refused_and_nothing_written(job, role):
    contract, _work_order = job
    manager = make.user("manager")
    extra = {"customer": contract.customer} if role == "customer" else {}
    approver = make.user(role, **extra)
    before = table_counts()
    with pytest.raises(Forbidden) as refused:
        goodwill(contract, approver, actor=manager, amount=Decimal("25.00"))
    assert refused.value.code == "approver_not_allowed"
    assert refused.value.message == f"A {role} may not approve a goodwill credit."
    assert table_counts() == before


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"reason": " ", "amount": Decimal("5")}, "reason"),
        ({"amount": Decimal("5"), "hours": Decimal("1")}, "hours"),
        ({}, "hours"),
        ({"amount": Decimal("0")}, "amount"),
        ({"hours": Decimal("1.255"), "unit_price": Decimal("10")}, "hours"),
        ({"hours": Decimal("2")}, "unit_price"),
        ({"amount": Decimal("5"), "approver": None}, "approver"),
    ],
)
def test_bad_goodwill_is_refused_naming_the_field_and_nothing_written(job, given, field):
    contract, _work_order = job
    manager = make.user("manager")
    before = table_counts()
    values = {"reason": "Late arrival", "approver": manager, **given}
    with pytest.raises(InvalidInput) as refused:
        credit_goodwill_grant(actor=manager, contract=contract, period_on=MARCH, now=NOW, **values)
    assert field in refused.value.fields
    assert table_counts() == before


def test_goodwill_outside_the_contracts_terms_is_refused(job):
    contract, _work_order = job
    manager = make.user("manager")
    before = table_counts()
    with pytest.raises(NoTermsInForce):
        goodwill(contract, manager, period_on=date(2025, 12, 31), amount=Decimal("5"))
    assert table_counts() == before


# --- reversals ------------------------------------------------------------------------------------
def test_a_goodwill_credit_is_reversed_by_a_new_row_once(job):
    contract, _work_order = job
    manager = make.user("manager")
    credit = goodwill(contract, manager, amount=Decimal("25.00"))
    reversal = credit_reverse(actor=manager, credit=credit, reason="Given twice", now=NOW)
    assert (reversal.reverses, reversal.amount, reversal.reason) == (
        credit,
        Decimal("25.0000"),
        "Given twice",
    )
    assert rows(contract) == [
        ("goodwill", 1, Decimal("-25.0000"), False),
        ("goodwill", 1, Decimal("25.0000"), True),
    ]
    assert credit_balance(contract=contract, period_on=MARCH).owed == Decimal("0.0000")

    finance = make.user("finance")
    before = table_counts()
    for again in (credit, reversal):
        with pytest.raises(CreditAlreadyReversed):
            credit_reverse(actor=manager, credit=again, reason="Again", now=NOW)
    with pytest.raises(Forbidden):
        credit_reverse(actor=finance, credit=credit, reason="Again", now=NOW)
    with pytest.raises(InvalidInput) as refused:
        credit_reverse(actor=manager, credit=credit, reason="", now=NOW)
    assert "reason" in refused.value.fields
    assert table_counts() == before


# --- SLA-breach credits ---------------------------------------------------------------------------
@pytest.fixture
def sla_contract():
    """5% of the 150.00 monthly fee per breached resolution target, at most 20% a month;
    resolution within 16 business hours (Mon–Fri 08:00–18:00, Madrid)."""
    customer = make.customer()
    site = make.site(customer)
    repair = make.service(code="RESTORE")
    draft = make.contract(
        customer,
        sites=[site],
        scope=[(repair, "included")],
        calendar=make.calendar(),
        sla_policy=make.sla_policy(),
        number="C-SLA",
        status="draft",
    )
    signed = at("2026-01-01 12:00")
    contract_version_update(
        actor=None,
        contract_version=draft.versions.get(),
        values={"sla_credit_percent": Decimal("5.00"), "sla_credit_cap_percent": Decimal("20.00")},
        reason="Service credits",
        now=signed,
    )
    contract = contract_status_change(
        actor=None, contract=draft, status="active", reason="Signed", now=signed
    )
    return contract, site, repair


def breached_ticket(site, repair, contract, opened, *, refreshed):
    """A ticket opened at ``opened`` whose clocks were last stored at ``refreshed``."""
    ticket = make.ticket(site, repair, contract=contract, opened_at=at(opened))
    ticket_clocks_refresh(ticket=ticket, now=at(refreshed))
    return ticket


def test_sla_credit_is_five_percent_per_breach_and_idempotent(sla_contract):
    contract, site, repair = sla_contract
    for day in ("2026-03-02", "2026-03-03", "2026-03-04"):
        breached_ticket(site, repair, contract, f"{day} 09:00", refreshed="2026-03-20 12:00")
    # Opened in February and in April: other periods.
    breached_ticket(site, repair, contract, "2026-02-27 09:00", refreshed="2026-03-20 12:00")
    breached_ticket(site, repair, contract, "2026-04-01 09:00", refreshed="2026-04-20 12:00")
    credit = credits_sla_breach_compute(contract=contract, period_on=date(2026, 3, 10), now=NOW)
    assert (credit.kind, credit.period_on, credit.sequence, credit.amount) == (
        "sla_breach",
        MARCH,
        1,
        Decimal("-22.5000"),
    )
    assert credit.words == [
        [
            "%(breaches)s breached targets × %(percent)s%% of the period fee",
            {"breaches": 3, "percent": "5.00"},
        ],
        ["contract %(contract)s v%(version)s", {"contract": "C-SLA", "version": 1}],
    ]
    before = table_counts()
    assert credits_sla_breach_compute(contract=contract, period_on=MARCH, now=NOW).pk == credit.pk
    assert table_counts() == before


def test_sla_credit_is_capped_at_twenty_percent_per_period(sla_contract):
    contract, site, repair = sla_contract
    for day in range(2, 9):  # 2–8 March: five working days, seven tickets
        breached_ticket(site, repair, contract, f"2026-03-0{day} 09:00", refreshed="2026-03-20")
    credit = credits_sla_breach_compute(contract=contract, period_on=MARCH, now=NOW)
    assert credit.amount == Decimal("-30.0000")
    assert credit.words[0][1] == {"breaches": 7, "percent": "5.00"}
    assert credit.words[1] == ["capped at %(cap)s%% per period", {"cap": "20.00"}]


def test_a_late_breach_supersedes_the_credit_with_a_reversal_and_keeps_both(sla_contract):
    contract, site, repair = sla_contract
    breached_ticket(site, repair, contract, "2026-03-02 09:00", refreshed="2026-03-20 12:00")
    late = breached_ticket(site, repair, contract, "2026-03-30 09:00", refreshed="2026-03-30 12:00")
    first = credits_sla_breach_compute(contract=contract, period_on=MARCH, now=NOW)
    assert first.amount == Decimal("-7.5000")

    ticket_clocks_refresh(ticket=late, now=at("2026-04-06 12:00"))  # now past its 16 h
    second = credits_sla_breach_compute(contract=contract, period_on=MARCH, now=at("2026-04-06"))
    assert rows(contract) == [
        ("sla_breach", 1, Decimal("-7.5000"), False),
        ("sla_breach", 1, Decimal("7.5000"), True),
        ("sla_breach", 2, Decimal("-15.0000"), False),
    ]
    assert Credit.objects.get(reverses=first).reason == "SLA service credit recomputed"
    assert second.sequence == 2
    assert credit_balance(contract=contract, period_on=MARCH).owed == Decimal("-15.0000")
    with pytest.raises(CreditNotReversible):
        credit_reverse(actor=make.user("manager"), credit=second, reason="No", now=NOW)


def test_no_breach_or_no_rule_earns_no_credit_and_writes_nothing(sla_contract, job):
    contract, site, repair = sla_contract
    make.ticket(site, repair, contract=contract, opened_at=at("2026-03-02 09:00"))
    no_rule, _work_order = job
    before = table_counts()
    assert credits_sla_breach_compute(contract=contract, period_on=MARCH, now=NOW) is None
    assert credits_sla_breach_compute(contract=no_rule, period_on=MARCH, now=NOW) is None
    assert table_counts() == before


# --- write-offs -----------------------------------------------------------------------------------
def test_rejected_out_of_scope_work_is_recorded_as_a_write_off_not_owed(out_of_scope):
    work_order = out_of_scope
    contract = work_order.ticket.contract
    line = work_order_rate(actor=None, work_order=work_order, now=NOW).lines.get()
    manager = make.user("manager")
    charge_line_decide(actor=manager, line=line, approve=False, reason="Our mistake", now=NOW)
    credit = Credit.objects.get(contract=contract)
    assert (credit.kind, credit.period_on, credit.amount, credit.reference) == (
        "write_off",
        MARCH,
        Decimal("-120.0000"),
        f"charge line {line.pk}",
    )
    assert (credit.work_order, credit.approved_by, credit.reason) == (
        work_order,
        manager,
        "Our mistake",
    )
    assert credit.words[0] == [
        "out-of-scope work written off: %(reason)s",
        {"reason": "Our mistake"},
    ]
    assert credit.words[1:] == line.words
    balance = credit_balance(contract=contract, period_on=MARCH)
    assert (balance.owed, balance.written_off) == (Decimal("0.0000"), Decimal("-120.0000"))
    with pytest.raises(CreditNotReversible):
        credit_reverse(actor=manager, credit=credit, reason="Undo", now=NOW)


def test_approved_out_of_scope_work_writes_no_credit(out_of_scope):
    work_order = out_of_scope
    contract = work_order.ticket.contract
    line = work_order_rate(actor=None, work_order=work_order, now=NOW).lines.get()
    charge_line_decide(actor=make.user("manager"), line=line, approve=True, reason="Agreed")
    assert Credit.objects.filter(contract=contract).count() == 0
