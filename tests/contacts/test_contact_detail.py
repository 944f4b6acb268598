"""The contact page: header, properties, consent history, timeline, and deleting the contact."""

from __future__ import annotations

import pytest

from leadline.activity.models import Activity
from leadline.contacts.models import ConsentRecord, Contact, LifecycleStage, Source
from leadline.contacts.services import consent_record
from leadline.core.models import AuditEntry
from tests.conftest import client_for
from tests.contacts.screen_helpers import ESCAPED, HOSTILE, contact_owned_by, properties_of_every_type
from tests.factories import ActivityFactory, CompanyFactory, ContactFactory


def page_url(contact) -> str:
    return f"/contacts/{contact.public_id}/"


def delete_url(contact) -> str:
    return f"/contacts/{contact.public_id}/delete/"


@pytest.mark.parametrize(
    ("persona", "status"), [("alice", 200), ("maria", 200), ("sam", 200), ("tess", 200), ("oscar", 404)]
)
def test_it_shows_sams_contact_to_everyone_but_the_outsider(persona, status, personas):
    contact = contact_owned_by(personas["sam"])
    assert client_for(personas[persona]).get(page_url(contact)).status_code == status


def test_it_sends_anonymous_visitors_to_sign_in(client, db):
    contact = ContactFactory()
    response = client.get(page_url(contact))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("bad_id", ["not-a-uuid", "00000000-0000-0000-0000-000000000000", "1"])
def test_it_answers_404_for_unknown_ids(alice, bad_id):
    assert client_for(alice).get(f"/contacts/{bad_id}/").status_code == 404


def test_it_shows_the_header(alice, sam):
    contact = ContactFactory(
        first_name="Ada",
        last_name="Lovelace",
        email="ada@acme.test",
        phone="+441632960961",
        company=CompanyFactory(name="Acme"),
        lifecycle_stage=LifecycleStage.SQL,
        owner=sam,
        score=77,
        original_source=Source.EVENT,
        original_source_detail="Spring fair 2025",
    )
    body = client_for(alice).get(page_url(contact)).content.decode()
    for text in (
        "Ada Lovelace",
        "ada@acme.test",
        "+441632960961",
        "Acme",
        "badge-sql",
        "Sam Seller",
        "77",
        "Events",
        "Spring fair 2025",
    ):
        assert text in body


def test_it_shows_custom_property_values_readably(alice):
    properties_of_every_type()
    contact = ContactFactory(
        properties={"plan": "Growth", "interests": ["CRM", "Ads"], "vip": True, "budget": 1200}
    )
    body = client_for(alice).get(page_url(contact)).content.decode()
    assert "Plan" in body and "Growth" in body
    assert ">CRM<" in body and ">Ads<" in body
    assert "VIP" in body and "Yes" in body
    assert "1200" in body


def test_it_lists_the_consent_history_newest_first(alice):
    contact = ContactFactory()
    consent_record(
        contact=contact, status=ConsentRecord.Status.GRANTED, text="Yes, email me", source="Webinar form"
    )
    consent_record(contact=contact, status=ConsentRecord.Status.WITHDRAWN, source="Preference page")
    body = client_for(alice).get(page_url(contact)).content.decode()
    assert body.index("Withdrawn") < body.index("Granted")
    assert "Webinar form" in body and "Yes, email me" in body


def test_it_shows_the_timeline_with_the_contacts_activity(alice):
    contact = ContactFactory()
    ActivityFactory(contact=contact, data={"body": "Discussed **pricing**"}, actor=alice)
    body = client_for(alice).get(page_url(contact)).content.decode()
    assert "<strong>pricing</strong>" in body
    assert 'id="note-composer"' in body


def test_it_shows_hostile_values_escaped(alice):
    properties_of_every_type()
    contact = ContactFactory(
        first_name=HOSTILE,
        job_title=HOSTILE,
        properties={"notes_text": HOSTILE},
        company=CompanyFactory(name=HOSTILE),
    )
    consent_record(contact=contact, status="granted", text=HOSTILE, source=HOSTILE)
    body = client_for(alice).get(page_url(contact)).content.decode()
    assert HOSTILE not in body
    assert ESCAPED in body


def test_it_deletes_the_contact_and_says_so(alice):
    contact = ContactFactory(first_name="Ada", last_name="Lovelace")
    ActivityFactory(contact=contact)
    response = client_for(alice).post(delete_url(contact), follow=True)
    assert response.redirect_chain[-1][0] == "/contacts/"
    assert "Ada Lovelace was deleted." in response.content.decode()
    assert not Contact.objects.exists()
    assert not Activity.objects.exists()
    assert AuditEntry.objects.filter(action="contact.deleted").exists()


def test_it_offers_a_confirmation_dialog_before_deleting(alice):
    contact = ContactFactory()
    body = client_for(alice).get(page_url(contact)).content.decode()
    assert 'data-dialog-open="delete-contact"' in body
    assert "This cannot be undone." in body


def test_delete_needs_a_post(alice):
    contact = ContactFactory()
    assert client_for(alice).get(delete_url(contact)).status_code == 405
    assert Contact.objects.exists()


def test_the_outsider_cannot_delete_sams_contact(sam, oscar):
    contact = contact_owned_by(sam)
    assert client_for(oscar).post(delete_url(contact)).status_code == 404
    assert Contact.objects.filter(pk=contact.pk).exists()


def test_anonymous_visitors_cannot_delete(client, db):
    contact = ContactFactory()
    assert client.post(delete_url(contact)).status_code == 302
    assert Contact.objects.filter(pk=contact.pk).exists()
