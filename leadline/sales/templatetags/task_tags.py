"""Template helpers of the task screens: when a task is due, in words, in the viewer's time zone."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django import template
from django.utils import timezone

register = template.Library()

KIND_ICONS = {"call": "activity", "email": "mail", "meeting": "calendar", "todo": "check"}


def _due_day(task: Any) -> date | None:
    if task.due_at is None:
        return None
    # Day-only tasks sit at noon UTC of their day; timed ones fall on the viewer's local day.
    return task.due_at.date() if task.due_all_day else timezone.localtime(task.due_at).date()


@register.filter
def task_overdue(task: Any, now: datetime) -> bool:
    if task.due_at is None or task.completed_at is not None:
        return False
    if task.due_all_day:
        return _due_day(task) < timezone.localtime(now).date()  # type: ignore[operator]
    return bool(task.due_at < now)


@register.filter
def task_due(task: Any, now: datetime) -> str:
    """ "Today, 14:00", "Tomorrow", "Yesterday, 09:30", "Mon 30 Nov", "30 Nov 2027"; "" without a date."""
    day = _due_day(task)
    if day is None:
        return ""
    today = timezone.localtime(now).date()
    if day == today:
        words = "Today"
    elif day == today + timedelta(days=1):
        words = "Tomorrow"
    elif day == today - timedelta(days=1):
        words = "Yesterday"
    elif abs((day - today).days) < 7:
        words = day.strftime("%a %-d %b")
    elif day.year == today.year:
        words = day.strftime("%-d %b")
    else:
        words = day.strftime("%-d %b %Y")
    if task.due_all_day:
        return words
    return f"{words}, {timezone.localtime(task.due_at):%H:%M}"


@register.filter
def task_icon(kind: str) -> str:
    return KIND_ICONS.get(kind, "check")
