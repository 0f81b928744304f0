"""Facturae's codes from what we store: residence and person type, tax number, name of a
person, unit of measure, series of a number, DIR3 shape, and what a party lacks."""

from __future__ import annotations

import pytest

from pacta.domain.facturae import (
    is_dir3_code,
    party_missing,
    person_name,
    person_type,
    residence_type,
    series_split,
    tax_number,
    unit_of_measure,
)


@pytest.mark.parametrize(
    ("country", "expected"), [("ES", "R"), ("es", "R"), ("FR", "U"), ("DE", "U"), ("GB", "E"),
                              ("RU", "E"), ("CH", "E")]
)  # fmt: skip
def test_residence_is_spain_the_eu_or_elsewhere(country, expected):
    assert residence_type(country) == expected


def test_a_spanish_nif_loses_its_vat_prefix_a_foreign_vat_number_keeps_it():
    assert tax_number("ESB87654321", "ES") == "B87654321"
    assert tax_number("B87654321", "ES") == "B87654321"
    assert tax_number("es b8765 4321", "ES") == "B87654321"
    assert tax_number("FR40303265045", "FR") == "FR40303265045"


@pytest.mark.parametrize(
    ("tax_id", "country", "expected"),
    [
        ("B87654321", "ES", "J"),
        ("ESG28563014", "ES", "J"),
        ("12345678Z", "ES", "F"),
        ("ES12345678Z", "ES", "F"),
        ("X1234567L", "ES", "F"),
        ("12345678Z", "FR", "J"),
        ("FR40303265045", "FR", "J"),
    ],
)
def test_a_person_is_a_spanish_nif_or_nie_of_a_person(tax_id, country, expected):
    assert person_type(tax_id, country) == expected


def test_a_person_name_splits_into_name_and_two_surnames():
    assert person_name("Ana García López") == ("Ana", "García", "López")
    assert person_name("Ana García") == ("Ana", "García", "")
    assert person_name("Ana María de la Fuente") == ("Ana", "María", "de la Fuente")
    assert person_name("Ana") == ("Ana", "Ana", "")


def test_units_map_to_facturae_codes_and_default_to_units():
    assert [unit_of_measure(code) for code in ("C62", "HUR", "KMT", "KGM", "MIN", "XYZ")] == [
        "01",
        "02",
        "22",
        "03",
        "05",
        "01",
    ]


def test_the_series_is_split_from_the_printed_number():
    assert series_split("F2026-00042", "F") == ("F", "2026-00042")
    assert series_split("RX2026-00001", "RX") == ("RX", "2026-00001")
    assert series_split("2026-00001", "F") == ("F", "2026-00001")
    assert series_split("F", "F") == ("F", "F")


def test_a_dir3_code_is_letters_and_digits_up_to_ten():
    assert [is_dir3_code(c) for c in ("L01281343", "EA0003335", "A1", "GE0000000A")] == [True] * 4
    assert [is_dir3_code(c) for c in ("", "L0128-1343", "l01281343", "L012813430X")] == [False] * 4


def test_what_a_party_lacks_in_order_and_a_spanish_postal_code_of_five_digits():
    full = {
        "name": "Ayuntamiento de Alcobendas",
        "vat_id": "P2800600I",
        "address": "Plaza Mayor, 1",
        "postal_code": "28100",
        "city": "Alcobendas",
        "region": "Madrid",
        "country": "ES",
    }
    assert party_missing(full) == []
    assert party_missing({**full, "vat_id": "", "region": ""}) == ["vat_id", "region"]
    assert party_missing({**full, "postal_code": "2810"}) == ["postal_code"]
    assert party_missing({**full, "postal_code": "SW1A 1AA", "country": "GB"}) == []
