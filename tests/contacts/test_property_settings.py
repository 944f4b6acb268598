"""The custom property settings: admins and marketing define fields, sales may only look."""

from __future__ import annotations

import pytest

from leadline.contacts.models import CustomProperty, PropertyType
from tests.conftest import client_for
from tests.contacts.screen_helpers import ESCAPED, HOSTILE
from tests.factories import CustomPropertyFactory

LIST = "/settings/properties/"
CREATE = "/settings/properties/new/"


def edit_url(prop) -> str:
    return f"/settings/properties/{prop.public_id}/edit/"


def delete_url(prop) -> str:
    return f"/settings/properties/{prop.public_id}/delete/"


def new_property(**overrides) -> dict:
    data = {
        "object_type": "contact",
        "label": "Budget range",
        "key": "budget_range",
        "type": "choice",
        "choices": "Small\nMedium\n\nLarge\nMedium",
        "description": "Rough size of the deal",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    ("persona", "list_status", "manage_status"),
    [("alice", 200, 200), ("maria", 200, 200), ("sam", 200, 403), ("oscar", 200, 403)],
)
def test_access_by_role(persona, list_status, manage_status, personas):
    prop = CustomPropertyFactory()
    client = client_for(personas[persona])
    assert client.get(LIST).status_code == list_status
    assert client.get(CREATE).status_code == manage_status
    assert client.get(edit_url(prop)).status_code == manage_status


def test_anonymous_visitors_are_sent_to_sign_in(client, db):
    prop = CustomPropertyFactory()
    for url in (LIST, CREATE, edit_url(prop)):
        assert client.get(url).status_code == 302
    assert client.post(delete_url(prop)).status_code == 302
    assert CustomProperty.objects.exists()


def test_sales_see_the_properties_without_management_buttons(sam):
    CustomPropertyFactory(label="Budget")
    body = client_for(sam).get(LIST).content.decode()
    assert "Budget" in body
    assert "New property" not in body and ">Edit<" not in body


def test_sales_cannot_create_or_delete(sam):
    prop = CustomPropertyFactory()
    assert client_for(sam).post(CREATE, new_property()).status_code == 403
    assert client_for(sam).post(delete_url(prop)).status_code == 403
    assert CustomProperty.objects.count() == 1


def test_marketing_creates_a_choice_property(maria):
    response = client_for(maria).post(CREATE, new_property())
    assert response.status_code == 302
    prop = CustomProperty.objects.get()
    assert (prop.key, prop.type, prop.choices) == (
        "budget_range",
        PropertyType.CHOICE,
        ["Small", "Medium", "Large"],
    )
    assert prop.description == "Rough size of the deal"


def test_new_properties_appear_on_the_contact_form(maria):
    client_for(maria).post(CREATE, new_property())
    body = client_for(maria).get("/contacts/new/").content.decode()
    assert 'name="prop_budget_range"' in body


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"key": "Budget Range"}, "key", "lower-case letters"),
        ({"key": "email"}, "key", "built-in field"),
        ({"key": "1budget"}, "key", "starting with a letter"),
        ({"label": ""}, "label", "This field is required"),
        ({"type": "currency"}, "type", "Select a valid choice"),
        ({"choices": "\n \n"}, "choices", "at least one choice"),
        ({"object_type": "deal"}, "object_type", "Select a valid choice"),
        ({"key": "k" * 65}, "key", "at most 64 characters"),
        ({"description": "d" * 301}, "description", "at most 300 characters"),
    ],
)
def test_it_shows_validation_errors_on_the_form(alice, overrides, field, message):
    response = client_for(alice).post(CREATE, new_property(**overrides))
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert not CustomProperty.objects.exists()


def test_it_rejects_a_duplicate_key(alice):
    CustomPropertyFactory(key="budget_range")
    response = client_for(alice).post(CREATE, new_property())
    assert response.status_code == 400
    assert "already exists" in " ".join(response.context["form"].errors["key"])


def test_editing_changes_label_choices_and_description_but_not_key_or_type(alice):
    prop = CustomPropertyFactory(key="plan", label="Plan", type=PropertyType.CHOICE, choices=["A"])
    response = client_for(alice).post(
        edit_url(prop),
        {
            "label": "Plan name",
            "choices": "A\nB",
            "description": "Which plan",
            "key": "hacked",
            "type": "text",
        },
    )
    assert response.status_code == 302
    prop.refresh_from_db()
    assert (prop.key, prop.type, prop.label, prop.choices, prop.description) == (
        "plan",
        "choice",
        "Plan name",
        ["A", "B"],
        "Which plan",
    )


def test_deleting_keeps_stored_values(alice):
    from tests.factories import ContactFactory

    prop = CustomPropertyFactory(key="plan")
    contact = ContactFactory(properties={"plan": "Gold"})
    response = client_for(alice).post(delete_url(prop), follow=True)
    assert "was deleted" in response.content.decode()
    assert not CustomProperty.objects.exists()
    contact.refresh_from_db()
    assert contact.properties == {"plan": "Gold"}


def test_hostile_labels_and_choices_are_escaped(alice):
    CustomPropertyFactory(label=HOSTILE, description=HOSTILE, type=PropertyType.CHOICE, choices=[HOSTILE])
    body = client_for(alice).get(LIST).content.decode()
    assert HOSTILE not in body
    assert ESCAPED in body
    body = client_for(alice).get("/contacts/new/").content.decode()
    assert HOSTILE not in body


def test_an_unknown_property_id_is_a_404(alice):
    assert (
        client_for(alice).get("/settings/properties/00000000-0000-0000-0000-000000000000/edit/").status_code
        == 404
    )
