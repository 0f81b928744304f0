"""Money: Decimal only, one currency, rounding only when asked, half-up per currency."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pacta.domain.currencies import MINOR_UNITS, is_currency, minor_units
from pacta.domain.errors import InvalidInput
from pacta.domain.money import CurrencyMismatch, Money, money_sum, to_decimal

amounts = st.decimals(min_value=-(10**9), max_value=10**9, places=4, allow_nan=False)


def test_a_float_never_becomes_money():
    with pytest.raises(InvalidInput) as refused:
        Money(0.1, "EUR")  # type: ignore[arg-type]
    assert refused.value.fields == {"amount": ["A float cannot hold money; use Decimal."]}


def test_strings_and_ints_become_exact_decimals():
    assert Money.of("0.1", "EUR").amount + Money.of("0.2", "EUR").amount == Decimal("0.3")
    assert Money.of(3, "EUR").amount == Decimal(3)
    with pytest.raises(InvalidInput):
        to_decimal("twelve")
    with pytest.raises(InvalidInput):
        to_decimal("NaN")


def test_rounding_is_half_up_to_the_currency_minor_unit():
    assert Money.of("2.345", "EUR").rounded() == Money.of("2.35", "EUR")
    assert Money.of("-2.345", "EUR").rounded() == Money.of("-2.35", "EUR")
    assert Money.of("2.344", "EUR").rounded() == Money.of("2.34", "EUR")
    assert Money.of("150.5", "JPY").rounded() == Money.of("151", "JPY")
    assert Money.of("1.2345", "KWD").rounded() == Money.of("1.235", "KWD")


def test_arithmetic_keeps_full_precision_until_rounded():
    third = Money.of("3.3333", "EUR")
    assert (third * 3).amount == Decimal("9.9999")
    assert (third * 3).rounded().amount == Decimal("10.00")


def test_two_currencies_do_not_mix():
    with pytest.raises(CurrencyMismatch):
        Money.of("1", "EUR") + Money.of("1", "RUB")
    with pytest.raises(CurrencyMismatch):
        assert Money.of("1", "EUR") < Money.of("2", "USD")


def test_unknown_currency_is_refused():
    with pytest.raises(InvalidInput) as refused:
        Money.of("1", "EURO")
    assert refused.value.code == "unknown_currency"
    assert refused.value.message == "EURO is not an ISO 4217 currency code."


def test_round_builtin_is_refused_as_ambiguous():
    with pytest.raises(TypeError):
        round(Money.of("1.005", "EUR"), 2)


def test_the_currency_table():
    assert (minor_units("EUR"), minor_units("RUB"), minor_units("JPY"), minor_units("TND")) == (
        2,
        2,
        0,
        3,
    )
    assert is_currency("EUR")
    assert not is_currency("eur")
    assert not is_currency("XXX")
    assert all(len(code) == 3 and code.isupper() for code in MINOR_UNITS)


@given(st.lists(amounts, max_size=30))
def test_a_sum_is_the_sum_of_its_parts(values):
    total = money_sum([Money(v, "EUR") for v in values], "EUR")
    assert total.amount == sum(values, Decimal(0))


@given(amounts)
def test_rounding_is_idempotent_and_within_half_a_cent(value):
    once = Money(value, "EUR").rounded()
    assert once.rounded() == once
    assert once.is_rounded()
    assert abs(once.amount - value) <= Decimal("0.005")


@given(amounts, amounts)
def test_addition_and_subtraction_are_inverse(a, b):
    assert (Money(a, "EUR") + Money(b, "EUR")) - Money(b, "EUR") == Money(a, "EUR")
