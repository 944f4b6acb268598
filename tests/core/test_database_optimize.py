from django.db import connection
from django.test.utils import CaptureQueriesContext

from leadline.core.scheduler import PERIODIC, _load_periodic_modules
from leadline.core.tasks import database_optimize


def test_it_registers_the_database_housekeeping_with_the_scheduler():
    _load_periodic_modules()

    assert "leadline.core.tasks.database_optimize" in PERIODIC


def test_it_refreshes_sqlite_statistics_and_leaves_postgresql_to_autovacuum(db):
    with CaptureQueriesContext(connection) as queries:
        database_optimize()

    statements = [query["sql"] for query in queries.captured_queries]
    expected = ["PRAGMA optimize"] if connection.vendor == "sqlite" else []
    assert statements == expected
