"""The invoice pages of the back office: drafts reviewed and issued; an issued invoice is
read-only — the admin refuses to change or delete it."""

from __future__ import annotations

from datetime import date

import pytest

from pacta.audit.models import AuditEntry
from pacta.billing.models import ContractPeriod
from pacta.billing.services import invoice_issue, period_close, periods_ensure
from tests.support import make
from tests.support.make import at
from tests.support.state import row, table_counts

pytestmark = pytest.mark.django_db

NOW = at("2026-04-02 10:00")


@pytest.fixture
def draft():
    customer = make.customer()
    contract = make.contract(customer, scope=[(make.service(), "included")])
    periods_ensure(contract=contract, until=date(2026, 3, 31), now=NOW)
    period = ContractPeriod.objects.get(contract=contract, starts_on=date(2026, 3, 1))
    return period_close(actor=None, period=period, now=NOW)


def change_url(invoice):
    return f"/admin/billing/invoice/{invoice.pk}/change/"


def test_finance_changes_a_drafts_notes_through_the_service(client, draft):
    client.force_login(make.user("finance"))
    response = client.post(
        change_url(draft),
        {"notes": "PO 4711", "due_date": "2026-05-15", "tax_point_date": "2026-03-31"},
    )
    assert response.status_code == 302, response.content.decode()
    assert (row(draft)["notes"], row(draft)["due_date"]) == ("PO 4711", date(2026, 5, 15))
    assert AuditEntry.objects.filter(entity_type="billing.invoice", action="update").count() == 1


def test_finance_issues_drafts_from_the_list(client, draft):
    client.force_login(make.user("finance"))
    response = client.post(
        "/admin/billing/invoice/",
        {"action": "issue_drafts", "_selected_action": [draft.pk]},
    )
    assert response.status_code == 302
    assert (row(draft)["state"], row(draft)["number"]) == ("issued", "F2026-00001")


def test_an_issued_invoice_is_shown_but_the_admin_refuses_to_change_or_delete_it(client, draft):
    invoice = invoice_issue(actor=None, invoice=draft, now=NOW)
    client.force_login(make.user("finance"))
    page = client.get(change_url(invoice))
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    before, stored = table_counts(), row(invoice)
    refused = client.post(change_url(invoice), {"notes": "changed"})
    assert refused.status_code == 403
    deleted = client.post(f"/admin/billing/invoice/{invoice.pk}/delete/", {"post": "yes"})
    assert deleted.status_code == 403
    assert table_counts() == before
    assert row(invoice) == stored
