"""Tracking workers: what `/t/collect` leaves for later, processed in batches by the scheduler."""

from __future__ import annotations

import time
from datetime import timedelta

from django.db import transaction
from django.db.models import Max, Q

from leadline.activity.models import Activity, Cursor, Kind
from leadline.contacts.models import Contact
from leadline.core.scheduler import periodic
from leadline.tracking.stitching import IDENTIFY_BATCH, identify_pending_visitors

LAST_ACTIVITY_CURSOR = "tracking.contact_last_activity"
ACTIVITY_BATCH = 5000
TIME_BUDGET_SECONDS = 10.0


@periodic(timedelta(seconds=15))
def stitch_identified_visitors() -> None:
    """Attach visitors who called `leadline.identify(email)` to the contact with that email."""
    deadline = time.monotonic() + TIME_BUDGET_SECONDS
    while time.monotonic() < deadline:
        if identify_pending_visitors(limit=IDENTIFY_BATCH) < IDENTIFY_BATCH:
            break


def refresh_contact_last_activity(*, limit: int = ACTIVITY_BATCH) -> int:
    """Move contacts' `last_activity_at` forward for page views and events of identified visitors
    written since the last run (the request path does not touch contacts). Returns rows read."""
    with transaction.atomic():
        cursor, _ = Cursor.objects.select_for_update().get_or_create(name=LAST_ACTIVITY_CURSOR)
        window = Activity.objects.filter(id__gt=cursor.position).order_by("id")
        last_id = window.values_list("id", flat=True)[limit - 1 : limit].first()
        if last_id is None:
            last_id = window.aggregate(top=Max("id"))["top"]
        if last_id is None:
            return 0
        latest = (
            Activity.objects.filter(
                id__gt=cursor.position,
                id__lte=last_id,
                kind__in=(Kind.PAGE_VIEW, Kind.CUSTOM_EVENT),
                contact__isnull=False,
            )
            .values("contact_id")
            .annotate(latest=Max("occurred_at"))
        )
        for row in latest:
            Contact.objects.filter(
                Q(last_activity_at__isnull=True) | Q(last_activity_at__lt=row["latest"]), pk=row["contact_id"]
            ).update(last_activity_at=row["latest"])
        read = last_id - cursor.position
        cursor.position = last_id
        cursor.save(update_fields=["position", "updated_at"])
    return read


@periodic(timedelta(seconds=30))
def refresh_last_activity() -> None:
    deadline = time.monotonic() + TIME_BUDGET_SECONDS
    while time.monotonic() < deadline and refresh_contact_last_activity() > 0:
        pass
