"""The periodic pass re-evaluates only contacts that changed, for segments that read what changed."""

from __future__ import annotations

import pytest
from django.utils import timezone

from leadline.activity.models import Kind
from leadline.contacts.models import Contact
from leadline.segments.models import Segment, SegmentMembership
from leadline.segments.services import segment_create
from leadline.segments.updates import segments_update
from tests.factories import ActivityFactory, ContactFactory

pytestmark = pytest.mark.django_db

PRICING_TWICE = {
    "and": [
        {"field": "visited", "op": "contains", "value": "/pricing", "min_count": 2, "within_days": 14},
        {"field": "score", "op": "gte", "value": 50},
    ]
}


def test_it_adds_a_contact_after_new_page_views(maria):
    lead = ContactFactory(score=60)
    segment = segment_create(user=maria, name="Pricing twice", definition=PRICING_TWICE)
    segments_update()  # starts the cursors
    assert segment.member_count == 0

    for _ in range(2):
        ActivityFactory(
            contact=lead, kind=Kind.PAGE_VIEW, url="https://example.com/pricing", occurred_at=timezone.now()
        )
    report = segments_update()

    assert SegmentMembership.objects.filter(segment=segment, contact=lead).exists()
    assert report.evaluated == {"Pricing twice": 1}
    segment.refresh_from_db()
    assert segment.member_count == 1


def test_it_removes_a_contact_whose_properties_changed(maria):
    lead = ContactFactory(score=60, city="Leeds")
    segment = segment_create(
        user=maria, name="Leeds", definition={"field": "city", "op": "equals", "value": "Leeds"}
    )
    segments_update()

    lead.city = "York"
    lead.save()
    report = segments_update()

    assert not SegmentMembership.objects.filter(segment=segment).exists()
    assert report.left == 1
    segment.refresh_from_db()
    assert segment.member_count == 0


def test_it_skips_segments_that_do_not_read_what_changed(maria):
    lead = ContactFactory(score=60)
    segment_create(user=maria, name="Hot", definition={"field": "score", "op": "gte", "value": 50})
    segments_update()

    ActivityFactory(contact=lead, kind=Kind.PAGE_VIEW, url="https://example.com/")
    report = segments_update()

    assert report.activities == 1
    assert report.evaluated == {}


def test_it_keeps_the_last_membership_of_a_tree_that_no_longer_compiles(maria):
    from tests.factories import CustomPropertyFactory

    prop = CustomPropertyFactory(key="plan")
    lead = ContactFactory(properties={"plan": "pro"})
    segment = segment_create(
        user=maria, name="Pro", definition={"field": "property:plan", "op": "equals", "value": "pro"}
    )
    segments_update()
    prop.delete()
    Contact.objects.filter(pk=lead.pk).update(updated_at=timezone.now())

    report = segments_update()

    assert report.broken and "Pro" in report.broken[0]
    assert Segment.objects.get(pk=segment.pk).member_count == 1
