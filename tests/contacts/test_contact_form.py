"""Creating and editing contacts: built-in fields, custom property widgets, errors shown inline."""

from __future__ import annotations

import pytest

from leadline.activity.models import Activity, Kind
from leadline.contacts.models import Contact, LifecycleStage
from tests.conftest import client_for
from tests.contacts.screen_helpers import ESCAPED, HOSTILE, contact_owned_by, properties_of_every_type
from tests.factories import CompanyFactory, ContactFactory, CustomPropertyFactory

CREATE = "/contacts/new/"


def edit_url(contact) -> str:
    return f"/contacts/{contact.public_id}/edit/"


def form_data(**overrides) -> dict:
    data = {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada@analytical.test",
        "phone": "",
        "job_title": "",
        "company": "",
        "owner": "",
        "lifecycle_stage": "lead",
        "original_source": "",
        "original_source_detail": "",
        "city": "",
        "country": "",
        "time_zone": "",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("persona", ["alice", "maria", "sam", "oscar"])
def test_every_role_can_open_the_create_form(persona, personas):
    response = client_for(personas[persona]).get(CREATE)
    assert response.status_code == 200


def test_it_sends_anonymous_visitors_to_sign_in(client, db):
    assert client.get(CREATE).status_code == 302


def test_it_renders_a_widget_for_each_custom_property_type(alice):
    properties_of_every_type()
    body = client_for(alice).get(CREATE).content.decode()
    assert 'name="prop_budget"' in body and 'type="number"' in body
    assert 'name="prop_renewal"' in body and 'type="date"' in body
    assert '<select name="prop_plan"' in body and ">Growth<" in body
    assert 'type="checkbox" name="prop_interests" value="CRM"' in body
    assert '<select name="prop_vip"' in body and ">Yes<" in body
    assert 'name="prop_notes_text"' in body


def test_it_creates_a_contact_with_properties_and_goes_to_its_page(alice, sam):
    properties_of_every_type()
    company = CompanyFactory(name="Analytical Engines")
    data = form_data(
        owner=str(sam.public_id),
        company=str(company.public_id),
        phone="+44 1632 960961",
        lifecycle_stage="mql",
        prop_budget="12,500",
        prop_renewal="2026-03-01",
        prop_plan="Growth",
        prop_interests=["CRM", "Ads"],
        prop_vip="true",
        prop_notes_text="Met at the fair",
    )

    response = client_for(alice).post(CREATE, data)

    contact = Contact.objects.get(email="ada@analytical.test")
    assert response.status_code == 302
    assert response["Location"] == f"/contacts/{contact.public_id}/"
    assert contact.owner == sam
    assert contact.company == company
    assert contact.phone == "+441632960961"
    assert contact.lifecycle_stage == LifecycleStage.MQL
    assert contact.properties == {
        "budget": 12500,
        "renewal": "2026-03-01",
        "plan": "Growth",
        "interests": ["CRM", "Ads"],
        "vip": True,
        "notes_text": "Met at the fair",
    }
    assert Activity.objects.filter(contact=contact, kind=Kind.CONTACT_CREATED).exists()


def test_it_matches_the_company_from_the_email_domain_when_none_is_chosen(alice):
    client_for(alice).post(CREATE, form_data(email="ada@babbage-works.test"))
    assert Contact.objects.get().company.domain == "babbage-works.test"


def test_it_defaults_the_owner_to_the_person_creating(sam):
    response = client_for(sam).get(CREATE)
    assert response.context["form"]["owner"].value() == sam.public_id


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"email": "not-an-email"}, "email", "is not a valid email address"),
        ({"phone": "12"}, "phone", "phone number"),
        ({"country": "Germany"}, "country", "at most 2 characters"),
        ({"country": "1x"}, "country", "two-letter country code"),
        ({"time_zone": "Mars/Olympus"}, "time_zone", "is not a time zone"),
        ({"lifecycle_stage": "boss"}, "lifecycle_stage", "Select a valid choice"),
        ({"owner": "not-a-uuid"}, "owner", "Select a valid choice"),
        ({"company": "00000000-0000-0000-0000-000000000000"}, "company", "Select a valid choice"),
        ({"first_name": "x" * 151}, "first_name", "at most 150 characters"),
        ({"prop_budget": "lots"}, "prop_budget", "is not a number"),
        ({"prop_renewal": "tomorrow"}, "prop_renewal", "Enter a valid date"),
        ({"prop_plan": "Enterprise"}, "prop_plan", "Select a valid choice"),
        ({"prop_interests": ["Telepathy"]}, "prop_interests", "Select a valid choice"),
        ({"prop_notes_text": "y" * 2001}, "prop_notes_text", "at most 2000 characters"),
    ],
)
def test_it_shows_errors_inline_and_keeps_the_values(alice, overrides, field, message):
    properties_of_every_type()
    response = client_for(alice).post(CREATE, form_data(**overrides))
    assert response.status_code == 400
    errors = " ".join(response.context["form"].errors.get(field, []))
    assert message in errors
    assert 'value="Lovelace"' in response.content.decode()
    assert not Contact.objects.exists()


def test_it_needs_an_email_or_a_name(alice):
    response = client_for(alice).post(CREATE, form_data(first_name="", last_name="", email=""))
    assert response.status_code == 400
    assert "needs an email address or a name" in response.content.decode()


def test_it_reports_a_duplicate_email_on_the_email_field(alice):
    ContactFactory(email="ada@analytical.test")
    response = client_for(alice).post(CREATE, form_data())
    assert response.status_code == 400
    assert "already exists" in " ".join(response.context["form"].errors["email"])


def test_it_shows_hostile_input_escaped_when_redisplaying(alice):
    response = client_for(alice).post(CREATE, form_data(first_name=HOSTILE, email="bad"))
    body = response.content.decode()
    assert HOSTILE not in body
    assert ESCAPED in body


def test_it_stores_hostile_names_as_text_and_shows_them_escaped(alice):
    client_for(alice).post(CREATE, form_data(first_name=HOSTILE))
    contact = Contact.objects.get()
    assert contact.first_name == HOSTILE
    body = client_for(alice).get(f"/contacts/{contact.public_id}/").content.decode()
    assert HOSTILE not in body
    assert ESCAPED in body


def test_it_prefills_the_edit_form_with_stored_values(alice):
    properties_of_every_type()
    contact = ContactFactory(
        first_name="Grace", properties={"plan": "Scale", "interests": ["Email"], "vip": False}
    )
    form = client_for(alice).get(edit_url(contact)).context["form"]
    assert form["first_name"].value() == "Grace"
    assert form["prop_plan"].value() == "Scale"
    assert form["prop_interests"].value() == ["Email"]
    assert form["prop_vip"].value() == "false"


def test_it_saves_edits_and_records_the_changes(alice):
    properties_of_every_type()
    contact = ContactFactory(
        first_name="Grace", last_name="Hopper", email="grace@navy.test", properties={"plan": "Starter"}
    )
    data = form_data(
        first_name="Grace", last_name="Hopper", email="grace@navy.test", city="Arlington", prop_plan="Scale"
    )

    response = client_for(alice).post(edit_url(contact), data)

    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.city == "Arlington"
    assert contact.properties == {"plan": "Scale"}
    change = Activity.objects.get(contact=contact, kind=Kind.CONTACT_UPDATED)
    assert change.data["changes"]["city"] == ["", "Arlington"]
    assert change.data["changes"]["properties.plan"] == ["Starter", "Scale"]


def test_it_clears_a_property_left_empty(alice):
    properties_of_every_type()
    contact = ContactFactory(
        email="grace@navy.test", first_name="Grace", last_name="Hopper", properties={"budget": 10}
    )
    client_for(alice).post(
        edit_url(contact),
        form_data(first_name="Grace", last_name="Hopper", email="grace@navy.test", prop_budget=""),
    )
    contact.refresh_from_db()
    assert contact.properties == {}


def test_it_keeps_a_stored_choice_that_is_no_longer_an_option(alice):
    CustomPropertyFactory(key="plan", label="Plan", type="choice", choices=["Starter", "Growth"])
    contact = ContactFactory(
        email="grace@navy.test", first_name="Grace", last_name="Hopper", properties={"plan": "Legacy"}
    )
    body = client_for(alice).get(edit_url(contact)).content.decode()
    assert "Legacy (no longer an option)" in body

    response = client_for(alice).post(
        edit_url(contact),
        form_data(
            first_name="Grace", last_name="Hopper", email="grace@navy.test", prop_plan="Legacy", city="Paris"
        ),
    )

    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.properties == {"plan": "Legacy"}
    assert contact.city == "Paris"


def test_sales_cannot_open_or_change_a_contact_outside_their_team(sam, oscar):
    contact = contact_owned_by(oscar, first_name="Olive")
    client = client_for(sam)
    assert client.get(edit_url(contact)).status_code == 404
    assert client.post(edit_url(contact), form_data(first_name="Hacked")).status_code == 404
    contact.refresh_from_db()
    assert contact.first_name == "Olive"


def test_a_teammate_can_edit_a_contact_of_the_team(tess, sam):
    contact = contact_owned_by(sam, email="team@example.org", first_name="T", last_name="M")
    response = client_for(tess).post(
        edit_url(contact),
        form_data(first_name="Tea", last_name="M", email="team@example.org", owner=str(sam.public_id)),
    )
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.first_name == "Tea"


def test_it_goes_back_to_the_list_when_sales_give_a_contact_away(sam, oscar):
    contact = contact_owned_by(sam, email="away@example.org", first_name="A", last_name="W")
    response = client_for(sam).post(
        edit_url(contact),
        form_data(first_name="A", last_name="W", email="away@example.org", owner=str(oscar.public_id)),
    )
    assert response.status_code == 302
    assert response["Location"] == "/contacts/"


def test_it_answers_404_for_malformed_ids(alice):
    assert client_for(alice).get("/contacts/not-a-uuid/edit/").status_code == 404
