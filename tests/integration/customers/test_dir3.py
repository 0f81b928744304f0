"""A Spanish public body's DIR3 codes on a customer (accounting office, managing body,
processing unit): kept upper-case, each of its shape, all three or none, audited; refused by
field through the service, over real HTTP and in the back office, writing nothing."""

from __future__ import annotations

import pytest

from pacta.audit.models import AuditEntry
from pacta.customers.models import Customer
from pacta.customers.services import customer_update
from pacta.domain.errors import InvalidInput
from tests.integration.platform.test_back_office import _customer_form, _signed_in, _url
from tests.support import make
from tests.support.state import table_counts

pytestmark = pytest.mark.django_db(transaction=True)

CODES = {
    "dir3_accounting_office": "L01281343",
    "dir3_managing_body": "L01281343",
    "dir3_processing_unit": "LA0007465",
}
ALL_OR_NONE = (
    "Give all three DIR3 codes (accounting office, managing body, processing unit), or none."
)


def test_the_three_codes_are_stored_upper_case_and_audited():
    customer = make.customer(legal_name="Ayuntamiento de Alcobendas")
    customer_update(
        actor=None,
        customer=customer,
        values={**CODES, "dir3_processing_unit": " la0007465 "},
        reason="FACe codes",
    )
    customer.refresh_from_db()
    assert {name: getattr(customer, name) for name in CODES} == CODES
    entry = AuditEntry.objects.filter(entity_type="customers.customer").latest("id")
    assert (entry.action, entry.reason) == ("update", "FACe codes")
    assert (entry.before["dir3_processing_unit"], entry.after["dir3_processing_unit"]) == (
        "",
        "LA0007465",
    )
    customer_update(
        actor=None,
        customer=customer,
        values=dict.fromkeys(CODES, ""),
        reason="Not public any more",
    )
    customer.refresh_from_db()
    assert [getattr(customer, name) for name in CODES] == ["", "", ""]


def test_one_code_alone_is_refused_naming_the_two_missing_and_nothing_is_written():
    customer = make.customer()
    counts = table_counts()
    with pytest.raises(InvalidInput) as refused:
        customer_update(
            actor=None, customer=customer, values={"dir3_accounting_office": "L01281343"}
        )
    assert refused.value.fields == {
        "dir3_managing_body": [ALL_OR_NONE],
        "dir3_processing_unit": [ALL_OR_NONE],
    }
    assert table_counts() == counts
    customer.refresh_from_db()
    assert customer.dir3_accounting_office == ""


def test_a_code_of_the_wrong_shape_is_refused_by_its_field():
    counts = table_counts()
    with pytest.raises(InvalidInput) as refused:
        make.customer(**{**CODES, "dir3_managing_body": "L0128-1343"})
    assert refused.value.fields == {
        "dir3_managing_body": [
            "L0128-1343 is not a DIR3 code: letters and digits, up to 10 (e.g. L01281343)."
        ]
    }
    assert table_counts() == counts


def test_the_api_sets_reads_and_refuses_the_codes_by_field(api):
    client = api(make.user("manager"))
    customer = make.customer()
    path = f"/customers/{customer.pk}/"
    assert {name: client.get(path).json()[name] for name in CODES} == dict.fromkeys(CODES, "")
    patched = client.patch(path, {**CODES, "reason": "Public body"})
    assert patched.status_code == 200, patched.text
    assert {name: patched.json()[name] for name in CODES} == CODES
    customer.refresh_from_db()
    assert customer.dir3_processing_unit == "LA0007465"

    counts = table_counts()
    refused = client.patch(path, {"dir3_processing_unit": "", "reason": "x"})
    assert refused.status_code == 400, refused.text
    assert refused.json()["fields"] == {"dir3_processing_unit": [ALL_OR_NONE]}
    too_long = client.patch(path, {"dir3_accounting_office": "L012813430000", "reason": "x"})
    assert too_long.status_code == 400
    assert list(too_long.json()["fields"]) == ["dir3_accounting_office"]
    assert table_counts() == counts
    customer.refresh_from_db()
    assert customer.dir3_processing_unit == "LA0007465"


def test_a_manager_sets_the_codes_in_the_back_office_and_a_lone_code_is_refused_there():
    customer = make.customer(tax_id="ESB00000001")
    client = _signed_in(make.user("manager"))
    url = _url(Customer, "change", customer.pk)
    counts = table_counts()
    refused = client.post(
        url, _customer_form(tax_id="ESB00000001", dir3_accounting_office="L01281343")
    )
    assert refused.status_code == 200
    assert refused.context["adminform"].form.errors == {
        "dir3_managing_body": [ALL_OR_NONE],
        "dir3_processing_unit": [ALL_OR_NONE],
    }
    assert table_counts() == counts
    saved = client.post(url, _customer_form(tax_id="ESB00000001", **CODES, reason="FACe"))
    assert saved.status_code == 302, saved.context["adminform"].form.errors
    customer.refresh_from_db()
    assert {name: getattr(customer, name) for name in CODES} == CODES
    entry = AuditEntry.objects.filter(entity_type="customers.customer").latest("id")
    assert (entry.reason, entry.after["dir3_managing_body"]) == ("FACe", "L01281343")
