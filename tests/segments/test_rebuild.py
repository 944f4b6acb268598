"""A full rebuild materialises membership and records who entered and left after the first build."""

from __future__ import annotations

import pytest

from leadline.activity.models import Activity
from leadline.contacts.models import Contact
from leadline.segments.models import SegmentMembership
from leadline.segments.services import segment_create, segment_rebuild, segment_update
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db

HOT = {"field": "score", "op": "gte", "value": 50}


def members(segment):
    return set(SegmentMembership.objects.filter(segment=segment).values_list("contact__email", flat=True))


def test_it_builds_membership_when_a_segment_is_created(maria):
    ContactFactory(email="hot@example.org", score=80)
    ContactFactory(email="cold@example.org", score=10)

    segment = segment_create(user=maria, name="Hot leads", definition=HOT)

    assert members(segment) == {"hot@example.org"}
    segment.refresh_from_db()
    assert segment.member_count == 1
    assert segment.last_built_at is not None
    assert not Activity.objects.filter(kind="segment.entered").exists()


def test_it_applies_only_the_difference_on_rebuild_and_records_it(maria):
    stays = ContactFactory(email="stays@example.org", score=80)
    leaves = ContactFactory(email="leaves@example.org", score=60)
    joins = ContactFactory(email="joins@example.org", score=10)
    segment = segment_create(user=maria, name="Hot leads", definition=HOT)
    first_added = SegmentMembership.objects.get(segment=segment, contact=stays).added_at
    Contact.objects.filter(pk=leaves.pk).update(score=5)
    Contact.objects.filter(pk=joins.pk).update(score=90)

    result = segment_rebuild(segment=segment)

    assert (result.entered, result.left, result.member_count) == (1, 1, 2)
    assert members(segment) == {"stays@example.org", "joins@example.org"}
    assert SegmentMembership.objects.get(segment=segment, contact=stays).added_at == first_added
    entered = Activity.objects.get(kind="segment.entered")
    left = Activity.objects.get(kind="segment.left")
    assert (entered.contact, left.contact) == (joins, leaves)
    assert entered.data["segment"] == str(segment.public_id)


def test_it_rebuilds_when_the_definition_changes(maria):
    ContactFactory(email="leeds@example.org", city="Leeds", score=80)
    ContactFactory(email="york@example.org", city="York", score=80)
    segment = segment_create(user=maria, name="Hot leads", definition=HOT)

    segment_update(segment=segment, definition={"field": "city", "op": "equals", "value": "York"})

    assert members(segment) == {"york@example.org"}
    assert Activity.objects.filter(kind="segment.left", contact__email="leeds@example.org").exists()
