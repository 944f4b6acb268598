"""Periodic housekeeping of the database itself."""

from __future__ import annotations

from datetime import timedelta

from django.db import connection

from leadline.core.scheduler import periodic


@periodic(every=timedelta(hours=6))
def database_optimize() -> None:
    """Keep SQLite's planner statistics fresh: without them it picks poor indexes as tables grow
    (the segment updates slow down several times). PostgreSQL's autovacuum does this itself."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA optimize")
