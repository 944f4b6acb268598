"""The iCalendar invite is valid RFC 5545 and says what iTIP (RFC 5546) clients need: one UID for
the meeting's life, SEQUENCE raised by changes, UTC times, organizer and attendee."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from icalendar import Calendar

from leadline.sales.calendar_invites import invite_ics
from leadline.sales.models import Meeting, MeetingState
from tests.factories import UserFactory
from tests.sales.meeting_support import meeting_type_for

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


@pytest.fixture
def meeting(db):
    host = UserFactory(email="sam@leadline.test", first_name="Sam", last_name="Seller")
    meeting_type = meeting_type_for(host, location="https://meet.example.com/sam", name="Clarity call")
    return Meeting.objects.create(
        meeting_type=meeting_type,
        host=host,
        starts_at=datetime(2026, 11, 25, 14, 0, tzinfo=UTC),
        ends_at=datetime(2026, 11, 25, 14, 30, tzinfo=UTC),
        guest_name="Ada Lovelace",
        guest_email="ada@example.org",
        guest_notes="Line one\nLine two; with, commas",
    )


def ics(meeting: Meeting) -> bytes:
    return invite_ics(
        meeting=meeting,
        reschedule_url="https://leadline.test/meet/reschedule/abc/",
        cancel_url="https://leadline.test/meet/cancel/abc/",
        now=NOW,
    )


def event(data: bytes):
    return Calendar.from_ical(data).walk("VEVENT")[0]


def test_it_is_a_request_with_every_required_property(meeting):
    data = ics(meeting)
    calendar = Calendar.from_ical(data)
    item = calendar.walk("VEVENT")[0]

    assert calendar["VERSION"] == "2.0"
    assert calendar["PRODID"] == "-//Leadline//Meetings//EN"
    assert calendar["METHOD"] == "REQUEST"
    assert str(item["UID"]) == f"meeting-{meeting.public_id}@127.0.0.1"
    assert item["SEQUENCE"] == 0
    assert item.decoded("DTSTAMP") == NOW
    assert item["STATUS"] == "CONFIRMED"
    assert str(item["LOCATION"]) == "https://meet.example.com/sam"
    assert str(item["SUMMARY"]) == "Clarity call: Ada Lovelace and Sam Seller"


def test_it_gives_times_in_utc(meeting):
    data = ics(meeting).decode()

    assert "DTSTART:20261125T140000Z\r\n" in data
    assert "DTEND:20261125T143000Z\r\n" in data
    assert "VTIMEZONE" not in data


def test_it_names_the_organizer_and_the_attendee(meeting):
    item = event(ics(meeting))

    assert str(item["ORGANIZER"]) == "mailto:sam@leadline.test"
    assert item["ORGANIZER"].params["CN"] == "Sam Seller"
    assert str(item["ATTENDEE"]) == "mailto:ada@example.org"
    assert item["ATTENDEE"].params["CN"] == "Ada Lovelace"
    assert item["ATTENDEE"].params["PARTSTAT"] == "ACCEPTED"


def test_its_description_has_the_links_and_the_guests_notes(meeting):
    description = str(event(ics(meeting))["DESCRIPTION"])

    assert "https://leadline.test/meet/reschedule/abc/" in description
    assert "https://leadline.test/meet/cancel/abc/" in description
    assert "Line one\nLine two; with, commas" in description


def test_it_follows_the_line_rules_of_rfc_5545(meeting):
    meeting.guest_notes = "Ünïcödé " * 40
    data = ics(meeting)

    assert data.endswith(b"\r\n")
    lines = data.split(b"\r\n")[:-1]
    assert all(len(line) <= 75 for line in lines)
    assert not any(b"\n" in line or b"\r" in line for line in lines)
    assert lines[0] == b"BEGIN:VCALENDAR" and lines[-1] == b"END:VCALENDAR"


@pytest.mark.parametrize(
    "hostile",
    [
        'Ada "the Countess"; Lovelace, Esq.',
        "Ada\r\nATTENDEE:mailto:evil@example.org",
        "<script>alert(1)</script>",
        '=HYPERLINK("http://evil")',
    ],
)
def test_it_keeps_hostile_names_inside_their_property(meeting, hostile):
    meeting.guest_name = hostile
    meeting.guest_notes = hostile

    item = event(ics(meeting))

    assert [str(attendee) for attendee in [item["ATTENDEE"]]] == ["mailto:ada@example.org"]
    assert item["ATTENDEE"].params["CN"].replace("\r\n", "\n") in (hostile, hostile.replace("\r\n", "\n"))


def test_a_cancellation_raises_the_sequence_and_says_cancel(meeting):
    meeting.state = MeetingState.CANCELLED
    meeting.sequence = 1

    calendar = Calendar.from_ical(ics(meeting))
    item = calendar.walk("VEVENT")[0]

    assert calendar["METHOD"] == "CANCEL"
    assert item["STATUS"] == "CANCELLED"
    assert item["SEQUENCE"] == 1
    assert "meet/cancel" not in str(item["DESCRIPTION"])
