"""The pure part of e-invoices: a stored line in the document's sign (BR-27: never a negative
price), and the EN 16931 arithmetic rules over figures, passing and naming what breaks."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from pacta.domain.einvoice import (
    EParty,
    Figures,
    document_line,
    en16931_violations,
    seller_missing,
)

Q = Decimal
GOOD = Figures(
    line_nets=((Q("150.00"), "S", Q("21.00")), (Q("25.00"), "S", Q("10.00"))),
    taxes=((Q("25.00"), Q("2.50"), "S", Q("10.00")), (Q("150.00"), Q("31.50"), "S", Q("21.00"))),
    line_total=Q("175.00"),
    allowances=Q(0),
    charges=Q(0),
    tax_basis_total=Q("175.00"),
    tax_total=Q("34.00"),
    grand_total=Q("209.00"),
    prepaid=Q(0),
    rounding=Q(0),
    payable=Q("209.00"),
    seller_name="Pacta Servicios S.L.",
    seller_vat_id="ESB87654321",
    seller_country="ES",
    buyer_name="Ñandú S.L.",
    buyer_country="ES",
)


def test_consistent_figures_break_no_rule():
    assert en16931_violations(GOOD) == []


def test_each_broken_rule_is_named():
    assert en16931_violations(replace(GOOD, seller_vat_id="", buyer_country="")) == [
        "BR-11: buyer country missing",
        "BR-S-02: seller VAT identifier missing",
    ]
    assert en16931_violations(replace(GOOD, tax_basis_total=Q("175.01"))) == [
        "BR-CO-13: tax basis should be 175.00, is 175.01",
        "BR-CO-15: grand total should be 209.01, is 209.00",
    ]
    zero = replace(GOOD, line_nets=(*GOOD.line_nets, (Q("0.00"), "Z", Q("0.00"))))
    assert en16931_violations(zero) == ["BR-Z-01: no VAT breakdown for Z 0.00 %"]


def test_a_credit_line_keeps_a_positive_price_and_a_negative_quantity():
    line = document_line(
        position=3,
        name="SLA credit",
        quantity=Q("1.000000"),
        unit="",
        unit_price=Q("-20.0000"),
        net=Q("-20.00"),
        tax_percent=Q("21.00"),
        sign=1,
    )
    assert (line.quantity, line.price, line.net, line.unit_code, line.category) == (
        Q(-1),
        Q("20.0000"),
        Q("-20.00"),
        "C62",
        "S",
    )
    hours = document_line(
        position=1,
        name="Labour",
        quantity=Q("1.500000"),
        unit="h",
        unit_price=Q("-55.0000"),
        net=Q("-82.50"),
        tax_percent=Q("21.00"),
        sign=-1,  # a credit note: its stored amounts are negative, written positive
    )
    assert (hours.quantity, hours.price, hours.net, hours.unit_code) == (
        Q("1.500000"),
        Q("55.0000"),
        Q("82.50"),
        "HUR",
    )


@given(
    quantity=st.decimals("-100000", "100000", places=3, allow_nan=False),
    price=st.decimals("-1000", "1000", places=2, allow_nan=False),
    sign=st.sampled_from([1, -1]),
)
def test_the_written_quantity_times_price_is_the_stored_one_in_the_documents_sign(
    quantity, price, sign
):
    net = quantity * price
    line = document_line(
        position=1,
        name="x",
        quantity=quantity,
        unit="",
        unit_price=price,
        net=net,
        tax_percent=Q(21),
        sign=sign,
    )
    assert line.price >= 0
    assert "E" not in str(line.quantity)  # written as a plain xs:decimal
    assert line.quantity * line.price == net * sign == line.net


def test_the_seller_needs_name_vat_id_country_and_city():
    assert seller_missing(EParty(name="", country="ES")) == ["name", "vat_id", "city"]
    assert seller_missing(EParty(name="P", vat_id="ESB1", country="ES", city="Madrid")) == []
