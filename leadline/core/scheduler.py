"""The scheduler process: every tick it runs periodic functions that are due and hands due jobs to
the task queue. It keeps no state in memory that a restart would lose."""

from __future__ import annotations

import logging
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections, transaction
from django.tasks import task
from django.utils import timezone

from leadline.core.jobs import jobs_claim_due, run_job
from leadline.core.models import Heartbeat, PeriodicRun

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Periodic:
    name: str
    every: timedelta
    function: Callable[[], object]


PERIODIC: dict[str, Periodic] = {}


def periodic(every: timedelta) -> Callable[[Callable[[], object]], Callable[[], object]]:
    """Register a function the scheduler enqueues every `every` (at most once per interval)."""

    def register(function: Callable[[], object]) -> Callable[[], object]:
        name = f"{function.__module__}.{function.__qualname__}"
        PERIODIC[name] = Periodic(name=name, every=every, function=function)
        return function

    return register


def beat(process: str, **detail: object) -> None:
    Heartbeat.objects.update_or_create(
        process=process, defaults={"seen_at": timezone.now(), "detail": detail}
    )


@task()
def worker_heartbeat() -> None:
    """Enqueued by every tick: a worker running it proves the queue is being served."""
    beat("worker")


@task()
def run_periodic(name: str) -> None:
    # The worker is another process than the scheduler: it must load the registry too.
    _load_periodic_modules()
    entry = PERIODIC.get(name)
    if entry is not None:
        entry.function()


def _due_periodics() -> list[str]:
    now = timezone.now()
    due = []
    last_runs = dict(PeriodicRun.objects.values_list("name", "last_run_at"))
    for name, entry in PERIODIC.items():
        last = last_runs.get(name)
        # Several schedulers may tick at once: only the one whose write wins runs the function.
        if last is None:
            with transaction.atomic():
                _, claimed = PeriodicRun.objects.get_or_create(name=name, defaults={"last_run_at": now})
        elif now - last >= entry.every:
            claimed = bool(PeriodicRun.objects.filter(name=name, last_run_at=last).update(last_run_at=now))
        else:
            claimed = False
        if claimed:
            due.append(name)
    return due


def tick() -> dict[str, int]:
    """One pass: enqueue due periodic functions and due jobs; returns what it enqueued."""
    _load_periodic_modules()
    periodic_names = _due_periodics()
    for name in periodic_names:
        run_periodic.enqueue(name)
    job_ids = jobs_claim_due(limit=500)
    for job_id in job_ids:
        run_job.enqueue(job_id)
    worker_heartbeat.enqueue()
    beat("scheduler", periodic=len(periodic_names), jobs=len(job_ids))
    return {"periodic": len(periodic_names), "jobs": len(job_ids)}


def _load_periodic_modules() -> None:
    """Import each app's `tasks` module so its @periodic functions are registered."""
    from importlib import import_module

    from django.apps import apps

    for config in apps.get_app_configs():
        if config.name.startswith("leadline."):
            try:
                import_module(f"{config.name}.tasks")
            except ModuleNotFoundError as error:
                if error.name != f"{config.name}.tasks":
                    raise


def run_forever() -> None:
    stop = False

    def request_stop(signum: int, _frame: object) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    interval = settings.LEADLINE_SCHEDULER_TICK_SECONDS
    logger.info("Scheduler started, ticking every %ss", interval)
    while not stop:
        started = time.monotonic()
        try:
            tick()
        except Exception:
            logger.exception("Scheduler tick failed; trying again next tick")
        finally:
            close_old_connections()
        while not stop and time.monotonic() - started < interval:
            time.sleep(0.2)
    logger.info("Scheduler stopped")
