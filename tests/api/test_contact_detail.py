"""GET, PATCH and DELETE /contacts/{id}: through the access layer for each persona."""

from __future__ import annotations

import pytest

from leadline.contacts.models import Contact
from tests.api.client import api_as, error_of
from tests.factories import ContactFactory


@pytest.fixture
def oscars_contact(oscar):
    return ContactFactory(email="oscar.lead@example.org", first_name="Olive", owner=oscar)


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
def test_it_hides_another_salespersons_contact_from_sam(method, sam, oscars_contact):
    response = api_as(sam).request(method, f"/contacts/{oscars_contact.public_id}", {"city": "Hull"})

    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"
    oscars_contact.refresh_from_db()
    assert oscars_contact.city == ""


@pytest.mark.parametrize("persona", ["alice", "maria", "tess"])
def test_it_answers_404_for_an_id_that_does_not_exist(persona, personas):
    response = api_as(personas[persona]).get("/contacts/0b6f4c1e-8d8e-4f37-9d61-2a3bb0b8e5f1")
    assert response.status_code == 404


@pytest.mark.parametrize("persona", ["alice", "maria", "oscar"])
def test_it_shows_the_contact_to_those_who_may_see_it(persona, personas, oscars_contact):
    response = api_as(personas[persona]).get(f"/contacts/{oscars_contact.public_id}")

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == str(oscars_contact.public_id)
    assert body["owner"]["name"] == "Oscar Outsider"
    assert "pk" not in body


def test_it_shows_teammates_and_unowned_contacts_to_sam(sam, tess):
    for contact in (ContactFactory(owner=tess), ContactFactory(owner=None)):
        assert api_as(sam).get(f"/contacts/{contact.public_id}").status_code == 200


def test_it_changes_only_the_fields_sent(alice):
    contact = ContactFactory(first_name="Ada", last_name="Byron", city="London")

    response = api_as(alice).patch(
        f"/contacts/{contact.public_id}", {"last_name": "Lovelace", "phone": "+44 20 7946 0018"}
    )

    assert response.status_code == 200
    assert response.json()["phone"] == "+442079460018"
    contact.refresh_from_db()
    assert (contact.first_name, contact.last_name, contact.city) == ("Ada", "Lovelace", "London")


def test_it_hands_a_contact_over_to_another_owner(sam, oscar):
    contact = ContactFactory(owner=sam)

    response = api_as(sam).patch(f"/contacts/{contact.public_id}", {"owner": str(oscar.public_id)})

    assert response.status_code == 200
    assert response.json()["owner"]["id"] == str(oscar.public_id)
    assert api_as(sam).get(f"/contacts/{contact.public_id}").status_code == 404


def test_it_clears_the_owner_with_null(alice):
    contact = ContactFactory(owner=alice)

    response = api_as(alice).patch(f"/contacts/{contact.public_id}", {"owner": None})

    assert response.json()["owner"] is None
    contact.refresh_from_db()
    assert contact.owner is None


def test_it_deletes_a_contact(maria):
    contact = ContactFactory()

    response = api_as(maria).delete(f"/contacts/{contact.public_id}")

    assert response.status_code == 204
    assert response.content == b""
    assert not Contact.objects.filter(pk=contact.pk).exists()
    assert api_as(maria).get(f"/contacts/{contact.public_id}").status_code == 404
