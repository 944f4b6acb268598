"""A visitor books a call on the public booking page in a real browser: the times appear in the
browser's own time zone, a day and a time are picked (with the keyboard too), the confirmation
shows, the meeting exists and the invite went out by email."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from playwright.sync_api import expect

from leadline.sales.models import Availability, Meeting
from tests.factories import UserFactory
from tests.sales.factories import MeetingTypeFactory

pytestmark = pytest.mark.browser

VISITOR_ZONE = "America/New_York"


@pytest.fixture
def clarity_call(transactional_db):
    host = UserFactory(email="sofia@leadline.test", first_name="Sofia", last_name="Reyes")
    Availability.objects.create(
        user=host,
        time_zone="Europe/Berlin",
        # Every day, all day: whatever the day the test runs, the next days have free times.
        weekly_hours={str(day): [["00:00", "24:00"]] for day in range(7)},
        minimum_notice_minutes=60,
        buffer_after_minutes=0,
    )
    return MeetingTypeFactory(host=host, slug="clarity-call", location="https://meet.example.com/sofia")


def in_visitor_zone(page):
    """Make the browser report the visitor's zone, as a browser in New York would."""
    session = page.context.new_cdp_session(page)
    session.send("Emulation.setTimezoneOverride", {"timezoneId": VISITOR_ZONE})


def test_a_visitor_books_a_time_in_their_own_time_zone(page, clarity_call):
    in_visitor_zone(page)
    mail.outbox = []

    page.goto("/meet/clarity-call")

    # The page noticed the browser's zone and shows the times in it.
    expect(page).to_have_url(re.compile(r"tz=America%2FNew_York"))
    expect(page.get_by_label("Times are shown in")).to_have_value(VISITOR_ZONE)
    days = page.locator("[data-day]")
    expect(days.first).to_have_attribute("aria-pressed", "true")

    # Days are chosen with the arrow keys; only that day's times show.
    days.first.focus()
    page.keyboard.press("ArrowRight")
    second_day = days.nth(1)
    expect(second_day).to_be_focused()
    expect(second_day).to_have_attribute("aria-pressed", "true")
    day_key = second_day.get_attribute("data-day")
    times = page.locator(f'[data-times="{day_key}"]')
    expect(times).to_be_visible()
    expect(page.locator("[data-times]:visible")).to_have_count(1)

    slot = times.locator(".bk-time").nth(3)
    label = slot.inner_text().strip()
    slot.click()
    expect(page.locator("[data-chosen]")).to_contain_text(f"{label} (America/New York)")

    page.get_by_label("Your name").fill("Grace Hopper")
    page.get_by_label("Your email").fill("grace@example.org")
    page.get_by_label("Anything we should know?").fill("We run COBOL.")
    page.get_by_role("button", name="Book the meeting").click()

    expect(page.get_by_role("heading", name="You are booked")).to_be_visible()
    expect(page.get_by_text("America/New York")).to_be_visible()
    meeting = Meeting.objects.get()
    local = meeting.starts_at.astimezone(ZoneInfo(VISITOR_ZONE))
    assert local.strftime("%H:%M") == label
    assert local.date() == datetime.fromisoformat(day_key).date()
    assert meeting.guest_time_zone == VISITOR_ZONE
    assert meeting.guest_notes == "We run COBOL."
    assert meeting.contact.email == "grace@example.org"
    expect(page.get_by_text(local.strftime("%H:%M") + "–")).to_be_visible()

    to_guest = [message for message in mail.outbox if message.to == ["grace@example.org"]]
    assert len(to_guest) == 1
    assert [name for name, _content, _type in to_guest[0].attachments] == ["invite.ics"]


def test_a_visitor_is_told_when_something_is_missing(page, clarity_call):
    page.goto("/meet/clarity-call?tz=Europe/Paris")

    page.get_by_label("Your name").fill("Grace Hopper")
    page.get_by_role("button", name="Book the meeting").click()

    alert = page.get_by_role("alert")
    expect(alert).to_be_focused()
    expect(alert).to_contain_text("Choose a day and a time.")
    expect(alert).to_contain_text("Enter your email address")
    expect(page.get_by_label("Your name")).to_have_value("Grace Hopper")
    assert not Meeting.objects.exists()
