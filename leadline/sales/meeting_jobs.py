"""Periodic work of meetings: reminders to guests before their meeting; and the task that sends a
meeting's emails right after the booking commits instead of waiting for the scheduler's tick."""

from __future__ import annotations

from datetime import timedelta

from django.tasks import task
from django.utils import timezone

from leadline.core.jobs import LEASE, job_execute
from leadline.core.models import Job
from leadline.core.scheduler import periodic


@task()
def meeting_email_send_now(job_id: int) -> str | None:
    """Run one meeting email job now. It is claimed first (pending → running, as the scheduler's
    claim does), so this task and a scheduler tick never both send it."""
    claimed = Job.objects.filter(pk=job_id, state=Job.State.PENDING).update(
        state=Job.State.RUNNING, lease_until=timezone.now() + LEASE
    )
    if not claimed:
        return None
    state = job_execute(job_id)
    return str(state) if state else None


@periodic(every=timedelta(minutes=1))
def remind_meeting_guests() -> int:
    from leadline.sales.meeting_services import meetings_remind_due

    return meetings_remind_due()
