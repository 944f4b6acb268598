"""Reads of operational state: health, outbox, audit log."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from leadline.core.models import AuditEntry, Heartbeat, Job, OutboxEmail

STALE_AFTER = timedelta(minutes=2)


def health_report() -> tuple[bool, dict[str, Any]]:
    """Database reachability, worker and scheduler liveness, queue depth. (ok, report)"""
    report: dict[str, Any] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        report["database"] = {"status": "ok", "vendor": connection.vendor}
    except Exception as error:
        report["database"] = {"status": "error", "error": type(error).__name__}
        return False, report

    now = timezone.now()
    beats = {beat.process: beat for beat in Heartbeat.objects.all()}
    for process in ("worker", "scheduler"):
        beat = beats.get(process)
        if beat is None:
            report[process] = {"status": "unknown", "last_seen": None}
        else:
            age = (now - beat.seen_at).total_seconds()
            report[process] = {
                "status": "ok" if age <= STALE_AFTER.total_seconds() else "stale",
                "last_seen": beat.seen_at.isoformat(),
                "seconds_ago": round(age, 1),
            }
    from django_tasks_db.models import DBTaskResult

    waiting = DBTaskResult.objects.ready()
    oldest = waiting.order_by("enqueued_at").values_list("enqueued_at", flat=True).first()
    report["queue"] = {
        "waiting": waiting.count(),
        "oldest_seconds": round((now - oldest).total_seconds(), 1) if oldest else 0,
        "dead_jobs": Job.objects.filter(state=Job.State.DEAD).count(),
    }
    return True, report


def outbox_list() -> QuerySet[OutboxEmail]:
    return OutboxEmail.objects.order_by("-created_at", "-id")


def audit_list() -> QuerySet[AuditEntry]:
    return AuditEntry.objects.select_related("actor").order_by("-created_at", "-id")
