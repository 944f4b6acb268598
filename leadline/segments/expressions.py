# ruff: noqa: S608  (the columns come from the ORM; every value travels as a parameter)
"""SQL expressions the ORM has no portable word for, written once per database.

- `ListProperty`: does a multiple-choice custom property (a JSON list in `properties`) hold any / all
  of some values, or is it empty. SQLite walks the list with `json_each`; PostgreSQL asks the jsonb
  operators' functions.
- `IdList`: a list of primary keys written straight into the SQL as parameters.
- `Unindexed`: a column the SQLite planner must not pick an index for (the unary `+` idiom), so that
  a condition that reads most of the activity log does one sequential scan instead of a million
  index lookups in random order. Other databases plan from real statistics and get the column.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import BooleanField, Expression, F, Func, IntegerField

ANY, ALL, EMPTY = "any", "all", "empty"


class ListProperty(Func):
    """True when the JSON list under `key` holds any (or all) of `values`, or (EMPTY) holds nothing.

    Never NULL: a contact without the key gives false (or true for EMPTY), so NOT around it stays
    correct. `key` is a defined property key (lower-case letters, digits, underscores); it travels as a
    parameter anyway.
    """

    output_field = BooleanField()

    def __init__(self, key: str, values: list[str], mode: str) -> None:
        super().__init__(F("properties"))
        self.key, self.values, self.mode = key, list(dict.fromkeys(values)), mode

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:  # type: ignore[override]
        column, column_params = compiler.compile(self.source_expressions[0])
        if connection.vendor == "postgresql":
            return self._postgresql(column, list(column_params))
        return self._sqlite(column, list(column_params))

    def _sqlite(self, column: str, params: list[Any]) -> tuple[str, list[Any]]:
        path = f'$."{self.key}"'
        if self.mode == EMPTY:
            return f"(COALESCE(json_array_length({column}, %s), 0) = 0)", [*params, path]
        marks = ", ".join(["%s"] * len(self.values))
        if self.mode == ANY:
            sql = f"EXISTS (SELECT 1 FROM json_each({column}, %s) item WHERE item.value IN ({marks}))"
            return sql, [*params, path, *self.values]
        sql = (
            f"((SELECT COUNT(DISTINCT item.value) FROM json_each({column}, %s) item"
            f" WHERE item.value IN ({marks})) = %s)"
        )
        return sql, [*params, path, *self.values, len(self.values)]

    def _postgresql(self, column: str, params: list[Any]) -> tuple[str, list[Any]]:
        if self.mode == EMPTY:
            sql = (
                f"(COALESCE(jsonb_array_length(CASE WHEN jsonb_typeof({column} -> %s) = 'array'"
                f" THEN {column} -> %s END), 0) = 0)"
            )
            return sql, [*params, self.key, *params, self.key]
        function = "jsonb_exists_any" if self.mode == ANY else "jsonb_exists_all"
        sql = f"COALESCE({function}({column} -> %s, %s::text[]), false)"
        return sql, [*params, self.key, self.values]


class Unindexed(Func):
    """The column itself; on SQLite written `+column` so that no index is chosen for it."""

    template = "%(expressions)s"

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, tuple[Any, ...]]:
        sql, params = compiler.compile(self.source_expressions[0])
        return f"+{sql}", tuple(params)


class IdList(Expression):
    """A parenthesised list of primary keys for `__in`, rendered directly. Django otherwise prepares
    every value of an `__in` list one by one, which for the thousands of contacts an incremental
    pass re-evaluates costs more than the query."""

    def __init__(self, ids: Iterable[int]) -> None:
        super().__init__(output_field=IntegerField())
        self.ids = [int(value) for value in ids]

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[int]]:  # type: ignore[override]
        if not self.ids:
            return "(NULL)", []
        return "(" + ", ".join(["%s"] * len(self.ids)) + ")", list(self.ids)
