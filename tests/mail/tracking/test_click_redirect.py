"""The click redirect goes to exactly the address signed into the token, and nowhere else."""

from __future__ import annotations

import pytest
from django.test import override_settings

from leadline.activity.models import Activity, Kind
from leadline.mail.models import MessageEvent
from leadline.mail.tracking import click_token
from tests.mail.tracking.factories import SentMessageFactory
from tests.mail.tracking.links import browser, click_path

pytestmark = pytest.mark.django_db

OFFER = "https://www.example.com/offer?utm_source=email&x=1"


def test_it_redirects_to_the_signed_address_and_records_the_click():
    message = SentMessageFactory()

    response = browser().get(click_path(message, OFFER))

    assert response.status_code == 302
    assert response["Location"] == OFFER
    event = MessageEvent.objects.get(message=message, kind=MessageEvent.Kind.CLICK)
    assert event.url == OFFER
    assert event.is_machine is False
    message.refresh_from_db()
    assert message.clicked_at is not None
    entry = Activity.objects.get(contact=message.contact, kind=Kind.EMAIL_CLICKED)
    assert entry.url == OFFER


def test_it_counts_a_human_click_as_an_open_when_images_were_blocked():
    message = SentMessageFactory()

    browser().get(click_path(message, OFFER))

    message.refresh_from_db()
    assert message.opened_at == message.clicked_at
    assert not Activity.objects.filter(kind=Kind.EMAIL_OPENED).exists()


def test_it_answers_404_to_a_tampered_token_and_never_redirects():
    message = SentMessageFactory()
    token = click_token(message.public_id, OFFER)
    tampered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")

    response = browser().get(f"/c/{tampered}")

    assert response.status_code == 404
    assert "Location" not in response
    assert b"not valid" in response.content
    assert not MessageEvent.objects.exists()


def test_it_answers_404_when_the_address_was_signed_with_another_key():
    message = SentMessageFactory()
    with override_settings(SECRET_KEY="not-the-secret-key-of-this-workspace-at-all"):
        forged = click_token(message.public_id, "https://evil.example/phish")

    response = browser().get(f"/c/{forged}")

    assert response.status_code == 404
    assert "Location" not in response


def test_it_answers_404_when_the_address_inside_the_token_was_edited():
    message = SentMessageFactory()
    token = click_token(message.public_id, "https://www.example.com/")
    payload, rest = token.split(".", 1)
    other = click_token(message.public_id, "https://evil.example/")
    edited = other.split(".", 1)[0] + "." + rest

    response = browser().get(f"/c/{edited}")

    assert response.status_code == 404
    assert "Location" not in response
    assert payload != other.split(".", 1)[0]


def test_it_answers_404_to_a_token_made_for_the_open_pixel():
    from leadline.mail.tracking import open_token

    message = SentMessageFactory()

    assert browser().get(f"/c/{open_token(message.public_id)}").status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "ftp://files.example.com/a",
        "https:///no-host",
        "https://example.com/\r\nSet-Cookie: a=b",
        "//evil.example/",
    ],
)
def test_it_never_redirects_to_a_signed_address_that_is_not_a_web_link(url):
    message = SentMessageFactory()

    response = browser().get(click_path(message, url))

    assert response.status_code == 404
    assert "Location" not in response


def test_it_still_redirects_when_the_message_is_gone():
    message = SentMessageFactory()
    path = click_path(message, OFFER)
    message.delete()

    response = browser().get(path)

    assert response.status_code == 302
    assert response["Location"] == OFFER


def test_it_puts_one_timeline_entry_for_many_clicks():
    message = SentMessageFactory()
    browser(ip="203.0.113.1").get(click_path(message, OFFER))
    browser(ip="203.0.113.2").get(click_path(message, "https://www.example.com/pricing"))

    assert Activity.objects.filter(contact=message.contact, kind=Kind.EMAIL_CLICKED).count() == 1
