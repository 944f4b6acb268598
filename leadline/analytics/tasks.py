"""Imported by the scheduler: registers the analytics room's periodic work."""

from datetime import timedelta

from leadline.analytics import clv_jobs  # noqa: F401
from leadline.analytics.digest import digests_schedule
from leadline.analytics.rollups import rollups_update
from leadline.core.scheduler import periodic


@periodic(every=timedelta(seconds=30))
def update_rollups() -> int:
    """Fold new activity into the dashboards' rollups."""
    return rollups_update()


@periodic(every=timedelta(hours=1))
def schedule_weekly_digests() -> bool:
    """Record the week's digest as a job for its day and hour (sent once a week)."""
    return digests_schedule()
