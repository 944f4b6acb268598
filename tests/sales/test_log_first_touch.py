"""The one rule of the first sales touch (`handoff_record_touch`), which logged calls and meetings,
done call tasks and booked meetings all go through."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from leadline.sales.handoff_services import handoff_record_touch
from leadline.sales.models import HandoffState
from tests.sales.factories import HandoffFactory


def test_it_sets_the_first_touch_of_a_waiting_hand_off(sam):
    now = timezone.now()
    handoff = HandoffFactory(assigned_to=sam, assigned_at=now - timedelta(hours=2))

    assert handoff_record_touch(contact=handoff.contact, at=now) == 1

    handoff.refresh_from_db()
    assert handoff.first_touch_at == now


def test_it_sets_it_on_an_accepted_hand_off_without_one(sam):
    now = timezone.now()
    handoff = HandoffFactory(state=HandoffState.ACCEPTED, assigned_at=now - timedelta(days=1))

    handoff_record_touch(contact=handoff.contact, at=now)

    handoff.refresh_from_db()
    assert handoff.first_touch_at == now


def test_a_later_touch_keeps_the_first_one(sam):
    now = timezone.now()
    first = now - timedelta(hours=1)
    handoff = HandoffFactory(assigned_at=now - timedelta(hours=2), first_touch_at=first)

    assert handoff_record_touch(contact=handoff.contact, at=now) == 0

    handoff.refresh_from_db()
    assert handoff.first_touch_at == first


def test_an_earlier_touch_logged_afterwards_becomes_the_first(sam):
    now = timezone.now()
    handoff = HandoffFactory(assigned_at=now - timedelta(hours=3), first_touch_at=now)

    handoff_record_touch(contact=handoff.contact, at=now - timedelta(hours=2))

    handoff.refresh_from_db()
    assert handoff.first_touch_at == now - timedelta(hours=2)


def test_a_touch_before_the_lead_was_routed_does_not_count(sam):
    now = timezone.now()
    handoff = HandoffFactory(assigned_at=now)

    assert handoff_record_touch(contact=handoff.contact, at=now - timedelta(days=3)) == 0


def test_rejected_and_recycled_hand_offs_are_left_alone(sam):
    now = timezone.now()
    rejected = HandoffFactory(state=HandoffState.REJECTED, assigned_at=now - timedelta(hours=1))
    recycled = HandoffFactory(state=HandoffState.RECYCLED, assigned_at=now - timedelta(hours=1))

    handoff_record_touch(contact=rejected.contact, at=now)
    handoff_record_touch(contact=recycled.contact, at=now)

    rejected.refresh_from_db()
    recycled.refresh_from_db()
    assert rejected.first_touch_at is None and recycled.first_touch_at is None
