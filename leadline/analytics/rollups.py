"""The small tables dashboards read: each contact's funnel milestones, one row per visit, the visits
of known contacts as attribution touchpoints, page views per path and day. A periodic worker folds
new activity rows into them (under an activity cursor, in the same transaction, so each row counts
once); `rollups_rebuild` recomputes them from raw rows. The visits and the touchpoints are also kept
packed in binary blocks for the reports that read them all (`analytics.visits`,
`analytics.paths`), repacked in the same transaction as the rows they copy.
"""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max, Min

from leadline.activity.models import Activity, Cursor, Kind
from leadline.analytics.brand import search_of
from leadline.analytics.models import (
    ContactMilestone,
    ContactTouch,
    PageViewDaily,
    TouchOrigin,
    TrafficSession,
)
from leadline.analytics.paths import chunks_of, paths_refresh, paths_refresh_dirty
from leadline.analytics.visits import day_number, visits_refresh, visits_refresh_dirty
from leadline.contacts.models import LifecycleStage
from leadline.tracking.models import Visitor

ROLLUP_CURSOR = "analytics.rollups"
IDENTIFIED_CURSOR = "analytics.rollups.identified"
BATCH_SIZE = 20_000
PATH_LENGTH = 500

# The funnel steps after the anonymous visit, in order; each is "reached" when the contact's
# lifecycle stage first reaches it or any later stage.
FUNNEL_STAGES = (
    LifecycleStage.LEAD,
    LifecycleStage.MQL,
    LifecycleStage.SQL,
    LifecycleStage.OPPORTUNITY,
    LifecycleStage.CUSTOMER,
)
MILESTONE_FIELDS: dict[str, str] = {str(stage): f"{stage}_at" for stage in FUNNEL_STAGES}
CONTACT_KINDS = (
    Kind.CONTACT_CREATED,
    Kind.CONTACT_IMPORTED,
    Kind.CONTACT_UPDATED,
    Kind.STAGE_CHANGED,
    Kind.OWNER_CHANGED,
    Kind.CONTACT_MERGED,
)
CONSUMED_KINDS = (Kind.PAGE_VIEW, *CONTACT_KINDS)

Progress = Callable[[int, int], object]


def workspace_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def local_day(moment: datetime) -> date:
    return moment.astimezone(workspace_zone()).date()


def page_path(url: str) -> str:
    try:
        path = urlsplit(url).path or "/"
    except ValueError:
        path = "/"
    return path[:PATH_LENGTH]


# --- Milestones ----------------------------------------------------------------------------------


def _reached(
    initial_stage: str, created_at: datetime, changes: list[tuple[datetime, str]]
) -> dict[str, datetime]:
    """The first moment the contact stood at each funnel step or beyond."""
    reached: dict[str, datetime] = {}

    def reach(rank: int, moment: datetime) -> None:
        for stage in FUNNEL_STAGES:
            if LifecycleStage.rank(stage) <= rank and (stage not in reached or moment < reached[stage]):
                reached[stage] = moment

    reach(LifecycleStage.rank(initial_stage), created_at)
    for moment, stage in changes:
        reach(LifecycleStage.rank(stage), moment)
    return reached


GAP_FIELDS = [f"{stage}_gap" for stage in FUNNEL_STAGES]


def milestone_values(first_seen: datetime | None, reached: dict[str, datetime]) -> dict[str, Any]:
    """The milestone columns: each step's moment and the microseconds since the step before."""
    first_touch = first_seen or reached.get(LifecycleStage.LEAD)
    values: dict[str, Any] = {
        "first_seen_at": first_seen,
        "first_touch_at": first_touch,
        "first_touch_month": None if first_touch is None else local_day(first_touch).replace(day=1),
    }
    previous = first_seen
    for stage in FUNNEL_STAGES:
        moment = reached.get(stage)
        values[f"{stage}_at"] = moment
        values[f"{stage}_gap"] = (
            None if moment is None or previous is None else (moment - previous) // timedelta(microseconds=1)
        )
        previous = moment
    return values


def milestones_refresh(contact_ids: Iterable[int] | None = None) -> int:
    """Recompute the milestones of these contacts (all of them when None) from the raw rows."""
    where, params = "", []
    if contact_ids is not None:
        ids = sorted(set(contact_ids))
        if not ids:
            return 0
        where = f" AND contact_id IN ({', '.join(['%s'] * len(ids))})"
        params = ids
    changes: dict[int, list[tuple[datetime, int, Any]]] = defaultdict(list)
    first_seen: dict[int, datetime] = {}
    contacts = []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT contact_id, occurred_at, id, data FROM activity_activity "  # noqa: S608
            f"WHERE kind = %s AND contact_id IS NOT NULL{where}",
            [Kind.STAGE_CHANGED.value, *params],
        )
        for contact_id, occurred_at, activity_id, data in cursor.fetchall():
            changes[contact_id].append((_aware(occurred_at), activity_id, data))
        cursor.execute(
            "SELECT contact_id, MIN(first_seen_at) FROM tracking_visitor "  # noqa: S608
            f"WHERE contact_id IS NOT NULL{where} GROUP BY contact_id",
            params,
        )
        first_seen = {contact_id: _aware(moment) for contact_id, moment in cursor.fetchall()}
        cursor.execute(
            "SELECT id, created_at, lifecycle_stage, original_source, original_source_detail, owner_id "  # noqa: S608
            f"FROM contacts_contact WHERE 1 = 1{where.replace('contact_id', 'id')}",
            params,
        )
        contacts = cursor.fetchall()
    rows = []
    for contact_id, created_at, stage, source, detail, owner_id in contacts:
        history = sorted(changes.get(contact_id, []), key=lambda row: (row[0], row[1]))
        datas = [_json(data) for _, _, data in history]
        initial = str(datas[0].get("from") or "") if history else stage
        reached = _reached(
            initial,
            _aware(created_at),
            [
                (moment, str(data.get("to") or ""))
                for (moment, _, _), data in zip(history, datas, strict=True)
            ],
        )
        rows.append(
            {
                "contact_id": contact_id,
                "source": source or "",
                "campaign": (detail or "")[:255],
                "owner_id": owner_id,
                **milestone_values(first_seen.get(contact_id), reached),
            }
        )
    if contact_ids is None:
        adapt = connection.ops.adapt_datetimefield_value
        columns = list(rows[0]) if rows else []
        adapt_day = connection.ops.adapt_datefield_value
        _raw_insert(
            ContactMilestone._meta.db_table,
            columns,
            [
                [
                    adapt(value)
                    if isinstance(value, datetime)
                    else adapt_day(value)
                    if isinstance(value, date)
                    else value
                    for value in row.values()
                ]
                for row in rows
            ],
        )
        return len(rows)
    fields = ["source", "campaign", "owner", "first_seen_at", "first_touch_at", "first_touch_month",
              *MILESTONE_FIELDS.values(), *GAP_FIELDS]  # fmt: skip
    objects = [ContactMilestone(**row) for row in rows]
    for start in range(0, len(objects), 2000):
        ContactMilestone.objects.bulk_create(
            objects[start : start + 2000],
            update_conflicts=True,
            unique_fields=["contact"],
            update_fields=fields,
        )
    return len(rows)


def _json(data: Any) -> dict[str, Any]:
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except ValueError:
            return {}
    return data if isinstance(data, dict) else {}


# --- Traffic -------------------------------------------------------------------------------------


def _uuid(value: Any) -> uuid.UUID | None:
    if value is None or isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def traffic_add(views: list[tuple[Any, ...]]) -> None:
    """Fold page views — (occurred_at, session_id, visitor_id, url, source, medium, campaign[,
    referrer]) in log order — into the visits and the per-day page counts."""
    daily: dict[tuple[date, str], int] = defaultdict(int)
    by_session: dict[uuid.UUID, list[tuple[Any, ...]]] = defaultdict(list)
    for view in views:
        occurred_at, session_id, _visitor_id, url, *_ = view
        daily[(local_day(occurred_at), page_path(url))] += 1
        session_key = _uuid(session_id)
        if session_key is not None and _uuid(view[2]) is not None:
            by_session[session_key].append(view)
    _daily_add(daily)
    if not by_session:
        return
    existing = {
        session.session_id: session
        for session in TrafficSession.objects.filter(session_id__in=list(by_session)).only(
            "id", "session_id", "page_views", "started_at"
        )
    }
    changed = []
    for session_id, rows in by_session.items():
        if session_id in existing:
            session = existing[session_id]
            session.page_views += len(rows)
            changed.append(session)
    TrafficSession.objects.bulk_update(changed, ["page_views"], batch_size=2000)
    new_sessions = []
    for session_id, rows in by_session.items():
        if session_id in existing:
            continue
        first = min(rows, key=lambda row: row[0])
        occurred_at, _, visitor_id, url, source, medium, campaign, *rest = first
        is_search, search_term = search_of(
            url=url or "", referrer=(rest[0] if rest else "") or "", source=source or "", medium=medium or ""
        )
        new_sessions.append(
            TrafficSession(
                session_id=session_id,
                visitor_id=_uuid(visitor_id) or uuid.UUID(int=0),
                started_at=occurred_at,
                source=source or "",
                medium=medium or "",
                campaign=campaign or "",
                landing_path=page_path(url),
                page_views=len(rows),
                is_search=is_search,
                search_term=search_term,
            )
        )
    visitor_ids = {session.visitor_id for session in new_sessions}
    earliest_known = dict(
        TrafficSession.objects.order_by()
        .filter(visitor_id__in=list(visitor_ids))
        .values("visitor_id")
        .annotate(first=Min("started_at"))
        .values_list("visitor_id", "first")
    )
    first_in_batch: dict[Any, datetime] = {}
    for session in new_sessions:
        known = first_in_batch.get(session.visitor_id)
        if known is None or session.started_at < known:
            first_in_batch[session.visitor_id] = session.started_at
    for session in new_sessions:
        first_visit = min(
            [
                moment
                for moment in (earliest_known.get(session.visitor_id), first_in_batch[session.visitor_id])
                if moment
            ]
        )
        session.is_returning = session.started_at > first_visit
    TrafficSession.objects.bulk_create(new_sessions, batch_size=2000)
    visits_refresh({day_number(session.started_at) for session in [*changed, *new_sessions]})


def _daily_add(daily: dict[tuple[date, str], int]) -> None:
    if not daily:
        return
    days = {day for day, _ in daily}
    paths = {path for _, path in daily}
    current = {
        (row.day, row.path): row
        for row in PageViewDaily.objects.filter(day__in=days, path__in=paths).only(
            "id", "day", "path", "views"
        )
    }
    changed, created = [], []
    for key, count in daily.items():
        if key in current:
            current[key].views += count
            changed.append(current[key])
        else:
            created.append(PageViewDaily(day=key[0], path=key[1], views=count))
    PageViewDaily.objects.bulk_update(changed, ["views"], batch_size=2000)
    PageViewDaily.objects.bulk_create(created, batch_size=2000)


# --- Attribution touchpoints ------------------------------------------------------------------------
# One row per contact and visit: the first page view (moment, id, source / medium / campaign) and the
# moment of the last. Folding a page view keeps the earliest first and the latest last, so folding
# the same view twice, or views out of order, gives what a rebuild gives.

TouchEntry = list[Any]  # [first_us, first_id, last_us, source, medium, campaign]
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)


def epoch_us(moment: datetime) -> int:
    """Microseconds since 1970 (UTC) of an aware moment."""
    return (moment - EPOCH) // MICROSECOND


def _touch_merge(
    touches: dict[tuple[int, Any], TouchEntry],
    key: tuple[int, Any],
    moment: int,
    activity_id: int,
    source: str,
    medium: str,
    campaign: str,
) -> None:
    entry = touches.get(key)
    if entry is None:
        touches[key] = [moment, activity_id, moment, source or "", medium or "", campaign or ""]
        return
    if (moment, activity_id) < (entry[0], entry[1]):
        entry[0], entry[1], entry[3], entry[4], entry[5] = (
            moment,
            activity_id,
            source or "",
            medium or "",
            campaign or "",
        )
    if moment > entry[2]:
        entry[2] = moment


def origin_ids(triples: Iterable[tuple[str, str, str]]) -> dict[tuple[str, str, str], int]:
    """The number of each (source, medium, campaign), recorded when new."""
    wanted = set(triples)
    if not wanted:
        return {}
    known = {
        (source, medium, campaign): pk
        for pk, source, medium, campaign in TouchOrigin.objects.filter(
            source__in={triple[0] for triple in wanted}, medium__in={triple[1] for triple in wanted}
        ).values_list("pk", "source", "medium", "campaign")
    }
    missing = [TouchOrigin(source=s, medium=m, campaign=c) for s, m, c in sorted(wanted - set(known))]
    if missing:
        TouchOrigin.objects.bulk_create(missing, batch_size=2000)
        known.update(
            {
                (source, medium, campaign): pk
                for pk, source, medium, campaign in TouchOrigin.objects.filter(
                    source__in={origin.source for origin in missing},
                    medium__in={origin.medium for origin in missing},
                ).values_list("pk", "source", "medium", "campaign")
            }
        )
    return {triple: known[triple] for triple in wanted}


def touches_add(views: list[tuple[Any, ...]]) -> None:
    """Fold page views of known contacts — (id, occurred_at, session_id, contact_id, source,
    medium, campaign) — into their contacts' touchpoints."""
    batch: dict[tuple[int, Any], TouchEntry] = {}
    for activity_id, moment, session_id, contact_id, source, medium, campaign in views:
        key = (contact_id, _uuid(session_id))
        _touch_merge(batch, key, epoch_us(moment), activity_id, source, medium, campaign)
    if not batch:
        return
    contact_ids = sorted({contact_id for contact_id, _ in batch})
    existing: dict[tuple[int, Any], ContactTouch] = {}
    for start in range(0, len(contact_ids), 2000):
        for touch in ContactTouch.objects.filter(contact_id__in=contact_ids[start : start + 2000]):
            existing[(touch.contact_id, touch.session_id)] = touch
    origins = origin_ids((entry[3], entry[4], entry[5]) for entry in batch.values())
    changed: list[ContactTouch] = []
    created: list[ContactTouch] = []
    for key, (first_us, first_id, last_us, source, medium, campaign) in batch.items():
        origin = origins[(source, medium, campaign)]
        found = existing.get(key)
        if found is None:
            created.append(
                ContactTouch(
                    contact_id=key[0],
                    session_id=key[1],
                    first_us=first_us,
                    first_activity_id=first_id,
                    last_us=last_us,
                    origin_id=origin,
                )
            )
            continue
        touch = found
        dirty = False
        if (first_us, first_id) < (touch.first_us, touch.first_activity_id):
            touch.first_us, touch.first_activity_id, touch.origin_id = first_us, first_id, origin
            dirty = True
        if last_us > touch.last_us:
            touch.last_us = last_us
            dirty = True
        if dirty:
            changed.append(touch)
    ContactTouch.objects.bulk_update(
        changed,
        ["first_us", "first_activity_id", "last_us", "origin"],
        batch_size=2000,
    )
    ContactTouch.objects.bulk_create(created, batch_size=2000)
    paths_refresh(chunks_of(contact_ids))


def touches_refresh(contact_ids: Iterable[int]) -> int:
    """Recompute the touchpoints of these contacts from their page views (after a merge moved
    views over, or a visitor's earlier views were linked to a contact)."""
    ids = sorted(set(contact_ids))
    views: list[tuple[Any, ...]] = []
    for start in range(0, len(ids), 2000):
        chunk = ids[start : start + 2000]
        ContactTouch.objects.filter(contact_id__in=chunk).delete()
        views.extend(
            Activity.objects.order_by()
            .filter(kind=Kind.PAGE_VIEW, contact_id__in=chunk)
            .values_list("id", "occurred_at", "session_id", "contact_id", "source", "medium", "campaign")
        )
    touches_add(views)
    paths_refresh(chunks_of(ids))
    return len(ids)


# --- The worker and the rebuild ---------------------------------------------------------------------


def _fold(rows: list[tuple[Any, ...]]) -> None:
    views = [(*row[2:9], row[10]) for row in rows if row[1] == Kind.PAGE_VIEW]
    traffic_add(views)
    touches_add(
        [
            (row[0], row[2], row[3], row[9], row[6], row[7], row[8])
            for row in rows
            if row[1] == Kind.PAGE_VIEW and row[9] is not None
        ]
    )
    contact_ids = {row[9] for row in rows if row[1] != Kind.PAGE_VIEW and row[9] is not None}
    milestones_refresh(contact_ids)
    touches_refresh({row[9] for row in rows if row[1] == Kind.CONTACT_MERGED and row[9] is not None})


ROW_COLUMNS = (
    "id",
    "kind",
    "occurred_at",
    "session_id",
    "visitor_id",
    "url",
    "source",
    "medium",
    "campaign",
    "contact_id",
    "referrer",
)


def rollups_update(*, batch_size: int = BATCH_SIZE) -> int:
    """Fold the activity rows written since the last run; returns how many rows were read."""
    read = 0
    while True:
        with transaction.atomic():
            cursor, _ = Cursor.objects.select_for_update().get_or_create(name=ROLLUP_CURSOR)
            rows = list(
                Activity.objects.order_by("id")
                .filter(id__gt=cursor.position, kind__in=CONSUMED_KINDS)
                .values_list(*ROW_COLUMNS)[:batch_size]
            )
            if rows:
                _fold(rows)
                cursor.position = rows[-1][0]
                cursor.save(update_fields=["position", "updated_at"])
        read += len(rows)
        if len(rows) < batch_size:
            break
    _refresh_identified()
    with transaction.atomic():
        paths_refresh_dirty()
        visits_refresh_dirty()
    return read


def _refresh_identified() -> None:
    """Visitors linked to a contact after its rows were folded move the contact's first visit."""
    with transaction.atomic():
        cursor, _ = Cursor.objects.select_for_update().get_or_create(name=IDENTIFIED_CURSOR)
        since = datetime.fromtimestamp(cursor.position / 1_000_000, tz=UTC)
        latest = Visitor.objects.filter(identified_at__gt=since).aggregate(latest=Max("identified_at"))[
            "latest"
        ]
        if latest is None:
            return
        contact_ids = set(
            Visitor.objects.filter(identified_at__gt=since, contact__isnull=False).values_list(
                "contact_id", flat=True
            )
        )
        milestones_refresh(contact_ids)
        touches_refresh(contact_ids)
        cursor.position = int(latest.timestamp() * 1_000_000)
        cursor.save(update_fields=["position", "updated_at"])


def _aware(value: Any) -> datetime:
    """A datetime read by a raw cursor (text on SQLite), as an aware datetime."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _raw_insert(table: str, columns: list[str], rows: list[list[Any]]) -> None:
    if not rows:
        return
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(table)} ({', '.join(quote(column) for column in columns)}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(columns))})"
    )
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 5000):
            cursor.executemany(sql, rows[start : start + 5000])


def _rebuild_traffic(last_id: int, progress: Progress | None) -> int:
    """Visits and daily page counts straight from the page views, read once in log order. Plain
    cursors and inserts: at millions of rows the ORM's per-row work would dominate."""
    total = Activity.objects.filter(kind=Kind.PAGE_VIEW, id__lte=last_id).count()
    sessions: dict[
        Any, list[Any]
    ] = {}  # session → [visitor, start, source, medium, campaign, path, views, is_search, search_term]
    daily: dict[tuple[date, str], int] = defaultdict(int)
    touches: dict[tuple[int, Any], TouchEntry] = {}
    zone = workspace_zone()
    done = 0
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT occurred_at, session_id, visitor_id, url, source, medium, campaign, id, contact_id, "
            "referrer FROM activity_activity WHERE kind = %s AND id <= %s ORDER BY id",
            [Kind.PAGE_VIEW.value, last_id],
        )
        while True:
            chunk = cursor.fetchmany(BATCH_SIZE)
            if not chunk:
                break
            for (
                raw_moment,
                session_id,
                visitor_id,
                url,
                source,
                medium,
                campaign,
                row_id,
                contact_id,
                referrer,
            ) in chunk:
                moment = _aware(raw_moment)
                path = page_path(url or "")
                daily[(moment.astimezone(zone).date(), path)] += 1
                if contact_id is not None:
                    micro = (moment - EPOCH) // MICROSECOND
                    touch = touches.get((contact_id, session_id))
                    if touch is None:
                        touches[(contact_id, session_id)] = [micro, row_id, micro, source, medium, campaign]
                    else:
                        if micro < touch[0]:  # rows come in id order: an equal moment keeps the first
                            touch[0], touch[1], touch[3], touch[4], touch[5] = (
                                micro,
                                row_id,
                                source,
                                medium,
                                campaign,
                            )
                        if micro > touch[2]:
                            touch[2] = micro
                if session_id is None or visitor_id is None:
                    continue
                entry = sessions.get(session_id)
                if entry is None:
                    sessions[session_id] = [
                        visitor_id,
                        moment,
                        source or "",
                        medium or "",
                        campaign or "",
                        path,
                        1,
                        *search_of(
                            url=url or "", referrer=referrer or "", source=source or "", medium=medium or ""
                        ),
                    ]
                else:
                    entry[6] += 1
            done += len(chunk)
            if progress is not None:
                progress(done, total)
    first_visit: dict[Any, datetime] = {}
    for visitor_id, moment, *_ in sessions.values():
        known = first_visit.get(visitor_id)
        if known is None or moment < known:
            first_visit[visitor_id] = moment
    adapt = connection.ops.adapt_datetimefield_value
    _raw_insert(
        TrafficSession._meta.db_table,
        ["session_id", "visitor_id", "started_at", "source", "medium", "campaign", "landing_path", "page_views",
         "is_returning", "is_search", "search_term"],
        [
            [session_id, visitor_id, adapt(moment), source, medium, campaign, path, views,
             moment > first_visit[visitor_id], is_search, search_term]
            for session_id, (visitor_id, moment, source, medium, campaign, path, views, is_search, search_term)
            in sessions.items()
        ],
    )  # fmt: skip
    _raw_insert(
        PageViewDaily._meta.db_table,
        ["day", "path", "views"],
        [[connection.ops.adapt_datefield_value(day), path, views] for (day, path), views in daily.items()],
    )
    origins = origin_ids((entry[3] or "", entry[4] or "", entry[5] or "") for entry in touches.values())
    _raw_insert(
        ContactTouch._meta.db_table,
        ["contact_id", "session_id", "first_us", "first_activity_id", "last_us", "origin_id"],
        [
            [contact_id, session_id, first_us, first_id, last_us,
             origins[(source or "", medium or "", campaign or "")]]
            for (contact_id, session_id), (first_us, first_id, last_us, source, medium, campaign) in touches.items()
        ],
    )  # fmt: skip
    return done


def _analyze(models: list[Any]) -> None:
    """A rebuild replaces whole tables: the planner's statistics of them are refreshed at once
    (without them SQLite reads conversion by source a row per lead, not from its covering index)."""
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def rollups_rebuild(*, progress: Progress | None = None) -> dict[str, int]:
    """Throw the rollups away and recompute them from the raw rows; the worker then carries on
    from where the rebuild stopped reading."""
    with transaction.atomic():
        cursor, _ = Cursor.objects.select_for_update().get_or_create(name=ROLLUP_CURSOR)
        last_id = Activity.objects.aggregate(last=Max("id"))["last"] or 0
        TrafficSession.objects.all().delete()
        PageViewDaily.objects.all().delete()
        ContactMilestone.objects.all().delete()
        ContactTouch.objects.all().delete()
        TouchOrigin.objects.all().delete()
        done = _rebuild_traffic(last_id, progress)
        paths_refresh()
        visits_refresh()
        contacts = milestones_refresh()
        cursor.position = last_id
        cursor.save(update_fields=["position", "updated_at"])
        Cursor.objects.update_or_create(
            name=IDENTIFIED_CURSOR,
            defaults={"position": int(datetime.now(tz=UTC).timestamp() * 1_000_000)},
        )
    _analyze([TrafficSession, PageViewDaily, ContactMilestone, ContactTouch, TouchOrigin])
    return {
        "page_views": done,
        "sessions": TrafficSession.objects.count(),
        "contacts": contacts,
        "touches": ContactTouch.objects.count(),
    }
