"""Fast bulk inserts for hot paths: rows as plain mappings, one prepared statement, no model instances.

`bulk_create` builds a model instance per row and prepares every field of every row through the
field API; on a 30-column table that is most of the cost of queueing a campaign or running a batch
of workflow steps. `insert_rows` keeps the field API (so values are stored exactly as the ORM
stores them) but prepares each distinct value of a column once, fills defaults the way the model
would, and sends the rows with `executemany`. Signals are not sent and `save()` is not called, as
with `bulk_create`.

    inserted = insert_rows(StepRun, [{"enrolment_id": 7, "step_key": "one", ...}], ignore_conflicts=True)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db import connections, models, transaction
from django.utils import timezone

BATCH_SIZE = 2000
_MISSING = object()
_MEMO_LIMIT = 4096


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
        # Text columns store a str as it is; their preparation is skipped for str values.
        self.plain_text = type(field) in (models.CharField, models.TextField, models.EmailField)
        self.constant = self.auto_now or not (field.has_default() and callable(field.default))
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
        if self.plain_text and type(value) is str:
            return value
        return self.prepare(value)

    def prepare(self, value: Any) -> Any:
        # Identical values (the same campaign, the same moment) are prepared once per insert.
        try:
            return self.memo[value]
        except KeyError:
            prepared = self.field.get_db_prep_save(value, connection=self.connection)
            if len(self.memo) < _MEMO_LIMIT:
                self.memo[value] = prepared
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


class _Statement:
    """The INSERT itself: one prepared row statement run for every row of a batch (`executemany`,
    which psycopg pipelines, so PostgreSQL gets no round trip per row)."""

    def __init__(self, connection: Any, table: str, columns: list[str], ignore_conflicts: bool) -> None:
        quote = connection.ops.quote_name
        self.connection = connection
        self.sql = "INSERT INTO {} ({}) VALUES ({}){}".format(  # noqa: S608  (names quoted from the model)
            quote(table),
            ", ".join(quote(column) for column in columns),
            ", ".join(["%s"] * len(columns)),
            " ON CONFLICT DO NOTHING" if ignore_conflicts else "",
        )

    def execute(self, batch: list[Sequence[Any]]) -> int:
        # One transaction a batch: outside one, SQLite would commit (and sync) every row.
        with transaction.atomic(using=self.connection.alias), self.connection.cursor() as cursor:
            cursor.executemany(self.sql, batch)
            return _count(cursor.rowcount, len(batch))


def _count(rowcount: int | None, rows: int) -> int:
    # sqlite3 and psycopg report the rows written (the sum, after executemany); -1 means unknown.
    return rows if rowcount is None or rowcount < 0 else int(rowcount)


def _is_auto(field: models.Field[Any, Any]) -> bool:
    return isinstance(field, models.AutoField | models.BigAutoField | models.SmallAutoField)
