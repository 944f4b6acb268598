"""The open pixel: always the same transparent GIF, uncached; only a good token records an open."""

from __future__ import annotations

import pytest

from leadline.activity.models import Activity, Kind
from leadline.mail.models import MessageEvent
from leadline.mail.public_views import PIXEL
from tests.mail.tracking.factories import SentMessageFactory
from tests.mail.tracking.links import browser, open_path

pytestmark = pytest.mark.django_db


def _assert_pixel(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "image/gif"
    assert response.content == PIXEL
    assert "no-store" in response["Cache-Control"]


def test_it_answers_a_gif_and_records_a_human_open():
    message = SentMessageFactory()

    response = browser().get(open_path(message))

    _assert_pixel(response)
    event = MessageEvent.objects.get(message=message)
    assert event.kind == MessageEvent.Kind.OPEN
    assert event.is_machine is False
    assert event.ip_address == "203.0.113.7"
    message.refresh_from_db()
    assert message.opened_at is not None
    timeline = Activity.objects.get(contact=message.contact, kind=Kind.EMAIL_OPENED)
    assert timeline.data["message"] == str(message.public_id)
    assert "Our spring news" in timeline.title


@pytest.mark.parametrize(
    "token",
    ["garbage", "x" * 5000, "<script>alert(1)</script>", "eyJtIjoiMSJ9:1abc:def", "%00%0d%0a", "a/b/c", ""],
)
def test_it_answers_the_same_gif_to_a_bad_token_and_records_nothing(token):
    SentMessageFactory()

    response = browser().get(f"/o/{token}")

    _assert_pixel(response)
    assert not MessageEvent.objects.exists()


def test_it_puts_one_timeline_entry_for_many_opens():
    message = SentMessageFactory()
    for number in range(5):
        browser(ip=f"203.0.113.{number + 1}").get(open_path(message))

    assert MessageEvent.objects.filter(message=message, kind=MessageEvent.Kind.OPEN).count() == 5
    assert Activity.objects.filter(contact=message.contact, kind=Kind.EMAIL_OPENED).count() == 1


def test_it_does_not_store_the_same_open_twice_in_a_minute():
    message = SentMessageFactory()
    client = browser()

    client.get(open_path(message))
    client.get(open_path(message))

    assert MessageEvent.objects.filter(message=message).count() == 1


def test_it_keeps_the_first_human_open_time():
    message = SentMessageFactory()
    browser(ip="203.0.113.1").get(open_path(message))
    message.refresh_from_db()
    first = message.opened_at

    browser(ip="203.0.113.2").get(open_path(message))

    message.refresh_from_db()
    assert message.opened_at == first


def test_it_answers_a_gif_for_a_message_that_is_gone():
    message = SentMessageFactory()
    path = open_path(message)
    message.delete()

    _assert_pixel(browser().get(path))


def test_it_refuses_other_methods_than_get_and_head():
    message = SentMessageFactory()

    response = browser().post(open_path(message))

    assert 400 <= response.status_code < 500
    assert not MessageEvent.objects.exists()


def test_it_records_an_open_in_a_few_queries(django_assert_max_num_queries):
    message = SentMessageFactory()
    client = browser()

    with django_assert_max_num_queries(10):
        client.get(open_path(message))
