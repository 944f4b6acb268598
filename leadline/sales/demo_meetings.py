"""Demo meetings: weekly hours for the demo salespeople (in a few time zones), the round-robin
"Free 30-minute clarity call", a product demo per person, and some booked and past meetings.
Idempotent: runs once, marked in the audit log."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from leadline.accounts.models import Role, Team, User
from leadline.activity.models import Kind
from leadline.activity.services import activity_record
from leadline.contacts.models import Contact, LifecycleStage
from leadline.core.models import AuditEntry
from leadline.core.services import audit_record
from leadline.sales.meeting_selectors import open_slots
from leadline.sales.meeting_services import availability_for_user, meeting_book
from leadline.sales.models import Meeting, MeetingState, MeetingType
from leadline.sales.slots import format_start

MARKER_ACTION = "demo.meetings_seeded"
CLARITY_CALL_SLUG = "clarity-call"
ZONES = ["Europe/London", "Europe/Berlin", "America/New_York", "Europe/Amsterdam"]
CLARITY_CALL_DESCRIPTION = (
    "Thirty minutes to talk through where you are, where you want to be and whether we can help. "
    "No slides, no obligation."
)


def _salespeople() -> list[User]:
    return list(User.objects.filter(role=Role.SALES, is_active=True).order_by("email"))


def _hours(index: int) -> dict[str, list[list[str]]]:
    if index % 2:
        # A split day, to show that a day may have several ranges.
        return {str(day): [["09:00", "12:00"], ["13:00", "17:30"]] for day in range(5)}
    return {str(day): [["08:30", "16:30"]] for day in range(5)}


def seed_meetings_demo(echo: Callable[[str], object] = print) -> None:
    if AuditEntry.objects.filter(action=MARKER_ACTION).exists():
        return
    people = _salespeople()
    if not people:
        echo("No salespeople to book meetings with; skipped the meetings demo.")
        return
    team = Team.objects.filter(members__in=people).order_by("name").distinct().first()
    with transaction.atomic():
        for index, person in enumerate(people):
            availability = availability_for_user(user=person)
            availability.time_zone = ZONES[index % len(ZONES)]
            availability.weekly_hours = _hours(index)
            availability.buffer_after_minutes = 10
            availability.minimum_notice_minutes = 120
            availability.horizon_days = 30
            own, _created = MeetingType.objects.get_or_create(
                slug=f"demo-{person.first_name.lower() or person.pk}",
                defaults={
                    "name": f"45-minute product demo with {person.first_name or person.display_name}",
                    "description": "A guided tour of the product around your own use case, with time for questions.",
                    "duration_minutes": 45,
                    "location": f"https://meet.example.com/{person.first_name.lower() or person.pk}",
                    "host": person,
                    "reminder_minutes": 60,
                },
            )
            availability.default_meeting_type = own
            availability.save()
        clarity, _created = MeetingType.objects.get_or_create(
            slug=CLARITY_CALL_SLUG,
            defaults={
                "name": "Free 30-minute clarity call",
                "description": CLARITY_CALL_DESCRIPTION,
                "duration_minutes": 30,
                "location": "Video call — the link is in your invitation",
                "team": team,
                "host": None if team else people[0],
                "reminder_minutes": 60,
            },
        )
        booked = _book_upcoming(clarity)
        past = _past_meetings(clarity)
        audit_record(
            actor=None, action=MARKER_ACTION, summary="Demo meetings seeded", booked=booked, past=past
        )
    echo(f"Seeded meeting types for {len(people)} salespeople, {booked} upcoming and {past} past meetings.")


def _guests(count: int, offset: int = 0) -> list[Contact]:
    stages = [LifecycleStage.MQL, LifecycleStage.SQL, LifecycleStage.LEAD]
    return list(
        Contact.objects.filter(lifecycle_stage__in=stages, email__isnull=False)
        .exclude(email="")
        .order_by("-last_activity_at", "id")[offset : offset + count]
    )


def _book_upcoming(meeting_type: MeetingType, count: int = 6) -> int:
    """Bookings made through the real path, on times spread over the next days."""
    chooser = random.Random(6)
    slots = open_slots(meeting_type=meeting_type, days=10)
    booked = 0
    for contact in _guests(count):
        if not slots:
            break
        slot = slots.pop(chooser.randrange(len(slots)))
        try:
            meeting_book(
                meeting_type=meeting_type,
                start=format_start(slot.start),
                data={
                    "name": contact.display_name,
                    "email": contact.email,
                    "time_zone": contact.time_zone or "Europe/London",
                    "notes": chooser.choice(
                        ["", "", "We are comparing three tools this month.", "Budget approved."]
                    ),
                },
            )
        except ValidationError:
            continue
        booked += 1
    return booked


def _past_meetings(meeting_type: MeetingType, count: int = 4) -> int:
    """Meetings that already happened (one cancelled), written directly: the booking path only
    books the future."""
    hosts = (
        list(meeting_type.team.members.filter(is_active=True)) if meeting_type.team else [meeting_type.host]
    )
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    made = 0
    for index, contact in enumerate(_guests(count, offset=10)):
        host = hosts[index % len(hosts)]
        if host is None:
            continue
        starts_at = now - timedelta(days=2 + index * 3, hours=index)
        cancelled = index == 1
        meeting = Meeting.objects.create(
            meeting_type=meeting_type,
            host=host,
            contact=contact,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(minutes=meeting_type.duration_minutes),
            guest_name=contact.display_name,
            guest_email=contact.email or "",
            guest_time_zone=contact.time_zone or "UTC",
            state=MeetingState.CANCELLED if cancelled else MeetingState.CONFIRMED,
            sequence=1 if cancelled else 0,
            cancelled_at=starts_at - timedelta(days=1) if cancelled else None,
        )
        activity_record(
            kind=Kind.MEETING_BOOKED,
            contact=contact,
            occurred_at=starts_at - timedelta(days=3),
            title=f"Booked {meeting_type.name} with {host.display_name}",
            data={"via": "booking", "meeting": str(meeting.public_id), "starts_at": starts_at.isoformat()},
        )
        made += 1
    return made
