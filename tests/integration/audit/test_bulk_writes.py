"""The bulk writes of derived values and of keyed rows (``rows_write``, ``records_insert_new``):
what the SLA sweep writes a batch of tickets at a time, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import DatabaseError, transaction

from pacta.audit import services as audit
from pacta.audit.services import records_insert, records_insert_new, rows_update, rows_write
from pacta.comms.models import OutboundMessage
from tests.support.state import row

pytestmark = pytest.mark.django_db(transaction=True)

NOW = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)


def message(key: str, **values) -> OutboundMessage:
    fields = {"to_email": f"{key}@pacta.test", "subject": f"About {key}", "body": "Hello"}
    return OutboundMessage(key=key, created_at=NOW, **{**fields, **values})


def stored(*keys: str) -> list[OutboundMessage]:
    return OutboundMessage.objects.bulk_create([message(key) for key in keys])


def test_rows_write_sets_each_rows_own_values_and_nothing_else():
    a, b, c = stored("a", "b", "c")
    untouched = row(c)

    rows_write(
        OutboundMessage,
        ["subject", "sent_at", "attempts", "attachments", "next_attempt_at"],
        [
            (a.pk, "First", None, 2, [{"name": "x.pdf"}], NOW + timedelta(minutes=5)),
            (b.pk, "Second", NOW, 0, [], None),
        ],
    )

    first, second = row(a), row(b)
    assert (first["subject"], first["sent_at"], first["attempts"]) == ("First", None, 2)
    assert first["attachments"] == [{"name": "x.pdf"}]
    assert first["next_attempt_at"] == NOW + timedelta(minutes=5)
    assert (second["subject"], second["sent_at"], second["attempts"]) == ("Second", NOW, 0)
    assert (second["attachments"], second["next_attempt_at"]) == ([], None)
    assert (first["body"], first["key"]) == ("Hello", "a")  # fields not named stay
    assert row(c) == untouched


def test_rows_write_takes_a_column_of_nulls_and_writes_in_chunks(monkeypatch):
    monkeypatch.setattr(audit, "_MOST_VALUES", 6)  # three rows of (id, sent_at) a statement
    messages = stored(*"abcdefg")
    rows_write(OutboundMessage, ["sent_at"], [(m.pk, NOW) for m in messages])

    rows_write(OutboundMessage, ["sent_at"], [(m.pk, None) for m in messages[:5]])

    assert [row(m)["sent_at"] for m in messages] == [None] * 5 + [NOW, NOW]


def test_rows_update_writes_the_named_fields_of_instances():
    a, b = stored("a", "b")
    a.attempts, a.subject, b.attempts = 3, "Changed", 1
    a.body = "not written"

    rows_update(OutboundMessage, [a, b], ["attempts", "subject"])

    assert (row(a)["attempts"], row(a)["subject"], row(a)["body"]) == (3, "Changed", "Hello")
    assert row(b)["attempts"] == 1
    rows_update(OutboundMessage, [], ["attempts"])  # nothing to write: no statement


def test_rows_write_refuses_a_value_too_long_as_an_update_does():
    (a,) = stored("a")
    long = "x" * 301  # the subject holds 300
    try:
        with transaction.atomic():
            OutboundMessage.objects.filter(pk=a.pk).update(subject=long)
            transaction.set_rollback(True)
        refused = False
    except DatabaseError:
        refused = True  # PostgreSQL checks lengths; SQLite does not
    before = row(a)

    if refused:
        with pytest.raises(DatabaseError), transaction.atomic():
            rows_write(OutboundMessage, ["subject"], [(a.pk, long)])
        assert row(a) == before  # not cut short, not written
    else:
        rows_write(OutboundMessage, ["subject"], [(a.pk, long)])
        assert row(a)["subject"] == long


def test_records_insert_inserts_in_one_write_and_gives_the_ids_in_order():
    rows = [message("a", attachments=[{"name": "x.pdf", "path": 'say "hi"'}]), message("b")]
    with transaction.atomic():
        inserted = records_insert(OutboundMessage, rows)
    assert inserted == rows
    ids = dict(OutboundMessage.objects.values_list("key", "pk"))
    assert [m.pk for m in inserted] == [ids["a"], ids["b"]]
    assert not any(m._state.adding for m in inserted)
    assert row(rows[0])["attachments"] == [{"name": "x.pdf", "path": 'say "hi"'}]
    assert (row(rows[1])["attempts"], row(rows[1])["attachments"]) == (0, [])  # the defaults
    assert records_insert(OutboundMessage, []) == []


def test_records_insert_new_skips_the_keys_taken_and_gives_the_rows_inserted_their_ids():
    (taken,) = stored("b")  # queued before, or by another worker at this very moment
    rows = [message("a"), message("b", subject="Mine"), message("c"), message("d")]
    with transaction.atomic():
        inserted = records_insert_new(OutboundMessage, rows, key=["key"])
        assert OutboundMessage.objects.count() == 4  # the transaction goes on
    assert [m.key for m in inserted] == ["a", "c", "d"]
    ids = dict(OutboundMessage.objects.values_list("key", "pk"))
    assert [m.pk for m in inserted] == [ids["a"], ids["c"], ids["d"]]
    assert (rows[1].pk, rows[1]._state.adding) == (None, True)  # the row skipped: unsaved
    assert row(taken)["subject"] == "About b"  # and the stored one as it was
    assert records_insert_new(OutboundMessage, [message("a")], key=["key"]) == []
    assert records_insert_new(OutboundMessage, [], key=["key"]) == []


def test_records_insert_new_writes_in_chunks(monkeypatch):
    monkeypatch.setattr(audit, "_MOST_VALUES", 30)  # two rows of 13 fields a statement
    stored("c")
    rows = [message(key) for key in "abcde"]
    with transaction.atomic():
        inserted = records_insert_new(OutboundMessage, rows, key=["key"])
    assert [m.key for m in inserted] == ["a", "b", "d", "e"]
    ids = dict(OutboundMessage.objects.values_list("key", "pk"))
    assert [m.pk for m in inserted] == [ids[key] for key in "abde"]
