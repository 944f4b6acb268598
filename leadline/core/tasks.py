"""Periodic housekeeping of the database itself."""

from __future__ import annotations

from datetime import timedelta

from django.db import connection

from leadline.core.scheduler import periodic

# Rows SQLite samples per index for its statistics: enough to rank the indexes, and quick.
ANALYSIS_LIMIT = 1000


@periodic(every=timedelta(hours=6))
def database_optimize() -> None:
    """Keep SQLite's planner statistics fresh for every table: without them it picks poor indexes
    as tables grow (segment updates slow down several times; conversion by source reads a row per
    lead instead of a covering index). `PRAGMA optimize` alone only looks at the tables this
    connection has queried, so a sampled `ANALYZE` of all of them runs instead. PostgreSQL's
    autovacuum does this itself."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA analysis_limit = {ANALYSIS_LIMIT}")
            cursor.execute("ANALYZE")
