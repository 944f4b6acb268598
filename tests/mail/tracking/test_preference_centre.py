"""The preference centre: a box per subscription type and one for all marketing email; every change
goes to the consent ledger with the wording shown, and coming back is as easy as leaving."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from leadline.contacts.models import ConsentRecord
from leadline.mail.models import Unsubscribe
from leadline.mail.preferences import PREFERENCES_TEXT_VERSION
from tests.mail.factories import SenderIdentityFactory
from tests.mail.tracking.factories import SentMessageFactory, SubscriptionTypeFactory
from tests.mail.tracking.links import unsubscribe_path

pytestmark = pytest.mark.django_db


def _csrf_client(path: str) -> tuple[Client, str]:
    client = Client(enforce_csrf_checks=True, REMOTE_ADDR="198.51.100.20")
    page = client.get(path).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token
    return client, token.group(1)


def test_it_round_trips_preferences_through_the_ledger():
    newsletter = SubscriptionTypeFactory(key="newsletter", name="Newsletter")
    events = SubscriptionTypeFactory(key="events", name="Events")
    message = SentMessageFactory(sender=SenderIdentityFactory(from_name="Northwind Studio"))
    path = unsubscribe_path(message)
    client, csrf = _csrf_client(path)

    response = client.post(f"{path}/preferences", {"csrfmiddlewaretoken": csrf, "types": ["events"]})

    assert response.status_code == 303
    assert Unsubscribe.objects.filter(contact=message.contact, subscription_type=newsletter).exists()
    assert not Unsubscribe.objects.filter(contact=message.contact, subscription_type=events).exists()
    withdrawn = ConsentRecord.objects.get(contact=message.contact)
    assert withdrawn.purpose == "email:newsletter"
    assert withdrawn.status == ConsentRecord.Status.WITHDRAWN
    assert withdrawn.source == "preference_centre"
    assert withdrawn.text_version == PREFERENCES_TEXT_VERSION
    assert "Newsletter" in withdrawn.text
    assert withdrawn.ip_address == "198.51.100.20"
    page = client.get(response["Location"]).content.decode()
    assert "Your choices are saved" in page
    assert re.search(r'value="newsletter"(?! checked)', page)
    assert 'value="events" checked' in page

    client.post(f"{path}/preferences", {"csrfmiddlewaretoken": csrf, "types": ["events", "newsletter"]})

    assert not Unsubscribe.objects.exists()
    latest = ConsentRecord.objects.filter(contact=message.contact).order_by("-recorded_at", "-id").first()
    assert latest.status == ConsentRecord.Status.GRANTED
    assert latest.purpose == "email:newsletter"


def test_it_unsubscribes_from_all_and_back_again():
    SubscriptionTypeFactory(key="newsletter", name="Newsletter")
    message = SentMessageFactory()
    path = unsubscribe_path(message)
    client, csrf = _csrf_client(path)

    client.post(
        f"{path}/preferences", {"csrfmiddlewaretoken": csrf, "types": ["newsletter"], "unsubscribe_all": "1"}
    )

    assert Unsubscribe.objects.get(contact=message.contact).subscription_type is None
    message.refresh_from_db()
    assert message.unsubscribed_at is not None
    page = client.get(path).content.decode()
    assert "Subscribe me again" in page

    client.post(f"{path}/preferences", {"csrfmiddlewaretoken": csrf, "types": ["newsletter"]})

    assert not Unsubscribe.objects.exists()
    statuses = list(
        ConsentRecord.objects.filter(purpose="marketing_email")
        .order_by("recorded_at", "id")
        .values_list("status", flat=True)
    )
    assert statuses == [ConsentRecord.Status.WITHDRAWN, ConsentRecord.Status.GRANTED]


def test_it_needs_the_csrf_token_for_the_preference_form():
    SubscriptionTypeFactory(key="newsletter")
    message = SentMessageFactory()
    client = Client(enforce_csrf_checks=True)

    response = client.post(f"{unsubscribe_path(message)}/preferences", {"types": []})

    assert response.status_code == 403
    assert not Unsubscribe.objects.exists()


def test_it_refuses_an_unknown_type_with_400():
    SubscriptionTypeFactory(key="newsletter")
    message = SentMessageFactory()
    path = unsubscribe_path(message)
    client, csrf = _csrf_client(path)

    response = client.post(
        f"{path}/preferences", {"csrfmiddlewaretoken": csrf, "types": ["<b>nope</b>"], "unsubscribe_all": "1"}
    )

    assert response.status_code == 400
    assert "<b>nope</b>" not in response.content.decode()
    assert not Unsubscribe.objects.exists()


def test_it_hides_archived_types_and_keeps_their_opt_outs():
    archived = SubscriptionTypeFactory(key="old", name="Old digest", is_archived=True)
    message = SentMessageFactory()
    Unsubscribe.objects.create(
        contact=message.contact, subscription_type=archived, source="admin", created_at=message.sent_at
    )
    path = unsubscribe_path(message)
    client, csrf = _csrf_client(path)

    assert "Old digest" not in client.get(path).content.decode()
    client.post(f"{path}/preferences", {"csrfmiddlewaretoken": csrf})

    assert Unsubscribe.objects.filter(subscription_type=archived).exists()


def test_it_changes_nothing_from_the_sample_page():
    SubscriptionTypeFactory(key="newsletter")
    client, csrf = _csrf_client("/u/preview")

    response = client.post("/u/preview/preferences", {"csrfmiddlewaretoken": csrf, "unsubscribe_all": "1"})

    assert response.status_code in (302, 303)
    assert not Unsubscribe.objects.exists()
    assert not ConsentRecord.objects.exists()
