# ruff: noqa: S608  (the SQL below is built from constants of this module only)
"""`leadline bench dashboards`: the funnel, conversion by source, attribution and lifetime-value
queries over N contacts with 20 events each, against DuckDB over a Parquet export of the same rows.

Leadline answers from its rollups (built once from the raw rows, timed separately); DuckDB answers
from the exported raw rows. Each query runs cold (a fresh connection, first run) and warm (best of
three on the same connection). Ratios: `warm` and `cold` = DuckDB time ÷ Leadline time over the
queries both sides ran, so above 1 means Leadline was faster. The funnel and conversion answers of
both sides are compared and the report says whether they agree. Then each dashboard page is
requested over the whole data set, as an admin, and its server time (best of three, warm) is
reported against the 500 ms a page may take.
"""

from __future__ import annotations

import csv
import importlib
import random
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from leadline.core.bench import BenchReport, Echo, Measurement

EVENTS_PER_CONTACT = 20
BATCH = 10_000
SESSION_LENGTH = 4
_SOURCES = ["organic_search", "paid_search", "social", "email", "referral", "direct"]
_UTM = [
    ("google", "organic", ""),
    ("google", "cpc", "spring"),
    ("newsletter", "email", "digest"),
    ("", "", ""),
]
_PATHS = ["/", "/pricing", "/blog/funnel", "/docs", "/contact"]
_LADDER = ["subscriber", "lead", "mql", "sql", "opportunity", "customer"]
WARM_RUNS = 3


def _uuid() -> Any:
    value = uuid.uuid4()
    return value if connection.features.has_native_uuid_field else value.hex


def _moment(value: datetime) -> Any:
    return connection.ops.adapt_datetimefield_value(value.replace(microsecond=0))


def _insert(table: str, columns: list[str], rows: list[list[Any]]) -> None:
    placeholders = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})"
    for start in range(0, len(rows), BATCH):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(sql, rows[start : start + BATCH])


def _column(sql: str) -> list[Any]:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return [row[0] for row in cursor.fetchall()]


# --- The data set ------------------------------------------------------------------------------------


def _seed(scale: int, now: datetime, rng: random.Random, echo: Echo) -> None:
    import json

    stamp = _moment(now)
    from leadline.tracking.models import Site

    site = Site.objects.create(name="Bench site")
    contacts, plans = [], []
    for number in range(scale):
        created = now - timedelta(seconds=rng.randrange(86_400, 86_400 * 365))
        start_rank = rng.choice([0, 1, 1, 1])
        target = min(5, start_rank + rng.choice([0, 0, 1, 1, 2, 3, 4, 5]))
        plans.append((created, start_rank, target))
        contacts.append(
            [_uuid(), _moment(created), stamp, f"person{number}@example.org", "Alex", f"Person {number}", "", "",
             "", "", "", _LADDER[target], rng.choice(_SOURCES), "", 0, "{}"]
        )  # fmt: skip
    _insert(
        "contacts_contact",
        ["public_id", "created_at", "updated_at", "email", "first_name", "last_name", "phone", "job_title",
         "city", "country", "time_zone", "lifecycle_stage", "original_source", "original_source_detail",
         "score", "properties"],
        contacts,
    )  # fmt: skip
    contact_ids = _column("SELECT id FROM contacts_contact ORDER BY id")
    echo(f"  {len(contact_ids):,} contacts")
    activity_columns = ["public_id", "kind", "occurred_at", "contact_id", "visitor_id", "session_id", "title", "url",
                        "referrer", "source", "medium", "campaign", "data", "created_at"]  # fmt: skip
    visitor_columns = ["public_id", "created_at", "updated_at", "site_id", "visitor_uuid", "first_seen_at",
                       "last_seen_at", "session_id", "session_started_at", "session_count", "page_view_count",
                       "event_count", "first_source", "first_medium", "first_campaign", "first_referrer",
                       "first_landing_page", "contact_id", "identified_at", "identify_email", "identify_pending",
                       "company_domain"]  # fmt: skip
    order_columns = ["public_id", "created_at", "updated_at", "contact_id", "number", "ordered_at", "currency",
                     "total", "refunded_total", "source"]  # fmt: skip
    activities: list[list[Any]] = []
    visitors: list[list[Any]] = []
    orders: list[list[Any]] = []
    deals: list[tuple[int, datetime, datetime | None]] = []  # contact, opened, won
    written = 0
    for contact_id, (created, start_rank, target) in zip(contact_ids, plans, strict=True):
        first_seen = created - timedelta(seconds=rng.randrange(0, 86_400 * 3))
        visitor = _uuid()
        changes = []
        moment, rank = created, start_rank
        while rank < target:
            rank = min(target, rank + rng.choice([1, 1, 2]))
            moment += timedelta(seconds=rng.randrange(3600, 86_400 * 20))
            if moment >= now:
                break
            changes.append((moment, _LADDER[rank]))
        opened = next((at for at, stage in changes if _LADDER.index(stage) >= 4), None)
        if opened is not None:
            deals.append((contact_id, opened, changes[-1][0] if changes[-1][1] == "customer" else None))
        previous = _LADDER[start_rank]
        for at, stage in changes:
            activities.append(
                [_uuid(), "stage.changed", _moment(at), contact_id, None, None, "", "", "", "", "", "",
                 json.dumps({"from": previous, "to": stage}), stamp]
            )  # fmt: skip
            previous = stage
        views = EVENTS_PER_CONTACT - len(changes)
        at = first_seen
        session = _uuid()
        for index in range(views):
            if index % SESSION_LENGTH == 0:
                session = _uuid()
                source, medium, campaign = rng.choice(_UTM)
                if index:
                    at += timedelta(seconds=rng.randrange(3600 * 6, 86_400 * 6))
            else:
                source = medium = campaign = ""
            activities.append(
                [_uuid(), "page.view", _moment(min(at, now)), contact_id, visitor, session, "",
                 "https://www.example.com" + rng.choice(_PATHS), "", source, medium, campaign, "{}", stamp]
            )  # fmt: skip
            at += timedelta(seconds=rng.randrange(10, 300))
        visitors.append(
            [_uuid(), stamp, stamp, site.pk, visitor, _moment(first_seen), _moment(min(at, now)), session,
             _moment(min(at, now)), 1, views, 0, "", "", "", "", "", contact_id, _moment(created), "", False, ""]
        )  # fmt: skip
        if target == 5 and changes and changes[-1][1] == "customer":
            bought = changes[-1][0]
            for number in range(rng.choice([1, 1, 2, 3])):
                total = rng.choice([49, 99, 250, 990])
                orders.append(
                    [_uuid(), stamp, stamp, contact_id, f"B-{contact_id}-{number}",
                     _moment(min(bought + timedelta(days=40 * number), now)), "USD" if rng.random() < 0.8 else "EUR",
                     total, rng.choice([0, 0, 0, 0, 10]), "import"]
                )  # fmt: skip
        if len(activities) >= BATCH * 5:
            _insert("activity_activity", activity_columns, activities)
            written += len(activities)
            activities.clear()
            echo(f"  {written:,} events")
    _insert("activity_activity", activity_columns, activities)
    _insert("tracking_visitor", visitor_columns, visitors)
    _insert("sales_order", order_columns, orders)
    _seed_deals(deals, now, rng)
    echo(f"  {len(deals):,} deals")


def _seed_deals(
    plans: list[tuple[int, datetime, datetime | None]], now: datetime, rng: random.Random
) -> None:
    """A deal for each contact who reached the opportunity stage: won when they became a customer,
    else open or lost; owned by one of eight salespeople."""
    from leadline.accounts.models import Role, User
    from leadline.sales.models import Deal, DealStatus, Pipeline, StageKind

    sellers = [
        User.objects.create(
            email=f"seller{number}@bench.example", role=Role.SALES, first_name=f"Seller {number}"
        )
        for number in range(8)
    ]
    pipeline = Pipeline.objects.get(is_default=True)
    stages = list(pipeline.stages.order_by("position"))
    open_stages = [stage for stage in stages if stage.kind == StageKind.OPEN]
    won = next(stage for stage in stages if stage.kind == StageKind.WON)
    lost = next(stage for stage in stages if stage.kind == StageKind.LOST)
    rows = []
    for number, (contact_id, opened, won_at) in enumerate(plans):
        if won_at is not None:
            stage, status, closed = won, DealStatus.WON, won_at
        elif rng.random() < 0.4:
            stage, status = lost, DealStatus.LOST
            closed = min(opened + timedelta(days=rng.randrange(5, 90)), now)
        else:
            stage, status, closed = rng.choice(open_stages), DealStatus.OPEN, None
        rows.append(
            Deal(
                pipeline=pipeline, stage=stage, name=f"Deal {number}", contact_id=contact_id,
                owner=rng.choice(sellers), amount=Decimal(rng.choice([990, 2500, 12_000, 40_000])),
                currency="USD" if rng.random() < 0.8 else "EUR",
                expected_close_date=(opened + timedelta(days=rng.randrange(10, 120))).date(), status=status,
                position=float(number), stage_entered_at=closed or opened, last_activity_at=closed or opened,
                closed_at=closed,
            )
        )  # fmt: skip
    with transaction.atomic():
        Deal.objects.bulk_create(rows, batch_size=BATCH)
        # Created when the contact became an opportunity (creation stamps "now").
        for deal, (_contact, opened, _won) in zip(rows, plans, strict=True):
            deal.created_at = opened
        Deal.objects.bulk_update(rows, ["created_at"], batch_size=1000)


# --- The export --------------------------------------------------------------------------------------

EXPORTS = {
    "activity": (
        "SELECT id, kind, occurred_at, contact_id, visitor_id, session_id, source, medium, campaign, data "
        "FROM activity_activity WHERE kind IN ('page.view', 'stage.changed')",
        {"id": "BIGINT", "kind": "VARCHAR", "occurred_at": "TIMESTAMP", "contact_id": "BIGINT",
         "visitor_id": "VARCHAR", "session_id": "VARCHAR", "source": "VARCHAR", "medium": "VARCHAR",
         "campaign": "VARCHAR", "data": "VARCHAR"},
    ),
    "contact": (
        "SELECT id, created_at, lifecycle_stage, original_source FROM contacts_contact",
        {"id": "BIGINT", "created_at": "TIMESTAMP", "lifecycle_stage": "VARCHAR", "original_source": "VARCHAR"},
    ),
    "visitor": (
        "SELECT contact_id, first_seen_at FROM tracking_visitor",
        {"contact_id": "BIGINT", "first_seen_at": "TIMESTAMP"},
    ),
    "orders": (
        "SELECT contact_id, ordered_at, currency, total, refunded_total FROM sales_order",
        {"contact_id": "BIGINT", "ordered_at": "TIMESTAMP", "currency": "VARCHAR", "total": "DECIMAL(14,2)",
         "refunded_total": "DECIMAL(14,2)"},
    ),
}  # fmt: skip


def _export(folder: Path) -> None:
    import duckdb

    db = duckdb.connect()
    db.execute("SET enable_progress_bar = false")  # it would print to stdout, which carries the report
    for name, (sql, types) in EXPORTS.items():
        path = folder / f"{name}.csv"
        with path.open("w", newline="") as handle, connection.cursor() as cursor:
            writer = csv.writer(handle)
            writer.writerow(list(types))
            cursor.execute(sql)
            while True:
                chunk = cursor.fetchmany(50_000)
                if not chunk:
                    break
                writer.writerows(
                    [value.replace(tzinfo=None) if isinstance(value, datetime) else value for value in row]
                    for row in chunk
                )
        columns = ", ".join(f"'{column}': '{kind}'" for column, kind in types.items())
        db.execute(
            f"COPY (SELECT * FROM read_csv('{path}', header = true, columns = {{{columns}}})) "
            f"TO '{folder / (name + '.parquet')}' (FORMAT parquet)"
        )
        path.unlink()
    db.close()


# --- DuckDB's answers --------------------------------------------------------------------------------

RANKS = "(VALUES ('subscriber', 0), ('lead', 1), ('mql', 2), ('sql', 3), ('opportunity', 4), ('customer', 5), ('evangelist', 6)) AS r(stage, rank)"  # fmt: skip
STEPS = [("lead", 1), ("mql", 2), ("sql", 3), ("opportunity", 4), ("customer", 5)]


def _reached_sql() -> str:
    """contact, step rank, first moment at that step or beyond — from the raw rows."""
    return f"""
        WITH changes AS (
            SELECT contact_id, occurred_at, id, json_extract_string(data, '$.to') AS to_stage,
                   json_extract_string(data, '$.from') AS from_stage
            FROM activity WHERE kind = 'stage.changed'
        ),
        first_change AS (
            SELECT contact_id, arg_min(from_stage, (occurred_at, id)) AS from_stage FROM changes GROUP BY contact_id
        ),
        initial AS (
            SELECT c.id AS contact_id, c.created_at,
                   CASE WHEN f.contact_id IS NULL THEN c.lifecycle_stage ELSE f.from_stage END AS stage
            FROM contact c LEFT JOIN first_change f ON f.contact_id = c.id
        ),
        points AS (
            SELECT i.contact_id, i.created_at AS moment, r.rank FROM initial i JOIN {RANKS} ON r.stage = i.stage
            UNION ALL
            SELECT ch.contact_id, ch.occurred_at, r.rank FROM changes ch JOIN {RANKS} ON r.stage = ch.to_stage
        ),
        steps AS (SELECT * FROM (VALUES (1), (2), (3), (4), (5)) AS s(step))
        SELECT p.contact_id, s.step, MIN(p.moment) AS moment FROM points p JOIN steps s ON p.rank >= s.step
        GROUP BY p.contact_id, s.step
    """


def duck_funnel(db: Any, start: datetime, end: datetime) -> list[tuple[int, float | None]]:
    reached = _reached_sql()
    rows = db.execute(
        f"""
        WITH reached AS ({reached}),
        wide AS (
            SELECT contact_id,
                MIN(moment) FILTER (WHERE step = 1) AS s1, MIN(moment) FILTER (WHERE step = 2) AS s2,
                MIN(moment) FILTER (WHERE step = 3) AS s3, MIN(moment) FILTER (WHERE step = 4) AS s4,
                MIN(moment) FILTER (WHERE step = 5) AS s5
            FROM reached GROUP BY contact_id
        ),
        seen AS (SELECT contact_id, MIN(first_seen_at) AS s0 FROM visitor GROUP BY contact_id),
        joined AS (SELECT w.*, seen.s0 FROM wide w LEFT JOIN seen USING (contact_id))
        SELECT
            COUNT(*) FILTER (WHERE s1 >= $1 AND s1 < $2), median(epoch(s1) - epoch(s0)) FILTER (WHERE s1 >= $1 AND s1 < $2 AND s0 IS NOT NULL),
            COUNT(*) FILTER (WHERE s2 >= $1 AND s2 < $2), median(epoch(s2) - epoch(s1)) FILTER (WHERE s2 >= $1 AND s2 < $2 AND s1 IS NOT NULL),
            COUNT(*) FILTER (WHERE s3 >= $1 AND s3 < $2), median(epoch(s3) - epoch(s2)) FILTER (WHERE s3 >= $1 AND s3 < $2 AND s2 IS NOT NULL),
            COUNT(*) FILTER (WHERE s4 >= $1 AND s4 < $2), median(epoch(s4) - epoch(s3)) FILTER (WHERE s4 >= $1 AND s4 < $2 AND s3 IS NOT NULL),
            COUNT(*) FILTER (WHERE s5 >= $1 AND s5 < $2), median(epoch(s5) - epoch(s4)) FILTER (WHERE s5 >= $1 AND s5 < $2 AND s4 IS NOT NULL)
        FROM joined
        """,
        [start, end],
    ).fetchone()
    visitors = db.execute(
        "SELECT COUNT(*) FROM (SELECT visitor_id, MIN(occurred_at) AS first FROM activity "
        "WHERE kind = 'page.view' GROUP BY visitor_id) WHERE first >= $1 AND first < $2",
        [start, end],
    ).fetchone()[0]
    result: list[tuple[int, float | None]] = [(visitors, None)]
    for index in range(5):
        count, seconds = rows[2 * index], rows[2 * index + 1]
        result.append((count, None if seconds is None else round(seconds / 3600, 1)))
    return result


def duck_conversion(db: Any, start: datetime, end: datetime) -> dict[str, tuple[int, int]]:
    reached = _reached_sql()
    rows = db.execute(
        f"""
        WITH reached AS ({reached}),
        wide AS (
            SELECT contact_id, MIN(moment) FILTER (WHERE step = 1) AS lead_at, MIN(moment) FILTER (WHERE step = 5) AS customer_at
            FROM reached GROUP BY contact_id
        )
        SELECT c.original_source, COUNT(*), COUNT(w.customer_at) FROM wide w JOIN contact c ON c.id = w.contact_id
        WHERE w.lead_at >= $1 AND w.lead_at < $2 GROUP BY c.original_source
        """,
        [start, end],
    ).fetchall()
    return {source: (leads, customers) for source, leads, customers in rows}


def duck_attribution(db: Any, start: datetime, end: datetime) -> list[tuple[Any, ...]]:
    """Linear, first- and last-touch credit of net order revenue to the sources of the visits in
    the 90 days before each order."""
    return db.execute(
        """
        WITH sessions AS (
            SELECT contact_id, session_id, MIN(occurred_at) AS started, arg_min(source, occurred_at) AS source
            FROM activity WHERE kind = 'page.view' GROUP BY contact_id, session_id
        ),
        paths AS (
            SELECT o.contact_id, o.ordered_at, o.currency, o.total - o.refunded_total AS net, s.source, s.started,
                   COUNT(*) OVER w AS touches, ROW_NUMBER() OVER (w ORDER BY s.started) AS position,
                   ROW_NUMBER() OVER (w ORDER BY s.started DESC) AS from_end
            FROM orders o JOIN sessions s ON s.contact_id = o.contact_id
                 AND s.started <= o.ordered_at AND s.started > o.ordered_at - INTERVAL 90 DAY
            WHERE o.ordered_at >= $1 AND o.ordered_at < $2
            WINDOW w AS (PARTITION BY o.contact_id, o.ordered_at)
        )
        SELECT source, currency, SUM(net / touches) AS linear,
               SUM(net) FILTER (WHERE position = 1) AS first_touch, SUM(net) FILTER (WHERE from_end = 1) AS last_touch
        FROM paths GROUP BY source, currency ORDER BY source, currency
        """,
        [start, end],
    ).fetchall()


def duck_clv(db: Any) -> list[tuple[Any, ...]]:
    """Each customer's orders, net revenue, first and last order; then the aggregate by currency."""
    return db.execute(
        """
        WITH customers AS (
            SELECT contact_id, currency, COUNT(DISTINCT CAST(ordered_at AS DATE)) AS purchases,
                   SUM(total - refunded_total) AS revenue, MIN(ordered_at) AS first, MAX(ordered_at) AS last
            FROM orders GROUP BY contact_id, currency
        )
        SELECT currency, COUNT(*), SUM(revenue), AVG(revenue), AVG(purchases) FROM customers GROUP BY currency
        """
    ).fetchall()


# --- The run -----------------------------------------------------------------------------------------


def _best(function: Callable[[], Any], runs: int = WARM_RUNS) -> float:
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - started)
    return best


def _timed(function: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


def _optional(module: str, name: str) -> Callable[..., Any] | None:
    try:
        found: Callable[..., Any] = getattr(importlib.import_module(module), name)
        return found
    except (ImportError, AttributeError):
        return None


PAGES = {
    "shared funnel": "/reports/",
    "marketing": "/reports/marketing/",
    "sales": "/reports/sales/",
    "attribution": "/reports/attribution/",
    "lifetime value": "/reports/lifetime-value/",
}
PAGE_BUDGET = 0.5  # seconds of server time a warm dashboard page may take


def _time_pages(start: Any, end: Any) -> dict[str, float]:
    """Each dashboard page over the whole data set, as an admin: the best of three server times
    (request in, response rendered; no network, no browser)."""
    from django.test import Client

    from leadline.accounts.models import Role, User

    user = User.objects.create_user(email="bench-admin@example.org", password=None, role=Role.ADMIN)
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    query = f"?start={start.isoformat()}&end={end.isoformat()}"
    seconds = {}
    for name, url in PAGES.items():
        address = url + query
        response = client.get(address)
        if response.status_code != 200:
            raise RuntimeError(f"The {name} page answered {response.status_code}.")
        seconds[name] = _best(partial(client.get, address))
    return seconds


def bench_dashboards(scale: int, echo: Echo) -> BenchReport:
    import duckdb

    from leadline.analytics import selectors
    from leadline.analytics.metrics import ReportFilters
    from leadline.analytics.rollups import rollups_rebuild

    rng = random.Random(42)
    now = timezone.now().astimezone(UTC).replace(microsecond=0)
    echo(f"Seeding {scale:,} contacts with {EVENTS_PER_CONTACT} events each…")
    _seed(scale, now, rng, echo)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    details = [f"{scale:,} contacts, {_column('SELECT COUNT(*) FROM activity_activity')[0]:,} events"]

    echo("Leadline: building the rollups from the raw rows…")
    build_seconds, built = _timed(rollups_rebuild)
    details.append(
        f"Rollups built in {build_seconds:.1f} s: {built['sessions']:,} visits, {built['contacts']:,} contacts"
    )
    # The lifetime-value read answers from the per-customer table the scheduler keeps; it is built
    # here as the worker would, so the CLV query reads every customer, not an empty table.
    from leadline.analytics.clv_services import customer_values_refresh

    values_seconds, priced = _timed(customer_values_refresh)
    if not priced:
        raise RuntimeError("No customer was priced: the CLV comparison would read an empty table.")
    details.append(f"Customer values built in {values_seconds:.1f} s: {priced:,} customers")

    today = now.date()
    filters = ReportFilters(start=today - timedelta(days=364), end=today)
    start, end = filters.start_at, filters.end_at
    attribution = _optional("leadline.analytics.attribution", "attribution_table")
    clv_summary = _optional("leadline.analytics.clv_services", "clv_summary") or _optional(
        "leadline.analytics.clv", "clv_summary"
    )
    leadline_queries: dict[str, Callable[[], Any]] = {
        "funnel": lambda: selectors.funnel(filters),
        "conversion_by_source": lambda: selectors.conversion_by_source(filters),
    }
    if attribution is not None:
        leadline_queries["attribution"] = lambda: attribution(
            conversion="order", start=filters.start, end=filters.end, today=today
        )
    else:
        details.append(
            "Attribution skipped: leadline.analytics.attribution.attribution_table is not there yet"
        )
    if clv_summary is not None:
        leadline_queries["clv"] = lambda: clv_summary()
    else:
        details.append("CLV skipped: no clv_summary() in leadline.analytics yet")

    with tempfile.TemporaryDirectory(prefix="leadline-bench-duckdb-") as folder_name:
        folder = Path(folder_name)
        echo("Exporting the raw rows to Parquet for DuckDB…")
        export_seconds, _ = _timed(lambda: _export(folder))
        details.append(f"Export to Parquet: {export_seconds:.1f} s")

        def duck_connect() -> Any:
            db = duckdb.connect()
            db.execute("SET enable_progress_bar = false")
            for name in EXPORTS:
                db.execute(
                    f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{folder / (name + '.parquet')}')"
                )
            return db

        naive_start, naive_end = (
            start.astimezone(UTC).replace(tzinfo=None),
            end.astimezone(UTC).replace(tzinfo=None),
        )
        duck_queries: dict[str, Callable[[Any], Any]] = {
            "funnel": lambda db: duck_funnel(db, naive_start, naive_end),
            "conversion_by_source": lambda db: duck_conversion(db, naive_start, naive_end),
            "attribution": lambda db: duck_attribution(db, naive_start, naive_end),
            "clv": duck_clv,
        }

        results: dict[str, Measurement] = {}
        leadline_cold = leadline_warm = duck_cold = duck_warm = 0.0
        answers: dict[str, Any] = {}
        per_query: dict[str, float] = {}
        for name, query in leadline_queries.items():
            echo(f"{name}: Leadline cold and warm, then DuckDB cold and warm…")
            connection.close()  # a fresh connection: an empty page cache
            cold, answers[f"leadline_{name}"] = _timed(query)
            warm = _best(query)
            db = duck_connect()
            duck_query = partial(duck_queries[name], db)
            duck_cold_seconds, answers[f"duck_{name}"] = _timed(duck_query)
            duck_warm_seconds = _best(duck_query)
            db.close()
            results[f"leadline_{name}_cold"] = Measurement(cold * 1000, "ms", cold)
            results[f"leadline_{name}_warm"] = Measurement(warm * 1000, "ms", warm)
            results[f"duckdb_{name}_cold"] = Measurement(duck_cold_seconds * 1000, "ms", duck_cold_seconds)
            results[f"duckdb_{name}_warm"] = Measurement(duck_warm_seconds * 1000, "ms", duck_warm_seconds)
            per_query[f"warm_{name}"] = duck_warm_seconds / warm if warm else 0.0
            per_query[f"cold_{name}"] = duck_cold_seconds / cold if cold else 0.0
            leadline_cold += cold
            leadline_warm += warm
            duck_cold += duck_cold_seconds
            duck_warm += duck_warm_seconds

    echo("Dashboard pages: server time, warm…")
    pages = _time_pages(filters.start, filters.end)
    for name, seconds in pages.items():
        results[f"page_{name.replace(' ', '_')}_warm"] = Measurement(seconds * 1000, "ms", seconds)
    slow = [name for name, seconds in pages.items() if seconds > PAGE_BUDGET]
    details.append(
        "Pages, server time warm: "
        + ", ".join(f"{name} {seconds * 1000:.0f} ms" for name, seconds in pages.items())
        + (
            f" — over {PAGE_BUDGET * 1000:.0f} ms: {', '.join(slow)}"
            if slow
            else f" — all under {PAGE_BUDGET * 1000:.0f} ms"
        )
    )

    funnel_rows = answers["leadline_funnel"]
    ours = [(row.count, row.median_hours) for row in funnel_rows]
    details.append("Funnel: " + ", ".join(f"{row.label} {row.count:,}" for row in funnel_rows))
    details.append(
        "DuckDB's funnel agrees"
        if ours == answers["duck_funnel"]
        else f"Funnel differs: {ours} vs {answers['duck_funnel']}"
    )
    conversion = {
        row["source"]: (row["leads"], row["customers"]) for row in answers["leadline_conversion_by_source"]
    }
    details.append(
        "DuckDB's conversion by source agrees"
        if conversion == answers["duck_conversion_by_source"]
        else f"Conversion differs: {conversion} vs {answers['duck_conversion_by_source']}"
    )
    if "attribution" in leadline_queries:
        details.append("Attribution baseline: linear, first- and last-touch credit in one DuckDB query")
    ratios = {
        "warm": duck_warm / leadline_warm if leadline_warm else 0.0,
        "cold": duck_cold / leadline_cold if leadline_cold else 0.0,
        **per_query,
    }
    return BenchReport("dashboards", scale, results, ratios, details)
