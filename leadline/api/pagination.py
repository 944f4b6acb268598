"""Cursor pagination for list endpoints: `{"items": [...], "next_cursor": "..." | null}`.

Pages are cut by keyset (sort value, then row), not by offset, so rows inserted while a client walks
a list never shift, repeat or skip entries, and deep pages cost the same as the first. The cursor is
signed: clients treat it as opaque, and a tampered or foreign cursor is refused with 400. It holds
the sort value and the row's public id, never an integer key.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core import signing
from django.core.exceptions import ValidationError
from django.db.models import Model, Q, QuerySet, Subquery
from ninja import Field, Schema
from pydantic import create_model

from leadline.api.errors import ApiError

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
_SALT = "leadline.api.cursor"


class PageQuery(Schema):
    """The two query parameters every list endpoint takes."""

    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Items per page (1 to 200).")
    cursor: str | None = Field(
        None, max_length=1000, description="`next_cursor` of the previous page; omit for the first page."
    )


@dataclass(frozen=True)
class CursorPage[T]:
    items: list[T]
    next_cursor: str | None


def page_schema(item: type[Schema], name: str) -> type[Schema]:
    """The response schema of a list endpoint whose items are `item`."""
    model: type[Schema] = create_model(
        name,
        __base__=Schema,
        items=(list[item], ...),  # type: ignore[valid-type]
        next_cursor=(str | None, Field(None, description="Pass as `cursor` to get the next page.")),
    )
    return model


def invalid_cursor() -> ApiError:
    return ApiError(
        400, "invalid_cursor", "This cursor is not valid here.", {"cursor": ["Use a next_cursor as given."]}
    )


def sign_cursor(position: Any, *, namespace: str) -> str:
    """Wrap any JSON-able position (e.g. a selector's own cursor) so that clients cannot forge it."""
    return signing.dumps(position, salt=f"{_SALT}.{namespace}", compress=True)


def read_cursor(token: str, *, namespace: str) -> Any:
    try:
        return signing.loads(token, salt=f"{_SALT}.{namespace}")
    except signing.BadSignature:
        raise invalid_cursor() from None


def paginate[M: Model](
    queryset: QuerySet[M], page: PageQuery, *, key: str, namespace: str, descending: bool = True
) -> CursorPage[M]:
    """One page of `queryset` ordered by `key` (a non-null column), then by row.

    `namespace` names the list (e.g. "contacts") so that a cursor of one list is refused by another.
    """
    model = queryset.model
    field = model._meta.get_field(key)
    direction = "lt" if descending else "gt"
    if page.cursor:
        position = read_cursor(page.cursor, namespace=namespace)
        if not (isinstance(position, list) and len(position) == 2):
            raise invalid_cursor()
        raw_value, public_id = position
        try:
            value = field.to_python(raw_value)  # type: ignore[union-attr]
            boundary = model._default_manager.filter(public_id=public_id).values("id")[:1]
        except (ValidationError, ValueError, TypeError):
            raise invalid_cursor() from None
        # Rows sharing the sort value are ordered by id; the subquery finds the cursor row's id. If
        # that row was deleted meanwhile, paging resumes after the sort value alone.
        queryset = queryset.filter(
            Q(**{f"{key}__{direction}": value}) | Q(**{key: value, f"id__{direction}": Subquery(boundary)})
        )
    prefix = "-" if descending else ""
    rows = list(queryset.order_by(f"{prefix}{key}", f"{prefix}id")[: page.limit + 1])
    items = rows[: page.limit]
    next_cursor = None
    if len(rows) > page.limit and items:
        last = items[-1]
        next_cursor = sign_cursor([_json_value(getattr(last, key)), str(last.public_id)], namespace=namespace)  # type: ignore[attr-defined]
    return CursorPage(items=items, next_cursor=next_cursor)


def _json_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value
