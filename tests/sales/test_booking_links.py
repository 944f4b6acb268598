"""The signed links in the confirmation email: cancel (METHOD:CANCEL, SEQUENCE+1) and reschedule
(same UID, SEQUENCE+1), and what a tampered, expired or stale link shows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client
from icalendar import Calendar

from leadline.activity.models import Activity, Kind
from leadline.core.models import Notification
from leadline.core.signing import make_token
from leadline.sales.meeting_selectors import (
    BOOKED_PURPOSE,
    CANCEL_PURPOSE,
    RESCHEDULE_PURPOSE,
    meeting_token,
)
from leadline.sales.models import MeetingState
from tests.sales.meeting_support import (
    TUESDAY_10AM,
    availability_for,
    book,
    invites_in,
    meeting_type_for,
    sent_to,
)


@pytest.fixture
def tuesday():
    with time_machine.travel(TUESDAY_10AM, tick=False) as traveller:
        yield traveller


@pytest.fixture
def meeting(sam, tuesday, django_capture_on_commit_callbacks):
    availability_for(sam)
    with django_capture_on_commit_callbacks(execute=True):
        booked = book(meeting_type_for(sam, slug="clarity-call"))
    return booked


def link(meeting, purpose: str) -> str:
    prefix = {CANCEL_PURPOSE: "cancel", RESCHEDULE_PURPOSE: "reschedule", BOOKED_PURPOSE: "booked"}[purpose]
    return f"/meet/{prefix}/{meeting_token(meeting, purpose)}/"


def event_of(message):
    [calendar] = invites_in(message)
    return calendar, calendar.walk("VEVENT")[0]


# --- Cancelling -----------------------------------------------------------------------------------


def test_the_cancel_link_asks_before_it_cancels(meeting):
    response = Client().get(link(meeting, CANCEL_PURPOSE))

    meeting.refresh_from_db()
    assert response.status_code == 200
    assert "Cancel this meeting?" in response.content.decode()
    assert meeting.state == MeetingState.CONFIRMED


def test_the_guest_cancels_with_the_link(meeting, sam, mailoutbox, django_capture_on_commit_callbacks):
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(link(meeting, CANCEL_PURPOSE), {"reason": "Something came up"})

    meeting.refresh_from_db()
    assert response.status_code == 200
    assert "Your meeting is cancelled" in response.content.decode()
    assert meeting.state == MeetingState.CANCELLED
    assert meeting.sequence == 1
    assert meeting.cancel_reason == "Something came up"
    calendar, event = event_of(sent_to("ada@example.org")[0])
    assert calendar["METHOD"] == "CANCEL"
    assert event["STATUS"] == "CANCELLED"
    assert event["SEQUENCE"] == 1
    assert str(event["UID"]) == f"meeting-{meeting.public_id}@127.0.0.1"
    assert len(sent_to(sam.email)) == 1
    entry = Activity.objects.get(kind=Kind.MEETING_CANCELLED)
    assert entry.contact == meeting.contact and entry.data["cancelled_by"] == "the guest"
    assert Notification.objects.filter(user=sam, kind="meeting.cancelled").exists()


def test_a_second_cancel_only_says_it_is_cancelled(meeting):
    Client().post(link(meeting, CANCEL_PURPOSE))

    again = Client().get(link(meeting, CANCEL_PURPOSE))
    posted = Client().post(link(meeting, CANCEL_PURPOSE))

    meeting.refresh_from_db()
    assert "already cancelled" in again.content.decode()
    assert posted.status_code == 400
    assert meeting.sequence == 1


def test_a_cancelled_time_can_be_booked_again(meeting):
    Client().post(link(meeting, CANCEL_PURPOSE))

    again = book(meeting.meeting_type, email="grace@example.org")

    assert again.starts_at == meeting.starts_at


def test_a_cancel_link_cannot_cancel_a_meeting_that_is_over(meeting, tuesday):
    tuesday.move_to(datetime(2026, 11, 26, 9, 0, tzinfo=UTC))

    response = Client().post(link(meeting, CANCEL_PURPOSE))

    meeting.refresh_from_db()
    assert meeting.state == MeetingState.CONFIRMED
    assert "already taken place" in response.content.decode()


# --- Rescheduling ---------------------------------------------------------------------------------


def test_the_reschedule_link_offers_other_times(meeting):
    response = Client().get(link(meeting, RESCHEDULE_PURPOSE))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Choose a new time" in html
    assert 'value="2026-11-25T15:00:00Z"' in html
    # Its own time is not taken by itself: a guest may pick a neighbouring slot.
    assert 'value="2026-11-25T14:30:00Z"' in html


def test_the_guest_moves_the_meeting(meeting, sam, mailoutbox, django_capture_on_commit_callbacks):
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(
            link(meeting, RESCHEDULE_PURPOSE), {"start": "2026-11-26T09:00:00Z", "time_zone": "Europe/London"}
        )

    meeting.refresh_from_db()
    assert response.status_code == 303
    assert "moved=1" in response["Location"]
    assert meeting.starts_at == datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
    assert meeting.sequence == 1
    assert meeting.remind_at == datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
    calendar, event = event_of(sent_to("ada@example.org")[0])
    assert calendar["METHOD"] == "REQUEST"
    assert event["SEQUENCE"] == 1
    assert str(event["UID"]) == f"meeting-{meeting.public_id}@127.0.0.1"
    assert event.decoded("DTSTART") == datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
    assert sent_to("ada@example.org")[0].subject.startswith("New time:")
    assert "has a new time" in Client().get(response["Location"]).content.decode()


def test_moving_keeps_the_other_bookings_safe(meeting, sam):
    book(meeting.meeting_type, start="2026-11-26T09:00:00Z", email="grace@example.org")

    response = Client().post(link(meeting, RESCHEDULE_PURPOSE), {"start": "2026-11-26T09:00:00Z"})

    meeting.refresh_from_db()
    assert response.status_code == 400
    assert "Someone has just booked this time" in response.content.decode()
    assert meeting.starts_at == datetime(2026, 11, 25, 14, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("start", "message"),
    [
        ("2026-11-25T14:00:00Z", "current time"),
        ("2026-11-25T20:00:00Z", "not one of the offered times"),
        ("yesterday", "Choose one of the offered times"),
        ("", "Choose a day and a time"),
    ],
)
def test_moving_to_a_time_that_cannot_be_booked_is_refused(meeting, start, message):
    response = Client().post(link(meeting, RESCHEDULE_PURPOSE), {"start": start})

    meeting.refresh_from_db()
    assert response.status_code == 400
    assert message in response.content.decode()
    assert meeting.sequence == 0


def test_a_cancelled_meeting_cannot_be_moved(meeting):
    Client().post(link(meeting, CANCEL_PURPOSE))

    page = Client().get(link(meeting, RESCHEDULE_PURPOSE))
    posted = Client().post(link(meeting, RESCHEDULE_PURPOSE), {"start": "2026-11-26T09:00:00Z"})

    assert "This meeting was cancelled" in page.content.decode()
    assert posted.status_code == 400


# --- Broken links ---------------------------------------------------------------------------------


@pytest.mark.parametrize("purpose", [CANCEL_PURPOSE, RESCHEDULE_PURPOSE, BOOKED_PURPOSE])
def test_a_tampered_link_shows_a_clear_page(meeting, purpose):
    url = link(meeting, purpose)
    tampered = url[:-4] + ("A" if url[-4] != "A" else "B") + url[-3:]

    response = Client().get(tampered)

    assert response.status_code == 400
    assert "This link does not work" in response.content.decode()


def test_a_link_made_for_another_purpose_does_not_work(meeting):
    token = meeting_token(meeting, RESCHEDULE_PURPOSE)

    response = Client().post(f"/meet/cancel/{token}/")

    meeting.refresh_from_db()
    assert response.status_code == 400
    assert meeting.state == MeetingState.CONFIRMED


@pytest.mark.parametrize(
    "token", ["not-a-token", "x" * 3000, "%3Cscript%3E", make_token({"m": "nope"}, purpose=CANCEL_PURPOSE)]
)
def test_garbage_links_never_fail(meeting, token):
    response = Client().post(f"/meet/cancel/{token}/")

    assert response.status_code in (400, 404)


def test_an_expired_link_says_so(meeting, tuesday):
    url = link(meeting, BOOKED_PURPOSE)
    tuesday.move_to(TUESDAY_10AM + timedelta(days=8))

    response = Client().get(url)

    assert response.status_code == 410
    assert "expired" in response.content.decode()


def test_a_link_to_a_deleted_meeting_says_so(meeting):
    url = link(meeting, CANCEL_PURPOSE)
    meeting.delete()

    response = Client().get(url)

    assert response.status_code == 400
    assert "no longer exists" in response.content.decode()


# --- The confirmation page ------------------------------------------------------------------------


def test_the_confirmation_page_offers_the_invite_for_download(meeting):
    response = Client().get(link(meeting, BOOKED_PURPOSE) + "invite.ics")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    assert calendar.walk("VEVENT")[0]["SEQUENCE"] == 0
