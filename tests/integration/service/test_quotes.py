"""Quotes: drafted from the customer's price list (or priced by hand with a reason), sent with a
signed link, accepted (creating the ticket and the work order by itself) or rejected, expired
by the daily run; every refusal leaves nothing written."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command

from pacta.audit.models import AuditEntry
from pacta.catalog.services import product_update
from pacta.comms.models import OutboundMessage
from pacta.domain.errors import InvalidInput
from pacta.service.errors import (
    PartNotInCatalog,
    QuantityNotPositive,
    QuoteAlreadyDecided,
    QuoteDecisionRefused,
    QuoteExpired,
    QuoteIncomplete,
    QuoteNotDraft,
    QuoteNotSent,
)
from pacta.service.models import Quote, Ticket, WorkOrder
from pacta.service.services.quotes import (
    quote_accept,
    quote_create,
    quote_delete,
    quote_of_token,
    quote_reject,
    quote_send,
    quote_totals,
    quote_update,
    quotes_expire,
)
from pacta.service.tasks import quotes_expire_task
from tests.support import make
from tests.support.make import at
from tests.support.state import row, table_counts

pytestmark = pytest.mark.django_db

NOW = at("2026-03-02 10:00")


def link(token: str) -> str:
    return f"https://pacta.test/portal/quotes/link/{token}/"


@pytest.fixture
def world():
    customer = make.customer(legal_name="Clínica Norte S.L.", email="billing@norte.test")
    site = make.site(customer, name="Main building")
    included = make.service(code="PM", name="Preventive maintenance")
    extra = make.service(code="DUCT", name="Duct cleaning", unit="hour")
    part = make.product(sku="FLT-1", name="Filter G4", price=Decimal("12.50"))
    prices = make.price_list(customer=customer, name="Norte 2026")
    make.price_list_line(prices, service=extra, unit_price=Decimal("55.00"))
    make.price_list_line(prices, product=part, unit_price=Decimal("9.99"))
    contract = make.contract(
        customer, sites=[site], scope=[(included, "included")], price_list=prices
    )
    customer_user = make.user("customer", customer=customer)
    return {
        "customer": customer,
        "site": site,
        "extra": extra,
        "part": part,
        "prices": prices,
        "contract": contract,
        "customer_user": customer_user,
        "dispatcher": make.user("dispatcher"),
    }


def draft(world, lines=None, reason="", **values):
    lines = lines or [
        {"service": world["extra"], "quantity": Decimal("2")},
        {"product": world["part"], "quantity": Decimal("3")},
    ]
    return quote_create(
        actor=world["dispatcher"],
        values={
            "site": world["site"],
            "contract": world["contract"],
            "title": "Clean the ducts of the second floor",
            "lines": lines,
            **values,
        },
        reason=reason,
        now=NOW,
    )


def sent(world, **values):
    return quote_send(
        actor=world["dispatcher"],
        quote=draft(world, **values),
        link_for=link,
        valid_until=date(2026, 3, 16),
        now=NOW,
    )


def test_a_draft_is_priced_from_the_customers_price_list_in_force(world):
    quote = draft(world)

    assert (quote.status, quote.number, quote.customer, quote.price_list, quote.currency) == (
        "draft",
        None,
        world["customer"],
        world["prices"],
        "EUR",
    )
    lines = [
        (
            line.position,
            line.description,
            line.quantity,
            line.unit,
            line.unit_price,
            line.tax_percent,
            line.amount,
        )
        for line in quote.lines.order_by("position")
    ]
    assert lines == [
        (
            1,
            "Duct cleaning",
            Decimal("2.000"),
            "hour",
            Decimal("55.0000"),
            Decimal("21.00"),
            Decimal("110.00"),
        ),
        (
            2,
            "Filter G4",
            Decimal("3.000"),
            "each",
            Decimal("9.9900"),
            Decimal("21.00"),
            Decimal("29.97"),
        ),
    ]
    figures = quote_totals(quote)
    assert (figures.net_total, figures.tax_total, figures.gross_total) == (
        Decimal("139.97"),
        Decimal("29.39"),
        Decimal("169.36"),
    )
    assert AuditEntry.objects.filter(entity_type="service.quoteline").count() == 2


def test_a_price_typed_by_hand_needs_a_reason(world):
    lines = [
        {"service": world["extra"], "quantity": "1", "unit_price": "40.00"},
        {"description": "Crane hire", "quantity": "1", "unit_price": "300", "tax_percent": "21"},
    ]
    before = table_counts()
    with pytest.raises(InvalidInput) as refused:
        draft(world, lines=lines)
    assert refused.value.fields == {"reason": ["Say why: a reason is required for this change."]}
    assert table_counts() == before

    quote = draft(world, lines=lines, reason="Agreed with the site manager")
    assert [(line.description, line.unit_price, line.amount) for line in quote.lines.all()] == [
        ("Duct cleaning", Decimal("40.0000"), Decimal("40.00")),
        ("Crane hire", Decimal("300.0000"), Decimal("300.00")),
    ]
    entry = AuditEntry.objects.filter(entity_type="service.quote").get()
    assert entry.reason == "Agreed with the site manager"


@pytest.mark.parametrize("quantity", ["0", "-1"])
def test_a_line_with_a_quantity_of_zero_or_less_is_refused(world, quantity):
    before = table_counts()
    with pytest.raises(QuantityNotPositive) as refused:
        draft(
            world,
            lines=[
                {"service": world["extra"], "quantity": "1"},
                {"product": world["part"], "quantity": quantity},
            ],
        )
    assert refused.value.code == "quantity_not_positive"
    assert refused.value.fields == {"lines": ["Line 2: the quantity must be more than zero."]}
    assert table_counts() == before


def test_a_part_not_in_the_catalog_is_refused(world):
    retired = make.product(sku="OLD-1")
    product_update(actor=None, product=retired, values={"is_active": False})
    before = table_counts()
    with pytest.raises(PartNotInCatalog) as refused:
        draft(
            world,
            lines=[{"product": retired, "quantity": "1"}, {"product": 999999, "quantity": "1"}],
        )
    assert refused.value.code == "part_not_in_catalog"
    assert refused.value.fields == {
        "lines": [
            "Line 1: this part is not in the catalog.",
            "Line 2: this part is not in the catalog.",
        ]
    }
    assert table_counts() == before


def test_sending_numbers_the_quote_and_queues_its_email_with_a_signed_link(world):
    quote = sent(world)

    assert (quote.status, quote.number, quote.valid_until, quote.sent_at) == (
        "sent",
        f"Q-{quote.pk:06d}",
        date(2026, 3, 16),
        NOW,
    )
    message = OutboundMessage.objects.get(key=f"quote:{quote.pk}:sent")
    assert message.to_email == "billing@norte.test"
    # The customer reads Spanish; the wording's translation is merged by the lead (locale/).
    assert message.subject.startswith(f"[Q-{quote.pk:06d}] ")
    assert message.subject.endswith("Clean the ducts of the second floor")
    # Written for a Spanish reader: figures and the day in Spanish formats.
    assert "169,36 EUR" in message.body
    assert "16 de marzo de 2026" in message.body
    token = message.body.split("/portal/quotes/link/")[1].split("/")[0]
    assert quote_of_token(token) == quote.pk
    assert quote_of_token(token + "x") is None


def test_a_sent_quote_is_not_edited_nor_sent_again(world):
    quote = sent(world)
    before, stored = table_counts(), row(quote)
    with pytest.raises(QuoteNotDraft) as refused:
        quote_update(actor=world["dispatcher"], quote=quote, values={"title": "Other"}, now=NOW)
    assert refused.value.code == "quote_not_draft"
    with pytest.raises(QuoteNotDraft):
        quote_send(actor=world["dispatcher"], quote=quote, link_for=link, now=NOW)
    assert (table_counts(), row(quote)) == (before, stored)


def test_a_quote_without_lines_is_not_sent(world):
    quote = quote_create(actor=None, values={"site": world["site"], "title": "Empty"}, now=NOW)
    before, stored = table_counts(), row(quote)
    with pytest.raises(QuoteIncomplete):
        quote_send(actor=None, quote=quote, link_for=link, now=NOW)
    assert (table_counts(), row(quote)) == (before, stored)


def test_accepting_creates_the_ticket_and_the_work_order_by_itself(world):
    quote = sent(world)
    moment = at("2026-03-05 12:00")

    accepted = quote_accept(actor=world["customer_user"], quote=quote, via="portal", now=moment)

    assert (accepted.status, accepted.decided_at, accepted.decided_by, accepted.decided_via) == (
        "accepted",
        moment,
        world["customer_user"],
        "portal",
    )
    work_order = WorkOrder.objects.get()
    ticket = Ticket.objects.get()
    assert (accepted.work_order, accepted.ticket, work_order.ticket) == (work_order, ticket, ticket)
    assert (ticket.service, ticket.site, ticket.channel, ticket.override, ticket.contract) == (
        world["extra"],
        world["site"],
        "portal",
        "quote",
        world["contract"],
    )
    assert work_order.status == "scheduled"


def test_accepting_a_quote_with_a_ticket_adds_the_work_order_to_it(world):
    ticket = make.ticket(world["site"], world["extra"])
    quote = quote_send(
        actor=None,
        quote=draft(world, ticket=ticket),
        link_for=link,
        valid_until=date(2026, 3, 16),
        now=NOW,
    )
    accepted = quote_accept(actor=None, quote=quote, via="email", now=NOW)
    assert (Ticket.objects.count(), accepted.work_order.ticket, accepted.decided_by) == (
        1,
        ticket,
        None,
    )


def test_a_quote_is_decided_once(world):
    quote = quote_accept(actor=world["dispatcher"], quote=sent(world), via="office", now=NOW)
    before, stored = table_counts(), row(quote)
    with pytest.raises(QuoteAlreadyDecided) as refused:
        quote_accept(actor=world["customer_user"], quote=quote, via="portal", now=NOW)
    assert refused.value.code == "quote_decided"
    with pytest.raises(QuoteAlreadyDecided):
        quote_reject(actor=world["customer_user"], quote=quote, via="portal", reason="No", now=NOW)
    assert (table_counts(), row(quote)) == (before, stored)


def test_accepting_after_the_quote_expired_is_refused_before_the_expiry_run(world):
    quote = sent(world)  # valid until 2026-03-16
    before, stored = table_counts(), row(quote)
    with pytest.raises(QuoteExpired) as refused:
        quote_accept(
            actor=world["customer_user"], quote=quote, via="portal", now=at("2026-03-17 09:00")
        )
    assert refused.value.code == "quote_expired"
    assert (table_counts(), row(quote)) == (before, stored)
    assert row(quote)["status"] == "sent"  # the run has not marked it yet

    # the last valid day still accepts
    quote_accept(
        actor=world["customer_user"], quote=quote, via="portal", now=at("2026-03-16 23:00")
    )


def test_a_draft_is_not_accepted_and_only_the_customer_or_the_office_decides(world):
    quote = draft(world)
    before = table_counts()
    with pytest.raises(QuoteNotSent):
        quote_accept(actor=world["customer_user"], quote=quote, via="portal", now=NOW)
    quote = quote_send(actor=None, quote=quote, link_for=link, now=NOW)
    technician = make.user("technician")
    other = make.user("customer", customer=make.customer())
    before, stored = table_counts(), row(quote)
    for actor, via in [
        (technician, "portal"),
        (other, "portal"),
        (world["customer_user"], "office"),
        (None, "portal"),
    ]:
        with pytest.raises(QuoteDecisionRefused):
            quote_accept(actor=actor, quote=quote, via=via, now=NOW)
    assert (table_counts(), row(quote)) == (before, stored)


def test_rejecting_needs_a_reason_and_records_it(world):
    quote = sent(world)
    before, stored = table_counts(), row(quote)
    with pytest.raises(InvalidInput):
        quote_reject(actor=world["customer_user"], quote=quote, via="portal", reason=" ", now=NOW)
    assert (table_counts(), row(quote)) == (before, stored)

    rejected = quote_reject(
        actor=world["customer_user"], quote=quote, via="portal", reason="Too expensive", now=NOW
    )
    assert (rejected.status, rejected.decision_reason, rejected.work_order) == (
        "rejected",
        "Too expensive",
        None,
    )
    assert WorkOrder.objects.count() == 0


def test_the_expiry_run_marks_quotes_past_their_day_once(world):
    past = sent(world)
    open_ = quote_send(
        actor=None, quote=draft(world), link_for=link, valid_until=date(2026, 4, 30), now=NOW
    )
    assert quotes_expire(now=at("2026-03-17 00:30")) == 1
    assert quotes_expire(now=at("2026-03-17 00:31")) == 0
    assert (row(past)["status"], row(open_)["status"]) == ("expired", "sent")
    with pytest.raises(QuoteExpired):
        quote_accept(actor=None, quote=past, via="email", now=at("2026-03-17 09:00"))


def test_the_command_expires_quotes(world):
    quote = sent(world)
    Quote.objects.filter(pk=quote.pk).update(valid_until=date(2020, 1, 1))
    call_command("quotes_expire")
    call_command("quotes_expire")
    assert row(quote)["status"] == "expired"
    expiries = AuditEntry.objects.filter(entity_type="service.quote", reason__startswith="Not")
    assert list(expiries.values_list("reason", flat=True)) == ["Not decided by 2020-01-01"]


def test_the_daily_task_runs_once_per_day(world):
    quote = sent(world)
    Quote.objects.filter(pk=quote.pk).update(valid_until=date(2020, 1, 1))
    assert quotes_expire_task.call("2026-03-17") == {"expired": 1}
    assert quotes_expire_task.call("2026-03-17") is None
    assert row(quote)["status"] == "expired"


def test_a_draft_is_deleted_and_a_sent_quote_is_kept(world):
    gone = draft(world)
    quote_delete(actor=world["dispatcher"], quote=gone, reason="Asked twice")
    assert not Quote.objects.filter(pk=gone.pk).exists()

    quote = sent(world)
    before, stored = table_counts(), row(quote)
    with pytest.raises(QuoteNotDraft):
        quote_delete(actor=world["dispatcher"], quote=quote)
    assert (table_counts(), row(quote)) == (before, stored)


def test_updating_a_draft_prices_its_new_lines_afresh(world):
    quote = draft(world)
    updated = quote_update(
        actor=world["dispatcher"],
        quote=quote,
        values={
            "title": "Ducts and filters",
            "lines": [{"product": world["part"], "quantity": "10"}],
        },
        now=NOW,
    )
    assert updated.title == "Ducts and filters"
    assert [(line.position, line.description, line.amount) for line in updated.lines.all()] == [
        (1, "Filter G4", Decimal("99.90"))
    ]


def test_every_bad_line_is_named_and_nothing_is_written(world):
    before = table_counts()
    with pytest.raises(InvalidInput) as refused:
        draft(
            world,
            lines=[
                {"service": world["extra"], "quantity": "1"},
                {"description": "Crane", "quantity": "1", "unit_price": "10", "tax_percent": "120"},
                {"description": "", "quantity": "1"},
                {"service": world["extra"], "product": world["part"], "quantity": "1"},
                {"service": world["extra"], "quantity": "one"},
                {"service": world["extra"], "quantity": "1", "colour": "red"},
            ],
            reason="By hand",
        )
    assert refused.value.fields == {
        "lines": [
            "Line 2: the tax rate is a percentage from 0 to 100.",
            "Line 3: a line without a service or part needs a description, a unit price and a "
            "tax rate.",
            "Line 4: a line is either a service or a part, not both.",
            "Line 5: give the quantity as a number.",
            "Line 6: unknown fields: colour.",
        ]
    }
    assert table_counts() == before
