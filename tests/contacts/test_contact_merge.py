"""Merging a duplicate into a contact from the merge screen: find, compare, confirm, keep everything."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from leadline.activity.models import Activity, Kind
from leadline.contacts.models import ConsentRecord, Contact, LifecycleStage
from leadline.contacts.services import consent_record
from tests.conftest import client_for
from tests.contacts.screen_helpers import ESCAPED, HOSTILE, contact_owned_by, properties_of_every_type
from tests.factories import ActivityFactory, ContactFactory


def merge_url(contact) -> str:
    return f"/contacts/{contact.public_id}/merge/"


@pytest.fixture
def pair(db):
    properties_of_every_type()
    now = timezone.now()
    with time_machine.travel(now - timedelta(days=10), tick=False):
        duplicate = ContactFactory(
            email="ada.l@personal.test",
            first_name="Ada",
            last_name="Lovelace",
            phone="+441632960961",
            lifecycle_stage=LifecycleStage.SQL,
            score=60,
            properties={"plan": "Scale", "budget": 500},
        )
    primary = ContactFactory(
        email="ada@acme.test",
        first_name="Ada",
        last_name="Lovelace",
        lifecycle_stage=LifecycleStage.LEAD,
        score=20,
        properties={"plan": "Growth", "vip": True},
    )
    return primary, duplicate


def test_it_suggests_likely_duplicates(alice, pair):
    primary, duplicate = pair
    ContactFactory(first_name="Someone", last_name="Else")
    response = client_for(alice).get(merge_url(primary))
    assert response.status_code == 200
    assert list(response.context["candidates"]) == [duplicate]


def test_it_finds_candidates_by_search_for_htmx(alice, pair):
    primary, duplicate = pair
    response = client_for(alice).get(
        f"{merge_url(primary)}search/", {"q": "personal"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "ada.l@personal.test" in body
    assert f"?with={duplicate.public_id}" in body
    assert "<html" not in body


def test_search_never_offers_the_contact_itself_or_hidden_contacts(sam, oscar):
    own = contact_owned_by(sam, first_name="Pat", last_name="Same")
    contact_owned_by(oscar, first_name="Pat", last_name="Hidden")
    response = client_for(sam).get(f"{merge_url(own)}search/", {"q": "Pat"})
    assert response.context["candidates"] == []


def test_it_compares_both_records_and_shows_what_will_be_kept(alice, pair):
    primary, duplicate = pair
    response = client_for(alice).get(merge_url(primary), {"with": str(duplicate.public_id)})
    rows = {row.label: row for row in response.context["rows"]}
    assert rows["Email"].kept == "ada@acme.test"
    assert rows["Phone"].kept == "+441632960961" and rows["Phone"].source == "duplicate"
    assert rows["Lifecycle stage"].kept == "Sales qualified lead"
    assert rows["Score"].kept == "60"
    assert rows["Plan"].kept == "Growth" and rows["Plan"].source == "primary"
    assert rows["Budget"].kept == "500"
    assert "Merge contacts" in response.content.decode()


def test_merging_keeps_the_timeline_consent_and_properties_of_both(alice, pair):
    primary, duplicate = pair
    ActivityFactory(contact=primary, data={"body": "Primary note"})
    ActivityFactory(contact=duplicate, data={"body": "Duplicate note"})
    consent_record(contact=primary, status=ConsentRecord.Status.GRANTED, source="Primary form")
    consent_record(contact=duplicate, status=ConsentRecord.Status.GRANTED, source="Duplicate form")

    response = client_for(alice).post(
        merge_url(primary), {"duplicate": str(duplicate.public_id)}, follow=True
    )

    assert response.redirect_chain[-1][0] == f"/contacts/{primary.public_id}/"
    assert not Contact.objects.filter(pk=duplicate.pk).exists()
    primary.refresh_from_db()
    assert primary.properties == {"plan": "Growth", "vip": True, "budget": 500}
    assert primary.phone == "+441632960961"
    assert primary.lifecycle_stage == LifecycleStage.SQL
    assert primary.score == 60
    bodies = set(
        Activity.objects.filter(contact=primary, kind=Kind.NOTE).values_list("data__body", flat=True)
    )
    assert bodies == {"Primary note", "Duplicate note"}
    assert set(primary.consents.values_list("source", flat=True)) == {"Primary form", "Duplicate form"}
    body = response.content.decode()
    assert "Merged Ada Lovelace &lt;ada.l@personal.test&gt; into this contact" in body
    assert "Duplicate note" in body and "Primary note" in body


def test_the_merge_entry_keeps_the_duplicates_record(alice, pair):
    primary, duplicate = pair
    client_for(alice).post(merge_url(primary), {"duplicate": str(duplicate.public_id)})
    entry = Activity.objects.get(contact=primary, kind=Kind.CONTACT_MERGED)
    assert entry.data["merged"]["email"] == "ada.l@personal.test"
    assert entry.data["merged"]["public_id"] == str(duplicate.public_id)


def test_it_refuses_to_merge_a_contact_with_itself(alice, pair):
    primary, _ = pair
    response = client_for(alice).post(merge_url(primary), {"duplicate": str(primary.public_id)}, follow=True)
    assert "cannot be merged with itself" in response.content.decode()
    assert Contact.objects.filter(pk=primary.pk).exists()


def test_it_asks_for_a_duplicate_when_none_is_given(alice, pair):
    primary, _ = pair
    response = client_for(alice).post(merge_url(primary), {}, follow=True)
    assert "Choose the contact to merge" in response.content.decode()
    assert Contact.objects.count() == 2


@pytest.mark.parametrize("bad", ["not-a-uuid", "00000000-0000-0000-0000-000000000000"])
def test_it_answers_404_for_an_unknown_duplicate(alice, pair, bad):
    primary, _ = pair
    assert client_for(alice).post(merge_url(primary), {"duplicate": bad}).status_code == 404
    assert client_for(alice).get(merge_url(primary), {"with": bad}).status_code == 404
    assert Contact.objects.count() == 2


def test_sales_cannot_merge_a_contact_they_cannot_see(sam, oscar):
    own = contact_owned_by(sam)
    foreign = contact_owned_by(oscar)
    client = client_for(sam)
    assert client.post(merge_url(own), {"duplicate": str(foreign.public_id)}).status_code == 404
    assert client.get(merge_url(foreign)).status_code == 404
    assert Contact.objects.count() == 2


def test_anonymous_visitors_are_sent_to_sign_in(client, pair):
    primary, duplicate = pair
    assert client.get(merge_url(primary)).status_code == 302
    assert client.post(merge_url(primary), {"duplicate": str(duplicate.public_id)}).status_code == 302
    assert Contact.objects.count() == 2


def test_hostile_values_are_escaped_in_the_comparison(alice):
    primary = ContactFactory(first_name="Ann")
    duplicate = ContactFactory(first_name=HOSTILE, job_title=HOSTILE)
    body = client_for(alice).get(merge_url(primary), {"with": str(duplicate.public_id)}).content.decode()
    assert HOSTILE not in body
    assert ESCAPED in body
