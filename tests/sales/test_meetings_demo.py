"""The demo's meetings: availability for each salesperson, the round-robin clarity call, a demo per
person, upcoming bookings made through the real path and a few past meetings — seeded once."""

from __future__ import annotations

import time_machine

from leadline.contacts.models import LifecycleStage
from leadline.sales.demo_meetings import seed_meetings_demo
from leadline.sales.models import Availability, Meeting, MeetingType
from tests.factories import ContactFactory
from tests.sales.meeting_support import TUESDAY_10AM


def test_it_seeds_bookable_meeting_types_once(sam, tess, oscar, django_capture_on_commit_callbacks):
    for index in range(20):
        ContactFactory(email=f"lead{index}@example.org", lifecycle_stage=LifecycleStage.MQL)
    messages: list[str] = []

    with time_machine.travel(TUESDAY_10AM, tick=False), django_capture_on_commit_callbacks(execute=True):
        seed_meetings_demo(messages.append)
        counts = (MeetingType.objects.count(), Meeting.objects.count(), Availability.objects.count())
        seed_meetings_demo(messages.append)

    clarity = MeetingType.objects.get(slug="clarity-call")
    assert clarity.name == "Free 30-minute clarity call"
    assert clarity.team is not None and clarity.host is None
    assert set(clarity.team.members.all()) == {sam, tess}
    assert MeetingType.objects.filter(host__in=[sam, tess, oscar]).count() == 3
    assert Availability.objects.get(user=sam).default_meeting_type.host == sam
    upcoming = Meeting.objects.filter(starts_at__gt=TUESDAY_10AM)
    assert upcoming.count() == 6
    assert all(meeting.contact is not None for meeting in upcoming)
    assert Meeting.objects.filter(starts_at__lt=TUESDAY_10AM).count() == 4
    assert (MeetingType.objects.count(), Meeting.objects.count(), Availability.objects.count()) == counts
    assert len(messages) == 1


def test_it_skips_a_workspace_without_salespeople(db):
    messages: list[str] = []

    seed_meetings_demo(messages.append)

    assert not MeetingType.objects.exists()
    assert "skipped" in messages[0]
