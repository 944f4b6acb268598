"""Rollups: the worker's incremental updates end where a rebuild from the raw rows ends."""

from __future__ import annotations

import uuid
from datetime import timedelta
from io import StringIO
from typing import Any

from django.core.management import call_command

from leadline.activity.models import Activity, Kind
from leadline.analytics.models import ContactMilestone, PageViewDaily, TrafficSession
from leadline.analytics.rollups import rollups_rebuild, rollups_update
from leadline.contacts.services import contact_update
from tests.analytics.dashboards.dataset import NOW, World


def snapshot() -> dict[str, Any]:
    return {
        "milestones": sorted(
            ContactMilestone.objects.values_list(
                "contact_id",
                "source",
                "owner_id",
                "first_seen_at",
                "first_touch_at",
                "first_touch_month",
                "lead_at",
                "mql_at",
                "sql_at",
                "opportunity_at",
                "customer_at",
            )
        ),
        "sessions": sorted(
            TrafficSession.objects.values_list(
                "session_id", "visitor_id", "started_at", "source", "page_views", "is_returning"
            )
        ),
        "pages": sorted(PageViewDaily.objects.values_list("day", "path", "views")),
    }


def test_it_folds_new_activity_into_the_rollups_like_a_rebuild(world: World) -> None:
    contact = world.contacts[0]
    contact_update(contact=contact, actor=None, data={"lifecycle_stage": "customer"}, via="test")
    visitor = uuid.uuid4()
    old_session = TrafficSession.objects.order_by("started_at").first()
    assert old_session is not None
    rows = [
        Activity(
            kind=Kind.PAGE_VIEW,
            occurred_at=NOW - timedelta(minutes=5 - n),
            visitor_id=visitor,
            session_id=session,
            url=f"https://example.test/new/{n}",
            source="linkedin" if n == 0 else "",
        )
        for n, session in enumerate([uuid.uuid4()] * 3)
    ]
    rows.append(
        Activity(
            kind=Kind.PAGE_VIEW,
            occurred_at=NOW,
            visitor_id=old_session.visitor_id,
            session_id=old_session.session_id,
            url="https://example.test/pricing",
        )
    )
    rows.append(
        Activity(
            kind=Kind.PAGE_VIEW,
            occurred_at=NOW,
            visitor_id=old_session.visitor_id,
            session_id=uuid.uuid4(),
            url="https://example.test/",
        )
    )
    Activity.objects.bulk_create(rows)
    read = rollups_update(batch_size=2)
    assert read >= 6
    incremental = snapshot()
    assert ContactMilestone.objects.get(contact=contact).customer_at is not None
    rollups_rebuild()
    assert snapshot() == incremental
    assert rollups_update() == 0


def test_it_rebuilds_from_the_command_line_with_progress(world: World) -> None:
    TrafficSession.objects.all().delete()
    out = StringIO()
    call_command("analytics_rebuild", stdout=out)
    text = out.getvalue()
    assert "Page views [" in text
    assert "Rebuilt:" in text
    assert TrafficSession.objects.exists()
