from django.db import connection
from django.test.utils import CaptureQueriesContext

from leadline.core.scheduler import PERIODIC, _load_periodic_modules
from leadline.core.tasks import database_optimize
from tests.factories import ContactFactory


def test_it_registers_the_database_housekeeping_with_the_scheduler():
    _load_periodic_modules()

    assert "leadline.core.tasks.database_optimize" in PERIODIC


def test_it_refreshes_sqlite_statistics_of_every_table_and_leaves_postgresql_to_autovacuum(db):
    ContactFactory.create_batch(3)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # creates the statistics table, then none for any table
            cursor.execute("DELETE FROM sqlite_stat1")

    with CaptureQueriesContext(connection) as queries:
        database_optimize()

    if connection.vendor != "sqlite":
        assert queries.captured_queries == []
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT DISTINCT tbl FROM sqlite_stat1")
        tables = {row[0] for row in cursor.fetchall()}
    assert "contacts_contact" in tables
