"""POST /contacts/{id}/merge folds a duplicate into the contact."""

from __future__ import annotations

from leadline.activity.models import Activity
from leadline.contacts.models import Contact
from tests.api.client import api_as, error_of
from tests.factories import ActivityFactory, ContactFactory


def test_it_merges_a_duplicate_and_moves_its_timeline(alice):
    primary = ContactFactory(email="ada@example.org", phone="")
    duplicate = ContactFactory(email="ada.l@example.org", phone="+442079460018")
    note = ActivityFactory(contact=duplicate)

    response = api_as(alice).post(
        f"/contacts/{primary.public_id}/merge", {"duplicate": str(duplicate.public_id)}
    )

    assert response.status_code == 200
    assert response.json()["phone"] == "+442079460018"
    assert not Contact.objects.filter(pk=duplicate.pk).exists()
    assert Activity.objects.get(pk=note.pk).contact_id == primary.pk


def test_it_refuses_a_duplicate_sam_cannot_see_as_a_field_error(sam, oscar):
    primary = ContactFactory(owner=sam)
    hidden = ContactFactory(owner=oscar)

    response = api_as(sam).post(f"/contacts/{primary.public_id}/merge", {"duplicate": str(hidden.public_id)})

    assert response.status_code == 400
    assert list(error_of(response)["fields"]) == ["duplicate"]
    assert Contact.objects.filter(pk=hidden.pk).exists()


def test_it_hides_a_primary_sam_cannot_see(sam, oscar):
    hidden = ContactFactory(owner=oscar)
    mine = ContactFactory(owner=sam)

    response = api_as(sam).post(f"/contacts/{hidden.public_id}/merge", {"duplicate": str(mine.public_id)})

    assert response.status_code == 404
    assert Contact.objects.count() == 2


def test_it_refuses_to_merge_a_contact_into_itself(alice):
    contact = ContactFactory()

    response = api_as(alice).post(
        f"/contacts/{contact.public_id}/merge", {"duplicate": str(contact.public_id)}
    )

    assert response.status_code == 400
    assert error_of(response)["code"] == "validation_error"
    assert Contact.objects.filter(pk=contact.pk).exists()
