"""Periodic work of the automation room: triggers from the activity log, the engine tick, dates."""

from __future__ import annotations

import logging
from datetime import timedelta

from leadline.automation.engine import engine_tick
from leadline.automation.triggers import date_triggers_run, triggers_consume
from leadline.core.scheduler import periodic

logger = logging.getLogger(__name__)


@periodic(every=timedelta(minutes=1))
def run_workflows() -> None:
    """Enrol from new activity, then run every due step (waits that ended, retries, new enrolments)."""
    triggers_consume()
    result = engine_tick()
    if result.failed:
        logger.warning("Workflows: %s enrolments parked as failed", result.failed)


@periodic(every=timedelta(hours=1))
def run_date_triggers() -> None:
    """Birthdays, renewal dates and days after orders; each contact is enrolled once per date."""
    date_triggers_run()
