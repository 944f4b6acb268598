"""Sessions: the same session id while the visitor keeps browsing, a new one after 30 idle minutes."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from leadline.activity.models import Activity
from leadline.tracking.models import Visitor
from tests.tracking.factories import ORIGIN, SiteFactory, page_view, send

pytestmark = pytest.mark.django_db


def sessions_in_order() -> list[uuid.UUID]:
    return list(Activity.objects.order_by("id").values_list("session_id", flat=True))


def test_it_keeps_the_session_while_pages_follow_each_other_within_30_minutes() -> None:
    site = SiteFactory()
    visitor = str(uuid.uuid4())
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        send(site, [page_view(f"{ORIGIN}/")], visitor=visitor)
        clock.shift(timedelta(minutes=20))
        send(site, [page_view(f"{ORIGIN}/pricing")], visitor=visitor)
        clock.shift(timedelta(minutes=29))
        send(site, [page_view(f"{ORIGIN}/contact")], visitor=visitor)

    first, second, third = sessions_in_order()
    assert first == second == third
    assert Visitor.objects.get().session_count == 1


def test_it_starts_a_new_session_after_30_minutes_without_activity() -> None:
    site = SiteFactory()
    visitor = str(uuid.uuid4())
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        send(site, [page_view(f"{ORIGIN}/")], visitor=visitor)
        clock.shift(timedelta(minutes=31))
        send(site, [page_view(f"{ORIGIN}/pricing")], visitor=visitor)
        send(site, [page_view(f"{ORIGIN}/contact")], visitor=visitor)

    first, second, third = sessions_in_order()
    assert first != second
    assert second == third
    row = Visitor.objects.get()
    assert row.session_count == 2
    assert row.session_id == second
    assert row.session_started_at == start + timedelta(minutes=31)
    assert abs(row.first_seen_at - start) < timedelta(milliseconds=1)  # the page's own timestamp


def test_it_gives_two_browsers_two_sessions() -> None:
    site = SiteFactory()
    send(site, [page_view()], visitor=str(uuid.uuid4()))
    send(site, [page_view()], visitor=str(uuid.uuid4()))

    first, second = sessions_in_order()
    assert first != second
