"""The segment screens: list, builder with live count, members."""

from __future__ import annotations

import json

import pytest

from leadline.segments.models import Segment
from leadline.segments.services import segment_create, static_list_add
from tests.conftest import client_for
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db

HOT = {"field": "score", "op": "gte", "value": 50}


def test_it_creates_a_segment_from_the_builder(maria):
    ContactFactory(score=70)
    response = client_for(maria).post(
        "/segments/new/", {"name": "Hot", "kind": "dynamic", "definition": json.dumps(HOT)}
    )

    segment = Segment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/segments/{segment.public_id}/"
    assert (segment.definition, segment.member_count) == (HOT, 1)


def test_it_shows_the_bad_node_and_keeps_what_was_typed(maria):
    bad = json.dumps({"and": [HOT, {"field": "user__password", "op": "equals", "value": "x"}]})

    response = client_for(maria).post("/segments/new/", {"name": "Hot", "kind": "dynamic", "definition": bad})

    assert response.status_code == 400
    assert (
        "and[1].field: &quot;user__password&quot; is not a field segments can use"
        in response.content.decode()
    )
    assert not Segment.objects.exists()


def test_it_answers_the_live_count(maria):
    ContactFactory(score=70)
    ContactFactory(score=90)
    client = client_for(maria)

    count = client.post("/segments/preview/", {"definition": json.dumps(HOT)}, headers={"HX-Request": "true"})
    broken = client.post("/segments/preview/", {"definition": "{not json"})

    assert "<strong>2</strong> contacts match" in count.content.decode()
    assert broken.status_code == 200
    assert "could not be read" in broken.content.decode()


def test_it_lists_segments_with_escaped_names(maria, sam):
    segment_create(user=maria, name="<script>alert(1)</script>", definition=HOT)

    page = client_for(sam).get("/segments/").content.decode()

    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)" not in page
    assert "New segment" not in page


def test_it_lists_members_with_a_constant_number_of_queries(maria, alice, django_assert_max_num_queries):
    segment = segment_create(user=maria, name="Guests", kind="static")
    client = client_for(alice)
    static_list_add(segment=segment, contact_ids=[ContactFactory(owner=maria).pk for _ in range(3)])
    client.get(f"/segments/{segment.public_id}/")  # warm the session
    with django_assert_max_num_queries(12) as few:
        client.get(f"/segments/{segment.public_id}/")
    static_list_add(segment=segment, contact_ids=[ContactFactory(owner=maria).pk for _ in range(20)])

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(f"/segments/{segment.public_id}/")

    assert response.content.decode().count("/remove/") == 23


def test_it_shows_sales_only_the_members_they_can_see(maria, sam, oscar):
    segment = segment_create(user=maria, name="Guests", kind="static")
    mine, hidden = (
        ContactFactory(owner=sam, first_name="Mine"),
        ContactFactory(owner=oscar, first_name="Hidden"),
    )
    static_list_add(segment=segment, contact_ids=[mine.pk, hidden.pk])

    page = client_for(sam).get(f"/segments/{segment.public_id}/").content.decode()

    assert str(mine.public_id) in page
    assert str(hidden.public_id) not in page


def test_the_builder_offers_stages_by_pipeline_products_and_choices(maria):
    from tests.factories import CustomPropertyFactory
    from tests.sales.factories import ProductFactory, stage_named

    ProductFactory(name="Audit")
    CustomPropertyFactory(key="topics", label="Topics", type="multi_choice", choices=["Events", "Guides"])

    response = client_for(maria).get("/segments/new/")
    catalogue = json.loads(
        response.content.decode()
        .split('<script id="segment-catalogue" type="application/json">')[1]
        .split("</script>")[0]
    )

    proposal = stage_named("Proposal")
    assert {
        "value": str(proposal.public_id),
        "label": "Proposal",
        "group": proposal.pipeline.name,
    } in catalogue["stages"]
    assert [product["label"] for product in catalogue["products"]] == ["Audit"]
    fields = {field["field"]: field for field in catalogue["fields"]}
    assert fields["property:topics"]["choices"] == ["Events", "Guides"]
    assert fields["property:topics"]["operators"][:3] == ["contains_any", "contains_all", "contains_none"]
    assert fields["revenue"]["extras"] == ["currency"]
    assert fields["placed_order"]["extras"] == ["within_days"]
