"""Invoicing arithmetic: periods and their share, figures rounded per line then per tax
group, numbers, credit-note limits, payment states and allocation."""

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pacta.domain.errors import InvalidInput
from pacta.domain.invoicing import (
    BillingPeriod,
    CreditableLine,
    CreditNoteTooLarge,
    LineSource,
    OpenInvoice,
    PeriodNotEnded,
    allocate_oldest_first,
    billing_periods,
    credit_note_amounts,
    credit_note_check_total,
    fee_amount,
    invoice_figures,
    invoice_number,
    match_bank_line,
    payment_state,
    period_check_ended,
)

D = dt.date
Q = Decimal


def line(amount: str, percent: str = "21.00", kind: str = "charge") -> LineSource:
    return LineSource(kind, "x", Q(1), "each", Q(amount), Q(amount), Q(percent))


def test_monthly_periods_from_a_mid_month_start_with_a_prorated_last():
    periods = billing_periods(
        contract_starts_on=D(2026, 1, 15),
        contract_ends_on=D(2026, 4, 1),
        length="month",
        until=D(2026, 12, 31),
    )
    assert periods == [
        BillingPeriod(D(2026, 1, 15), D(2026, 2, 14), "month", Q(1)),
        BillingPeriod(D(2026, 2, 15), D(2026, 3, 14), "month", Q(1)),
        BillingPeriod(D(2026, 3, 15), D(2026, 4, 1), "month", Q("0.580645")),  # 18 of 31 days
    ]


def test_periods_stop_at_the_one_holding_until():
    periods = billing_periods(
        contract_starts_on=D(2026, 1, 1),
        contract_ends_on=None,
        length="quarter",
        until=D(2026, 4, 1),
    )
    assert [(p.starts_on, p.ends_on) for p in periods] == [
        (D(2026, 1, 1), D(2026, 3, 31)),
        (D(2026, 4, 1), D(2026, 6, 30)),
    ]


def test_a_contract_starting_on_the_31st_follows_the_month_ends():
    periods = billing_periods(
        contract_starts_on=D(2026, 1, 31),
        contract_ends_on=None,
        length="month",
        until=D(2026, 3, 31),
    )
    assert [(p.starts_on, p.ends_on) for p in periods] == [
        (D(2026, 1, 31), D(2026, 2, 27)),
        (D(2026, 2, 28), D(2026, 3, 30)),
        (D(2026, 3, 31), D(2026, 4, 29)),
    ]


@given(
    start=st.dates(min_value=D(2000, 1, 1), max_value=D(2030, 12, 31)),
    days=st.integers(min_value=0, max_value=1500),
    length=st.sampled_from(["month", "quarter", "year"]),
)
def test_periods_follow_one_another_without_gap_or_overlap(start, days, length):
    ends = start + dt.timedelta(days=days)
    periods = billing_periods(
        contract_starts_on=start, contract_ends_on=ends, length=length, until=D(2040, 1, 1)
    )
    assert periods[0].starts_on == start
    assert periods[-1].ends_on == ends
    for before, after in itertools.pairwise(periods):
        assert after.starts_on == before.ends_on + dt.timedelta(days=1)
        assert before.share == 1
    assert Q(0) < periods[-1].share <= 1


def test_a_period_ending_today_is_refused():
    with pytest.raises(PeriodNotEnded) as refused:
        period_check_ended(ends_on=D(2026, 3, 31), today=D(2026, 3, 31))
    assert refused.value.code == "period_not_ended"
    period_check_ended(ends_on=D(2026, 3, 31), today=D(2026, 4, 1))


def test_lines_round_one_by_one_then_tax_once_per_rate():
    figures = invoice_figures(
        [
            line("10.005"),  # 10.01
            line("10.004"),  # 10.00
            line("0.105", "10.00"),  # 0.11
            line("0", "21.00", "charge"),  # included, at zero
            line("-2.50", "21.00", "credit"),
        ],
        "EUR",
    )
    assert [x.net_amount for x in figures.lines] == [
        Q("10.01"),
        Q("10.00"),
        Q("0.11"),
        Q("0.00"),
        Q("-2.50"),
    ]
    assert [x.position for x in figures.lines] == [1, 2, 3, 4, 5]
    assert [(t.tax_percent, t.base, t.tax) for t in figures.tax_totals] == [
        (Q("10.00"), Q("0.11"), Q("0.01")),
        (Q("21.00"), Q("17.51"), Q("3.68")),  # 3.6771
    ]
    assert (figures.net_total, figures.tax_total, figures.gross_total) == (
        Q("17.62"),
        Q("3.69"),
        Q("21.31"),
    )


def test_a_currency_without_decimals_rounds_to_units():
    figures = invoice_figures([line("1000.5", "10.00")], "JPY")
    assert (figures.net_total, figures.tax_total) == (Q("1001"), Q("100"))


@given(
    st.lists(
        st.tuples(
            st.decimals(min_value=-1000, max_value=10000, places=4),
            st.sampled_from([Q("0.00"), Q("4.00"), Q("10.00"), Q("21.00")]),
        ),
        min_size=1,
        max_size=30,
    )
)
def test_the_lines_add_up_to_the_invoice(items):
    figures = invoice_figures([line(str(a), str(p)) for a, p in items], "EUR")
    assert sum((x.net_amount for x in figures.lines), Q(0)) == figures.net_total
    assert figures.gross_total == figures.net_total + figures.tax_total


def test_a_prorated_fee_is_the_fee_times_its_share():
    assert fee_amount(Q("150.00"), Q("0.580645")) == Q("87.09675000")
    assert fee_amount(Q("150.00"), Q(1)) == Q("150.00")


def test_numbers_carry_series_year_and_sequence():
    assert invoice_number(series="F", year=2026, sequence=42) == "F2026-00042"
    with pytest.raises(InvalidInput):
        invoice_number(series="F", year=2026, sequence=0)


LINES = [
    CreditableLine(1, Q("100.00"), Q("0")),
    CreditableLine(2, Q("50.00"), Q("-20.00")),
    CreditableLine(3, Q("-10.00"), Q("0")),
]


def test_a_whole_credit_note_reverses_what_is_left_of_each_line():
    assert [(x.line_id, a) for x, a in credit_note_amounts(LINES, [(1, None), (2, None)])] == [
        (1, Q("-100.00")),
        (2, Q("-30.00")),
    ]
    assert [a for _x, a in credit_note_amounts(LINES, [(3, None)])] == [Q("10.00")]


def test_crediting_more_than_is_left_on_a_line_is_refused():
    with pytest.raises(CreditNoteTooLarge) as refused:
        credit_note_amounts(LINES, [(2, Q("30.01"))])
    assert refused.value.code == "credit_note_too_large"
    assert refused.value.message == "Line 2 has 30.00 left to credit, not 30.01."


def test_unknown_repeated_or_non_positive_lines_are_refused():
    with pytest.raises(InvalidInput):
        credit_note_amounts(LINES, [(9, None)])
    with pytest.raises(InvalidInput):
        credit_note_amounts(LINES, [(1, Q(5)), (1, Q(5))])
    with pytest.raises(InvalidInput):
        credit_note_amounts(LINES, [(1, Q(0))])
    with pytest.raises(InvalidInput):
        credit_note_amounts(LINES, [])


def test_a_credit_note_larger_than_what_is_left_of_the_invoice_is_refused():
    credit_note_check_total(invoice_gross=Q("121.00"), credited_gross=Q("-21.00"), new=Q("-100"))
    with pytest.raises(CreditNoteTooLarge):
        credit_note_check_total(
            invoice_gross=Q("121.00"), credited_gross=Q("-21.00"), new=Q("-100.01")
        )


def test_payment_states():
    assert payment_state(gross_total=Q(100), paid_total=Q(0)) == "issued"
    assert payment_state(gross_total=Q(100), paid_total=Q("99.99")) == "partly_paid"
    assert payment_state(gross_total=Q(100), paid_total=Q(100)) == "paid"


def test_a_payment_is_spread_oldest_first_and_the_rest_held():
    allocations, left = allocate_oldest_first(Q("150"), [(1, Q("100")), (2, Q(0)), (3, Q("80"))])
    assert allocations == [(1, Q("100")), (3, Q("50"))]
    assert left == Q(0)
    allocations, left = allocate_oldest_first(Q("150"), [(1, Q("100"))])
    assert (allocations, left) == ([(1, Q("100"))], Q("50"))


OPEN = [
    OpenInvoice(1, "F2026-00001", "EUR", Q("121.00")),
    OpenInvoice(2, "F2026-00002", "EUR", Q("60.50")),
]


def test_a_bank_line_matches_the_invoice_its_reference_names_at_its_amount():
    def match(reference, amount, currency="EUR"):
        return match_bank_line(
            reference=reference, amount=Q(amount), currency=currency, invoices=OPEN
        )

    assert match("Pago factura f2026 00002", "60.50") == 2
    assert match("F2026-00001", "121.00") == 1
    assert match("F2026-00001", "120.00") is None  # amount differs: a person decides
    assert match("F2026-00001", "121.00", "USD") is None
    assert match("F2026-00001 F2026-00002", "121.00") is None  # names two
    assert match("March invoice", "121.00") is None
    assert match("F2026-00001", "-121.00") is None
