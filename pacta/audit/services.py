"""The audited write path shared by every app's services.

Each app's services validate their own rules and then call :func:`record_save` /
:func:`record_delete`, which run in one transaction: validate the fields (types, choices,
uniqueness), run the app's ``check``, write, and append the :class:`AuditEntry` with the record
before and after. Nothing is written when any step refuses.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models.deletion import ProtectedError, RestrictedError
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.translation import gettext as _

from pacta.audit.errors import RecordInUse, UnknownField
from pacta.audit.models import Action, AuditEntry, PeriodicRun
from pacta.domain.errors import InvalidInput

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    Actor = AbstractBaseUser | None
else:
    Actor = Any

M = TypeVar("M", bound=models.Model)
Check = Callable[[Any, Mapping[str, list[Any]]], None]

NON_FIELD = "non_field_errors"
#: Never copied into the change log; a change shows as a different marker, not the value.
SECRET_FIELDS = frozenset({"password"})


# --- snapshots --------------------------------------------------------------------------------
def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, FieldFile):
        return value.name or None
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if hasattr(value, "code") and type(value).__name__ == "Country":  # django-countries
        return value.code or ""
    return value


def snapshot(instance: models.Model) -> dict[str, Any]:
    """The record's stored values as JSON: foreign keys by id, many-to-many as sorted ids."""
    data: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        value = field.value_from_object(instance)
        if field.name in SECRET_FIELDS:
            # A short digest tells that the secret changed without keeping anything usable.
            data[field.attname] = (
                hashlib.sha256(str(value).encode()).hexdigest()[:8] if value else ""
            )
            continue
        data[field.attname] = _plain(value)
    if instance.pk is not None:
        for field in instance._meta.many_to_many:
            data[field.name] = sorted(getattr(instance, field.name).values_list("pk", flat=True))
    return data


def actor_user(actor: Actor) -> Any:
    """The user row behind ``actor``: None for the system (or a user not saved)."""
    return actor if actor is not None and getattr(actor, "pk", None) else None


def actor_label(actor: Actor) -> str:
    if actor is None:
        return "system"
    return str(actor.get_username())


# --- the change log ---------------------------------------------------------------------------
def change_record(
    *,
    actor: Actor,
    action: str,
    instance: models.Model,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    reason: str = "",
    now: dt.datetime | None = None,
) -> AuditEntry:
    """Append one row to the change log (call inside the writing transaction)."""
    entry = change_entry(
        actor=actor,
        action=action,
        instance=instance,
        before=before,
        after=after,
        reason=reason,
        now=now,
    )
    entry.save()
    return entry


def change_entry(
    *,
    actor: Actor,
    instance: models.Model,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    action: str = Action.UPDATE,
    reason: str = "",
    now: dt.datetime | None = None,
) -> AuditEntry:
    """One row of the change log (an update unless told), not saved yet:
    :func:`change_record_bulk` appends many."""
    return AuditEntry(
        at=now or timezone.now(),
        actor=actor_user(actor),
        actor_label=actor_label(actor),
        action=action,
        entity_type=instance._meta.label_lower,
        entity_id=str(instance.pk),
        entity_label=str(instance)[:300],
        reason=reason or "",
        before=before,
        after=after,
    )


def change_record_bulk(entries: Iterable[AuditEntry]) -> None:
    """Append the rows made by :func:`change_entry` in one write (inside the writing
    transaction), e.g. the priority changes of a sweep's batch of tickets."""
    records_insert(AuditEntry, list(entries))


# --- validation -------------------------------------------------------------------------------
def invalid_from_django(error: ValidationError) -> InvalidInput:
    """Django's ValidationError as pacta's InvalidInput, messages keyed by field name."""
    if hasattr(error, "error_dict"):
        fields = {
            (NON_FIELD if name == NON_FIELD_ERRORS else name): [str(m) for e in errs for m in e]
            for name, errs in error.error_dict.items()
        }
    else:
        fields = {NON_FIELD: [str(m) for m in error.messages]}
    messages = [m for ms in fields.values() for m in ms]
    detail = messages[0] if len(messages) == 1 else _("Some fields are not valid.")
    return InvalidInput(detail, fields=fields)


def _validate_fields(instance: models.Model) -> None:
    try:
        instance.full_clean(validate_unique=True, validate_constraints=False)
    except ValidationError as error:
        raise invalid_from_django(error) from None


def _validate_constraints(instance: models.Model) -> None:
    try:
        instance.validate_constraints()
    except ValidationError as error:
        raise invalid_from_django(error) from None


def stored_values(instance: models.Model, *attnames: str) -> dict[str, Any]:
    """The values ``instance`` has in the database ({} for a record not saved yet): what a
    check compares with to tell a value just chosen from one kept from before."""
    if instance.pk is None:
        return {}
    rows = instance._meta.model._default_manager.filter(pk=instance.pk).values(*attnames)
    return rows.first() or {}


def is_duplicate(instance: models.Model, **lookup: Any) -> bool:
    """Whether another row of the instance's kind matches ``lookup`` (for a field-named error)."""
    others = instance._meta.model._default_manager.filter(**lookup)
    if instance.pk is not None:
        others = others.exclude(pk=instance.pk)
    return others.exists()


def apply_values(instance: models.Model, values: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Set ``values`` on ``instance``; return the many-to-many values to set after saving."""
    meta = instance._meta
    m2m_names = {f.name for f in meta.many_to_many}
    m2m: dict[str, list[Any]] = {}
    editable = {f.name: f for f in meta.concrete_fields if f.editable and not f.primary_key}
    for name, value in values.items():
        if name in m2m_names:
            m2m[name] = list(value or [])
        elif name in editable:
            setattr(instance, name, value)
        else:
            raise UnknownField(
                _("%(name)s is not a field of %(record)s.")
                % {"name": name, "record": meta.verbose_name},
                fields={name: [_("Unknown field.")]},
            )
    return m2m


# --- the write path ---------------------------------------------------------------------------
def record_save(
    instance: M,
    *,
    actor: Actor,
    reason: str = "",
    check: Check | None = None,
    m2m: Mapping[str, list[Any]] | None = None,
    action: str | None = None,
    now: dt.datetime | None = None,
) -> M:
    """Validate and save ``instance`` (and its many-to-many values), and log the change."""
    m2m = dict(m2m or {})
    with transaction.atomic():
        creating = instance._state.adding
        before = None
        if not creating:
            current = instance._meta.model._default_manager.select_for_update().get(pk=instance.pk)
            before = snapshot(current)
        # Fields first (types, choices, single-field uniqueness), then the app's rules, which may
        # assume well-typed values and name the field of a many-field uniqueness, then the
        # model's constraints as the backstop.
        _validate_fields(instance)
        if check is not None:
            check(instance, m2m)
        _validate_constraints(instance)
        instance.save()
        for name, related in m2m.items():
            getattr(instance, name).set(related)
        change_record(
            actor=actor,
            action=action or (Action.CREATE if creating else Action.UPDATE),
            instance=instance,
            before=before,
            after=snapshot(instance),
            reason=reason,
            now=now,
        )
    return instance


def record_create(
    model: type[M],
    *,
    actor: Actor,
    values: Mapping[str, Any],
    reason: str = "",
    check: Check | None = None,
    now: dt.datetime | None = None,
) -> M:
    instance = model()
    m2m = apply_values(instance, values)
    return record_save(instance, actor=actor, reason=reason, check=check, m2m=m2m, now=now)


def record_update(
    instance: M,
    *,
    actor: Actor,
    values: Mapping[str, Any],
    reason: str = "",
    check: Check | None = None,
    now: dt.datetime | None = None,
) -> M:
    m2m = apply_values(instance, values)
    return record_save(instance, actor=actor, reason=reason, check=check, m2m=m2m, now=now)


def record_delete(
    instance: models.Model,
    *,
    actor: Actor,
    reason: str = "",
    check: Callable[[Any], None] | None = None,
    now: dt.datetime | None = None,
) -> None:
    """Delete ``instance`` and log it; refuse (409 ``in_use``) while other records point to it."""
    with transaction.atomic():
        if check is not None:
            check(instance)
        before = snapshot(instance)
        pk = instance.pk
        try:
            with transaction.atomic():
                instance.delete()
        except (ProtectedError, RestrictedError) as error:
            raise RecordInUse.of(
                instance,
                error.protected_objects
                if isinstance(error, ProtectedError)
                else error.restricted_objects,
            ) from None
        instance.pk = pk  # for the log row
        change_record(
            actor=actor,
            action=Action.DELETE,
            instance=instance,
            before=before,
            after=None,
            reason=reason,
            now=now,
        )


# --- derived values written in bulk -------------------------------------------------------------
#: At most this many bound values in one UPDATE (PostgreSQL's protocol allows 65,535).
_MOST_VALUES = 30_000


def rows_update(
    model: type[models.Model], rows: Sequence[models.Model], fields: Sequence[str]
) -> None:
    """Write ``fields`` of ``rows`` (saved records of ``model``) as they are on the instances.

    For values derived from audited data (stored clocks, a ticket's clock summary, a rescue
    action's detail): no validation and no audit row of their own. Call inside the writing
    transaction.
    """
    names = attnames(model, fields)
    rows_write(model, fields, [(row.pk, *(getattr(row, name) for name in names)) for row in rows])


def attnames(model: type[models.Model], fields: Sequence[str]) -> list[str]:
    """The attribute names of ``fields`` on instances of ``model`` (``ticket`` → ``ticket_id``)."""
    return [model._meta.get_field(name).attname for name in fields]


def rows_write(
    model: type[models.Model], fields: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Write ``fields`` of saved records of ``model`` given as plain rows ``(pk, value, …)``
    (values as the instances hold them, foreign keys by id), without building the instances:
    what Django's ``bulk_update`` does, without its CASE expression per row and field (its cost
    grows with both, and dominated the sweep). Same use as :func:`rows_update`.

    On PostgreSQL one ``UPDATE … FROM (VALUES …)`` statement writes a few thousand rows at
    once; on SQLite one prepared statement runs for every row, which is as fast there.
    """
    if not rows:
        return
    meta = model._meta
    columns = [meta.get_field(name) for name in fields]
    database = _database()
    prepared = [
        [
            meta.pk.get_db_prep_save(row[0], database),
            *(
                field.get_db_prep_save(value, database)
                for field, value in zip(columns, row[1:], strict=True)
            ),
        ]
        for row in rows
    ]
    with database.cursor() as cursor:
        if database.vendor == "postgresql":
            size = max(1, _MOST_VALUES // (len(columns) + 1))
            for first in range(0, len(prepared), size):
                chunk = prepared[first : first + size]
                cursor.execute(_update_from_values(meta, columns, len(chunk)), _flat(chunk))
        else:
            cursor.executemany(
                _update_each(meta, columns), [[*row[1:], row[0]] for row in prepared]
            )


def _database() -> Any:
    """The connection itself rather than Django's proxy to it, which looks it up again on every
    use (thousands of times for a batch's values)."""
    return transaction.get_connection()


def _flat(rows: Sequence[Sequence[Any]]) -> list[Any]:
    return [value for row in rows for value in row]


def _update_each(meta: Any, columns: Sequence[models.Field]) -> str:
    """``UPDATE table SET a = %s, … WHERE pk = %s`` (its values in that order: a, …, pk)."""
    quote = _database().ops.quote_name
    # Only names from the model's own metadata, quoted, go into the statement; values are bound.
    return "UPDATE {table} SET {values} WHERE {pk} = %s".format(  # noqa: S608
        table=quote(meta.db_table),
        values=", ".join(f"{quote(field.column)} = %s" for field in columns),
        pk=quote(meta.pk.column),
    )


def _base_type(field: models.Field) -> str:
    """The column's type without its modifier (``varchar(20)`` → ``varchar``), for the casts of
    the VALUES list: the assignment to the column then checks length and precision as a plain
    UPDATE does, instead of a cast cutting a value short."""
    return re.sub(r"\([^)]*\)", "", field.db_type(_database()) or "")


def _update_from_values(meta: Any, columns: Sequence[models.Field], count: int) -> str:
    """``UPDATE table SET a = v.a, … FROM (VALUES (%s, %s, …), …) AS v (pk, a, …)
    WHERE table.pk = v.pk`` for ``count`` rows; the first row's values are cast to the columns'
    types, which fixes the types of the whole list (a column of NULLs included)."""
    quote = _database().ops.quote_name
    table = quote(meta.db_table)
    names = [quote(f"c{number}") for number in range(len(columns) + 1)]
    first = ", ".join(f"CAST(%s AS {_base_type(field)})" for field in [meta.pk, *columns])
    other = ", ".join(["%s"] * (len(columns) + 1))
    values = ", ".join([f"({first})", *[f"({other})"] * (count - 1)])
    # Only names from the model's own metadata, quoted, go into the statement; values are bound.
    return (  # noqa: S608
        "UPDATE {table} SET {assign} FROM (VALUES {values}) AS v ({names}) "
        "WHERE {table}.{pk} = v.{key}"
    ).format(
        table=table,
        assign=", ".join(
            f"{quote(field.column)} = v.{name}"
            for field, name in zip(columns, names[1:], strict=True)
        ),
        values=values,
        names=", ".join(names),
        pk=quote(meta.pk.column),
        key=names[0],
    )


def records_insert(model: type[M], rows: Sequence[M]) -> list[M]:
    """Insert ``rows`` (new records of ``model``, as instances: see :func:`rows_insert` for
    plain rows) as they are on the instances, in one write whatever their number, and give them
    their ids: what Django's ``bulk_create`` does, with one
    literal a value where it sends an array a column on PostgreSQL (whose text form the
    client-side binding escapes character by character: the cost of the change log's JSON).
    Call inside the writing transaction."""
    return _insert(model, rows, key=())


def records_insert_new(model: type[M], rows: Sequence[M], *, key: Sequence[str]) -> list[M]:
    """Insert those of ``rows`` whose unique ``key`` (field names) is not taken — by a row
    stored before, or by another worker at this very moment (``ON CONFLICT DO NOTHING``) — in
    one write; the rows inserted now, with their ids, in their order. Call inside the writing
    transaction."""
    return _insert(model, rows, key=key)


def _insert(model: type[M], rows: Sequence[M], *, key: Sequence[str]) -> list[M]:
    if not rows:
        return []
    database = _database()
    meta = model._meta
    fields = [field for field in meta.local_concrete_fields if not field.primary_key]
    keys = [meta.get_field(name) for name in key]
    quote = database.ops.quote_name
    size = max(1, min(database.ops.bulk_batch_size(fields, rows), _MOST_VALUES // len(fields)))
    # Only names from the model's own metadata, quoted, go into the statement; values are bound.
    statement = "INSERT INTO {table} ({columns}) VALUES {{values}}{skip} RETURNING {back}".format(  # noqa: S608
        table=quote(meta.db_table),
        columns=", ".join(quote(field.column) for field in fields),
        skip=" ON CONFLICT DO NOTHING" if keys else "",
        back=", ".join(quote(field.column) for field in [meta.pk, *keys]),
    )
    placeholders = "({})".format(", ".join(["%s"] * len(fields)))
    inserted: list[M] = []
    with database.cursor() as cursor:
        for first in range(0, len(rows), size):
            chunk = rows[first : first + size]
            cursor.execute(
                statement.format(values=", ".join([placeholders] * len(chunk))),
                [
                    field.get_db_prep_save(field.pre_save(row, True), database)
                    for row in chunk
                    for field in fields
                ],
            )
            back = cursor.fetchall()
            if keys:  # the rows inserted, found by key (a row skipped returns nothing)
                by_key = {tuple(getattr(row, f.attname) for f in keys): row for row in chunk}
                chunk = [by_key[tuple(values[1:])] for values in back]
            for row, values in zip(chunk, back, strict=True):
                setattr(row, meta.pk.attname, values[0])
                row._state.adding = False
                row._state.db = database.alias
            inserted += chunk
    return inserted


#: Field types whose Python values the database drivers take as they are (Django's own
#: preparation of them only checks and copies): ``rows_insert`` passes them through.
_AS_THEY_ARE = frozenset(
    {
        "BigIntegerField",
        "BooleanField",
        "CharField",
        "DecimalField",
        "ForeignKey",
        "IntegerField",
        "PositiveIntegerField",
        "PositiveSmallIntegerField",
        "SlugField",
        "SmallIntegerField",
        "TextField",
    }
)


def _column_writer(field: models.Field[Any, Any], connection: Any) -> Callable[[Any], Any]:
    kind = field.get_internal_type()
    if kind in _AS_THEY_ARE:
        return lambda value: value
    if kind == "JSONField":
        encoder = getattr(field, "encoder", None)
        return lambda value: (
            None if value is None else connection.ops.adapt_json_value(value, encoder)
        )
    return lambda value: field.get_db_prep_save(value, connection)


def rows_insert_values(
    model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
    """Insert ``rows`` (each the values of ``fields``, in that order; a foreign key by its
    id) into ``model``'s table in one statement run for every row, without building a model
    instance per row; the other columns get their field's default. For the many rows a batch
    writes under one audit row of their owner each (a rating's charge lines): values are
    already of their field's type, nothing is validated, no ids are returned. Call inside the
    writing transaction."""
    connection = _database()
    meta = model._meta
    given = [meta.get_field(name) for name in fields]
    named = {field.name for field in given}
    rest = [
        field for field in meta.concrete_fields if not field.primary_key and field.name not in named
    ]
    writers = [_column_writer(field, connection) for field in given]  # type: ignore[arg-type]
    tail = [field.get_db_prep_save(field.get_default(), connection) for field in rest]
    quote = connection.ops.quote_name
    # Only names from the model's own metadata, quoted, go into the statement; values are bound.
    sql = "INSERT INTO {table} ({columns}) VALUES ({marks})".format(  # noqa: S608
        table=quote(meta.db_table),
        columns=", ".join(quote(field.column) for field in [*given, *rest]),
        marks=", ".join(["%s"] * (len(given) + len(rest))),
    )
    params = [
        [*(write(value) for write, value in zip(writers, row, strict=True)), *tail] for row in rows
    ]
    if params:
        with connection.cursor() as cursor:
            cursor.executemany(sql, params)


# --- one bundle per kind of record, for adapters that handle many kinds ---------------------
@dataclass(frozen=True)
class RecordWriter:
    """The named services that write one kind of record.

    The API's viewsets and the back office's admin pages write any kind of record the same
    way: through the bundle the record's app declares next to its services. ``param`` is the
    keyword the update/delete services take the record by (``customer=``, ``work_order=``).
    """

    param: str
    create: Callable[..., Any] | None
    update: Callable[..., Any] | None
    delete: Callable[..., None] | None
    check: Check | None = None
    reason_required: bool = False

    def create_record(self, *, actor: Actor, values: Mapping[str, Any], reason: str = "") -> Any:
        assert self.create is not None
        return self.create(actor=actor, values=values, reason=reason)

    def update_record(
        self, instance: Any, *, actor: Actor, values: Mapping[str, Any], reason: str = ""
    ) -> Any:
        assert self.update is not None
        return self.update(actor=actor, values=values, reason=reason, **{self.param: instance})

    def delete_record(self, instance: Any, *, actor: Actor, reason: str = "") -> None:
        assert self.delete is not None
        self.delete(actor=actor, reason=reason, **{self.param: instance})


def require_reason(reason: str, *, field: str = "reason") -> str:
    """Changes to terms, rates and overrides need a reason a person wrote."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput.on(field, _("Say why: a reason is required for this change."))
    return reason


def ids(values: Iterable[Any]) -> list[Any]:
    """Primary keys of model instances (or the values themselves if already ids)."""
    return [getattr(v, "pk", v) for v in values]


# --- periodic runs ----------------------------------------------------------------------------
def periodic_run_claim(*, job: str, slot: str, now: dt.datetime | None = None) -> Any:
    """Claim the run of ``job`` for ``slot``; the run, or None when another worker (or an
    earlier run) has it. The unique key decides, so two workers never both get it."""
    try:
        with transaction.atomic():
            return PeriodicRun.objects.create(job=job, slot=slot, claimed_at=now or timezone.now())
    except IntegrityError:
        return None


def periodic_run_finish(
    run: Any, *, report: dict[str, Any], now: dt.datetime | None = None
) -> None:
    run.finished_at = now or timezone.now()
    run.report = report
    run.save(update_fields=["finished_at", "report"])
