"""The segments API: definitions, preview counts, members and static lists."""

from __future__ import annotations

import pytest

from leadline.segments.models import Segment
from tests.api.client import api_as, error_of
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db

HOT = {"field": "score", "op": "gte", "value": 50}


def test_it_creates_a_segment_and_lists_its_members(maria):
    ContactFactory(email="hot@example.org", score=70)
    ContactFactory(email="cold@example.org", score=5)
    client = api_as(maria)

    created = client.post("/segments", {"name": "Hot", "definition": HOT})
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["name"], body["kind"], body["member_count"]) == ("Hot", "dynamic", 1)

    members = client.get(f"/segments/{body['id']}/members")
    assert [item["email"] for item in members.json()["items"]] == ["hot@example.org"]
    assert client.get(f"/segments/{body['id']}").json()["definition"] == HOT
    assert [item["name"] for item in client.get("/segments").json()["items"]] == ["Hot"]


def test_it_pages_members_with_a_cursor(maria):
    for _ in range(5):
        ContactFactory(score=90)
    client = api_as(maria)
    segment = client.post("/segments", {"name": "Hot", "definition": HOT}).json()

    first = client.get(f"/segments/{segment['id']}/members", limit=3).json()
    second = client.get(f"/segments/{segment['id']}/members", limit=3, cursor=first["next_cursor"]).json()

    assert len(first["items"]) == 3 and len(second["items"]) == 2
    assert second["next_cursor"] is None
    assert not {item["id"] for item in first["items"]} & {item["id"] for item in second["items"]}


def test_it_answers_400_naming_the_bad_node(maria):
    client = api_as(maria)
    tree = {"and": [HOT, {"field": "city", "op": "like", "value": "x"}]}

    response = client.post("/segments", {"name": "Bad", "definition": tree})

    error = error_of(response)
    assert response.status_code == 400
    assert error["fields"] == {
        "definition.and[1].op": [
            'and[1].op: "like" is not an operator for text fields (use one of: '
            "equals, not_equals, contains, starts_with, in, is_empty, is_not_empty)"
        ]
    }
    assert not Segment.objects.exists()


def test_it_previews_a_count_without_saving(maria, sam):
    ContactFactory(score=70, owner=sam)
    ContactFactory(score=70)
    ContactFactory(score=70, owner=maria)

    assert api_as(maria).post("/segments/preview", {"definition": HOT}).json() == {"count": 3}
    # sam sees his own and unowned contacts only
    assert api_as(sam).post("/segments/preview", {"definition": HOT}).json() == {"count": 2}
    assert not Segment.objects.exists()


def test_it_lets_sales_read_but_not_change_segments(maria, sam):
    segment = api_as(maria).post("/segments", {"name": "Hot", "definition": HOT}).json()
    client = api_as(sam)

    assert client.get(f"/segments/{segment['id']}").status_code == 200
    assert client.patch(f"/segments/{segment['id']}", {"name": "Mine"}).status_code == 403
    assert client.post("/segments", {"name": "Mine", "definition": HOT}).status_code == 403
    assert Segment.objects.get().name == "Hot"


def test_it_adds_and_removes_contacts_of_a_static_list(maria):
    first, second = ContactFactory(), ContactFactory()
    client = api_as(maria)
    segment = client.post("/segments", {"name": "Guests", "kind": "static"}).json()
    path = f"/segments/{segment['id']}/members"

    added = client.post(path, {"contacts": [str(first.public_id), str(second.public_id)]})
    removed = client.post(f"{path}/remove", {"contacts": [str(first.public_id)]})

    assert added.json() == {"changed": 2, "member_count": 2}
    assert removed.json() == {"changed": 1, "member_count": 1}
    assert [item["id"] for item in client.get(path).json()["items"]] == [str(second.public_id)]
    bad = client.post(path, {"contacts": ["not-an-id"]})
    assert bad.status_code == 400 and "contacts" in error_of(bad)["fields"]


def test_it_refuses_to_delete_a_segment_another_one_uses(maria):
    client = api_as(maria)
    base = client.post("/segments", {"name": "Base", "definition": HOT}).json()
    client.post(
        "/segments",
        {"name": "Uses base", "definition": {"field": "member_of", "op": "in", "value": base["id"]}},
    )

    response = client.delete(f"/segments/{base['id']}")

    assert response.status_code == 400
    assert "Uses base" in error_of(response)["message"]
    assert Segment.objects.count() == 2
