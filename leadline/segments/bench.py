# ruff: noqa: S608  (the SQL below is built from constants of this module only)
"""`leadline bench segments`: 20 segments of mixed kinds over N contacts with 20 events each.

Times Leadline's full build of all 20 against hand-written SQL for the same segments on the same
tables (inserting into a membership table of the same shape), then adds 50,000 new events and times
the incremental update. Ratios: `full` = hand-written time ÷ Leadline full build time, and
`incremental` = full build time ÷ incremental update time. Both results are checked: the
hand-written SQL must select the same members as the full build, and after the incremental update
every segment must hold exactly what a fresh full build selects. One clock serves the whole run.
"""

from __future__ import annotations

import json
import random
import time
import uuid
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from leadline.core.bench import BenchReport, Echo, Measurement

NEW_EVENTS = 50_000
EVENTS_PER_CONTACT = 20
BATCH = 10_000
_URLS = ["/", "/pricing", "/blog/segments", "/docs/api", "/features", "/about", "/blog/scoring"]
_INDUSTRIES = ["Software", "Retail", "Finance", "Education", "Travel", "Energy"]
_COUNTRIES = ["GB", "DE", "FR", "US", "CA", "NL"]
_STAGES = ["subscriber", "lead", "lead", "lead", "mql", "sql", "opportunity", "customer"]
_TITLES = ["Marketing manager", "CTO", "Founder", "Sales manager", "Engineer", "Office manager", ""]
_PLANS = ["free", "starter", "pro", "enterprise"]


def _uuid() -> Any:
    value = uuid.uuid4()
    return value if connection.features.has_native_uuid_field else value.hex


def _moment(value: datetime) -> Any:
    return connection.ops.adapt_datetimefield_value(value)


def _json(value: Any) -> str:
    return json.dumps(value)


def _column(sql: str) -> list[Any]:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return [row[0] for row in cursor.fetchall()]


def _insert(table: str, columns: list[str], rows: list[list[Any]]) -> None:
    """Insert in batches, each its own transaction: at a million contacts one transaction for the
    whole seed would grow SQLite's write-ahead log to gigabytes before it could be checkpointed."""
    placeholders = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})"
    for start in range(0, len(rows), BATCH):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(sql, rows[start : start + BATCH])


def _seed(scale: int, now: datetime, rng: random.Random, form_ids: list[str]) -> None:
    from leadline.contacts.models import CustomProperty

    CustomProperty.objects.create(key="plan", label="Plan", type="choice", choices=_PLANS)
    CustomProperty.objects.create(key="seats", label="Seats", type="number")
    stamp = _moment(now)
    companies = max(scale // 20, 1)
    _insert(
        "contacts_company",
        ["public_id", "created_at", "updated_at", "name", "domain", "industry", "employee_count", "country",
         "properties"],
        [
            [_uuid(), stamp, stamp, f"Company {n}", f"company{n}.example", rng.choice(_INDUSTRIES),
             rng.choice([5, 20, 80, 250, 1200]), rng.choice(_COUNTRIES), "{}"]
            for n in range(companies)
        ],
    )  # fmt: skip
    first_company = _column("SELECT MIN(id) FROM contacts_company")[0]
    times = [_moment(now - timedelta(minutes=rng.randrange(0, 60 * 24 * 720))) for _ in range(2000)]
    recent = [_moment(now - timedelta(minutes=rng.randrange(0, 60 * 24 * 60))) for _ in range(2000)]
    contacts = []
    for n in range(scale):
        properties = {"plan": rng.choice(_PLANS), "seats": rng.randrange(1, 60)} if n % 3 else {}
        contacts.append(
            [_uuid(), rng.choice(times), stamp, f"person{n}@example.org", "Alex", f"Person {n}", "",
             rng.choice(_TITLES), "", rng.choice(_COUNTRIES), "",
             first_company + rng.randrange(companies) if rng.random() < 0.7 else None,
             rng.choice(_STAGES), "organic_search", "", rng.randrange(0, 101), _json(properties),
             rng.choice(recent)]
        )  # fmt: skip
    _insert(
        "contacts_contact",
        ["public_id", "created_at", "updated_at", "email", "first_name", "last_name", "phone", "job_title",
         "city", "country", "time_zone", "company_id", "lifecycle_stage", "original_source",
         "original_source_detail", "score", "properties", "last_activity_at"],
        contacts,
    )  # fmt: skip
    contact_ids = _column("SELECT id FROM contacts_contact")
    consents = [
        [_uuid(), stamp, stamp, contact_id, "marketing_email", rng.choice(["granted", "granted", "withdrawn"]),
         "", "", "bench", None, rng.choice(recent), "{}"]
        for contact_id in contact_ids
        if rng.random() < 0.4
    ]  # fmt: skip
    _insert(
        "contacts_consentrecord",
        ["public_id", "created_at", "updated_at", "contact_id", "purpose", "status", "text", "text_version",
         "source", "ip_address", "recorded_at", "data"],
        consents,
    )  # fmt: skip
    _events(contact_ids, EVENTS_PER_CONTACT, recent, stamp, rng, form_ids)


def _events(
    contact_ids: list[int],
    per_contact: int,
    times: list[Any],
    stamp: Any,
    rng: random.Random,
    form_ids: list[str],
) -> int:
    """`per_contact` events for each contact (or, with per_contact=0, one for each entry)."""
    rows: list[list[Any]] = []
    columns = ["public_id", "kind", "occurred_at", "contact_id", "title", "url", "referrer", "source", "medium",
               "campaign", "data", "created_at"]  # fmt: skip
    written = 0

    def flush() -> None:
        nonlocal written
        _insert("activity_activity", columns, rows)
        written += len(rows)
        rows.clear()

    for contact_id in contact_ids:
        for _ in range(per_contact or 1):
            roll = rng.random()
            if roll < 0.7:
                kind, url, data = "page.view", "https://www.example.com" + rng.choice(_URLS), "{}"
            elif roll < 0.75:
                kind, url, data = "form.submitted", "", _json({"form": rng.choice(form_ids)})
            elif roll < 0.9:
                kind, url, data = "email.opened", "", "{}"
            else:
                kind, url, data = "email.clicked", "https://www.example.com/offer", "{}"
            rows.append([_uuid(), kind, rng.choice(times), contact_id, "", url, "", "", "", "", data, stamp])
            if len(rows) >= BATCH:
                flush()
    flush()
    return written


def _segments(now: datetime, form_ids: list[str]) -> list[tuple[str, dict[str, Any], str, list[Any]]]:
    """(name, tree, hand-written WHERE over contacts_contact c, parameters)."""
    postgres = connection.vendor == "postgresql"
    like = "ILIKE" if postgres else "LIKE"
    since14, since7, since90 = (_moment(now - timedelta(days=days)) for days in (14, 7, 90))

    def prop(key: str, numeric: bool = False) -> str:
        if postgres:
            return f"(c.properties->>'{key}')::numeric" if numeric else f"(c.properties->>'{key}')"
        return f"json_extract(c.properties, '$.{key}')"

    consent = (
        "(SELECT r.status FROM contacts_consentrecord r WHERE r.contact_id = c.id AND r.purpose = 'marketing_email'"
        " ORDER BY r.recorded_at DESC, r.id DESC LIMIT 1)"
    )
    pricing_twice = (
        "c.id IN (SELECT a.contact_id FROM activity_activity a WHERE a.kind = 'page.view' AND a.url "
        f"{like} '%%/pricing%%' AND a.occurred_at >= %s GROUP BY a.contact_id HAVING COUNT(*) >= 2)"
    )
    form_json = "(a.data->>'form')" if postgres else "json_extract(a.data, '$.form')"
    company = "(SELECT co.{column} FROM contacts_company co WHERE co.id = c.company_id)"
    visited = {"field": "visited", "op": "contains", "value": "/pricing", "min_count": 2, "within_days": 14}
    return [
        ("Score 50+", {"field": "score", "op": "gte", "value": 50}, "c.score >= 50", []),
        (
            "MQLs",
            {"field": "lifecycle_stage", "op": "equals", "value": "mql"},
            "c.lifecycle_stage = 'mql'",
            [],
        ),
        (
            "Sales stages",
            {"field": "lifecycle_stage", "op": "in", "value": ["sql", "opportunity", "customer"]},
            "c.lifecycle_stage IN ('sql', 'opportunity', 'customer')",
            [],
        ),
        (
            "UK, score 30+",
            {
                "and": [
                    {"field": "country", "op": "in", "value": ["GB"]},
                    {"field": "score", "op": "gte", "value": 30},
                ]
            },
            "c.country IN ('GB') AND c.score >= 30",
            [],
        ),
        (
            "Managers",
            {"field": "job_title", "op": "contains", "value": "manager"},
            f"c.job_title {like} '%%manager%%'",
            [],
        ),
        (
            "Large companies",
            {"field": "company.employee_count", "op": "gt", "value": 200},
            company.format(column="employee_count") + " > 200",
            [],
        ),
        (
            "Software companies",
            {"field": "company.industry", "op": "in", "value": ["Software"]},
            company.format(column="industry") + " IN ('Software')",
            [],
        ),
        (
            "Pro plan",
            {"field": "property:plan", "op": "equals", "value": "pro"},
            prop("plan") + " = 'pro'",
            [],
        ),
        (
            "10+ seats",
            {"field": "property:seats", "op": "gte", "value": 10},
            prop("seats", True) + " >= 10",
            [],
        ),
        ("Pricing twice in 14 days", visited, pricing_twice, [since14]),
        (
            "Read the docs",
            {"field": "visited", "op": "contains", "value": "/docs"},
            "c.id IN (SELECT a.contact_id FROM activity_activity a WHERE a.kind = 'page.view'"
            f" AND a.url {like} '%%/docs%%')",
            [],
        ),
        (
            "Demo form",
            {"field": "submitted_form", "op": "equals", "value": form_ids[0]},
            "c.id IN (SELECT a.contact_id FROM activity_activity a WHERE a.kind = 'form.submitted'"
            f" AND {form_json} = %s)",
            [form_ids[0]],
        ),
        (
            "Opened this week",
            {"field": "email_opened", "op": "any", "within_days": 7},
            "c.id IN (SELECT a.contact_id FROM activity_activity a WHERE a.kind = 'email.opened'"
            " AND a.occurred_at >= %s)",
            [since7],
        ),
        (
            "Clicked",
            {"field": "email_clicked", "op": "any"},
            "c.id IN (SELECT a.contact_id FROM activity_activity a WHERE a.kind = 'email.clicked')",
            [],
        ),
        (
            "Consented",
            {"field": "consent", "op": "equals", "value": "granted"},
            f"COALESCE({consent}, 'none') = 'granted'",
            [],
        ),
        (
            "Hot or customer",
            {
                "or": [
                    {"field": "score", "op": "gte", "value": 80},
                    {"field": "lifecycle_stage", "op": "equals", "value": "customer"},
                ]
            },
            "(c.score >= 80 OR c.lifecycle_stage = 'customer')",
            [],
        ),
        (
            "Engaged, not subscribers",
            {
                "and": [
                    {"not": {"field": "lifecycle_stage", "op": "equals", "value": "subscriber"}},
                    {"field": "score", "op": "gte", "value": 20},
                ]
            },
            "c.lifecycle_stage <> 'subscriber' AND c.score >= 20",
            [],
        ),
        (
            "New this quarter",
            {"field": "created_at", "op": "within_last_days", "value": 90},
            "c.created_at >= %s",
            [since90],
        ),
        (
            "Pricing twice and score 50+",
            {"and": [visited, {"field": "score", "op": "gte", "value": 50}]},
            f"{pricing_twice} AND c.score >= 50",
            [since14],
        ),
        (
            "Consented hot leads",
            {
                "and": [
                    {"field": "member_of", "op": "in", "value": "@0"},
                    {"field": "consent", "op": "equals", "value": "granted"},
                ]
            },
            f"c.score >= 50 AND COALESCE({consent}, 'none') = 'granted'",
            [],
        ),
    ]


def _compare_with_fresh_build(segments: list[Any], now: datetime) -> str:
    """Members after the incremental update against those a full build selects at the same moment
    (read, not written: the segments stay as the update left them)."""
    from leadline.contacts.models import Contact
    from leadline.segments.compiler import compile_tree
    from leadline.segments.models import SegmentMembership

    differences = []
    for segment in segments:
        fresh = set(
            Contact.objects.filter(compile_tree(segment.definition, now=now).q).values_list("id", flat=True)
        )
        kept = set(SegmentMembership.objects.filter(segment=segment).values_list("contact_id", flat=True))
        segment.refresh_from_db()
        if fresh != kept or segment.member_count != len(kept):
            differences.append(
                f"{segment.name}: {len(kept - fresh)} too many, {len(fresh - kept)} missing,"
                f" count {segment.member_count} for {len(kept)}"
            )
    if differences:
        return f"Incremental result differs from a fresh build: {'; '.join(differences)}"
    return "The incremental update leaves the same members as a fresh full build"


def bench_segments(scale: int, echo: Echo) -> BenchReport:
    from leadline.activity.models import Activity
    from leadline.segments.models import Segment
    from leadline.segments.services import segment_rebuild
    from leadline.segments.updates import segments_update

    rng = random.Random(42)
    now = timezone.now()
    form_ids = [str(uuid.uuid4()) for _ in range(3)]
    echo(f"Seeding {scale:,} contacts with {EVENTS_PER_CONTACT} events each…")
    _seed(scale, now, rng, form_ids)
    definitions = _segments(now, form_ids)
    details = [f"{scale:,} contacts, {Activity.objects.count():,} events, {len(definitions)} segments"]

    segments: list[Segment] = []
    for name, tree, _sql, _params in definitions:
        if tree.get("and") and tree["and"][0].get("value") == "@0":
            tree["and"][0]["value"] = str(segments[0].public_id)
        segments.append(Segment.objects.create(name=name, definition=tree))

    # Planner statistics (as `PRAGMA optimize` / autovacuum keep them in a live database), then
    # warm the cache the same way for both paths: one pass over the tables.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute("SELECT COUNT(*), SUM(score) FROM contacts_contact")
        cursor.execute("SELECT COUNT(*) FROM activity_activity WHERE kind = 'page.view'")

    # One clock for the whole run, so that "within the last N days" means the same for every path
    # (the incremental pass leaves expiry to the periodic rebuild).
    echo("Leadline: full build of all segments…")
    started = time.perf_counter()
    for segment in segments:
        segment_rebuild(segment=segment, now=now)
    full_seconds = time.perf_counter() - started

    echo("Hand-written SQL for the same segments…")
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE bench_membership (segment_id bigint NOT NULL, contact_id bigint NOT NULL,"
            " added_at timestamp with time zone NOT NULL, UNIQUE (segment_id, contact_id))"
        )
        cursor.execute("CREATE INDEX bench_membership_contact ON bench_membership (contact_id)")
    stamp = _moment(now)
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for index, (_name, _tree, where, params) in enumerate(definitions):
            cursor.execute(
                f"INSERT INTO bench_membership (segment_id, contact_id, added_at) "
                f"SELECT {index}, c.id, %s FROM contacts_contact c WHERE {where}",
                [stamp, *params],
            )
    hand_seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("SELECT segment_id, COUNT(*) FROM bench_membership GROUP BY segment_id")
        hand_counts = dict(cursor.fetchall())
        cursor.execute("DROP TABLE bench_membership")
    mismatches = []
    for index, segment in enumerate(segments):
        segment.refresh_from_db()
        if segment.member_count != hand_counts.get(index, 0):
            mismatches.append(f"{segment.name}: {segment.member_count} vs {hand_counts.get(index, 0)}")
    details.append(
        "Members per segment: "
        + ", ".join(f"{segment.name} {segment.member_count:,}" for segment in segments)
    )
    details.append(
        "Hand-written SQL selects the same members"
        if not mismatches
        else f"Differences: {'; '.join(mismatches)}"
    )

    segments_update(now=now)  # start the cursors at the end of the log
    contact_ids = _column("SELECT id FROM contacts_contact")
    echo(f"Adding {NEW_EVENTS:,} new events…")
    fresh = [_moment(now - timedelta(minutes=rng.randrange(0, 60 * 24 * 3))) for _ in range(500)]
    with transaction.atomic():
        _events([rng.choice(contact_ids) for _ in range(NEW_EVENTS)], 0, fresh, stamp, rng, form_ids)
    echo("Leadline: incremental update…")
    started = time.perf_counter()
    report = segments_update(batch=NEW_EVENTS, now=now)
    incremental_seconds = time.perf_counter() - started
    details.append(
        f"Incremental: {report.activities:,} events read, {sum(report.evaluated.values()):,} contact re-evaluations"
        f" in {len(report.evaluated)} segments, {report.entered:,} entered, {report.left:,} left"
    )
    echo("Checking the incremental result against a fresh full build…")
    details.append(_compare_with_fresh_build(segments, now))
    contacts_per_second = len(definitions) * scale
    return BenchReport(
        workload="segments",
        scale=scale,
        results={
            "leadline_full": Measurement(
                contacts_per_second / full_seconds, "contact·segments/s", full_seconds
            ),
            "hand_sql": Measurement(contacts_per_second / hand_seconds, "contact·segments/s", hand_seconds),
            "leadline_incremental": Measurement(
                NEW_EVENTS / incremental_seconds, "events/s", incremental_seconds
            ),
        },
        ratios={"full": hand_seconds / full_seconds, "incremental": full_seconds / incremental_seconds},
        details=details,
    )
