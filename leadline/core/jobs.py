"""Deferred work with retry and backoff, recorded in `core.Job`.

`job_schedule` writes a row; the scheduler tick claims due rows in batches and enqueues
`run_job` on the task queue; a failure pushes `run_at` out exponentially (with jitter) until
`max_attempts`, then the job is marked dead and keeps its last error for an operator to read.
"""

from __future__ import annotations

import logging
import random
import traceback
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.tasks import task
from django.utils import timezone
from django.utils.module_loading import import_string

from leadline.core.models import Job

logger = logging.getLogger(__name__)

BASE_DELAY_SECONDS = 30
MAX_DELAY_SECONDS = 6 * 3600
LEASE = timedelta(minutes=10)
LOST_RUN_ERROR = "The worker running this job stopped before it finished (its lease expired)."


def backoff_delay(attempts: int, *, rng: random.Random | None = None) -> timedelta:
    """Exponential backoff with full jitter: 30s, 60s, 120s … capped at six hours."""
    ceiling = min(MAX_DELAY_SECONDS, BASE_DELAY_SECONDS * (2 ** max(0, attempts - 1)))
    chooser = rng or random
    return timedelta(seconds=ceiling / 2 + chooser.uniform(0, ceiling / 2))


def job_schedule(
    *,
    name: str,
    arguments: dict[str, Any] | None = None,
    run_at: datetime | None = None,
    key: str | None = None,
    max_attempts: int = 8,
) -> Job:
    """Record a job. With a `key`, scheduling the same work twice returns the existing row."""
    import_string(name)  # fail now, not at run time, on a typo
    if key is not None:
        existing = Job.objects.filter(key=key).first()
        if existing is not None:
            return existing
    try:
        with transaction.atomic():
            return Job.objects.create(
                name=name,
                arguments=arguments or {},
                run_at=run_at or timezone.now(),
                key=key,
                max_attempts=max_attempts,
            )
    except IntegrityError:
        return Job.objects.get(key=key)


def jobs_claim_due(*, limit: int = 100, now: datetime | None = None) -> list[int]:
    """Lease up to `limit` due jobs and return their ids. Safe with several schedulers running."""
    now = now or timezone.now()
    _jobs_reclaim_expired(now)
    with transaction.atomic():
        due = (
            Job.objects.filter(state=Job.State.PENDING, run_at__lte=now)
            .order_by("run_at", "id")
            .select_for_update(skip_locked=True)
            .values_list("id", flat=True)[:limit]
        )
        ids = list(due)
        if ids:
            Job.objects.filter(id__in=ids, state=Job.State.PENDING).update(
                state=Job.State.RUNNING, lease_until=now + LEASE
            )
    return ids


def _jobs_reclaim_expired(now: datetime) -> None:
    """Jobs whose worker died mid-run come back once their lease expires, so this pass claims them
    again. The lost run counts as a failed attempt: a job that kills its worker every time ends dead
    instead of looping forever."""
    expired = Job.objects.filter(state=Job.State.RUNNING, lease_until__lt=now)
    common = {"attempts": F("attempts") + 1, "lease_until": None, "last_error": LOST_RUN_ERROR}
    expired.filter(attempts__gte=F("max_attempts") - 1).update(
        state=Job.State.DEAD, finished_at=now, **common
    )
    expired.update(state=Job.State.PENDING, **common)


def job_execute(job_id: int) -> Job.State | None:
    """Run one claimed job now and record the outcome."""
    job = Job.objects.filter(id=job_id).first()
    if job is None or job.state != Job.State.RUNNING:
        return None
    job.attempts += 1
    try:
        function = import_string(job.name)
        function(**job.arguments)
    except Exception as error:
        logger.warning("Job %s (%s) failed on attempt %s: %s", job.id, job.name, job.attempts, error)
        job.last_error = "".join(traceback.format_exception_only(error)).strip()[:4000]
        job.lease_until = None
        if job.attempts >= job.max_attempts:
            job.state = Job.State.DEAD
            job.finished_at = timezone.now()
        else:
            job.state = Job.State.PENDING
            job.run_at = timezone.now() + backoff_delay(job.attempts)
        job.save(update_fields=["attempts", "last_error", "lease_until", "state", "finished_at", "run_at"])
        return Job.State(job.state)
    job.state = Job.State.DONE
    job.finished_at = timezone.now()
    job.lease_until = None
    job.save(update_fields=["attempts", "state", "finished_at", "lease_until"])
    return Job.State.DONE


@task()
def run_job(job_id: int) -> str | None:
    state = job_execute(job_id)
    return str(state) if state else None
