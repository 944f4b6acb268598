"""Periodic work of the hand-off: route new MQLs, keep SLA timers, recycle rejected leads."""

from __future__ import annotations

from datetime import timedelta

from leadline.core.scheduler import periodic
from leadline.sales import meeting_jobs, suggestions, task_jobs  # noqa: F401  (periodic work registers on import)
from leadline.sales.handoff_routing import handoffs_route_new_mqls
from leadline.sales.handoff_services import (
    handoffs_escalate_overdue,
    handoffs_recycle_due,
    handoffs_send_reminders,
)


@periodic(every=timedelta(seconds=30))
def route_new_mqls() -> int:
    return handoffs_route_new_mqls()


@periodic(every=timedelta(minutes=1))
def keep_sla_timers() -> dict[str, int]:
    return {"reminded": handoffs_send_reminders(), "escalated": handoffs_escalate_overdue()}


@periodic(every=timedelta(hours=1))
def recycle_rejected_leads() -> int:
    return handoffs_recycle_due()
