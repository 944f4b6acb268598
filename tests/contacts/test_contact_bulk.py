"""Bulk actions on the contact list: assign owner, change stage, delete after confirming."""

from __future__ import annotations

from leadline.activity.models import Activity, Kind
from leadline.contacts.models import Contact, LifecycleStage
from tests.conftest import client_for
from tests.contacts.screen_helpers import contact_owned_by
from tests.factories import ContactFactory

URL = "/contacts/bulk/"


def ids(*contacts) -> list[str]:
    return [str(contact.public_id) for contact in contacts]


def test_it_assigns_an_owner_to_the_selected_contacts(alice, sam):
    chosen = ContactFactory.create_batch(2)
    untouched = ContactFactory()

    response = client_for(alice).post(
        URL,
        {
            "action": "assign_owner",
            "owner": str(sam.public_id),
            "ids": ids(*chosen),
            "next": "/contacts/?stage=lead",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == "/contacts/?stage=lead"
    assert all(
        contact.owner_id == sam.pk for contact in Contact.objects.filter(pk__in=[c.pk for c in chosen])
    )
    untouched.refresh_from_db()
    assert untouched.owner_id is None
    assert Activity.objects.filter(kind=Kind.OWNER_CHANGED).count() == 2


def test_it_can_unassign_contacts(alice, sam):
    contact = contact_owned_by(sam)
    client_for(alice).post(URL, {"action": "assign_owner", "owner": "unassigned", "ids": ids(contact)})
    contact.refresh_from_db()
    assert contact.owner_id is None


def test_it_changes_the_stage_and_records_it_on_each_timeline(alice):
    chosen = ContactFactory.create_batch(3)
    response = client_for(alice).post(
        URL, {"action": "set_stage", "lifecycle_stage": "customer", "ids": ids(*chosen)}
    )
    assert response.status_code == 302
    assert set(Contact.objects.values_list("lifecycle_stage", flat=True)) == {LifecycleStage.CUSTOMER}
    assert Activity.objects.filter(kind=Kind.STAGE_CHANGED).count() == 3


def test_it_asks_for_confirmation_showing_how_many_before_deleting(alice):
    chosen = ContactFactory.create_batch(3)
    response = client_for(alice).post(URL, {"action": "delete", "ids": ids(*chosen)})
    assert response.status_code == 200
    assert "Delete 3 contacts?" in response.content.decode()
    assert Contact.objects.count() == 3


def test_it_deletes_after_confirmation(alice):
    chosen = ContactFactory.create_batch(3)
    kept = ContactFactory()
    response = client_for(alice).post(URL, {"action": "delete", "confirmed": "1", "ids": ids(*chosen)})
    assert response.status_code == 302
    assert list(Contact.objects.all()) == [kept]


def test_it_acts_only_on_contacts_the_user_may_edit(sam, oscar):
    own = contact_owned_by(sam)
    foreign = contact_owned_by(oscar)

    response = client_for(sam).post(
        URL, {"action": "set_stage", "lifecycle_stage": "customer", "ids": ids(own, foreign)}
    )

    assert response.status_code == 302
    own.refresh_from_db()
    foreign.refresh_from_db()
    assert own.lifecycle_stage == LifecycleStage.CUSTOMER
    assert foreign.lifecycle_stage == LifecycleStage.LEAD


def test_it_never_deletes_contacts_the_user_cannot_see(sam, oscar):
    foreign = contact_owned_by(oscar)
    client_for(sam).post(URL, {"action": "delete", "confirmed": "1", "ids": ids(foreign)})
    assert Contact.objects.filter(pk=foreign.pk).exists()


def test_it_applies_to_all_matching_contacts_when_asked(alice):
    customers = ContactFactory.create_batch(4, lifecycle_stage=LifecycleStage.CUSTOMER)
    lead = ContactFactory(lifecycle_stage=LifecycleStage.LEAD)

    client_for(alice).post(
        URL,
        {
            "action": "assign_owner",
            "owner": str(alice.public_id),
            "all_matching": "1",
            "query": "stage=customer",
            "ids": ids(customers[0]),
        },
    )

    assert Contact.objects.filter(owner=alice).count() == 4
    lead.refresh_from_db()
    assert lead.owner_id is None


def test_all_matching_still_respects_visibility(sam, oscar):
    contact_owned_by(sam)
    foreign = contact_owned_by(oscar)
    client_for(sam).post(URL, {"action": "delete", "confirmed": "1", "all_matching": "1", "query": ""})
    assert list(Contact.objects.all()) == [foreign]


def test_it_explains_a_missing_choice_instead_of_failing(alice):
    contact = ContactFactory()
    response = client_for(alice).post(URL, {"action": "set_stage", "ids": ids(contact)}, follow=True)
    assert response.status_code == 200
    assert "Choose a lifecycle stage." in response.content.decode()


def test_it_rejects_unknown_actions_and_garbage_ids_without_an_error(alice):
    contact = ContactFactory()
    for data in (
        {"action": "drop_tables", "ids": ids(contact)},
        {"action": "delete", "ids": ["not-a-uuid", "' OR 1=1 --"], "confirmed": "1"},
        {"action": "assign_owner", "owner": "someone-else", "ids": ids(contact)},
        {"action": "set_stage", "lifecycle_stage": "<script>", "ids": ids(contact)},
    ):
        response = client_for(alice).post(URL, data)
        assert response.status_code == 302
    assert Contact.objects.filter(pk=contact.pk).exists()


def test_it_ignores_an_offsite_next_url(alice):
    contact = ContactFactory()
    response = client_for(alice).post(
        URL,
        {
            "action": "set_stage",
            "lifecycle_stage": "lead",
            "ids": ids(contact),
            "next": "https://evil.example/",
        },
    )
    assert response["Location"] == "/contacts/"


def test_it_refuses_get_and_anonymous_requests(client, db):
    assert client.get(URL).status_code == 405
    response = client.post(URL, {"action": "delete"})
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
