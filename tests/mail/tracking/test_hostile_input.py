"""Hostile input on the public email links gets a clear 4xx (or the pixel), never a server error."""

from __future__ import annotations

import pytest

from leadline.mail.models import MessageEvent, Unsubscribe
from tests.mail.tracking.factories import SentMessageFactory
from tests.mail.tracking.links import browser, click_path, unsubscribe_path

pytestmark = pytest.mark.django_db

HOSTILE_TOKENS = [
    "x" * 5000,
    "<img src=x onerror=alert(1)>",
    "'; DROP TABLE mail_messageevent; --",
    '=HYPERLINK("http://evil.example")',
    "%E2%80%AE%F0%9F%92%A9",
    "..%2F..%2Fetc%2Fpasswd",
    "a:b:c:d:e",
]


@pytest.mark.parametrize("token", HOSTILE_TOKENS)
@pytest.mark.parametrize("prefix", ["/c/", "/u/"])
def test_it_answers_404_to_hostile_tokens(prefix, token):
    SentMessageFactory()

    response = browser().get(prefix + token)

    assert response.status_code == 404
    assert "Location" not in response
    assert "<img src=x" not in response.content.decode()


@pytest.mark.parametrize("token", HOSTILE_TOKENS)
def test_it_answers_404_to_a_one_click_post_with_a_hostile_token(token):
    response = browser().post("/u/" + token, {"List-Unsubscribe": "One-Click"})

    assert response.status_code == 404
    assert not Unsubscribe.objects.exists()


def test_it_ignores_html_in_query_parameters():
    message = SentMessageFactory()

    page = browser().get(unsubscribe_path(message) + "?saved=<script>alert(1)</script>&types=<b>")
    click = browser().get(click_path(message, "https://www.example.com/") + "?next=https://evil.example/")

    assert page.status_code == 200
    assert "<script>alert(1)" not in page.content.decode()
    assert click.status_code == 302
    assert click["Location"] == "https://www.example.com/"


def test_it_stores_a_hostile_user_agent_cut_to_size():
    from tests.mail.tracking.links import open_path

    message = SentMessageFactory()

    browser(user_agent="<script>" + "A" * 5000).get(open_path(message))

    event = MessageEvent.objects.get()
    assert len(event.user_agent) <= 500


def test_it_answers_400_to_an_unreadable_one_click_body():
    message = SentMessageFactory()

    response = browser().generic(
        "POST",
        unsubscribe_path(message),
        b"--x\r\nbroken",
        content_type="multipart/form-data; boundary=x",
    )

    assert 400 <= response.status_code < 500
    assert not Unsubscribe.objects.exists()


def test_it_survives_a_garbage_client_address():
    message = SentMessageFactory()

    response = browser(ip="not-an-ip<>").post(unsubscribe_path(message), {"List-Unsubscribe": "One-Click"})

    assert response.status_code == 200
    assert Unsubscribe.objects.filter(contact=message.contact).exists()
