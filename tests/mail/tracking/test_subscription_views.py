"""The subscription type screens: admins and marketing add, edit, archive (with confirmation) and
restore types, and see who unsubscribed; a contact's email subscriptions are one page."""

from __future__ import annotations

import pytest

from leadline.core.models import AuditEntry
from leadline.mail.models import SubscriptionType, Unsubscribe
from leadline.mail.preferences import unsubscribe_contact
from tests.conftest import client_for
from tests.factories import ContactFactory
from tests.mail.tracking.factories import SentMessageFactory, SubscriptionTypeFactory

pytestmark = pytest.mark.django_db


def test_it_creates_a_type_with_a_key_from_its_name(maria):
    response = client_for(maria).post(
        "/email/subscriptions/new/", {"name": "Product news", "description": "Now and then", "position": "5"}
    )

    assert response.status_code == 302
    created = SubscriptionType.objects.get()
    assert (created.key, created.name, created.position) == ("product-news", "Product news", 5)
    assert AuditEntry.objects.filter(action="subscription_type.created").exists()


def test_it_refuses_a_key_already_taken(maria):
    SubscriptionTypeFactory(key="newsletter")

    response = client_for(maria).post("/email/subscriptions/new/", {"name": "Newsletter", "position": "0"})

    assert response.status_code == 400
    assert "is taken" in response.content.decode()
    assert SubscriptionType.objects.count() == 1


def test_it_edits_a_type_but_not_its_key(alice):
    item = SubscriptionTypeFactory(key="newsletter", name="Newsletter")

    client_for(alice).post(
        f"/email/subscriptions/{item.public_id}/", {"name": "Monthly letter", "key": "other", "position": "1"}
    )

    item.refresh_from_db()
    assert (item.key, item.name) == ("newsletter", "Monthly letter")


def test_it_asks_before_archiving_and_then_keeps_the_opt_outs(maria):
    item = SubscriptionTypeFactory(name="Events")
    contact = ContactFactory()
    unsubscribe_contact(contact=contact, subscription_type=item, source="admin")
    client = client_for(maria)

    edit = client.get(f"/email/subscriptions/{item.public_id}/").content.decode()
    assert "<dialog" in edit and "Archive “Events”?" in edit

    client.post(f"/email/subscriptions/{item.public_id}/archive/")

    item.refresh_from_db()
    assert item.is_archived is True
    assert Unsubscribe.objects.filter(subscription_type=item).exists()
    assert "Events" in client.get("/email/subscriptions/").content.decode()

    client.post(f"/email/subscriptions/{item.public_id}/restore/")
    item.refresh_from_db()
    assert item.is_archived is False


def test_it_lists_unsubscribes_with_filters(maria, django_assert_max_num_queries):
    newsletter = SubscriptionTypeFactory(key="newsletter", name="Newsletter")
    for _ in range(5):
        message = SentMessageFactory()
        unsubscribe_contact(contact=message.contact, source="one_click", message=message)
    kept = ContactFactory(email="kept@example.org")
    unsubscribe_contact(contact=kept, subscription_type=newsletter, source="preference_centre")
    client = client_for(maria)

    with django_assert_max_num_queries(15):
        everything = client.get("/email/subscriptions/unsubscribes/")
    only_type = client.get("/email/subscriptions/unsubscribes/?type=newsletter").content.decode()
    hostile = client.get("/email/subscriptions/unsubscribes/?type=<b>x</b>&source=nope&q=" + "a" * 500)

    assert everything.status_code == 200
    assert everything.content.decode().count("<strong>All marketing email</strong>") == 5
    assert "kept@example.org" in only_type
    assert "All marketing email</strong></td>" not in only_type
    assert hostile.status_code == 200


def test_it_shows_a_contacts_subscriptions_to_whoever_sees_the_contact(sam, oscar):
    newsletter = SubscriptionTypeFactory(name="Newsletter")
    contact = ContactFactory(owner=oscar)
    unsubscribe_contact(contact=contact, subscription_type=newsletter, source="mailto", text="By email")

    page = client_for(oscar).get(f"/email/subscriptions/contacts/{contact.public_id}/")

    assert page.status_code == 200
    text = page.content.decode()
    assert "Email to the unsubscribe address" in text
    assert "email:" in text and "By email" in text
    assert client_for(sam).get(f"/email/subscriptions/contacts/{contact.public_id}/").status_code == 404


def test_it_keeps_sales_out_of_the_type_screens(sam):
    assert client_for(sam).get("/email/subscriptions/").status_code == 403
