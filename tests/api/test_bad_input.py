"""Bad input gets a clear 4xx in the one error shape, never a 500, and stored data survives it."""

from __future__ import annotations

import pytest
from django.test import override_settings

from leadline.contacts.models import Contact
from tests.api.client import api_as, error_of
from tests.factories import ContactFactory

HOSTILE = [
    '<script>alert("x")</script>',
    "'; DROP TABLE contacts_contact; --",
    '=HYPERLINK("http://evil.example")',
    "Ünïcödé 名前 \u202e",
]


@pytest.fixture
def api(alice):
    return api_as(alice)


@pytest.fixture
def ada(alice):
    return ContactFactory(email="ada@example.org", first_name="Ada", owner=alice)


def test_it_refuses_malformed_json(api, ada):
    response = api.patch(f"/contacts/{ada.public_id}", raw='{"first_name": "Bob"')

    assert response.status_code == 400
    assert error_of(response)["code"] == "malformed_json"
    ada.refresh_from_db()
    assert ada.first_name == "Ada"


def test_it_refuses_bytes_that_are_not_utf8(api):
    response = api.post("/contacts", raw=b'{"email": "\xff\xfe@example.org"}')
    assert response.status_code == 400
    assert error_of(response)["code"] == "malformed_json"


@pytest.mark.parametrize("raw", ["[1, 2]", "null", '"text"', "42"])
def test_it_refuses_a_body_that_is_not_an_object(api, raw):
    response = api.post("/contacts", raw=raw)

    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "validation_error"
    assert "object" in error["message"]


def test_it_refuses_an_empty_body_naming_the_missing_field(api):
    response = api.post("/contacts", raw="")

    assert response.status_code == 400
    assert error_of(response)["code"] == "validation_error"
    assert Contact.objects.count() == 0


def test_it_names_a_missing_required_field(api):
    response = api.post("/contacts", {"first_name": "No email"})

    assert response.status_code == 400
    assert error_of(response)["fields"] == {"email": ["This field is required."]}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "a@example.org", "first_name": 42}, "first_name"),
        ({"email": "a@example.org", "first_name": ["Ada"]}, "first_name"),
        ({"email": 12345}, "email"),
        ({"email": "a@example.org", "lifecycle_stage": "king"}, "lifecycle_stage"),
        ({"email": "a@example.org", "properties": "not an object"}, "properties"),
        ({"email": "a@example.org", "owner": 7}, "owner"),
    ],
)
def test_it_refuses_wrong_types_naming_the_field(api, body, field):
    response = api.post("/contacts", body)

    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "validation_error"
    assert list(error["fields"]) == [field]
    assert Contact.objects.count() == 0


def test_it_refuses_unknown_keys_instead_of_dropping_them(api, ada):
    response = api.patch(f"/contacts/{ada.public_id}", {"first_name": "Bob", "is_vip": True})

    assert response.status_code == 400
    assert error_of(response)["fields"] == {"is_vip": ["Unknown field."]}
    ada.refresh_from_db()
    assert ada.first_name == "Ada"


def test_it_refuses_values_the_service_rejects_with_field_errors(api, ada):
    response = api.patch(f"/contacts/{ada.public_id}", {"email": "not an address", "country": "Narnia"})

    assert response.status_code == 400
    fields = error_of(response)["fields"]
    assert set(fields) == {"email", "country"}
    ada.refresh_from_db()
    assert ada.email == "ada@example.org"


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=2048)
def test_it_refuses_an_oversize_body_with_413(api, ada):
    response = api.patch(f"/contacts/{ada.public_id}", {"city": "x" * 5000})

    assert response.status_code == 413
    assert error_of(response)["code"] == "payload_too_large"
    ada.refresh_from_db()
    assert ada.city == ""


@pytest.mark.parametrize("hostile", HOSTILE)
def test_it_stores_hostile_strings_verbatim_and_returns_them_as_data(api, hostile):
    response = api.post("/contacts", {"email": "h@example.org", "first_name": hostile, "city": hostile[:120]})

    assert response.status_code == 201
    assert response["Content-Type"].startswith("application/json")
    contact = Contact.objects.get(email="h@example.org")
    assert contact.first_name == hostile.strip()
    fetched = api.get(f"/contacts/{contact.public_id}").json()
    assert fetched["first_name"] == hostile.strip()


def test_it_answers_an_unknown_method_with_405_in_the_error_shape(api):
    response = api.request("PUT", "/contacts", {"email": "a@example.org"})

    assert response.status_code == 405
    assert error_of(response)["code"] == "method_not_allowed"
    assert "GET" in response["Allow"]


def test_it_answers_an_unknown_path_with_404_in_the_error_shape(api):
    response = api.get("/no/such/thing")

    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_it_treats_a_malformed_id_as_not_found(api):
    response = api.get("/contacts/12")

    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


@pytest.mark.parametrize("limit", ["0", "201", "-1", "many"])
def test_it_refuses_a_limit_out_of_range(api, limit):
    response = api.get("/contacts", limit=limit)

    assert response.status_code == 400
    assert list(error_of(response)["fields"]) == ["limit"]


def test_it_refuses_an_unknown_filter_value(api):
    response = api.get("/contacts", lifecycle_stage="royalty")

    assert response.status_code == 400
    assert list(error_of(response)["fields"]) == ["lifecycle_stage"]
