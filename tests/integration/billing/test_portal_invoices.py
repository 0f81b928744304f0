"""The customer's invoices in the portal: its issued invoices (never drafts, never another
customer's) with what is still owed, an invoice's lines with where they came from, and a line
disputed with a reason; a dispute without a reason, of a line disputed already, or of another
customer's invoice is refused and writes nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from pacta.billing.models import Dispute
from pacta.billing.services import period_close
from tests.integration.billing.test_invoicing import (  # noqa: F401 (fixtures)
    NOW,
    accepted_job,
    issued,
    march,
    world,
)
from tests.support import make
from tests.support.html import by_id, find_all, parse, rows, text
from tests.support.state import table_counts

pytestmark = pytest.mark.django_db


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_customer_sees_its_issued_invoices_and_what_each_line_is(issued, world):  # noqa: F811
    other = make.customer()
    other_draft = period_close(
        actor=None,
        period=march(
            make.contract(
                other, sites=[make.site(other)], scope=[(world["repair"], "billable")], fee=10
            )
        ),
        now=NOW,
    )
    client = _signed_in(make.user("customer", customer=world["customer"]))

    home = client.get("/").content.decode()
    assert '<a href="/portal/invoices/" data-testid="portal-invoices">Invoices</a>' in home
    listed = client.get("/portal/invoices/")
    assert listed.status_code == 200
    page = listed.content.decode()
    assert f'data-testid="invoice-{issued.pk}"' in page
    assert f'data-testid="invoice-{other_draft.pk}"' not in page
    assert issued.number in page

    shown = client.get(f"/portal/invoices/{issued.pk}/")
    assert shown.status_code == 200
    page = parse(shown.content)
    assert [row[1:5] for row in rows(by_id(page, "lines"))[1:]] == [
        ["1", "150", "21.00", "150.00"],
        ["1.5", "55", "21.00", "82.50"],
        ["2", "12.5", "10.00", "25.00"],
    ]
    assert rows(by_id(page, "lines"))[2][0].startswith("WO-")
    assert text(find_all(page, "td", **{"data-testid": "gross"})[0]) == f"{issued.gross_total} EUR"
    (einvoice,) = find_all(page, "p", **{"data-testid": "einvoice"})
    links = [a.get("href") for a in einvoice.iter("a")]
    assert links == [
        f"/api/v1/invoices/{issued.pk}/einvoice/?syntax={syntax}"
        for syntax in ("facturx", "ubl", "cii", "facturae")
    ]
    assert client.get(f"/portal/invoices/{other_draft.pk}/").status_code == 404


def test_a_line_is_disputed_with_a_reason_once(issued, world):  # noqa: F811
    customer_user = make.user("customer", customer=world["customer"])
    client = _signed_in(customer_user)
    line = issued.lines.get(position=2)
    url = f"/portal/invoices/{issued.pk}/"

    before = table_counts()
    refused = client.post(url, {"line": line.pk, "reason": "  "}, follow=True)
    assert refused.status_code == 200
    assert table_counts() == before

    done = client.post(
        url, {"line": line.pk, "reason": "The technician left at 10:00"}, follow=True
    )
    assert "Line 2 is disputed" in done.content.decode()
    dispute = Dispute.objects.get()
    assert (dispute.line_id, dispute.state, dispute.reason, dispute.raised_by_id) == (
        line.pk,
        "open",
        "The technician left at 10:00",
        customer_user.pk,
    )
    assert "Disputed (open): The technician left at 10:00" in done.content.decode()

    before = table_counts()
    again = client.post(url, {"line": line.pk, "reason": "Still wrong"}, follow=True)
    assert "This line is disputed already." in again.content.decode()
    assert table_counts() == before


def test_another_customer_cannot_read_or_dispute_the_invoice(issued, world):  # noqa: F811
    stranger = _signed_in(make.user("customer", customer=make.customer()))
    before = table_counts()
    line = issued.lines.get(position=2)
    assert stranger.get(f"/portal/invoices/{issued.pk}/").status_code == 404
    posted = stranger.post(f"/portal/invoices/{issued.pk}/", {"line": line.pk, "reason": "x"})
    assert posted.status_code == 404
    assert table_counts() == before
    assert _signed_in(make.user("dispatcher")).get("/portal/invoices/").status_code == 403
    assert Decimal(issued.gross_total) > 0
