"""Opens and clicks by machines are stored but flagged, and never count as the first human one."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from leadline.activity.models import Activity, Kind
from leadline.mail.machine import classify_click, classify_open
from leadline.mail.models import MessageEvent
from tests.mail.tracking.factories import HUMAN_BROWSER, SentMessageFactory
from tests.mail.tracking.links import browser, click_path, open_path

pytestmark = pytest.mark.django_db

GMAIL_PROXY = "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)"
OFFER = "https://www.example.com/offer"


def test_it_flags_an_apple_privacy_proxy_open_by_its_user_agent():
    message = SentMessageFactory()

    browser(user_agent="Mozilla/5.0").get(open_path(message))

    event = MessageEvent.objects.get(message=message)
    assert event.is_machine is True
    assert event.data["machine"] == "apple_privacy_proxy"
    message.refresh_from_db()
    assert message.opened_at is None
    assert not Activity.objects.filter(kind=Kind.EMAIL_OPENED).exists()


def test_it_flags_an_open_from_apples_network():
    message = SentMessageFactory()

    browser(ip="17.58.101.12").get(open_path(message))

    assert MessageEvent.objects.get(message=message).is_machine is True


def test_it_counts_the_gmail_image_proxy_as_a_person_and_says_so():
    message = SentMessageFactory()

    browser(user_agent=GMAIL_PROXY, ip="66.249.84.1").get(open_path(message))

    event = MessageEvent.objects.get(message=message)
    assert event.is_machine is False
    assert event.data["proxy"] == "google_image_proxy"
    message.refresh_from_db()
    assert message.opened_at is not None


def test_it_flags_a_head_request_as_a_machine():
    message = SentMessageFactory()

    response = browser().head(click_path(message, OFFER))

    assert response.status_code == 302
    event = MessageEvent.objects.get(message=message)
    assert event.is_machine is True
    assert event.data["machine"] == "head_request"
    message.refresh_from_db()
    assert message.clicked_at is None


def test_it_flags_a_click_seconds_after_sending_as_a_scanner():
    message = SentMessageFactory(sent_at=timezone.now() - timedelta(seconds=2))

    browser().get(click_path(message, OFFER))

    event = MessageEvent.objects.get(message=message)
    assert event.is_machine is True
    assert event.data["machine"] == "too_soon_after_sending"
    message.refresh_from_db()
    assert message.clicked_at is None
    assert message.opened_at is None
    assert not Activity.objects.filter(kind=Kind.EMAIL_CLICKED).exists()


def test_it_flags_a_known_security_scanner():
    message = SentMessageFactory()

    browser(user_agent="Barracuda Sentinel (EE)").get(click_path(message, OFFER))

    assert MessageEvent.objects.get(message=message).is_machine is True


def test_it_flags_many_links_of_one_message_clicked_in_the_same_second():
    message = SentMessageFactory()
    with time_machine.travel(timezone.now(), tick=False):
        client = browser()
        for path in ("/a", "/b", "/c"):
            client.get(click_path(message, f"https://www.example.com{path}"))

    events = MessageEvent.objects.filter(message=message, kind=MessageEvent.Kind.CLICK)
    assert events.count() == 3
    assert all(event.is_machine for event in events)
    message.refresh_from_db()
    assert message.clicked_at is None
    assert message.opened_at is None


def test_it_keeps_a_first_human_click_made_before_a_scanner_burst():
    message = SentMessageFactory()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        browser(ip="203.0.113.9").get(click_path(message, OFFER))
    with time_machine.travel(start + timedelta(minutes=5), tick=False):
        scanner = browser(ip="198.51.100.4")
        scanner.get(click_path(message, "https://www.example.com/a"))
        scanner.get(click_path(message, "https://www.example.com/b"))

    message.refresh_from_db()
    assert message.clicked_at == start
    human = MessageEvent.objects.get(message=message, url=OFFER)
    assert human.is_machine is False


def test_it_sets_first_open_and_click_only_from_people():
    message = SentMessageFactory()
    browser(user_agent="Mozilla/5.0").get(open_path(message))
    browser(user_agent="python-requests/2.32").get(click_path(message, OFFER))
    message.refresh_from_db()
    assert message.opened_at is None and message.clicked_at is None

    browser().get(open_path(message))
    browser().get(click_path(message, OFFER))

    message.refresh_from_db()
    assert message.opened_at is not None and message.clicked_at is not None


@pytest.mark.parametrize(
    ("user_agent", "ip", "machine"),
    [
        (HUMAN_BROWSER, "203.0.113.1", False),
        ("Mozilla/5.0", "203.0.113.1", True),
        (HUMAN_BROWSER, "17.1.2.3", True),
        (HUMAN_BROWSER, "2620:149:a:1::5", True),
        (GMAIL_PROXY, "66.249.84.1", False),
        ("YahooMailProxy; https://help.yahoo.com/kb/yahoo-mail-proxy-SLN28749.html", "203.0.113.1", False),
        ("Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.12026; Pro)", "203.0.113.1", False),
        ("", "203.0.113.1", True),
        ("Googlebot/2.1 (+http://www.google.com/bot.html)", "203.0.113.1", True),
        ("Mozilla/5.0 (compatible; Proofpoint URL Defense)", "203.0.113.1", True),
    ],
)
def test_it_tells_people_from_machines_when_opening(user_agent, ip, machine):
    assert classify_open(user_agent=user_agent, ip_address=ip).is_machine is machine


def test_it_treats_a_click_ten_minutes_after_sending_as_a_person():
    now = timezone.now()
    verdict = classify_click(
        user_agent=HUMAN_BROWSER,
        ip_address="203.0.113.1",
        sent_at=now - timedelta(minutes=10),
        occurred_at=now,
    )
    assert verdict.is_machine is False
