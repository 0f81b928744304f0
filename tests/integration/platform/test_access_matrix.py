"""Every record endpoint × every role, over real HTTP, against the documented access table.

For each role the world holds one record of every kind that is the role's *own* (its customer's,
its company's, its work order's), so what decides each answer is the role's permission on the
kind: list and read answer 200 where the role may view and 403 where it may not; a create with
an empty body reaches validation (400) only where the role may add; a change reaches the service
only where it may change; a delete is refused with 403 where the role may not delete.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from pacta.accounts.access import ADD, CHANGE, DELETE, VIEW, audience_of, may
from pacta.accounts.services import team_create
from pacta.api.urls import router
from pacta.audit.models import AuditEntry
from pacta.billing.services import (
    bank_statement_import,
    billing_terms_create,
    credit_goodwill_grant,
    dispute_raise,
    invoice_issue,
    invoice_run,
    payment_record,
    period_close,
    periods_ensure,
    work_order_rate,
)
from pacta.catalog.services import inspection_parameter_create, inspection_template_create
from pacta.comms.models import OutboundMessage
from pacta.contracts.services import allowance_create, surcharge_rule_create, travel_rule_create
from pacta.reports.services import (
    inspection_report_issue,
    redaction_rule_create,
    report_wording_create,
)
from pacta.service.models import RescueAction
from pacta.service.services import sla_sweep, work_order_update
from pacta.service.services.inspections import (
    inspection_finish,
    inspection_reading_record,
    inspection_start,
)
from pacta.service.services.quotes import quote_create, quote_send
from pacta.sla.models import TicketClock
from tests.support import make
from tests.support.state import table_counts

pytestmark = pytest.mark.django_db(transaction=True)

#: Endpoints that only show records (their writes answer 405; rescue actions are marked handled
#: through their own action, tested with the SLA).
READ_ONLY = {
    "audit.auditentry",
    "sla.ticketclock",
    "service.rescueaction",
    "comms.outboundmessage",
    # started, read and finished through their own actions (tested with the inspections)
    "service.inspection",
    "reports.issuedreport",
    # appended (goodwill by POST) and reversed through its own action (tested with the credits)
    "entitlements.credit",
    # written through their own services and actions (tested in tests/integration/billing)
    "billing.contractperiod",
    "billing.invoiceline",
    "billing.invoicerun",
    "billing.payment",
    "billing.paymentallocation",
    "billing.bankstatement",
    "billing.bankstatementline",
    "billing.dispute",
    # written by rating only (tested with billing)
    "billing.rating",
    "billing.chargeline",
}
#: Endpoints that only take an action and list nothing (tested with what they act on).
ACTIONS_ONLY = {"charge-line-decision"}
ROLES = ["admin", "manager", "dispatcher", "technician", "finance", "contractor", "customer"]


def _world() -> dict[str, Any]:
    company = make.contractor(name="Instalaciones Norte S.L.")
    customer = make.customer(legal_name="Own S.L.")
    users = {
        role: make.user(
            role,
            **({"customer": customer} if role == "customer" else {}),
            **({"contractor": company} if role in ("contractor", "technician") else {}),
            **({"email": "dispatch@pacta.test"} if role == "dispatcher" else {}),
        )
        for role in ROLES
    }
    site = make.site(customer)
    unit = make.equipment(site)
    service = make.service()
    step = make.checklist_step(service)
    product = make.product()
    prices = make.price_list(customer=customer)
    line = make.price_list_line(prices, service=service, effective_on=date(2099, 1, 1))
    calendar, policy = make.calendar(), make.sla_policy()
    contract = make.contract(
        customer,
        sites=[site],
        equipment=[unit],
        scope=[(service, "included")],
        calendar=calendar,
        sla_policy=policy,
    )
    version = contract.versions.get()
    ticket = make.ticket(site, service, contract=contract, equipment=unit)
    work_order = make.work_order(ticket, users["technician"])
    sla_sweep(now=make.at("2026-03-02 12:30"))  # the ticket's response is late: rescue
    template = inspection_template_create(
        actor=None, values={"code": "EXT", "name": "Extinguisher"}
    )
    parameter = inspection_parameter_create(
        actor=None,
        values={"template": template, "position": 1, "label": "Seal", "kind": "pass_fail"},
    )
    inspection = inspection_start(actor=None, work_order=work_order, template=template)
    inspection_reading_record(actor=None, inspection=inspection, parameter=parameter, passed=True)
    inspection = inspection_finish(actor=None, inspection=inspection)
    (period,) = periods_ensure(contract=contract, until=date(2026, 1, 31))
    invoice = invoice_issue(actor=None, invoice=period_close(actor=None, period=period))
    payment = payment_record(
        actor=None,
        customer=customer,
        amount=Decimal("10.00"),
        currency=customer.currency,
        received_on=date(2026, 2, 2),
    )
    statement = bank_statement_import(
        actor=None,
        file_name="statement.csv",
        content=b"booked_on,amount,currency,reference\n2026-02-02,5.00,EUR,unknown\n",
    )
    repaired = make.work_order(make.ticket(site, service, contract=contract), users["technician"])
    make.time_entry(
        repaired, started_at=make.at("2026-03-04 09:00"), ended_at=make.at("2026-03-04 10:00")
    )
    work_order_update(actor=None, work_order=repaired, values={"status": "completed"})
    rating = work_order_rate(actor=None, work_order=repaired, now=make.at("2026-03-20 12:00"))
    # The rules of rating, on the terms of a draft (editable) contract of the customer.
    draft = make.contract(customer, scope=[(service, "included")], status="draft")
    rules = _rules(draft.versions.get(), service)
    records = {
        "contractor": company,
        "customer": customer,
        "contact": make.contact(customer),
        "site": site,
        "equipment": unit,
        "tax-rate": service.tax_rate,
        "tax-rate-value": service.tax_rate.values.get(),
        "service": service,
        "checklist-step": step,
        "product": product,
        "price-list": prices,
        "price-list-line": line,
        "contract": contract,
        "contract-version": version,
        "scope-line": version.scope_lines.get(),
        "ticket": ticket,
        "work-order": work_order,
        "time-entry": make.time_entry(work_order),
        "part-used": make.part_used(work_order, product),
        "audit-entry": AuditEntry.objects.latest("id"),
        "team": team_create(
            actor=None,
            values={"name": "North", "zone_codes": ["N"], "members": [users["technician"]]},
        ),
        "calendar": calendar,
        "sla-policy": policy,
        "ticket-clock": TicketClock.objects.filter(ticket=ticket).first(),
        "rescue-action": RescueAction.objects.filter(ticket=ticket).first(),
        "outbound-message": OutboundMessage.objects.first(),
        "inspection-template": template,
        "inspection-parameter": parameter,
        "inspection": inspection,
        "report-wording": report_wording_create(
            actor=None, values={"kind": "closure", "language": "en", "title": "Report"}
        ),
        "redaction-rule": redaction_rule_create(
            actor=None, values={"contract": contract, "label": "Names", "pattern": "Mr \\w+"}
        ),
        "issued-report": inspection_report_issue(inspection_id=inspection.pk),
        "credit": credit_goodwill_grant(
            actor=None,
            contract=contract,
            period_on=date(2026, 3, 1),
            reason="Goodwill",
            approver=users["manager"],
            amount=Decimal("10.00"),
        ),
        "billing-period": period,
        "billing-terms": billing_terms_create(
            actor=None, values={"contract": contract}, reason="Billed per period"
        ),
        "invoice": invoice,
        "invoice-line": invoice.lines.get(),
        "invoice-run": invoice_run(actor=None, until=date(2026, 1, 31)),
        "payment": payment,
        "payment-allocation": payment.allocations.get(),
        "bank-statement": statement,
        "bank-statement-line": statement.lines.get(),
        "dispute": dispute_raise(actor=None, line=invoice.lines.get(), reason="Not done"),
        "rating": rating,
        "charge-line": rating.lines.get(),
        **rules,
        # Quotes (issue 5): sent, so that the customer sees its own.
        "quote": quote_send(
            actor=None,
            quote=quote_create(
                actor=None,
                values={
                    "site": site,
                    "title": "Extra",
                    "lines": [{"service": service, "quantity": 1}],
                },
            ),
            link_for=str,
        ),
    }
    return {"users": users, "records": records}


def _rules(version: Any, service: Any) -> dict[str, Any]:
    why = "Terms"
    return {
        "surcharge-rule": surcharge_rule_create(
            actor=None,
            values={"version": version, "name": "weekend", "multiplier": 2, "weekdays": ["sun"]},
            reason=why,
        ),
        "travel-rule": travel_rule_create(
            actor=None,
            values={
                "version": version,
                "label": "Zone N",
                "zone_code": "N",
                "unit_price": 30,
                "tax_rate": service.tax_rate,
            },
            reason=why,
        ),
        "allowance": allowance_create(
            actor=None,
            values={"version": version, "code": "visits", "kind": "included_visits", "quantity": 3},
            reason=why,
        ),
    }


def _endpoints() -> list[tuple[str, str, Any]]:
    return [(prefix, basename, viewset) for prefix, viewset, basename in router.registry]


def _kind(viewset: Any) -> str:
    return viewset.serializer_class.Meta.model._meta.label_lower


@pytest.mark.parametrize("role", ROLES)
def test_each_endpoint_answers_each_role_as_the_access_table_says(api, role):
    world = _world()
    user = world["users"][role]
    reader = audience_of(user)
    client = api(user)
    checked = 0
    for prefix, basename, viewset in _endpoints():
        if basename in ACTIONS_ONLY:
            continue
        kind = _kind(viewset)
        own = user if basename == "user" else world["records"][basename]
        where = f"{role} on /{prefix}/"

        listed = client.get(f"/{prefix}/")
        read = client.get(f"/{prefix}/{own.pk}/")
        if may(reader, kind, VIEW):
            assert listed.status_code == 200, where
            assert own.pk in {row["id"] for row in listed.json()["results"]}, where
            assert read.status_code == 200, where
        else:
            assert (listed.status_code, read.status_code) == (403, 403), where

        if kind in READ_ONLY:
            continue  # read-only: writes answer 405 for everyone (tested in test_errors)
        counts = table_counts()
        created = client.post(f"/{prefix}/", {})
        expected = 400 if may(reader, kind, ADD) else 403
        assert created.status_code == expected, f"{where} POST: {created.text}"
        assert table_counts() == counts, where

        changed = client.patch(f"/{prefix}/{own.pk}/", {})
        if may(reader, kind, CHANGE):
            assert changed.status_code in (200, 400, 409), f"{where} PATCH: {changed.text}"
        else:
            assert changed.status_code == 403, f"{where} PATCH: {changed.text}"

        if not may(reader, kind, DELETE):
            counts = table_counts()
            assert client.delete(f"/{prefix}/{own.pk}/").status_code == 403, where
            assert table_counts() == counts, where
        checked += 1
    assert checked == len(_endpoints()) - len(READ_ONLY) - len(ACTIONS_ONLY)
