"""Independent recomputations: plain SQL over the raw tables, with only sorting and counting done
in Python. They share no code with `leadline.analytics`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import connection

from tests.analytics.dashboards.dataset import as_utc

RANKS = "SELECT 'subscriber' AS stage, 0 AS rank UNION ALL SELECT 'lead', 1 UNION ALL SELECT 'mql', 2 " \
    "UNION ALL SELECT 'sql', 3 UNION ALL SELECT 'opportunity', 4 UNION ALL SELECT 'customer', 5 " \
    "UNION ALL SELECT 'evangelist', 6"  # fmt: skip
STEP_RANK = {"lead": 1, "mql": 2, "sql": 3, "opportunity": 4, "customer": 5}


def rows(sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return list(cursor.fetchall())


def json_text(column: str, key: str) -> str:
    if connection.vendor == "postgresql":
        return f"({column} ->> '{key}')"
    return f"json_extract({column}, '$.{key}')"


def reached_at(step: str) -> dict[int, datetime]:
    """contact id → the first moment its lifecycle stage was at `step` or beyond."""
    to_stage, from_stage = json_text("a.data", "to"), json_text("a.data", "from")
    sql = f"""
        WITH ranks AS ({RANKS}),
        changes AS (
            SELECT a.contact_id, a.occurred_at, a.id, {to_stage} AS to_stage, {from_stage} AS from_stage
            FROM activity_activity a WHERE a.kind = 'stage.changed' AND a.contact_id IS NOT NULL
        ),
        first_change AS (
            SELECT ch.contact_id, ch.from_stage FROM changes ch
            WHERE NOT EXISTS (
                SELECT 1 FROM changes e WHERE e.contact_id = ch.contact_id
                AND (e.occurred_at < ch.occurred_at OR (e.occurred_at = ch.occurred_at AND e.id < ch.id))
            )
        ),
        initial AS (
            SELECT c.id, c.created_at,
                CASE WHEN fc.contact_id IS NULL THEN c.lifecycle_stage ELSE fc.from_stage END AS stage
            FROM contacts_contact c LEFT JOIN first_change fc ON fc.contact_id = c.id
        ),
        reached AS (
            SELECT i.id AS contact_id, i.created_at AS at FROM initial i JOIN ranks r ON r.stage = i.stage
            WHERE r.rank >= %s
            UNION ALL
            SELECT ch.contact_id, ch.occurred_at FROM changes ch JOIN ranks r ON r.stage = ch.to_stage
            WHERE r.rank >= %s
        )
        SELECT contact_id, MIN(at) FROM reached GROUP BY contact_id
    """
    rank = STEP_RANK[step]
    return {contact_id: as_utc(at) for contact_id, at in rows(sql, [rank, rank])}


def first_visit() -> dict[int, datetime]:
    return {
        contact_id: as_utc(at)
        for contact_id, at in rows(
            "SELECT contact_id, MIN(first_seen_at) FROM tracking_visitor WHERE contact_id IS NOT NULL GROUP BY contact_id"
        )
    }


def contact_columns() -> dict[int, tuple[str, str, int | None]]:
    return {
        row[0]: (row[1], row[2], row[3])
        for row in rows("SELECT id, original_source, original_source_detail, owner_id FROM contacts_contact")
    }


def median(values: list[Any]) -> Any:
    values = sorted(values)
    if not values:
        return None
    middle = len(values) // 2
    return values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2
