"""Touchpoints packed by block of contacts, for attribution.

Attribution reads every visit of every known contact inside its window — half a million rows for a
hundred thousand contacts — and a database driver hands rows to Python one value at a time. The
touch rollup (`ContactTouch`, one row per visit) is therefore also kept packed: one `TouchChunk`
row per block of `CHUNK_SIZE` contact ids, holding its visits as fixed-size binary records that
numpy reads in one go. The rollup worker repacks the chunks of the contacts it folded in the same
transaction; a contact deleted elsewhere marks its chunk dirty, and readers take a dirty chunk's
visits from `ContactTouch` until the worker repacks it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db import connection
from numpy.typing import NDArray

from leadline.analytics.models import ContactTouch, TouchChunk

CHUNK_SIZE = 256
FIELDS = ("contact", "us", "last_us", "origin", "session")
RECORD = np.dtype([(name, "<i8") for name in FIELDS])
_TOUCH_COLUMNS = ("contact_id", "first_us", "last_us", "origin_id", "session_id")


@dataclass
class PackedTouches:
    """Visits in (contact, time) order: contact id, first page view (microseconds since 1970),
    `TouchOrigin` id and session key (equal for the visits of one session)."""

    contacts: NDArray[np.int64]
    us: NDArray[np.int64]
    origins: NDArray[np.int64]
    sessions: NDArray[np.int64]

    @property
    def size(self) -> int:
        return int(self.contacts.size)


@dataclass
class StraddlingVisits:
    """Visits that began before a window and went on into it: contact, session key, last page view."""

    contacts: NDArray[np.int64]
    sessions: NDArray[np.int64]
    last_us: NDArray[np.int64]


def session_key(value: Any) -> int:
    """A 64-bit number for a UUID (or its hex text, as SQLite stores it): its first 64 bits; 0 for
    none. Sessions use it to tell apart the visits of one contact, visitors (`analytics.visits`) to
    count distinct visitors."""
    if value is None:
        return 0
    raw = value.bytes if isinstance(value, uuid.UUID) else bytes.fromhex(str(value).replace("-", ""))
    return int.from_bytes(raw[:8], "little", signed=True)


def chunks_of(contact_ids: Iterable[int]) -> set[int]:
    return {int(contact_id) // CHUNK_SIZE for contact_id in contact_ids}


def _pack(rows: list[tuple[Any, ...]]) -> bytes:
    records = np.empty(len(rows), dtype=RECORD)
    if rows:
        contacts, moments, last_moments, origins, sessions = zip(*rows, strict=True)
        records["contact"] = contacts
        records["us"] = moments
        records["last_us"] = last_moments
        records["origin"] = origins
        records["session"] = [session_key(value) for value in sessions]
    return records.tobytes()


def _touch_rows(low: int, high: int) -> list[tuple[Any, ...]]:
    """The visits of contact ids low..high-1 in (contact, time, first view) order."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(_TOUCH_COLUMNS)} FROM {ContactTouch._meta.db_table} "  # noqa: S608
            "WHERE contact_id >= %s AND contact_id < %s ORDER BY contact_id, first_us, first_activity_id",
            [low, high],
        )
        return list(cursor.fetchall())


def store_block(
    model: Any,
    key: dict[str, int],
    blob: str,
    rows: list[tuple[Any, ...]],
    pack: Callable[[list[Any]], bytes],
) -> None:
    """One block packed from its rows and no longer dirty; deleted when it has no rows left."""
    if rows:
        model.objects.update_or_create(**key, defaults={blob: pack(rows), "count": len(rows), "dirty": False})
    else:
        model.objects.filter(**key).delete()


def blocks_of(
    cursor: Any, key_of: Callable[[tuple[Any, ...]], int]
) -> Iterator[tuple[int, list[tuple[Any, ...]]]]:
    """The rows of an executed cursor, in block order, as (block key, its rows)."""
    current: int | None = None
    rows: list[tuple[Any, ...]] = []
    for batch in iter(lambda: cursor.fetchmany(50_000), []):
        for row in batch:
            key = key_of(row)
            if key != current:
                if rows and current is not None:
                    yield current, rows
                current, rows = key, []
            rows.append(row)
    if rows and current is not None:
        yield current, rows


def paths_refresh(chunks: Iterable[int] | None = None) -> int:
    """Repack these chunks (all of them when None) from `ContactTouch`; returns how many."""
    if chunks is not None:
        wanted = sorted(set(chunks))
        for number in wanted:
            rows = _touch_rows(number * CHUNK_SIZE, (number + 1) * CHUNK_SIZE)
            store_block(TouchChunk, {"number": number}, "touches", rows, _pack)
        return len(wanted)
    TouchChunk.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(_TOUCH_COLUMNS)} FROM {ContactTouch._meta.db_table} "  # noqa: S608
            "ORDER BY contact_id, first_us, first_activity_id"
        )
        packed = [
            TouchChunk(number=number, touches=_pack(rows), count=len(rows))
            for number, rows in blocks_of(cursor, lambda row: row[0] // CHUNK_SIZE)
        ]
    TouchChunk.objects.bulk_create(packed, batch_size=100)
    return len(packed)


def paths_mark_dirty(contact_ids: Iterable[int]) -> None:
    """The touches of these contacts changed outside the worker (they were deleted): their chunks
    are read from `ContactTouch` until the worker repacks them."""
    numbers = chunks_of(contact_ids)
    if numbers:
        TouchChunk.objects.filter(number__in=numbers).update(dirty=True)


def paths_refresh_dirty() -> int:
    return paths_refresh(TouchChunk.objects.filter(dirty=True).values_list("number", flat=True))


def paths_read(
    start_us: int, end_us: int, contact_ids: NDArray[np.int64] | None = None
) -> tuple[PackedTouches, StraddlingVisits]:
    """The visits that began in [start_us, end_us), and those that began before `start_us` and
    went on to it or past it; of the given contacts only when `contact_ids` (sorted) is given."""
    parts: list[bytes] = []
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT number, dirty, touches FROM {TouchChunk._meta.db_table} ORDER BY number")  # noqa: S608
        for number, dirty, touches in cursor.fetchall():
            parts.append(
                _pack(_touch_rows(number * CHUNK_SIZE, (number + 1) * CHUNK_SIZE))
                if dirty
                else bytes(touches)
            )
    table = np.frombuffer(b"".join(parts), dtype=np.int64).reshape(-1, len(FIELDS))
    column = {name: table[:, index] for index, name in enumerate(FIELDS)}
    mine = np.ones(table.shape[0], dtype=bool)
    if contact_ids is not None:
        if contact_ids.size:
            position = np.minimum(np.searchsorted(contact_ids, column["contact"]), contact_ids.size - 1)
            mine = contact_ids[position] == column["contact"]
        else:
            mine[:] = False
    inside = mine & (column["us"] >= start_us) & (column["us"] < end_us)
    across = mine & (column["us"] < start_us) & (column["last_us"] >= start_us)
    return (
        PackedTouches(
            contacts=column["contact"].compress(inside),
            us=column["us"].compress(inside),
            origins=column["origin"].compress(inside),
            sessions=column["session"].compress(inside),
        ),
        StraddlingVisits(
            contacts=column["contact"].compress(across),
            sessions=column["session"].compress(across),
            last_us=column["last_us"].compress(across),
        ),
    )
