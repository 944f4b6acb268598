"""Writes of meetings: availability and meeting types, and booking, cancelling and rescheduling.

Booking never double-books a person. Inside one transaction it locks the host's availability row
(`select_for_update`; on SQLite the IMMEDIATE transaction serialises writers the same way), checks
the slot again against the meetings committed so far (overlaps of any length, buffers included),
and only then writes. The partial unique constraint on (host, start) of confirmed meetings is the
last line should anything slip past.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from leadline.accounts.models import Team, User
from leadline.activity.models import Kind
from leadline.activity.services import activity_record
from leadline.contacts.models import Contact, LifecycleStage, Source
from leadline.contacts.services import contact_advance_stage, contact_upsert, normalize_email
from leadline.core.notifications import notify
from leadline.core.services import audit_record
from leadline.sales import meeting_emails
from leadline.sales.handoff_services import handoff_record_touch
from leadline.sales.meeting_selectors import (
    BUSY_MARGIN,
    busy_intervals,
    fair_order,
    host_rules,
    meeting_hosts,
)
from leadline.sales.models import Availability, Meeting, MeetingState, MeetingType
from leadline.sales.slots import (
    MAX_DURATION_MINUTES,
    SlotProblem,
    clean_time_zone,
    clean_weekly_hours,
    parse_start,
    slot_problem,
    weekly_hours_for_storage,
)
from leadline.tracking.stitching import visitor_first_touch, visitor_identify

logger = logging.getLogger(__name__)

SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,78}[a-z0-9])?$")
# Second path segments of the public pages; a meeting type may not take one of them as its address.
RESERVED_SLUGS = {"booked", "cancel", "reschedule", "invite", "static"}
NAME_MAX = 200
NOTES_MAX = 2000
NO_ONE_AVAILABLE = "Nobody is available for this meeting right now. Please try again later."


def _problem(field: str, message: str) -> ValidationError:
    return ValidationError({field: message})


def _whole_number(value: Any, *, field: str, low: int, high: int, label: str) -> int:
    if isinstance(value, bool):
        raise _problem(field, f"{label} must be a whole number.")
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise _problem(field, f"{label} must be a whole number.") from None
    if not low <= number <= high:
        raise _problem(field, f"{label} must be between {low} and {high}.")
    return number


# --- Availability ---------------------------------------------------------------------------------


def availability_for_user(*, user: User) -> Availability:
    """The person's availability, created with the defaults (weekdays 9–17 in their own zone)."""
    availability, _created = Availability.objects.get_or_create(
        user=user, defaults={"time_zone": user.time_zone or "UTC"}
    )
    return availability


AVAILABILITY_LIMITS = {
    "buffer_before_minutes": (0, 240, "The buffer before"),
    "buffer_after_minutes": (0, 240, "The buffer after"),
    "minimum_notice_minutes": (0, 60 * 24 * 30, "The minimum notice"),
    "horizon_days": (1, 365, "The booking horizon"),
}


def availability_update(*, availability: Availability, actor: User, data: Mapping[str, Any]) -> Availability:
    """Change a person's availability (their own, or anyone's for an admin)."""
    if not (actor.is_admin or availability.user_id == actor.pk):
        raise PermissionDenied("Only admins change other people's availability.")
    allowed = {"time_zone", "weekly_hours", "default_meeting_type", *AVAILABILITY_LIMITS}
    unknown = sorted(str(key) for key in data if key not in allowed)
    if unknown:
        raise ValidationError({"__all__": f"Unknown setting(s): {', '.join(unknown)[:200]}"})
    errors: dict[str, list[str]] = {}
    changes: dict[str, Any] = {}
    for field, value in data.items():
        try:
            if field == "time_zone":
                clean_time_zone(value)
                changes[field] = value
            elif field == "weekly_hours":
                changes[field] = weekly_hours_for_storage(clean_weekly_hours(value))
            elif field == "default_meeting_type":
                changes[field] = _clean_default_type(value, availability.user)
            else:
                low, high, label = AVAILABILITY_LIMITS[field]
                changes[field] = _whole_number(value, field=field, low=low, high=high, label=label)
        except ValueError as error:
            errors.setdefault(field, []).append(str(error))
        except ValidationError as error:
            for message in error.messages:
                errors.setdefault(field, []).append(message)
    if errors:
        raise ValidationError(errors)
    for field, value in changes.items():
        setattr(availability, field, value)
    if availability._state.adding:
        try:
            with transaction.atomic():
                availability.save()
        except IntegrityError:
            # Saved meanwhile (another tab, the API): change the stored row instead.
            stored = Availability.objects.get(user_id=availability.user_id)
            return availability_update(availability=stored, actor=actor, data=data)
    elif changes:
        availability.save(update_fields=[*changes, "updated_at"])
    return availability


def _clean_default_type(value: Any, user: User) -> MeetingType | None:
    if value in (None, ""):
        return None
    if not isinstance(value, MeetingType):
        raise ValidationError("Choose one of the meeting types.")
    if not value.is_active:
        raise ValidationError("Choose an active meeting type.")
    if value.host_id not in (None, user.pk) or (
        value.team_id is not None and not user.teams.filter(pk=value.team_id).exists()
    ):
        raise ValidationError("Choose a meeting type this person hosts, or one of their team's.")
    return value


# --- Meeting types --------------------------------------------------------------------------------

MEETING_TYPE_FIELDS = {
    "name", "slug", "description", "duration_minutes", "location", "host", "team", "reminder_minutes",
    "is_active",
}  # fmt: skip


def _clean_meeting_type(
    *, actor: User, data: Mapping[str, Any], meeting_type: MeetingType | None
) -> dict[str, Any]:
    unknown = sorted(str(key) for key in data if key not in MEETING_TYPE_FIELDS)
    if unknown:
        raise ValidationError({"__all__": f"Unknown field(s): {', '.join(unknown)[:200]}"})
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    for field in ("name", "slug", "description", "location"):
        if field in data:
            value = data[field]
            if value is not None and not isinstance(value, str):
                errors[field] = "Must be text."
                continue
            cleaned[field] = (value or "").replace("\r\n", "\n").strip()
    if "name" in cleaned or meeting_type is None:
        name = cleaned.get("name", "")
        if not name:
            errors["name"] = "Give the meeting a name, e.g. Free 30-minute clarity call."
        elif len(name) > 120:
            errors["name"] = "At most 120 characters."
    if "slug" in cleaned or meeting_type is None:
        slug = cleaned.get("slug", "").lower()
        cleaned["slug"] = slug
        if not SLUG_PATTERN.match(slug):
            errors["slug"] = "Use lower-case letters, digits and hyphens, e.g. clarity-call."
        elif slug in RESERVED_SLUGS:
            errors["slug"] = f"“{slug}” is reserved; choose another address."
        elif (
            MeetingType.objects.filter(slug=slug).exclude(pk=meeting_type.pk if meeting_type else 0).exists()
        ):
            errors["slug"] = "Another meeting type already uses this address."
    if len(cleaned.get("description", "")) > 2000:
        errors["description"] = "At most 2,000 characters."
    if len(cleaned.get("location", "")) > 300:
        errors["location"] = "At most 300 characters."
    for field, low, high, label in (
        ("duration_minutes", 5, MAX_DURATION_MINUTES, "The length"),
        ("reminder_minutes", 0, 60 * 24 * 7, "The reminder"),
    ):
        if field in data:
            try:
                cleaned[field] = _whole_number(data[field], field=field, low=low, high=high, label=label)
            except ValidationError as error:
                errors[field] = error.messages[0]
    if "is_active" in data:
        if not isinstance(data["is_active"], bool):
            errors["is_active"] = "Must be true or false."
        else:
            cleaned["is_active"] = data["is_active"]
    host = data.get("host", meeting_type.host if meeting_type else None)
    team = data.get("team", meeting_type.team if meeting_type else None)
    if "host" in data or "team" in data or meeting_type is None:
        if host is None and team is None and meeting_type is None:
            host = actor  # a new meeting type is hosted by whoever creates it, unless they say otherwise
        if (host is None) == (team is None):
            errors["host"] = "Choose either one host or a round-robin team."
        elif host is not None and (not isinstance(host, User) or not host.is_active):
            errors["host"] = "Choose an active person as the host."
        elif team is not None and not isinstance(team, Team):
            errors["team"] = "Choose one of the teams."
        elif not actor.is_admin and (team is not None or host != actor):
            errors["host"] = "You can only create meetings you host yourself; an admin sets up team meetings."
        else:
            cleaned["host"], cleaned["team"] = host, team
    if errors:
        raise ValidationError(errors)
    return cleaned


def meeting_type_create(*, actor: User, data: Mapping[str, Any]) -> MeetingType:
    cleaned = _clean_meeting_type(actor=actor, data=data, meeting_type=None)
    try:
        with transaction.atomic():
            meeting_type = MeetingType.objects.create(**cleaned)
            audit_record(
                actor=actor, action="meeting_type.created", target=meeting_type, summary=meeting_type.name
            )
    except IntegrityError:
        raise ValidationError({"slug": "Another meeting type already uses this address."}) from None
    if meeting_type.host_id is not None:
        availability_for_user(user=meeting_type.host)  # type: ignore[arg-type]
    return meeting_type


def meeting_type_update(*, meeting_type: MeetingType, actor: User, data: Mapping[str, Any]) -> MeetingType:
    if not (actor.is_admin or meeting_type.host_id == actor.pk):
        raise PermissionDenied("Only the host or an admin can change this meeting type.")
    cleaned = _clean_meeting_type(actor=actor, data=data, meeting_type=meeting_type)
    for field, value in cleaned.items():
        setattr(meeting_type, field, value)
    try:
        with transaction.atomic():
            meeting_type.save(update_fields=[*cleaned, "updated_at"])
    except IntegrityError:
        raise ValidationError({"slug": "Another meeting type already uses this address."}) from None
    return meeting_type


# --- Booking --------------------------------------------------------------------------------------


def _clean_guest(data: Mapping[str, Any]) -> dict[str, str]:
    errors: dict[str, str] = {}

    def text(field: str) -> str:
        value = data.get(field)
        if value is None:
            return ""
        if not isinstance(value, str):
            errors[field] = "Must be text."
            return ""
        return value.replace("\r\n", "\n").strip()

    name = " ".join(text("name").split())
    email = text("email")
    notes = text("notes")
    if "name" in errors:
        pass
    elif not name:
        errors["name"] = "Tell us your name."
    elif len(name) > NAME_MAX:
        errors["name"] = f"At most {NAME_MAX} characters."
    normalized = normalize_email(email) if email else None
    if "email" in errors:
        pass
    elif not email:
        errors["email"] = "Enter your email address so we can send you the invitation."
    else:
        try:
            validate_email(email)
            if normalized is None or len(normalized) > 254:
                raise ValidationError("bad")
        except ValidationError:
            errors["email"] = "Enter a valid email address, e.g. name@example.com."
    if len(notes) > NOTES_MAX:
        errors["notes"] = f"At most {NOTES_MAX} characters."
    zone = data.get("time_zone") or "UTC"
    try:
        clean_time_zone(zone)
    except ValueError:
        zone = "UTC"
    if errors:
        raise ValidationError(errors)
    return {"name": name, "email": normalized or "", "notes": notes, "time_zone": zone}


def _reason(problems: list[str]) -> str:
    if not problems:
        return NO_ONE_AVAILABLE
    if SlotProblem.TAKEN in problems:
        return SlotProblem.MESSAGES[SlotProblem.TAKEN]
    return SlotProblem.MESSAGES[problems[0]]


def _slot_check(
    host: User, meeting_type: MeetingType, start: datetime, now: datetime, exclude: Meeting | None
) -> str | None:
    duration = timedelta(minutes=meeting_type.duration_minutes)
    busy = busy_intervals([host.pk], start - BUSY_MARGIN, start + duration + BUSY_MARGIN, exclude=exclude)
    return slot_problem(
        rules=host_rules(host.availability),
        duration=duration,
        meetings=busy.get(host.pk, []),
        now=now,
        start=start,
    )


def _remind_at(meeting_type: MeetingType, starts_at: datetime, now: datetime) -> datetime | None:
    if not meeting_type.reminder_minutes:
        return None
    remind_at = starts_at - timedelta(minutes=meeting_type.reminder_minutes)
    # Booked closer to the meeting than the reminder lead: the confirmation is the reminder.
    return remind_at if remind_at > now else None


def _split_name(name: str) -> tuple[str, str]:
    first, _, last = name.partition(" ")
    return first[:150], last[:150]


def _guest_contact(
    *, guest: dict[str, str], host: User, meeting_type: MeetingType, visitor_id: Any
) -> tuple[Contact, bool]:
    first_name, last_name = _split_name(guest["name"])
    data: dict[str, Any] = {
        "email": guest["email"],
        "first_name": first_name,
        "last_name": last_name,
        "time_zone": guest["time_zone"],
        "owner": host,
        "lifecycle_stage": LifecycleStage.LEAD,
    }
    if not Contact.objects.filter(email=guest["email"]).exists():
        # A new person's first touch: the browser's first visit, else this booking page. A known
        # contact keeps the source they came by.
        first = visitor_first_touch(visitor_id=visitor_id) if visitor_id else None
        data["original_source"] = first.source if first else Source.DIRECT
        data["original_source_detail"] = (first.detail if first else f"Booking: {meeting_type.name}")[:255]
    contact, created = contact_upsert(actor=None, data=data, via="meeting", fill_only=True)
    contact_advance_stage(contact=contact, stage=LifecycleStage.LEAD, actor=None, via="meeting")
    if visitor_id:
        # As for a form: the person just said who they are, so their visits join the timeline now.
        visitor_identify(visitor_id=visitor_id, contact=contact, contact_created=created)
    return contact, created


def _book_with(
    *, host: User, meeting_type: MeetingType, start: datetime, guest: dict[str, str], now: datetime,
    visitor_id: Any, page_url: str,
) -> Meeting | str:  # fmt: skip
    """The meeting, or the SlotProblem code when the host is no longer free at `start`."""
    duration = timedelta(minutes=meeting_type.duration_minutes)
    try:
        with transaction.atomic():
            # The lock: a second booking of this person waits here until the first has committed.
            locked = Availability.objects.select_for_update().get(user_id=host.pk)
            host.availability = locked
            problem = _slot_check(host, meeting_type, start, now, exclude=None)
            if problem is not None:
                return problem
            contact, _created = _guest_contact(
                guest=guest, host=host, meeting_type=meeting_type, visitor_id=visitor_id
            )
            meeting = Meeting.objects.create(
                meeting_type=meeting_type,
                host=host,
                contact=contact,
                starts_at=start,
                ends_at=start + duration,
                guest_name=guest["name"],
                guest_email=guest["email"],
                guest_time_zone=guest["time_zone"],
                guest_notes=guest["notes"],
                remind_at=_remind_at(meeting_type, start, now),
            )
            _record_booked(
                meeting=meeting, contact=contact, now=now, visitor_id=visitor_id, page_url=page_url
            )
            meeting_emails.emails_schedule(meeting=meeting, event=meeting_emails.BOOKED)
            return meeting
    except IntegrityError:
        # The unique constraint caught a booking that committed between our check and our write.
        return SlotProblem.TAKEN


def _record_booked(
    *, meeting: Meeting, contact: Contact, now: datetime, visitor_id: Any, page_url: str
) -> None:
    host = meeting.host
    activity_record(
        kind=Kind.MEETING_BOOKED,
        contact=contact,
        occurred_at=now,
        title=f"Booked {meeting.meeting_type.name} with {host.display_name}",
        url=page_url[:2000],
        visitor_id=visitor_id or None,
        data={
            "via": "booking",
            "meeting": str(meeting.public_id),
            "meeting_type": meeting.meeting_type.name,
            "host": host.display_name,
            "starts_at": meeting.starts_at.isoformat(),
            "ends_at": meeting.ends_at.isoformat(),
        },
    )
    handoff_record_touch(contact=contact, at=now)
    notify(
        user=host,
        kind="meeting.booked",
        title=f"{meeting.guest_name} booked {meeting.meeting_type.name}",
        body=f"{meeting.starts_at:%Y-%m-%d %H:%M} UTC · {meeting.guest_email}",
        url=f"/contacts/{contact.public_id}/",
        key=f"meeting.booked.{meeting.public_id}",
    )


def meeting_book(
    *,
    meeting_type: MeetingType,
    start: Any,
    data: Mapping[str, Any],
    visitor_id: Any = None,
    page_url: str = "",
    now: datetime | None = None,
) -> Meeting:
    """Book `meeting_type` at `start` for the guest in `data` (name, email, notes, time_zone).

    With a round-robin team, the fairest member free at that time hosts it. Raises ValidationError
    keyed by field ("start" for a time that cannot be booked)."""
    from leadline.core.access import parse_public_id

    guest = _clean_guest(data)
    moment = parse_start(start)
    if moment is None:
        raise _problem("start", "Choose one of the offered times.")
    if not meeting_type.is_active:
        raise _problem("start", "This meeting type is not taking bookings.")
    now = now or timezone.now()
    visitor = parse_public_id(visitor_id) if visitor_id else None
    hosts = meeting_hosts(meeting_type)
    problems: list[str] = []
    free: list[int] = []
    for host in hosts:
        problem = _slot_check(host, meeting_type, moment, now, exclude=None)
        if problem is None:
            free.append(host.pk)
        else:
            problems.append(problem)
    by_id = {host.pk: host for host in hosts}
    for candidate in fair_order(free, now=now) if len(free) > 1 else [by_id[pk] for pk in free]:
        host = by_id[candidate.pk]
        outcome = _book_with(
            host=host,
            meeting_type=meeting_type,
            start=moment,
            guest=guest,
            now=now,
            visitor_id=visitor,
            page_url=page_url,
        )
        if isinstance(outcome, Meeting):
            return outcome
        problems.append(outcome)
    raise _problem("start", _reason(problems))


# --- Cancelling and rescheduling ------------------------------------------------------------------


def meeting_cancel(
    *, meeting: Meeting, actor: User | None, reason: Any = "", now: datetime | None = None
) -> Meeting:
    """Cancel a confirmed meeting (by its host or an admin, or by the guest through their link when
    `actor` is None). The invite goes out again as METHOD:CANCEL with the next SEQUENCE."""
    if actor is not None and not (actor.is_admin or meeting.host_id == actor.pk):
        raise PermissionDenied("Only the host or an admin can cancel this meeting.")
    if reason is not None and not isinstance(reason, str):
        raise _problem("reason", "Must be text.")
    reason = " ".join((reason or "").split())
    if len(reason) > 300:
        raise _problem("reason", "At most 300 characters.")
    now = now or timezone.now()
    with transaction.atomic():
        locked = (
            Meeting.objects.select_for_update(of=("self",))
            .select_related("meeting_type", "host")
            .get(pk=meeting.pk)
        )
        if locked.state != MeetingState.CONFIRMED:
            raise _problem("__all__", "This meeting has already been cancelled.")
        if locked.ends_at <= now:
            raise _problem("__all__", "This meeting has already taken place.")
        locked.state = MeetingState.CANCELLED
        locked.cancelled_at = now
        locked.cancel_reason = reason
        locked.sequence += 1
        locked.save(update_fields=["state", "cancelled_at", "cancel_reason", "sequence", "updated_at"])
        who = "the guest" if actor is None else actor.display_name
        if locked.contact_id is not None:
            activity_record(
                kind=Kind.MEETING_CANCELLED,
                contact=locked.contact,
                actor=actor,
                occurred_at=now,
                title=f"Cancelled {locked.meeting_type.name} with {locked.host.display_name}",
                data={
                    "via": "booking",
                    "meeting": str(locked.public_id),
                    "starts_at": locked.starts_at.isoformat(),
                    "cancelled_by": who,
                    "reason": reason,
                },
            )
        if actor is None or actor.pk != locked.host_id:
            notify(
                user=locked.host,
                kind="meeting.cancelled",
                title=f"{locked.guest_name} cancelled {locked.meeting_type.name}",
                body=f"Was {locked.starts_at:%Y-%m-%d %H:%M} UTC" + (f" · “{reason}”" if reason else ""),
                url="/meetings/",
                key=f"meeting.cancelled.{locked.public_id}",
            )
        meeting_emails.emails_schedule(meeting=locked, event=meeting_emails.CANCELLED)
    meeting.refresh_from_db()
    return meeting


def meeting_reschedule(*, meeting: Meeting, start: Any, now: datetime | None = None) -> Meeting:
    """Move a confirmed meeting to another free time of the same host. Same invite UID, next
    SEQUENCE; the reminder is due again for the new time."""
    moment = parse_start(start)
    if moment is None:
        raise _problem("start", "Choose one of the offered times.")
    now = now or timezone.now()
    with transaction.atomic():
        Availability.objects.select_for_update().filter(user_id=meeting.host_id).first()
        locked = (
            Meeting.objects.select_for_update(of=("self",))
            .select_related("meeting_type", "host", "host__availability", "contact")
            .get(pk=meeting.pk)
        )
        if locked.state != MeetingState.CONFIRMED:
            raise _problem("__all__", "This meeting has been cancelled; book a new one instead.")
        if locked.ends_at <= now:
            raise _problem("__all__", "This meeting has already taken place.")
        if moment == locked.starts_at:
            raise _problem("start", "This is the meeting's current time. Choose another.")
        if not hasattr(locked.host, "availability"):
            raise _problem("start", NO_ONE_AVAILABLE)
        problem = _slot_check(locked.host, locked.meeting_type, moment, now, exclude=locked)
        if problem is not None:
            raise _problem("start", SlotProblem.MESSAGES[problem])
        previous = locked.starts_at
        locked.starts_at = moment
        locked.ends_at = moment + timedelta(minutes=locked.meeting_type.duration_minutes)
        locked.sequence += 1
        locked.remind_at = _remind_at(locked.meeting_type, moment, now)
        locked.reminded_at = None
        try:
            with transaction.atomic():
                locked.save(
                    update_fields=[
                        "starts_at",
                        "ends_at",
                        "sequence",
                        "remind_at",
                        "reminded_at",
                        "updated_at",
                    ]
                )
        except IntegrityError:
            raise _problem("start", SlotProblem.MESSAGES[SlotProblem.TAKEN]) from None
        if locked.contact_id is not None:
            activity_record(
                kind=Kind.MEETING_BOOKED,
                contact=locked.contact,
                occurred_at=now,
                title=f"Moved {locked.meeting_type.name} with {locked.host.display_name}",
                data={
                    "via": "booking",
                    "meeting": str(locked.public_id),
                    "rescheduled": True,
                    "previous_starts_at": previous.isoformat(),
                    "starts_at": moment.isoformat(),
                    "ends_at": locked.ends_at.isoformat(),
                },
            )
        notify(
            user=locked.host,
            kind="meeting.rescheduled",
            title=f"{locked.guest_name} moved {locked.meeting_type.name}",
            body=f"Now {moment:%Y-%m-%d %H:%M} UTC (was {previous:%Y-%m-%d %H:%M} UTC)",
            url="/meetings/",
            key=f"meeting.rescheduled.{locked.public_id}.{locked.sequence}",
        )
        meeting_emails.emails_schedule(meeting=locked, event=meeting_emails.RESCHEDULED)
    meeting.refresh_from_db()
    return meeting


# --- Reminders ------------------------------------------------------------------------------------


def meetings_remind_due(*, now: datetime | None = None, limit: int = 200) -> int:
    """Claim the meetings whose reminder is due and schedule one reminder email each. The claim
    (`reminded_at` set where it was empty) makes it once per meeting time, however often it runs."""
    now = now or timezone.now()
    due = list(
        Meeting.objects.filter(
            state=MeetingState.CONFIRMED, reminded_at__isnull=True, remind_at__lte=now, starts_at__gt=now
        )
        .select_related("meeting_type", "host")
        .order_by("remind_at", "id")[:limit]
    )
    sent = 0
    for meeting in due:
        with transaction.atomic():
            claimed = Meeting.objects.filter(
                pk=meeting.pk,
                state=MeetingState.CONFIRMED,
                reminded_at__isnull=True,
                sequence=meeting.sequence,
            ).update(reminded_at=now)
            if claimed:
                meeting_emails.emails_schedule(meeting=meeting, event=meeting_emails.REMINDER)
                sent += 1
    return sent
