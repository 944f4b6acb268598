"""Demo hand-offs: a few recent MQLs routed, accepted, sent back and waiting, so the queue and the
overview have something to show. Idempotent: does nothing once any hand-off exists."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from leadline.accounts.models import Role, User
from leadline.activity.models import Kind
from leadline.activity.services import activity_record
from leadline.contacts.models import Contact, LifecycleStage
from leadline.core.demo import DEMO_ADMIN_EMAIL
from leadline.sales.handoff_routing import handoff_create
from leadline.sales.handoff_services import handoff_accept, handoff_reject
from leadline.sales.models import Handoff, RoutingSettings

REJECTIONS = [
    ("no-budget", "Budget frozen until next year."),
    ("not-a-fit", "Two-person agency."),
    ("wrong-timing", ""),
]


def seed_handoff_demo(*, echo: Callable[[str], object] = print, count: int = 16) -> None:
    if Handoff.objects.exists():
        return
    if not User.objects.filter(role=Role.SALES, is_active=True).exists():
        echo("No salespeople to route demo leads to; skipped the hand-off demo.")
        return
    chooser = random.Random(4)
    now = timezone.now()
    routing = RoutingSettings.load()
    routing.escalate_to = User.objects.filter(email=DEMO_ADMIN_EMAIL).first()
    routing.save()
    contacts = list(Contact.objects.filter(lifecycle_stage=LifecycleStage.MQL).order_by("id")[:count])
    with transaction.atomic():
        for index, contact in enumerate(contacts):
            outcome = chooser.random()
            # Decided leads spread over the past weeks; waiting ones arrived in the last hours.
            hours_ago = chooser.randint(30, 24 * 20) if outcome < 0.7 else chooser.randint(1, 7)
            assigned_at = now - timedelta(hours=hours_ago)
            activity_record(
                kind=Kind.FORM_SUBMITTED,
                contact=contact,
                occurred_at=assigned_at - timedelta(minutes=chooser.randint(5, 600)),
                title="Book a free clarity call",
                data={"demo": True},
            )
            handoff = handoff_create(contact=contact, now=assigned_at)
            if handoff is None or handoff.assigned_to is None:
                continue
            decided_at = assigned_at + timedelta(minutes=chooser.randint(10, 60 * 30))
            if outcome < 0.45 and decided_at < now:
                handoff_accept(handoff=handoff, actor=handoff.assigned_to)
                Handoff.objects.filter(pk=handoff.pk).update(decided_at=decided_at, first_touch_at=decided_at)
            elif outcome < 0.7 and decided_at < now:
                reason, comment = REJECTIONS[index % len(REJECTIONS)]
                handoff_reject(handoff=handoff, actor=handoff.assigned_to, reason=reason, comment=comment)
                Handoff.objects.filter(pk=handoff.pk).update(decided_at=decided_at)
    echo(f"Routed {len(contacts)} demo MQLs to sales.")
