"""POST /contacts creates or updates by email, through the access layer."""

from __future__ import annotations

from leadline.activity.models import Activity, Kind
from leadline.contacts.models import Contact
from tests.api.client import api_as, error_of
from tests.factories import CompanyFactory, ContactFactory


def test_it_creates_a_contact_with_201(sam):
    response = api_as(sam).post(
        "/contacts",
        {"email": "ada@example.org", "first_name": "Ada", "lifecycle_stage": "mql", "owner": "me"},
    )

    assert response.status_code == 201
    body = response.json()
    contact = Contact.objects.get(email="ada@example.org")
    assert body["id"] == str(contact.public_id)
    assert body["owner"]["id"] == str(sam.public_id)
    assert contact.lifecycle_stage == "mql"
    assert contact.original_source == "api"
    assert Activity.objects.filter(contact=contact, kind=Kind.CONTACT_CREATED).exists()


def test_it_updates_the_contact_with_that_email_with_200(alice):
    ada = ContactFactory(email="ada@example.org", first_name="Ada", last_name="Byron", city="London")

    response = api_as(alice).post("/contacts", {"email": "ada@example.org", "last_name": "Lovelace"})

    assert response.status_code == 200
    ada.refresh_from_db()
    assert (ada.first_name, ada.last_name, ada.city) == ("Ada", "Lovelace", "London")


def test_it_gives_one_contact_for_two_posts_whose_email_differs_in_case(alice):
    api = api_as(alice)
    first = api.post("/contacts", {"email": "Grace.Hopper@Example.org", "first_name": "Grace"})
    second = api.post("/contacts", {"email": "grace.hopper@example.ORG", "job_title": "Admiral"})

    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    contact = Contact.objects.get()
    assert contact.email == "grace.hopper@example.org"
    assert contact.job_title == "Admiral"


def test_it_links_a_company_given_by_public_id(maria):
    company = CompanyFactory(name="Initech")

    response = api_as(maria).post("/contacts", {"email": "p@gmail.com", "company": str(company.public_id)})

    assert response.status_code == 201
    assert response.json()["company"] == {
        "id": str(company.public_id),
        "name": "Initech",
        "domain": company.domain,
    }


def test_it_refuses_an_unknown_owner_as_a_field_error(alice):
    response = api_as(alice).post(
        "/contacts", {"email": "a@example.org", "owner": "0b6f4c1e-8d8e-4f37-9d61-2a3bb0b8e5f1"}
    )

    assert response.status_code == 400
    assert list(error_of(response)["fields"]) == ["owner"]
    assert not Contact.objects.exists()


def test_it_refuses_an_unknown_company_as_a_field_error(alice):
    response = api_as(alice).post("/contacts", {"email": "a@example.org", "company": "not-an-id"})

    assert response.status_code == 400
    assert list(error_of(response)["fields"]) == ["company"]


def test_it_does_not_update_a_contact_the_user_cannot_see(sam, oscar):
    hidden = ContactFactory(email="secret@example.org", first_name="Hidden", owner=oscar)

    response = api_as(sam).post("/contacts", {"email": "SECRET@example.org", "first_name": "Overwritten"})

    assert response.status_code == 409
    error = error_of(response)
    assert error["code"] == "conflict"
    assert "Hidden" not in response.content.decode()
    hidden.refresh_from_db()
    assert hidden.first_name == "Hidden"
    assert Contact.objects.count() == 1


def test_it_updates_a_teammates_contact(sam, tess):
    shared = ContactFactory(email="team@example.org", owner=tess)

    response = api_as(sam).post("/contacts", {"email": "team@example.org", "city": "York"})

    assert response.status_code == 200
    shared.refresh_from_db()
    assert shared.city == "York"


def test_it_sets_custom_properties_through_their_definitions(alice):
    from tests.factories import CustomPropertyFactory

    CustomPropertyFactory(key="plan", label="Plan", type="choice", choices=["free", "pro"])
    api = api_as(alice)

    ok = api.post("/contacts", {"email": "a@example.org", "properties": {"plan": "pro"}})
    bad = api.post("/contacts", {"email": "a@example.org", "properties": {"plan": "platinum"}})

    assert ok.status_code == 201
    assert ok.json()["properties"] == {"plan": "pro"}
    assert bad.status_code == 400
    assert list(error_of(bad)["fields"]) == ["properties"]
    assert Contact.objects.get().properties == {"plan": "pro"}
