"""GET /contacts/{id}/timeline: the contact's activity, newest first, cursor-paginated."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from leadline.activity.models import Kind
from tests.api.client import api_as, error_of
from tests.factories import ActivityFactory, ContactFactory


@pytest.fixture
def contact(sam):
    return ContactFactory(owner=sam)


def test_it_walks_the_whole_timeline_newest_first_exactly_once(sam, contact):
    now = timezone.now()
    rows = [
        ActivityFactory(contact=contact, occurred_at=now - timedelta(hours=index // 3)) for index in range(14)
    ]
    api = api_as(sam)

    seen, cursor = [], None
    while True:
        body = api.get(
            f"/contacts/{contact.public_id}/timeline", limit=4, **({"cursor": cursor} if cursor else {})
        ).json()
        seen += body["items"]
        cursor = body["next_cursor"]
        if not cursor:
            break

    assert sorted(item["id"] for item in seen) == sorted(str(row.public_id) for row in rows)
    times = [item["occurred_at"] for item in seen]
    assert times == sorted(times, reverse=True)


def test_it_returns_the_columns_of_each_entry(sam, contact):
    ActivityFactory(
        contact=contact,
        kind=Kind.PAGE_VIEW,
        title="Pricing",
        url="https://example.org/pricing",
        source="newsletter",
        medium="email",
        campaign="spring",
        data={"seconds": 42},
        actor=None,
    )

    item = api_as(sam).get(f"/contacts/{contact.public_id}/timeline").json()["items"][0]

    assert item["kind"] == "page.view"
    assert (item["url"], item["source"], item["medium"], item["campaign"]) == (
        "https://example.org/pricing",
        "newsletter",
        "email",
        "spring",
    )
    assert item["data"] == {"seconds": 42}
    assert item["actor"] is None


def test_it_filters_to_notes(sam, contact):
    note = ActivityFactory(contact=contact, kind=Kind.NOTE, actor=sam)
    ActivityFactory(contact=contact, kind=Kind.PAGE_VIEW)

    items = api_as(sam).get(f"/contacts/{contact.public_id}/timeline", filter="notes").json()["items"]

    assert [item["id"] for item in items] == [str(note.public_id)]
    assert items[0]["actor"]["id"] == str(sam.public_id)


def test_it_hides_the_timeline_of_a_contact_sam_cannot_see(sam, oscar):
    hidden = ContactFactory(owner=oscar)
    ActivityFactory(contact=hidden)

    response = api_as(sam).get(f"/contacts/{hidden.public_id}/timeline")

    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_it_refuses_a_forged_cursor(sam, contact):
    response = api_as(sam).get(
        f"/contacts/{contact.public_id}/timeline", cursor="2030-01-01T00:00:00+00:00_x"
    )

    assert response.status_code == 400
    assert error_of(response)["code"] == "invalid_cursor"


def test_it_reads_a_timeline_in_a_constant_number_of_queries(
    sam, tess, contact, django_assert_max_num_queries
):
    for _ in range(30):
        ActivityFactory(contact=contact, actor=tess)
    api = api_as(sam)
    api.get("/me")

    with django_assert_max_num_queries(4):
        response = api.get(f"/contacts/{contact.public_id}/timeline", limit=200)

    assert len(response.json()["items"]) == 30
