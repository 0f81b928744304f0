"""docs/access.md shows the access table the code enforces."""

from pathlib import Path

from pacta.accounts.access import RECORDS, access_table_markdown

DOC = Path(__file__).resolve().parents[3] / "docs" / "access.md"


def test_the_documented_table_is_the_enforced_table():
    assert access_table_markdown() in DOC.read_text(encoding="utf-8")


def test_every_record_kind_with_a_back_office_page_is_in_the_table():
    from django.contrib import admin

    kinds = {model._meta.label_lower for model in admin.site._registry}
    assert kinds - set(RECORDS) == set()
