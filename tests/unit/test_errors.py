"""The base errors: stable codes, messages per field, values kept apart for translation."""

import pytest

from pacta.domain.errors import Conflict, FieldErrors, InvalidInput, PactaError


def test_field_errors_raise_all_fields_at_once():
    errors = FieldErrors()
    assert not errors
    errors.raise_if_any()  # nothing to raise
    errors.add("ends_on", "must be after starts_on")
    errors.add("currency", "unknown")
    errors.add("currency", "too long")
    with pytest.raises(InvalidInput) as refused:
        errors.raise_if_any()
    assert refused.value.fields == {
        "ends_on": ["must be after starts_on"],
        "currency": ["unknown", "too long"],
    }
    assert refused.value.code == "invalid"


def test_one_field_error_uses_its_message_as_the_detail():
    error = InvalidInput.on("quantity", "must be positive", code="negative_quantity")
    assert (error.code, error.detail, error.fields) == (
        "negative_quantity",
        "must be positive",
        {"quantity": ["must be positive"]},
    )


def test_params_fill_the_template_only_when_shown():
    error = Conflict("Version %(n)s is in force.", code="version_in_force", params={"n": 3})
    assert error.detail == "Version %(n)s is in force."
    assert error.message == "Version 3 is in force."
    assert str(error) == "Version 3 is in force."
    assert isinstance(error, PactaError)


def test_the_adapter_translates_the_template_before_the_values_go_in():
    error = Conflict("Version %(n)s is in force.", params={"n": 3})
    spanish = {"Version %(n)s is in force.": "La versión %(n)s está en vigor."}
    assert error.message_in(lambda text: spanish.get(text, text)) == "La versión 3 está en vigor."
    plain = InvalidInput("100% sure")  # no values: the text is used as it is, % and all
    assert plain.message_in(str) == "100% sure"
