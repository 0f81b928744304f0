"""IBAN and BIC: normalised, checked for country, length and the mod-97 check digits, and every
refusal names its field."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pacta.domain.errors import InvalidInput
from pacta.domain.iban import (
    IBAN_LENGTHS,
    InvalidBic,
    InvalidCreditorId,
    InvalidIban,
    check_digits,
    iban_from,
    iban_remainder,
    normalise,
    validate_bic,
    validate_creditor_id,
    validate_iban,
)

#: Published example accounts (the banks' and the IBAN registry's), one per country.
REAL = [
    "ES91 2100 0418 4502 0005 1332",
    "DE89 3704 0044 0532 0130 00",
    "FR14 2004 1010 0505 0001 3M02 606",
    "NL91 ABNA 0417 1643 00",
    "IT60 X054 2811 1010 0000 0123 456",
    "BE68 5390 0754 7034",
    "AT61 1904 3002 3457 3201",
    "PT50 0002 0123 1234 5678 9015 4",
    "CH93 0076 2011 6238 5295 7",
    "NO93 8601 1117 947",
    "MT84 MALT 0110 0001 2345 MTLC AST0 01S",
]


@pytest.mark.parametrize("written", REAL)
def test_real_ibans_are_valid_and_come_back_without_spaces(written):
    assert validate_iban(written) == written.replace(" ", "")


def test_spaces_and_case_do_not_matter():
    assert normalise(" es91 2100\t0418 4502 0005 1332 ") == "ES9121000418450200051332"
    assert validate_iban("es9121000418450200051332") == "ES9121000418450200051332"


def test_check_digits_are_computed_from_the_national_number():
    assert check_digits("ES", "21000418450200051332") == "91"
    assert check_digits("DE", "370400440532013000") == "89"
    assert check_digits("nl", "ABNA0417164300") == "91"
    assert iban_from("FR", "20041010050500013M02606") == "FR1420041010050500013M02606"
    assert iban_remainder("GB29NWBK60161331926819") == 1


def test_a_wrong_check_digit_is_refused_naming_the_field():
    with pytest.raises(InvalidIban) as refused:
        validate_iban("ES92 2100 0418 4502 0005 1332", field="mandate.iban")
    assert refused.value.code == "invalid_iban"
    assert refused.value.fields == {
        "mandate.iban": ["mandate.iban: the IBAN's check digits are wrong (a typing mistake?)."]
    }
    assert isinstance(refused.value, InvalidInput)


def test_a_wrong_length_for_the_country_is_refused():
    with pytest.raises(InvalidIban) as refused:
        validate_iban("ES91 2100 0418 4502 0005 133")
    assert refused.value.message == "iban: an IBAN of ES has 24 characters, not 23."
    assert refused.value.params == {"field": "iban", "country": "ES", "expected": 24, "length": 23}


@pytest.mark.parametrize(
    ("check", "value", "message"),
    [
        (validate_iban, "ES91-2100-0418-4502-0005-1332", "iban: an IBAN is two letters"),
        (validate_iban, "ES91 2100 0418 4502 0005 133É", "iban: an IBAN is two letters"),
        (validate_iban, "9121000418450200051332", "iban: an IBAN is two letters"),
        (validate_iban, "ESX1 2100 0418 4502 0005 1332", "iban: an IBAN is two letters"),
        (validate_iban, "US64 SVBK US6S 3300 9673 8637", "iban: US is not a country of the SEPA"),
        (validate_iban, "", "iban: the IBAN is missing."),
        (
            validate_creditor_id,
            "DE97ZZZ09999999999",
            "creditor_id: the creditor identifier's check digits are wrong.",
        ),
        (validate_creditor_id, "US98ZZZ09999999999", "creditor_id: a creditor identifier is a"),
        (validate_creditor_id, "DE98ZZ", "creditor_id: a creditor identifier is a SEPA country"),
        (validate_creditor_id, "DE98ZZZ0999-999999", "creditor_id: a creditor identifier is a"),
    ],
)
def test_bad_characters_a_foreign_country_wrong_digits_or_nothing_are_refused(
    check, value, message
):
    with pytest.raises((InvalidIban, InvalidCreditorId)) as refused:
        check(value)
    assert refused.value.message.startswith(message)
    assert list(refused.value.fields) == [message.split(":")[0]]


def test_every_sepa_country_has_a_plausible_length():
    assert (IBAN_LENGTHS["ES"], IBAN_LENGTHS["DE"], IBAN_LENGTHS["NO"]) == (24, 22, 15)
    assert all(15 <= length <= 34 for length in IBAN_LENGTHS.values())


@pytest.mark.parametrize("bic", ["CAIXESBBXXX", "caixesbb", "DEUT DE FF 500", "BNPAFRPP"])
def test_bics_of_8_or_11_characters_are_valid(bic):
    assert validate_bic(bic) == normalise(bic)


@pytest.mark.parametrize(
    "bic", ["CAIXESB", "CAIXESBBXX", "CAIXESBBXXXX", "CA1XESBB", "CAIX3SBB", ""]
)
def test_other_bics_are_refused_naming_the_field(bic):
    with pytest.raises(InvalidBic) as refused:
        validate_bic(bic, field="creditor.bic")
    assert refused.value.code == "invalid_bic"
    assert list(refused.value.fields) == ["creditor.bic"]


@pytest.mark.parametrize("written", ["DE98ZZZ09999999999", "es97 zzz b12345678", "FR72ZZZ123456"])
def test_creditor_identifiers_check_digits_skip_the_business_code(written):
    assert validate_creditor_id(written) == normalise(written)
    assert validate_creditor_id("DE98ABC09999999999") == "DE98ABC09999999999"


# --- properties -----------------------------------------------------------------------------------
countries = st.sampled_from(sorted(IBAN_LENGTHS))


@st.composite
def valid_ibans(draw: st.DrawFn) -> str:
    country = draw(countries)
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    bban = draw(
        st.text(alphabet, min_size=IBAN_LENGTHS[country] - 4, max_size=IBAN_LENGTHS[country] - 4)
    )
    return iban_from(country, bban)


@given(valid_ibans())
def test_an_iban_built_with_its_check_digits_is_valid(iban):
    assert validate_iban(iban) == iban


@given(valid_ibans(), st.data())
def test_any_valid_iban_with_one_digit_changed_fails(iban, data):
    positions = [i for i, ch in enumerate(iban) if ch.isdigit()]
    at = data.draw(st.sampled_from(positions))
    digit = data.draw(st.sampled_from([d for d in "0123456789" if d != iban[at]]))
    changed = iban[:at] + digit + iban[at + 1 :]
    with pytest.raises(InvalidIban) as refused:
        validate_iban(changed)
    assert refused.value.message == "iban: the IBAN's check digits are wrong (a typing mistake?)."
