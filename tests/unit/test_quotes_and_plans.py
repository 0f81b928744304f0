"""Quote figures (half-up per line, tax once per rate) and the days of preventive plans
(every N weeks or months, seasonal months, moved to the next open day)."""

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pacta.domain.errors import InvalidInput
from pacta.domain.plans import add_months, next_open_day, plan_dates
from pacta.domain.quotes import quote_figures, quote_line_amount

D = Decimal


def test_each_line_is_rounded_half_up_then_tax_is_taken_once_per_rate():
    figures = quote_figures(
        [
            (D("3"), D("0.335"), D("21")),  # 1.005 -> 1.01
            (D("1"), D("10.004"), D("21")),  # 10.004 -> 10.00
            (D("2"), D("7.125"), D("10")),  # 14.25
        ],
        "EUR",
    )
    assert tuple(line.net_amount for line in figures.lines) == (D("1.01"), D("10.00"), D("14.25"))
    assert [(t.tax_percent, t.base, t.tax) for t in figures.tax_totals] == [
        (D("10"), D("14.25"), D("1.43")),  # 1.425 -> 1.43
        (D("21"), D("11.01"), D("2.31")),  # 2.3121 -> 2.31
    ]
    assert (figures.net_total, figures.tax_total, figures.gross_total) == (
        D("25.26"),
        D("3.74"),
        D("29.00"),
    )


def test_a_currency_without_minor_units_rounds_to_whole_amounts():
    assert quote_line_amount(D("1.5"), D("101"), "JPY") == D("152")


def test_an_empty_quote_totals_zero():
    figures = quote_figures([], "EUR")
    assert (figures.lines, figures.tax_totals, figures.gross_total) == ((), (), D(0))


@given(
    st.lists(
        st.tuples(
            st.decimals("0.001", "1000", places=3),
            st.decimals("0", "10000", places=4),
            st.sampled_from([D("0"), D("10"), D("21")]),
        ),
        max_size=20,
    )
)
def test_the_lines_add_up_to_the_net_total(lines):
    figures = quote_figures(lines, "EUR")
    assert sum((line.net_amount for line in figures.lines), D(0)) == figures.net_total
    assert figures.gross_total == figures.net_total + figures.tax_total


def test_months_are_counted_from_the_first_day_so_a_short_month_does_not_shift_the_rest():
    assert add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert add_months(dt.date(2026, 1, 31), 2) == dt.date(2026, 3, 31)
    assert add_months(dt.date(2026, 11, 15), 3) == dt.date(2027, 2, 15)
    days = plan_dates(
        starts_on=dt.date(2026, 1, 31),
        frequency="months",
        interval=1,
        first_on=dt.date(2026, 1, 1),
        last_on=dt.date(2026, 4, 30),
    )
    assert days == [
        dt.date(2026, 1, 31),
        dt.date(2026, 2, 28),
        dt.date(2026, 3, 31),
        dt.date(2026, 4, 30),
    ]


def test_every_two_weeks_within_the_window_and_not_after_the_end():
    days = plan_dates(
        starts_on=dt.date(2026, 1, 5),
        frequency="weeks",
        interval=2,
        ends_on=dt.date(2026, 2, 16),
        first_on=dt.date(2026, 1, 10),
        last_on=dt.date(2026, 12, 31),
    )
    assert days == [dt.date(2026, 1, 19), dt.date(2026, 2, 2), dt.date(2026, 2, 16)]


def test_seasonal_months_only():
    days = plan_dates(
        starts_on=dt.date(2026, 1, 15),
        frequency="months",
        interval=1,
        months=[4, 10],
        first_on=dt.date(2026, 1, 1),
        last_on=dt.date(2027, 6, 30),
    )
    assert days == [dt.date(2026, 4, 15), dt.date(2026, 10, 15), dt.date(2027, 4, 15)]


def test_a_closed_day_moves_to_the_next_open_one():
    weekdays = {0, 1, 2, 3, 4}

    def holidays(year):
        return {dt.date(year, 1, 1), dt.date(year, 1, 2)}

    assert next_open_day(dt.date(2026, 3, 4), open_weekdays=weekdays) == dt.date(2026, 3, 4)
    # Saturday -> Monday
    assert next_open_day(dt.date(2026, 3, 7), open_weekdays=weekdays) == dt.date(2026, 3, 9)
    # New Year (Thursday) and the Friday after it closed, then the weekend
    assert next_open_day(dt.date(2026, 1, 1), open_weekdays=weekdays, holidays=holidays) == dt.date(
        2026, 1, 5
    )
    # across the year: Dec 31 2027 is a Friday, closed by the source asked for 2028 too
    assert next_open_day(dt.date(2027, 12, 31), open_weekdays={0}, holidays=holidays) == dt.date(
        2028, 1, 3
    )


def test_a_calendar_without_working_days_is_refused():
    with pytest.raises(InvalidInput):
        next_open_day(dt.date(2026, 3, 4), open_weekdays=set())
    with pytest.raises(InvalidInput):
        plan_dates(
            starts_on=dt.date(2026, 1, 1),
            frequency="days",
            interval=1,
            first_on=dt.date(2026, 1, 1),
            last_on=dt.date(2026, 2, 1),
        )
