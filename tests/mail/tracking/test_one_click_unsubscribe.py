"""RFC 8058 one-click: a POST of `List-Unsubscribe=One-Click` unsubscribes at once, with no cookie,
CSRF token or sign-in. A GET only shows the page."""

from __future__ import annotations

import pytest

from leadline.activity.models import Activity, Kind
from leadline.contacts.models import ConsentRecord
from leadline.mail.models import MessageEvent, Unsubscribe, UnsubscribeSource
from tests.mail.factories import SenderIdentityFactory
from tests.mail.tracking.factories import SentMessageFactory, SubscriptionTypeFactory
from tests.mail.tracking.links import browser, unsubscribe_path

pytestmark = pytest.mark.django_db

ONE_CLICK = {"List-Unsubscribe": "One-Click"}


def test_it_unsubscribes_on_a_one_click_post_without_cookies():
    message = SentMessageFactory()
    client = browser()

    response = client.post(unsubscribe_path(message), ONE_CLICK)

    assert response.status_code == 200
    assert "text/html" in response["Content-Type"]
    assert not client.cookies.get("sessionid")
    row = Unsubscribe.objects.get(contact=message.contact)
    assert row.subscription_type is None
    assert row.source == UnsubscribeSource.ONE_CLICK
    assert row.message == message
    consent = ConsentRecord.objects.get(contact=message.contact)
    assert consent.status == ConsentRecord.Status.WITHDRAWN
    assert consent.purpose == "marketing_email"
    assert consent.source == "one_click"
    assert consent.ip_address == "203.0.113.7"
    message.refresh_from_db()
    assert message.unsubscribed_at is not None
    assert MessageEvent.objects.filter(message=message, kind=MessageEvent.Kind.UNSUBSCRIBE).count() == 1
    assert Activity.objects.filter(contact=message.contact, kind=Kind.CONSENT_CHANGED).count() == 1


def test_it_accepts_the_one_click_body_as_multipart_too():
    message = SentMessageFactory()

    response = browser().post(unsubscribe_path(message), ONE_CLICK, format="multipart")

    assert response.status_code == 200
    assert Unsubscribe.objects.filter(contact=message.contact).exists()


def test_it_is_idempotent_when_the_mailbox_posts_twice():
    message = SentMessageFactory()
    browser().post(unsubscribe_path(message), ONE_CLICK)

    response = browser().post(unsubscribe_path(message), ONE_CLICK)

    assert response.status_code == 200
    assert Unsubscribe.objects.filter(contact=message.contact).count() == 1
    assert ConsentRecord.objects.filter(contact=message.contact).count() == 1
    assert MessageEvent.objects.filter(kind=MessageEvent.Kind.UNSUBSCRIBE).count() == 1


def test_it_shows_a_page_on_get_and_changes_nothing():
    SubscriptionTypeFactory(name="Newsletter")
    message = SentMessageFactory(sender=SenderIdentityFactory(from_name="Northwind Studio"))
    message.contact.email = "jane.doe@example.org"
    message.contact.first_name, message.contact.last_name = "Janet", "Quibbleworth"
    message.contact.save()

    response = browser().get(unsubscribe_path(message))

    assert response.status_code == 200
    assert not Unsubscribe.objects.exists()
    assert not ConsentRecord.objects.exists()
    message.refresh_from_db()
    assert message.unsubscribed_at is None
    page = response.content.decode()
    assert "Northwind Studio" in page
    assert "j•••@example.org" in page
    assert "jane.doe" not in page
    assert "Janet" not in page and "Quibbleworth" not in page
    assert "Newsletter" in page
    assert 'name="List-Unsubscribe" value="One-Click"' in page
    assert "base.html" not in page and 'class="pc"' in page


def test_it_uses_the_default_sender_when_the_message_has_none():
    SenderIdentityFactory(from_name="Default Sender Co", is_default=True)
    message = SentMessageFactory(sender=None)

    response = browser().get(unsubscribe_path(message))

    assert "Default Sender Co" in response.content.decode()


def test_it_refuses_a_post_without_the_one_click_body():
    message = SentMessageFactory()

    response = browser().post(unsubscribe_path(message), {"List-Unsubscribe": "Yes"})

    assert response.status_code == 400
    assert not Unsubscribe.objects.exists()


def test_it_answers_404_with_a_clear_page_to_a_bad_token():
    message = SentMessageFactory()
    path = unsubscribe_path(message)

    for bad in (path[:-2] + "zz", "/u/nonsense", "/u/" + "a" * 3000):
        response = browser().post(bad, ONE_CLICK)
        assert response.status_code == 404
        assert "This link is not valid" in response.content.decode()
        assert browser().get(bad).status_code == 404
    assert not Unsubscribe.objects.exists()


def test_it_works_with_a_link_that_names_no_message():
    message = SentMessageFactory()

    browser().post(unsubscribe_path(contact=message.contact), ONE_CLICK)

    row = Unsubscribe.objects.get(contact=message.contact)
    assert row.message is None
    assert not MessageEvent.objects.exists()


def test_it_shows_a_harmless_sample_page_for_the_preview_link():
    SenderIdentityFactory(from_name="Northwind Studio", is_default=True)
    SentMessageFactory()

    page = browser().get("/u/preview")
    posted = browser().post("/u/preview", ONE_CLICK)

    assert page.status_code == 200
    assert "sample page" in page.content.decode()
    assert posted.status_code == 200
    assert not Unsubscribe.objects.exists()
    assert not ConsentRecord.objects.exists()


def test_it_records_the_pages_own_button_as_the_preference_centre():
    message = SentMessageFactory()

    browser().post(unsubscribe_path(message), {**ONE_CLICK, "from_page": "1"})

    assert Unsubscribe.objects.get().source == UnsubscribeSource.PREFERENCE_CENTRE
    consent = ConsentRecord.objects.get()
    assert consent.source == "preference_centre"
    assert consent.text.startswith("Unsubscribe me from all marketing email")
