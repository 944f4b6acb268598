"""iCalendar (RFC 5545 / iTIP RFC 5546) invites for booked meetings, built with `icalendar`.

One meeting is one event for its whole life: the UID never changes, and every change (a new time, a
cancellation) raises SEQUENCE so calendar programs replace the copy they hold instead of adding one.
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress, vText

from leadline.sales.models import Meeting, MeetingState

PRODUCT_ID = "-//Leadline//Meetings//EN"
REQUEST = "REQUEST"
CANCEL = "CANCEL"


def invite_uid(meeting: Meeting) -> str:
    host = urlsplit(settings.BASE_URL).hostname or "leadline.local"
    return f"meeting-{meeting.public_id}@{host}"


def _address(email: str, name: str, **params: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    if name:
        address.params["CN"] = vText(name[:200])
    for key, value in params.items():
        address.params[key.replace("_", "-").upper()] = value
    return address


def _description(meeting: Meeting, *, reschedule_url: str, cancel_url: str) -> str:
    lines = [f"{meeting.meeting_type.name} with {meeting.host.display_name}."]
    if meeting.meeting_type.location:
        lines.append(f"Where: {meeting.meeting_type.location}")
    if meeting.guest_notes:
        lines += ["", f"Notes from {meeting.guest_name}:", meeting.guest_notes]
    if meeting.state == MeetingState.CONFIRMED:
        lines += ["", f"Need another time? {reschedule_url}", f"Cannot make it? {cancel_url}"]
    return "\n".join(lines)


def invite_ics(
    *,
    meeting: Meeting,
    reschedule_url: str,
    cancel_url: str,
    method: str | None = None,
    now: datetime | None = None,
) -> bytes:
    """The invite as it stands: METHOD:REQUEST while the meeting is on, METHOD:CANCEL once it is
    cancelled. DTSTART/DTEND in UTC, so no VTIMEZONE is needed."""
    method = method or (CANCEL if meeting.state == MeetingState.CANCELLED else REQUEST)
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)

    event = Event()
    event.add("uid", invite_uid(meeting))
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", (now or timezone.now()).astimezone(UTC))
    event.add("dtstart", meeting.starts_at.astimezone(UTC))
    event.add("dtend", meeting.ends_at.astimezone(UTC))
    event.add("summary", f"{meeting.meeting_type.name}: {meeting.guest_name} and {meeting.host.display_name}")
    event.add("description", _description(meeting, reschedule_url=reschedule_url, cancel_url=cancel_url))
    if meeting.meeting_type.location:
        event.add("location", meeting.meeting_type.location)
    event.add("status", "CANCELLED" if method == CANCEL else "CONFIRMED")
    event.add("transp", "OPAQUE")
    event.add("organizer", _address(meeting.host.email, meeting.host.display_name))
    event.add(
        "attendee",
        _address(
            meeting.guest_email,
            meeting.guest_name,
            role="REQ-PARTICIPANT",
            partstat="DECLINED" if method == CANCEL else "ACCEPTED",
            rsvp="FALSE",
        ),
    )
    if method == REQUEST:
        event.add("url", reschedule_url)
    calendar.add_component(event)
    return calendar.to_ical()
