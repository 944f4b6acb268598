"""Helpers for meeting tests: availability, meeting types, bookings and reading invites back."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.core import mail
from icalendar import Calendar

from leadline.accounts.models import User
from leadline.sales.meeting_services import meeting_book
from leadline.sales.models import Availability, Meeting, MeetingType
from tests.sales.factories import MeetingTypeFactory

# A Tuesday morning (as in tests/sales/conftest.py): the default hours are 09:00–17:00 on weekdays.
TUESDAY_10AM = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
WEDNESDAY_2PM = "2026-11-25T14:00:00Z"
WEDNESDAY_3PM = "2026-11-25T15:00:00Z"
NINE_TO_FIVE = {str(day): [["09:00", "17:00"]] for day in range(5)}


def availability_for(user: User, **fields: Any) -> Availability:
    values = {
        "time_zone": "UTC",
        "weekly_hours": NINE_TO_FIVE,
        "buffer_before_minutes": 0,
        "buffer_after_minutes": 0,
        "minimum_notice_minutes": 60,
        "horizon_days": 30,
        **fields,
    }
    availability, _created = Availability.objects.update_or_create(user=user, defaults=values)
    return availability


def meeting_type_for(host: User | None = None, **fields: Any) -> MeetingType:
    return MeetingTypeFactory(host=host, **fields)


def guest(**fields: Any) -> dict[str, Any]:
    return {
        "name": "Ada Lovelace",
        "email": "ada@example.org",
        "time_zone": "Europe/London",
        "notes": "",
        **fields,
    }


def book(meeting_type: MeetingType, start: str = WEDNESDAY_2PM, **fields: Any) -> Meeting:
    visitor_id = fields.pop("visitor_id", None)
    return meeting_book(meeting_type=meeting_type, start=start, data=guest(**fields), visitor_id=visitor_id)


def invites_in(message: Any) -> list[Calendar]:
    """The iCalendar attachments of an email, parsed back (which fails on an invalid one)."""
    calendars = []
    for attachment in message.attachments:
        _name, content, mimetype = attachment
        if mimetype.startswith("text/calendar"):
            data = content.encode() if isinstance(content, str) else content
            calendars.append(Calendar.from_ical(data))
    return calendars


def sent_to(address: str) -> list[Any]:
    return [message for message in mail.outbox if address in message.to]
