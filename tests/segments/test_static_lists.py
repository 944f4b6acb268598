"""Static lists take contacts by hand and record each entry and exit."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from leadline.activity.models import Activity
from leadline.segments.models import SegmentMembership
from leadline.segments.services import segment_create, static_list_add, static_list_remove
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


def test_it_adds_and_removes_contacts_by_hand(maria):
    first, second = ContactFactory(), ContactFactory()
    segment = segment_create(user=maria, name="Event guests", kind="static")

    assert static_list_add(segment=segment, contact_ids=[first.pk, second.pk]) == 2
    assert static_list_add(segment=segment, contact_ids=[first.pk]) == 0
    assert static_list_remove(segment=segment, contact_ids=[second.pk]) == 1

    assert list(SegmentMembership.objects.filter(segment=segment).values_list("contact", flat=True)) == [
        first.pk
    ]
    segment.refresh_from_db()
    assert segment.member_count == 1
    assert Activity.objects.filter(kind="segment.entered").count() == 2
    assert Activity.objects.filter(kind="segment.left", contact=second).count() == 1


def test_it_refuses_manual_changes_to_a_dynamic_segment(maria):
    contact = ContactFactory(score=1)
    segment = segment_create(
        user=maria, name="Any score", definition={"field": "score", "op": "gte", "value": 0}
    )

    with pytest.raises(ValidationError):
        static_list_add(segment=segment, contact_ids=[contact.pk])


def test_it_matches_members_of_a_static_list_in_other_segments(maria):
    guest, other = ContactFactory(score=90), ContactFactory(score=90)
    guests = segment_create(user=maria, name="Guests", kind="static")
    static_list_add(segment=guests, contact_ids=[guest.pk])

    hot_guests = segment_create(
        user=maria,
        name="Hot guests",
        definition={
            "and": [
                {"field": "member_of", "op": "in", "value": str(guests.public_id)},
                {"field": "score", "op": "gt", "value": 50},
            ]
        },
    )

    assert list(SegmentMembership.objects.filter(segment=hot_guests).values_list("contact", flat=True)) == [
        guest.pk
    ]
    assert other.pk not in SegmentMembership.objects.values_list("contact", flat=True)
