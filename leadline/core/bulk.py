"""Fast bulk inserts for hot paths: rows as plain mappings, one prepared statement, no model instances.

`bulk_create` builds a model instance per row and prepares every field of every row through the
field API; on a 30-column table that is most of the cost of queueing a campaign or running a batch
of workflow steps. `insert_rows` keeps the field API (so values are stored exactly as the ORM
stores them) but prepares each distinct value of a column once, fills defaults the way the model
would, and sends the rows with `executemany`. Signals are not sent and `save()` is not called, as
with `bulk_create`. `loaded_instance` is the way back: a model instance from a row read as values.

    inserted = insert_rows(StepRun, [{"enrolment_id": 7, "step_key": "one", ...}], ignore_conflicts=True)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db import connections, models, transaction
from django.db.models.base import ModelState
from django.utils import timezone

BATCH_SIZE = 2000
_MISSING = object()
_MEMO_LIMIT = 4096
_INTEGERS = (models.IntegerField, models.ForeignKey)


class _Column:
    """One column of the insert: where its value comes from and how it is prepared for the database."""

    def __init__(self, field: models.Field[Any, Any], connection: Any, now: Any) -> None:
        self.field = field
        self.attname = field.attname
        self.name = field.name
        self.connection = connection
        self.auto_now = bool(getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False))
        self.now = now
        self.memo: dict[Any, Any] = {}
        # Text columns store a str as it is, number and key columns an int: no preparation needed.
        self.plain_text = type(field) in (models.CharField, models.TextField, models.EmailField)
        self.plain_int = isinstance(field, _INTEGERS) and not _is_auto(field)
        # A default that makes a new object each time (uuid4) is called for each row; `dict` and
        # the like always make the same value.
        self.constant = (
            self.auto_now
            or not (field.has_default() and callable(field.default))
            or field.default in (dict, list, str)
        )
        self.missing: Any = _MISSING

    def default(self) -> Any:
        if self.auto_now:
            return self.now
        if self.field.has_default():
            return self.field.get_default()
        if self.field.null:
            return None
        if self.field.empty_strings_allowed:
            return ""
        raise ValueError(f"{self.field.model.__name__}.{self.name} needs a value.")

    def value(self, row: Mapping[str, Any]) -> Any:
        value = row.get(self.attname, _MISSING)
        if value is _MISSING and self.name != self.attname:
            value = row.get(self.name, _MISSING)
            if isinstance(value, models.Model):
                value = value.pk
        if value is _MISSING:
            if not self.constant:
                return self.prepare(self.default())
            if self.missing is _MISSING:
                self.missing = self.prepare(self.default())
            return self.missing
        return self.prepare(value)

    def prepare(self, value: Any) -> Any:
        kind = type(value)
        if (kind is str and self.plain_text) or (kind is int and self.plain_int):
            return value
        # Identical values (the same campaign, the same moment) are prepared once per insert. The
        # type is part of the key: 1, 1.0 and True are equal in Python but not in a JSON column.
        key = (kind, value)
        try:
            return self.memo[key]
        except KeyError:
            prepared = self.field.get_db_prep_save(value, connection=self.connection)
            if len(self.memo) < _MEMO_LIMIT:
                self.memo[key] = prepared
            return prepared
        except TypeError:  # unhashable: a dict for a JSON column
            return self.field.get_db_prep_save(value, connection=self.connection)


def insert_rows(
    model: type[models.Model],
    rows: Iterable[Mapping[str, Any]],
    *,
    ignore_conflicts: bool = False,
    batch_size: int = BATCH_SIZE,
    using: str = "default",
) -> int:
    """Insert `rows` into `model`'s table; returns how many rows are new.

    Each row maps field names or attnames (`contact` or `contact_id`) to values; a related object
    stands for its primary key. Missing fields take the model's default (`auto_now` fields take the
    moment of the call). With `ignore_conflicts`, rows that break a unique constraint are skipped
    (`ON CONFLICT DO NOTHING`), and the count leaves them out.
    """
    connection = connections[using]
    now = timezone.now()
    meta = model._meta
    fields = [field for field in meta.concrete_fields if not (field.primary_key and _is_auto(field))]
    columns = [_Column(field, connection, now) for field in fields]
    statement = _Statement(
        connection, meta.db_table, [str(field.column) for field in fields], ignore_conflicts
    )
    inserted = 0
    batch: list[Sequence[Any]] = []
    for row in rows:
        batch.append([column.value(row) for column in columns])
        if len(batch) >= batch_size:
            inserted += statement.execute(batch)
            batch = []
    if batch:
        inserted += statement.execute(batch)
    return inserted


def insert_values(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    ignore_conflicts: bool = False,
    batch_size: int = BATCH_SIZE,
    using: str = "default",
) -> int:
    """Like `insert_rows`, for rows given as tuples of the values of `columns` (attnames); the
    other columns take their defaults, a constant one prepared once per call. Without
    `ignore_conflicts`, PostgreSQL receives the rows by `COPY`, and a row that breaks a constraint
    fails the batch as an INSERT would."""
    connection = connections[using]
    now = timezone.now()
    meta = model._meta
    by_attname = {field.attname: field for field in meta.concrete_fields}
    given = [_Column(by_attname[name], connection, now) for name in columns]
    rest = [
        _Column(field, connection, now)
        for field in meta.concrete_fields
        if field.attname not in columns and not (field.primary_key and _is_auto(field))
    ]
    empty: dict[str, Any] = {}
    # The constant defaults come last, prepared once and added to each row as they are.
    varying = [column for column in rest if not column.constant]
    constant = [column for column in rest if column.constant]
    tail = [column.value(empty) for column in constant]
    statement = _Statement(
        connection,
        meta.db_table,
        [str(column.field.column) for column in [*given, *varying, *constant]],
        ignore_conflicts,
    )
    inserted = 0
    batch: list[Sequence[Any]] = []
    for row in rows:
        values = [column.prepare(value) for column, value in zip(given, row, strict=True)]
        values.extend([column.value(empty) for column in varying])
        values.extend(tail)
        batch.append(values)
        if len(batch) >= batch_size:
            inserted += statement.execute(batch)
            batch = []
    if batch:
        inserted += statement.execute(batch)
    return inserted


class _Statement:
    """The INSERT itself: one prepared row statement run for every row of a batch (`executemany`,
    which psycopg pipelines, so PostgreSQL gets no round trip per row), or on PostgreSQL, when no
    conflict is to be skipped, `COPY`, which streams the rows."""

    def __init__(self, connection: Any, table: str, columns: list[str], ignore_conflicts: bool) -> None:
        quote = connection.ops.quote_name
        self.connection = connection
        names = ", ".join(quote(column) for column in columns)
        self.sql = "INSERT INTO {} ({}) VALUES ({}){}".format(  # noqa: S608  (names quoted from the model)
            quote(table),
            names,
            ", ".join(["%s"] * len(columns)),
            " ON CONFLICT DO NOTHING" if ignore_conflicts else "",
        )
        self.copy = (
            f"COPY {quote(table)} ({names}) FROM STDIN"
            if connection.vendor == "postgresql" and not ignore_conflicts
            else ""
        )

    def execute(self, batch: list[Sequence[Any]]) -> int:
        # One transaction a batch: outside one, SQLite would commit (and sync) every row.
        with transaction.atomic(using=self.connection.alias), self.connection.cursor() as cursor:
            if self.copy:
                with self.connection.wrap_database_errors, cursor.cursor.copy(self.copy) as copy:
                    for values in batch:
                        copy.write_row(values)
                return len(batch)
            cursor.executemany(self.sql, batch)
            return _count(cursor.rowcount, len(batch))


def _count(rowcount: int | None, rows: int) -> int:
    # sqlite3 and psycopg report the rows written (the sum, after executemany); -1 means unknown.
    return rows if rowcount is None or rowcount < 0 else int(rowcount)


def loaded_instance(
    model: type[models.Model], names: Sequence[str], values: Sequence[Any], *, using: str = "default"
) -> Any:
    """A model instance as the database holds it, without `Model.__init__` (which costs more than
    the query when a batch loads hundreds of rows): what `from_db` makes with these fields only, the
    others deferred (read from the database if anything asks for them)."""
    instance: Any = models.Model.__new__(model)
    state = ModelState()
    state.adding = False
    state.db = using
    instance._state = state
    instance.__dict__.update(zip(names, values, strict=True))
    return instance


def _is_auto(field: models.Field[Any, Any]) -> bool:
    return isinstance(field, models.AutoField | models.BigAutoField | models.SmallAutoField)
