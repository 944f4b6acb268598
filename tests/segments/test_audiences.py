"""Segments and static lists as campaign audiences: offered to the people who may see them, with
their sizes, and read from the materialised membership."""

from __future__ import annotations

import uuid

import pytest

from leadline.mail.audiences import audience_provider
from leadline.segments.audiences import SegmentAudiences
from leadline.segments.services import segment_create, static_list_add
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def provider():
    return SegmentAudiences()


def test_it_is_registered_when_the_app_starts():
    assert isinstance(audience_provider(), SegmentAudiences)


def test_it_offers_segments_and_lists_with_their_sizes(provider, maria):
    keen = [ContactFactory(score=80) for _ in range(3)]
    ContactFactory(score=5)
    segment = segment_create(user=maria, name="Keen", definition={"field": "score", "op": "gte", "value": 50})
    guests = segment_create(user=maria, name="Webinar guests", kind="static")
    static_list_add(segment=guests, contact_ids=[keen[0].pk])

    choices = {choice.name: choice for choice in provider.choices(maria)}

    assert (choices["Keen"].type, choices["Keen"].id, choices["Keen"].size) == (
        "segment",
        segment.public_id,
        3,
    )
    assert (choices["Webinar guests"].type, choices["Webinar guests"].size) == ("list", 1)
    assert sorted(provider.contact_ids("segment", segment.public_id)) == sorted(c.pk for c in keen)
    assert list(provider.contact_ids("list", guests.public_id)) == [keen[0].pk]


def test_the_type_must_match_the_kind(provider, maria):
    guests = segment_create(user=maria, name="Guests", kind="static")

    assert provider.get(maria, "list", guests.public_id).name == "Guests"
    assert provider.get(maria, "segment", guests.public_id) is None
    assert list(provider.contact_ids("segment", guests.public_id)) == []


def test_unknown_or_malformed_ids_are_nobody(provider, maria):
    assert provider.get(maria, "list", uuid.uuid4()) is None
    assert provider.get(maria, "list", "not-a-uuid") is None
    assert provider.get(maria, "folder", uuid.uuid4()) is None
    assert list(provider.contact_ids("list", "not-a-uuid")) == []


def test_an_inactive_or_anonymous_user_sees_none(provider, maria):
    segment_create(user=maria, name="Guests", kind="static")
    maria.is_active = False

    assert provider.choices(maria) == []
    assert provider.choices(None) == []
