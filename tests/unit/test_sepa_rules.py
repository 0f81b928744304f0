"""The SEPA rules that need no file: any text becomes SEPA Latin, identifiers, and what is not
a pain.008 document at all (the rules over real files are tested with the batches)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pacta.billing.sepa_rules import (
    LATIN,
    epc_problems,
    identifier_ok,
    sepa_text,
    xsd_problems,
)


@given(st.text(), st.integers(min_value=1, max_value=140))
def test_any_text_becomes_sepa_latin_within_its_length(text, length):
    latin = sepa_text(text, length)
    assert LATIN.fullmatch(latin)
    assert len(latin) <= length
    assert latin == latin.strip()
    assert "  " not in latin


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("MND-2026/001", True),
        ("A.B,C'D+E?F:G(H)", True),
        ("MND 1", False),
        ("/MND1", False),
        ("MND1/", False),
        ("MND//1", False),
        ("MANDATO-Nº1", False),
        ("", False),
    ],
)
def test_identifiers_take_the_latin_set_without_spaces_or_stray_slashes(value, ok):
    assert identifier_ok(value) is ok


def test_what_is_not_a_pain_008_document_is_named():
    assert [p.template for p in epc_problems(b"<Document")] == ["The file is not XML: %(error)s"]
    assert [p.text() for p in xsd_problems(b"<x/>", "pain.001.001.03")] == [
        "pain.001.001.03 is not a pain.008 version pacta writes."
    ]
    assert [p.text() for p in xsd_problems(b"<x/>", "pain.008.001.08")] == [
        "The file is not a pain.008.001.08 document."
    ]
    document = b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.008.001.08"/>'
    problems = [p.text() for p in xsd_problems(document, "pain.008.001.08")]
    assert len(problems) == 1
    assert problems[0].startswith("XSD, line 1: ")
    assert [p.text() for p in epc_problems(document)] == ["The file has no group header."]
