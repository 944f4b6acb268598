"""Periodic work of the mail room (registered with @periodic when imported by mail.tasks): the outbox
is sent from the task queue, so a plain `leadline demo` or `leadline worker` sends email too.

Each tick hands the worker one sending run with a time budget; a backlog bigger than one run leaves
due rows that the next tick (or a second worker) takes, since claims never overlap. Code that queues
an email someone is waiting for (a 1:1 email, an instant reply) may call `outbox_send_soon` after
commit instead of waiting for the next tick.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.tasks import task

from leadline.core.scheduler import periodic
from leadline.mail.sending import outbox_send_due

logger = logging.getLogger(__name__)

# Shorter than the default scheduler tick, so every tick that finds the interval passed sends.
SEND_EVERY = timedelta(seconds=10)
# Seconds one run may spend before giving the worker back to other tasks.
RUN_BUDGET = 50.0


def _send(time_budget: float) -> dict[str, int]:
    report = outbox_send_due(time_budget=time_budget)
    if report.claimed:
        logger.info("Outbox: %s claimed; %s", report.claimed, report.summary)
    return {"claimed": report.claimed, "sent": report.sent}


@periodic(every=SEND_EVERY)
def outbox_send_periodic() -> None:
    """Send what is due (the scheduler's tick)."""
    _send(RUN_BUDGET)


@task()
def outbox_send_task() -> dict[str, int]:
    return _send(RUN_BUDGET)


def outbox_send_soon() -> None:
    """Ask a worker to send what is due now rather than at the next tick."""
    outbox_send_task.enqueue()
