"""Notes: anyone who sees a contact may add one; only the author or an admin may change it."""

from __future__ import annotations

import pytest

from leadline.activity.models import Activity, Kind
from tests.api.client import api_as, error_of
from tests.factories import ActivityFactory, ContactFactory


@pytest.fixture
def contact(sam):
    return ContactFactory(owner=sam)


def test_it_adds_a_note_to_the_timeline(sam, contact):
    response = api_as(sam).post(
        f"/contacts/{contact.public_id}/notes", {"body": "  Wants a demo on Friday.  "}
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["kind"], body["data"]["body"]) == ("note", "Wants a demo on Friday.")
    assert body["actor"]["id"] == str(sam.public_id)
    note = Activity.objects.get(public_id=body["id"])
    assert (note.contact_id, note.actor_id, note.kind) == (contact.pk, sam.pk, Kind.NOTE)


def test_it_stores_a_hostile_note_verbatim(sam, contact):
    hostile = "<img src=x onerror=alert(1)> =cmd|' /C calc'!A0"

    response = api_as(sam).post(f"/contacts/{contact.public_id}/notes", {"body": hostile})

    assert response.json()["data"]["body"] == hostile
    assert Activity.objects.get(kind=Kind.NOTE).data["body"] == hostile


@pytest.mark.parametrize("body", [{"body": "   "}, {"body": "x" * 20_001}, {}, {"body": None}])
def test_it_refuses_an_empty_or_oversized_note(sam, contact, body):
    response = api_as(sam).post(f"/contacts/{contact.public_id}/notes", body)

    assert response.status_code == 400
    assert list(error_of(response)["fields"]) == ["body"]
    assert not Activity.objects.filter(kind=Kind.NOTE).exists()


def test_it_refuses_a_note_on_a_contact_sam_cannot_see(sam, oscar):
    hidden = ContactFactory(owner=oscar)

    response = api_as(sam).post(f"/contacts/{hidden.public_id}/notes", {"body": "Sneaky"})

    assert response.status_code == 404
    assert not Activity.objects.filter(kind=Kind.NOTE).exists()


def test_it_lets_the_author_edit_their_note(sam, contact):
    note = ActivityFactory(contact=contact, actor=sam, data={"body": "Old"})

    response = api_as(sam).patch(f"/notes/{note.public_id}", {"body": "New"})

    assert response.status_code == 200
    note.refresh_from_db()
    assert note.data["body"] == "New"
    assert "edited_at" in note.data


def test_it_lets_an_admin_edit_and_delete_anyones_note(alice, sam, contact):
    note = ActivityFactory(contact=contact, actor=sam)
    api = api_as(alice)

    assert api.patch(f"/notes/{note.public_id}", {"body": "Tidied"}).status_code == 200
    assert api.delete(f"/notes/{note.public_id}").status_code == 204
    assert not Activity.objects.filter(pk=note.pk).exists()


@pytest.mark.parametrize("method", ["PATCH", "DELETE"])
def test_it_forbids_a_teammate_to_change_someone_elses_note(method, sam, tess, contact):
    note = ActivityFactory(contact=contact, actor=sam, data={"body": "Sam's"})

    response = api_as(tess).request(method, f"/notes/{note.public_id}", {"body": "Tess was here"})

    assert response.status_code == 403
    assert "author" in error_of(response)["message"]
    note.refresh_from_db()
    assert note.data["body"] == "Sam's"


@pytest.mark.parametrize("method", ["PATCH", "DELETE"])
def test_it_hides_notes_on_contacts_oscar_cannot_see(method, oscar, contact, sam):
    note = ActivityFactory(contact=contact, actor=sam)

    response = api_as(oscar).request(method, f"/notes/{note.public_id}", {"body": "x"})

    assert response.status_code == 404
    assert Activity.objects.filter(pk=note.pk).exists()


def test_it_does_not_treat_other_timeline_entries_as_notes(alice, contact):
    page_view = ActivityFactory(contact=contact, kind=Kind.PAGE_VIEW, actor=alice, data={"seconds": 3})

    response = api_as(alice).patch(f"/notes/{page_view.public_id}", {"body": "Rewritten history"})

    assert response.status_code == 404
    page_view.refresh_from_db()
    assert page_view.data == {"seconds": 3}
