"""Background work of scoring: new activity rows are scored in batches, engagement decays daily,
and a change of rules or settings recomputes everyone."""

from __future__ import annotations

import time
from datetime import timedelta

from django.tasks import task

from leadline.core.scheduler import periodic
from leadline.scoring.engine import scores_decay_pass, scores_process_new_activity, scores_recompute_all

TIME_BUDGET_SECONDS = 10.0
ACTIVITY_BATCH = 5000


@periodic(timedelta(seconds=20))
def scores_update_from_activity() -> None:
    deadline = time.monotonic() + TIME_BUDGET_SECONDS
    while time.monotonic() < deadline and scores_process_new_activity(limit=ACTIVITY_BATCH) > 0:
        pass


@periodic(timedelta(days=1))
def scores_decay() -> None:
    scores_decay_pass()


@task()
def scores_recompute_all_task() -> int:
    return scores_recompute_all()
