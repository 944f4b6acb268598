"""Custom property definitions: readable by all, defined by admins and marketing with settings:write."""

from __future__ import annotations

import pytest

from leadline.accounts.models import Role
from leadline.contacts.models import CustomProperty
from tests.api.client import api_as, error_of
from tests.factories import CustomPropertyFactory


def test_it_defines_a_choice_property(maria):
    response = api_as(maria).post(
        "/properties", {"key": "plan", "label": "Plan", "type": "choice", "choices": ["free", "pro", "pro"]}
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["key"], body["type"], body["choices"]) == ("plan", "choice", ["free", "pro"])
    assert CustomProperty.objects.filter(key="plan", object_type="contact").exists()


def test_it_refuses_a_bad_key_and_an_unknown_type(alice):
    bad_key = api_as(alice).post("/properties", {"key": "Bad Key!", "label": "Bad"})
    bad_type = api_as(alice).post("/properties", {"key": "ok", "label": "Ok", "type": "colour"})

    assert list(error_of(bad_key)["fields"]) == ["key"]
    assert list(error_of(bad_type)["fields"]) == ["type"]
    assert not CustomProperty.objects.exists()


def test_it_refuses_a_built_in_field_as_key(alice):
    response = api_as(alice).post("/properties", {"key": "email", "label": "Email"})
    assert response.status_code == 400
    assert list(error_of(response)["fields"]) == ["key"]


def test_it_forbids_a_salesperson_holding_an_old_settings_token(maria):
    api = api_as(maria)  # issued while maria was in marketing
    maria.role = Role.SALES
    maria.save(update_fields=["role"])
    prop = CustomPropertyFactory(label="Industry")

    created = api.post("/properties", {"key": "plan", "label": "Plan"})
    changed = api.patch(f"/properties/{prop.public_id}", {"label": "Sector"})
    deleted = api.delete(f"/properties/{prop.public_id}")

    assert [created.status_code, changed.status_code, deleted.status_code] == [403, 403, 403]
    assert all(error_of(response)["code"] == "forbidden" for response in (created, changed, deleted))
    prop.refresh_from_db()
    assert prop.label == "Industry"


@pytest.mark.parametrize("persona", ["alice", "maria", "sam", "oscar"])
def test_it_lists_properties_to_everyone(persona, personas):
    prop = CustomPropertyFactory(object_type="company")

    items = (
        api_as(personas[persona], ["contacts:read"]).get("/properties", object_type="company").json()["items"]
    )

    assert [item["id"] for item in items] == [str(prop.public_id)]


def test_it_changes_label_and_choices_but_never_key_or_type(alice):
    prop = CustomPropertyFactory(key="plan", label="Plan", type="choice", choices=["free"])
    api = api_as(alice)

    changed = api.patch(f"/properties/{prop.public_id}", {"choices": ["free", "pro"]})
    refused = api.patch(f"/properties/{prop.public_id}", {"key": "tier"})

    assert changed.status_code == 200
    assert changed.json()["label"] == "Plan"
    assert changed.json()["choices"] == ["free", "pro"]
    assert refused.status_code == 400
    assert error_of(refused)["fields"] == {"key": ["Unknown field."]}
    prop.refresh_from_db()
    assert prop.key == "plan"


def test_it_deletes_a_property(maria):
    prop = CustomPropertyFactory()

    response = api_as(maria).delete(f"/properties/{prop.public_id}")

    assert response.status_code == 204
    assert not CustomProperty.objects.exists()
