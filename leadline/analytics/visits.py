"""Visits packed by day, for the marketing dashboard.

The marketing numbers count visits and *distinct* visitors over any window, per day, per source
and per campaign. Over a row per visit, a database answers a distinct count by sorting every
visitor id of the window — seconds for a year of a busy site, and again for each table of the
page. The visit rollup (`TrafficSession`) is therefore also kept packed: one `VisitChunk` row per
UTC day holding its visits as fixed-size binary records (start, visitor key, origin, page views,
flags), which a request reads once and counts with numpy.

Visitor keys are the first 64 bits of the visitor's UUID: two visitors of one window would have to
share those bits to be counted as one (a chance of about one in 10^7 with a million visitors).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import numpy as np
from django.db import connection
from numpy.typing import NDArray

from leadline.analytics.models import TouchOrigin, TrafficSession, VisitChunk
from leadline.analytics.paths import blocks_of, store_block
from leadline.analytics.paths import session_key as uuid_key

FIELDS = ("us", "visitor", "origin", "views", "flags")
RETURNING, SEARCH, KNOWN_TERM = 1, 2, 4
DAY_US = 86_400_000_000
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)
_COLUMNS = (
    "started_at, visitor_id, source, medium, campaign, page_views, is_returning, is_search, search_term"
)


def day_number(moment: datetime) -> int:
    """The UTC day of a moment, counted from 1970-01-01."""
    return (moment - EPOCH) // MICROSECOND // DAY_US


def _us(value: Any) -> int:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return int((value - EPOCH) // MICROSECOND)


def _rows(low_us: int, high_us: int) -> list[tuple[Any, ...]]:
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {_COLUMNS} FROM {TrafficSession._meta.db_table} "  # noqa: S608
            "WHERE started_at >= %s AND started_at < %s ORDER BY started_at, id",
            [adapt(EPOCH + timedelta(microseconds=low_us)), adapt(EPOCH + timedelta(microseconds=high_us))],
        )
        return list(cursor.fetchall())


def _pack(rows: list[tuple[Any, ...]]) -> bytes:
    """Rows of `_COLUMNS` as records; their origins are numbered in `TouchOrigin` (added when new)."""
    from leadline.analytics.rollups import origin_ids

    records = np.empty((len(rows), len(FIELDS)), dtype=np.int64)
    if rows:
        origins = origin_ids((row[2] or "", row[3] or "", row[4] or "") for row in rows)
        records[:, 0] = [_us(row[0]) for row in rows]
        records[:, 1] = [uuid_key(row[1]) for row in rows]
        records[:, 2] = [origins[(row[2] or "", row[3] or "", row[4] or "")] for row in rows]
        records[:, 3] = [row[5] for row in rows]
        records[:, 4] = [
            (RETURNING if row[6] else 0) | (SEARCH if row[7] else 0) | (KNOWN_TERM if row[8] else 0)
            for row in rows
        ]
    return records.tobytes()


def visits_refresh(days: Iterable[int] | None = None) -> int:
    """Repack these UTC days (all of them when None) from `TrafficSession`; returns how many."""
    if days is not None:
        wanted = sorted(set(days))
        for day in wanted:
            store_block(VisitChunk, {"day": day}, "visits", _rows(day * DAY_US, (day + 1) * DAY_US), _pack)
        return len(wanted)
    VisitChunk.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {_COLUMNS} FROM {TrafficSession._meta.db_table} ORDER BY started_at, id"  # noqa: S608
        )
        packed = [
            VisitChunk(day=day, visits=_pack(rows), count=len(rows))
            for day, rows in blocks_of(cursor, lambda row: _us(row[0]) // DAY_US)
        ]
    VisitChunk.objects.bulk_create(packed, batch_size=100)
    return len(packed)


def visits_refresh_dirty() -> int:
    return visits_refresh(VisitChunk.objects.filter(dirty=True).values_list("day", flat=True))


# --- Reading -----------------------------------------------------------------------------------------


@dataclass
class VisitFrame:
    """The visits of a window, one array element per visit, and the origins they came from."""

    us: NDArray[np.int64]
    visitor: NDArray[np.int64]
    origin: NDArray[np.int64]
    views: NDArray[np.int64]
    flags: NDArray[np.int64]
    origins: dict[int, tuple[str, str, str]]  # TouchOrigin id → (source, medium, campaign)
    _by_visitor: NDArray[np.intp] | None = None

    @property
    def size(self) -> int:
        return int(self.us.size)

    def where(self, keep: NDArray[np.bool_]) -> VisitFrame:
        return VisitFrame(
            self.us[keep],
            self.visitor[keep],
            self.origin[keep],
            self.views[keep],
            self.flags[keep],
            self.origins,
        )

    def origin_mask(self, wanted: Any) -> NDArray[np.bool_]:
        """Visits whose origin (source, medium, campaign) satisfies `wanted`."""
        ids = np.array([pk for pk, triple in self.origins.items() if wanted(*triple)], dtype=np.int64)
        return np.isin(self.origin, ids)

    def by_visitor(self) -> NDArray[np.intp]:
        """The visits in visitor order (sorted once, shared by every distinct count)."""
        if self._by_visitor is None:
            self._by_visitor = np.argsort(self.visitor, kind="stable")
        return self._by_visitor

    def distinct_visitors(self, keep: NDArray[np.bool_] | None = None) -> int:
        order = self.by_visitor()
        visitors = self.visitor[order] if keep is None else self.visitor[order][keep[order]]
        return int(visitors.size and 1 + np.count_nonzero(visitors[1:] != visitors[:-1]))

    def distinct_per_group(self, groups: NDArray[np.int64], count: int) -> NDArray[np.int64]:
        """How many distinct visitors each group (0..count-1, one per visit) has."""
        if not groups.size:
            return np.zeros(count, dtype=np.int64)
        order = self.by_visitor()
        in_order = groups[order]
        # A stable sort by group keeps each group's visits in visitor order; small keys sort by radix.
        order = order[np.argsort(in_order.astype(np.int16) if count < 2**15 else in_order, kind="stable")]
        group, visitor = groups[order], self.visitor[order]
        first = np.ones(order.size, dtype=bool)
        first[1:] = (group[1:] != group[:-1]) | (visitor[1:] != visitor[:-1])
        return np.bincount(group[first], minlength=count)


def visits_read(
    start: datetime, end: datetime, *, source: str | None = None, campaign: str | None = None
) -> VisitFrame:
    """The visits that began in [start, end), of one source and campaign when given."""
    low, high = day_number(start), day_number(end - MICROSECOND)
    parts: list[bytes] = []
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT day, dirty, visits FROM {VisitChunk._meta.db_table} "  # noqa: S608
            "WHERE day >= %s AND day <= %s ORDER BY day",
            [low, high],
        )
        for day, dirty, visits in cursor.fetchall():
            parts.append(_pack(_rows(day * DAY_US, (day + 1) * DAY_US)) if dirty else bytes(visits))
    table = np.frombuffer(b"".join(parts), dtype=np.int64).reshape(-1, len(FIELDS))
    start_us, end_us = _us(start), _us(end)
    keep = (table[:, 0] >= start_us) & (table[:, 0] < end_us)
    columns = [table[:, index].compress(keep) for index in range(len(FIELDS))]
    used = np.unique(columns[2]).tolist()
    origins = {
        pk: (source_, medium, campaign_)
        for pk, source_, medium, campaign_ in TouchOrigin.objects.filter(pk__in=used).values_list(
            "pk", "source", "medium", "campaign"
        )
    }
    frame = VisitFrame(columns[0], columns[1], columns[2], columns[3], columns[4], origins)
    if source or campaign:
        frame = frame.where(
            frame.origin_mask(
                lambda s, _m, c: (not source or s == source) and (not campaign or c == campaign)
            )
        )
    return frame


# --- Counting ----------------------------------------------------------------------------------------


def totals(frame: VisitFrame) -> dict[str, int]:
    direct = frame.origin_mask(lambda source, _medium, _campaign: source == "")
    return {
        "sessions": frame.size,
        "visitors": frame.distinct_visitors(),
        "returning_visitors": frame.distinct_visitors((frame.flags & RETURNING) != 0),
        "page_views": int(frame.views.sum()),
        "direct_sessions": int(np.count_nonzero(direct)),
    }


def by_day(frame: VisitFrame, first: date, days: int, zone: Any) -> list[dict[str, Any]]:
    """Visits, distinct visitors and page views per local day, from `first` for `days` days."""
    bounds = np.array(
        [
            _us(datetime.combine(first + timedelta(days=offset), time.min, tzinfo=zone))
            for offset in range(days + 1)
        ],
        dtype=np.int64,
    )
    index = np.searchsorted(bounds, frame.us, side="right") - 1
    inside = (index >= 0) & (index < days)
    # Visits outside the days (none when the frame is the window's) go to one more group.
    groups = np.where(inside, index, days)
    sessions = np.bincount(groups, minlength=days + 1)
    distinct = frame.distinct_per_group(groups, days + 1)
    page_views = np.bincount(groups, weights=frame.views, minlength=days + 1)
    return [
        {
            "day": first + timedelta(days=offset),
            "sessions": int(sessions[offset]),
            "visitors": int(distinct[offset]),
            "page_views": int(page_views[offset]),
        }
        for offset in range(days)
    ]


def by_origin(frame: VisitFrame, key: Any) -> list[tuple[Any, dict[str, int]]]:
    """Visits, distinct visitors and page views per `key(source, medium, campaign)` (a tuple)."""
    labels: dict[Any, int] = {}
    group_of = {pk: labels.setdefault(key(*triple), len(labels)) for pk, triple in frame.origins.items()}
    if not frame.size:
        return []
    lookup = np.zeros(max(group_of) + 1, dtype=np.int64)
    for pk, group in group_of.items():
        lookup[pk] = group
    groups = lookup[frame.origin]
    sessions = np.bincount(groups, minlength=len(labels))
    distinct = frame.distinct_per_group(groups, len(labels))
    page_views = np.bincount(groups, weights=frame.views, minlength=len(labels))
    return [
        (label, {"sessions": int(sessions[group]), "visitors": int(distinct[group]),
                 "page_views": int(page_views[group])})
        for label, group in labels.items()
        if sessions[group]
    ]  # fmt: skip
