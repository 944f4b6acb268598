"""Static lists from the contact screens: the contact page's lists panel and the bulk bar."""

from __future__ import annotations

import pytest

from leadline.activity.models import Activity
from leadline.segments.models import Segment, SegmentMembership
from leadline.segments.services import segment_create, static_list_add
from tests.conftest import client_for
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def members(segment):
    return set(SegmentMembership.objects.filter(segment=segment).values_list("contact__email", flat=True))


def test_it_shows_a_contacts_lists_and_segments(maria, sam):
    contact = ContactFactory(score=90, owner=sam)
    guests = segment_create(user=maria, name="Webinar guests", kind="static")
    static_list_add(segment=guests, contact_ids=[contact.pk])
    segment_create(user=maria, name="Hot", definition={"field": "score", "op": "gte", "value": 50})
    segment_create(user=maria, name="Partners", kind="static")

    as_maria = client_for(maria).get(f"/segments/contacts/{contact.public_id}/lists/").content.decode()
    as_sam = client_for(sam).get(f"/segments/contacts/{contact.public_id}/lists/").content.decode()

    assert "Webinar guests" in as_maria and "Hot" in as_maria
    assert '<option value="' + str(Segment.objects.get(name="Partners").public_id) in as_maria
    assert "Add to list" in as_maria
    assert "Webinar guests" in as_sam and "Add to list" not in as_sam and "Remove" not in as_sam


def test_it_adds_a_contact_to_a_list_from_the_contact_page(maria):
    contact = ContactFactory(email="ann@example.org")
    guests = segment_create(user=maria, name="Webinar guests", kind="static")

    response = client_for(maria).post(
        f"/segments/contacts/{contact.public_id}/lists/add/", {"list": str(guests.public_id)}, headers=HTMX
    )

    assert response.status_code == 200
    assert "Added to “Webinar guests”." in response.content.decode()
    assert members(guests) == {"ann@example.org"}
    entered = Activity.objects.get(kind="segment.entered", contact=contact)
    assert entered.data["segment"] == str(guests.public_id)


def test_it_creates_a_new_list_by_name_and_escapes_it(maria):
    contact = ContactFactory(email="ann@example.org")

    response = client_for(maria).post(
        f"/segments/contacts/{contact.public_id}/lists/add/", {"new_list": "<b>VIP</b>"}, headers=HTMX
    )

    created = Segment.objects.get(name="<b>VIP</b>")
    assert created.is_static and members(created) == {"ann@example.org"}
    assert "&lt;b&gt;VIP&lt;/b&gt;" in response.content.decode()
    assert "<b>VIP</b>" not in response.content.decode()


def test_it_reuses_a_list_of_the_same_name(maria):
    contact = ContactFactory()
    guests = segment_create(user=maria, name="Webinar guests", kind="static")

    client_for(maria).post(
        f"/segments/contacts/{contact.public_id}/lists/add/", {"new_list": "webinar GUESTS"}, headers=HTMX
    )

    assert Segment.objects.count() == 1
    assert SegmentMembership.objects.filter(segment=guests, contact=contact).exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Choose a list, or type the name of a new one."),
        ({"list": "not-an-id"}, "Choose a list, or type the name of a new one."),
        ({"list": "00000000-0000-0000-0000-000000000000"}, "Choose a list"),
        ({"new_list": "x" * 250}, "at most 200 characters"),
        ({"new_list": "Hot"}, "is a dynamic segment"),
    ],
)
def test_it_refuses_bad_choices_clearly(maria, data, message):
    contact = ContactFactory()
    segment_create(user=maria, name="Hot", definition={"field": "score", "op": "gte", "value": 50})

    response = client_for(maria).post(
        f"/segments/contacts/{contact.public_id}/lists/add/", data, headers=HTMX
    )

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not SegmentMembership.objects.filter(contact=contact).exists()


def test_it_refuses_a_dynamic_segment_chosen_by_id(maria):
    contact = ContactFactory(score=1)
    hot = segment_create(user=maria, name="Hot", definition={"field": "score", "op": "gte", "value": 50})

    response = client_for(maria).post(
        f"/segments/contacts/{contact.public_id}/lists/add/", {"list": str(hot.public_id)}
    )

    assert response.status_code == 302
    assert not SegmentMembership.objects.filter(segment=hot).exists()


def test_it_removes_a_contact_from_a_list_on_the_contact_page(maria):
    contact = ContactFactory()
    guests = segment_create(user=maria, name="Webinar guests", kind="static")
    static_list_add(segment=guests, contact_ids=[contact.pk])

    response = client_for(maria).post(
        f"/segments/contacts/{contact.public_id}/lists/{guests.public_id}/remove/", headers=HTMX
    )

    assert "Removed from “Webinar guests”." in response.content.decode()
    assert not members(guests)
    assert Activity.objects.filter(kind="segment.left", contact=contact).count() == 1


def test_it_offers_the_bulk_action_only_to_those_who_keep_lists(maria, sam):
    segment_create(user=maria, name="Webinar guests", kind="static")

    assert "Webinar guests" in client_for(maria).get("/segments/lists/bulk/").content.decode()
    assert client_for(sam).get("/segments/lists/bulk/").content == b""


def test_it_adds_the_ticked_contacts_in_bulk(maria):
    first, second = ContactFactory(email="one@example.org"), ContactFactory(email="two@example.org")
    ContactFactory(email="three@example.org")
    guests = segment_create(user=maria, name="Webinar guests", kind="static")
    static_list_add(segment=guests, contact_ids=[first.pk])

    response = client_for(maria).post(
        "/segments/lists/bulk/add/",
        {
            "ids": [str(first.public_id), str(second.public_id), "not-an-id"],
            "list": str(guests.public_id),
            "next": "/contacts/?q=x",
        },
        follow=True,
    )

    assert response.redirect_chain[-1][0] == "/contacts/?q=x"
    assert "Added 1 contact to “Webinar guests” (1 already there)." in response.content.decode()
    assert members(guests) == {"one@example.org", "two@example.org"}


def test_it_adds_every_matching_contact_to_a_new_list(maria):
    ContactFactory(email="a@example.org", lifecycle_stage="mql")
    ContactFactory(email="b@example.org", lifecycle_stage="mql")
    ContactFactory(email="c@example.org", lifecycle_stage="lead")

    response = client_for(maria).post(
        "/segments/lists/bulk/add/",
        {
            "all_matching": "1",
            "query": "stage=mql",
            "new_list": "MQL follow-up",
            "next": "https://evil.test/",
        },
    )

    assert response["Location"] == "/contacts/"
    assert members(Segment.objects.get(name="MQL follow-up")) == {"a@example.org", "b@example.org"}


def test_it_asks_for_a_selection_first(maria):
    guests = segment_create(user=maria, name="Webinar guests", kind="static")

    response = client_for(maria).post(
        "/segments/lists/bulk/add/", {"list": str(guests.public_id)}, follow=True
    )

    assert "Select the contacts to add first." in response.content.decode()


def test_the_contact_pages_load_the_list_controls(maria):
    contact = ContactFactory()
    client = client_for(maria)

    assert (
        f'hx-get="/segments/contacts/{contact.public_id}/lists/"'
        in client.get(f"/contacts/{contact.public_id}/").content.decode()
    )
    assert 'hx-get="/segments/lists/bulk/"' in client.get("/contacts/").content.decode()
