"""Periodic work of tasks: reminders of tasks that are due soon.

Each reminder is claimed (a conditional update of `reminded_at`) before it is sent, so two runs
never both send it; an email that fails releases the claim so the next run tries again, while the
in-app notification carries a key that lets it exist only once.
"""

from __future__ import annotations

import logging
import zoneinfo
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage, mailers
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone

from leadline.core.notifications import notify
from leadline.core.scheduler import periodic
from leadline.sales.models import Task
from leadline.sales.task_services import task_url

logger = logging.getLogger(__name__)

BATCH_SIZE = 200
MAX_BATCHES = 25  # at most 5,000 reminders a run; the rest wait a minute for the next one


def _local(moment: datetime, zone_name: str) -> datetime:
    try:
        return timezone.localtime(moment, zoneinfo.ZoneInfo(zone_name or "UTC"))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return timezone.localtime(moment, zoneinfo.ZoneInfo("UTC"))


def _when(task: Task) -> str:
    """The due time in the assignee's own time zone, in words."""
    if task.due_at is None:
        return "No due date."
    if task.due_all_day:
        return f"Due on {task.due_at:%A} {task.due_at.day} {task.due_at:%B %Y}."
    assert task.assigned_to is not None
    local = _local(task.due_at, task.assigned_to.time_zone)
    return f"Due {local:%A} {local.day} {local:%B %Y at %H:%M} ({local.tzname()})."


def _email(task: Task) -> EmailMessage:
    assert task.assigned_to is not None
    lines = [task.title, "", _when(task)]
    if task.contact is not None:
        lines.append(f"Contact: {task.contact.display_name}")
    if task.deal is not None:
        lines.append(f"Deal: {task.deal.name}")
    if task.notes:
        lines += ["", task.notes]
    lines += ["", f"{settings.BASE_URL}{task_url(task)}", ""]
    return EmailMessage(f"Reminder: {task.title}", "\n".join(lines), to=[task.assigned_to.email])


def _due(now: datetime, skip: set[int]) -> list[Task]:
    return list(
        Task.objects.filter(
            remind_at__lte=now,
            reminded_at__isnull=True,
            completed_at__isnull=True,
            assigned_to__isnull=False,
            assigned_to__is_active=True,
        )
        .exclude(pk__in=skip)
        .select_related("assigned_to", "contact", "deal")
        .order_by("remind_at", "id")[:BATCH_SIZE]
    )


def _remind(task: Task, now: datetime, connection: BaseEmailBackend) -> bool:
    """Claim, notify and email one reminder; False when the email failed (the claim is released)."""
    assignee = task.assigned_to
    assert assignee is not None
    notify(
        user=assignee,
        kind="task.due",
        title=f"Reminder: {task.title}",
        body=_when(task),
        url=task_url(task),
        key=f"task-reminder:{task.public_id}",
    )
    if not assignee.email:
        return True
    try:
        connection.send_messages([_email(task)])
    except Exception:
        # Released so that the next run retries the email; the notification's key keeps it single.
        logger.exception("Could not send the reminder of task %s", task.public_id)
        Task.objects.filter(pk=task.pk, reminded_at=now).update(reminded_at=None)
        return False
    return True


def tasks_send_reminders(*, now: datetime | None = None) -> int:
    """Send each due reminder once, in batches: an email and an in-app notification to the assignee.
    Returns how many were sent."""
    now = now or timezone.now()
    sent = 0
    seen: set[int] = set()
    connection = mailers.default
    try:
        connection.open()  # one connection for the whole run (a failure here is retried per email)
    except Exception:
        logger.exception("Could not connect to the mail server; reminders will retry")
    try:
        for _batch in range(MAX_BATCHES):
            tasks = _due(now, seen)
            if not tasks:
                break
            for task in tasks:
                seen.add(task.pk)
                claimed = Task.objects.filter(pk=task.pk, reminded_at__isnull=True).update(reminded_at=now)
                if claimed and _remind(task, now, connection):
                    sent += 1
    finally:
        connection.close()
    return sent


@periodic(every=timedelta(minutes=1))
def send_task_reminders() -> int:
    return tasks_send_reminders()
