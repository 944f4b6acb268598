"""Reads of meetings: who can be booked for a meeting type and when, the lists of meetings, the
signed links in emails, and the booking link that instant replies offer."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, F, Max, Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from leadline.accounts.models import User
from leadline.core.access import parse_public_id
from leadline.core.signing import BadToken, make_token, read_token
from leadline.sales.models import Availability, Meeting, MeetingState, MeetingType
from leadline.sales.slots import HostRules, Interval, clean_time_zone, clean_weekly_hours, free_slots

CANCEL_PURPOSE = "sales.meeting.cancel"
RESCHEDULE_PURPOSE = "sales.meeting.reschedule"
BOOKED_PURPOSE = "sales.meeting.booked"
# Links in confirmation emails must work until the meeting; a year covers any horizon.
LINK_MAX_AGE = {CANCEL_PURPOSE: timedelta(days=400), RESCHEDULE_PURPOSE: timedelta(days=400)}
LINK_MAX_AGE[BOOKED_PURPOSE] = timedelta(days=7)
PUBLIC_DAYS = 21


# --- Rules of one person --------------------------------------------------------------------------


def host_rules(availability: Availability) -> HostRules:
    """The stored availability as slot rules. Broken stored values count as "not bookable" rather
    than failing the public page."""
    try:
        zone = clean_time_zone(availability.time_zone)
        hours = clean_weekly_hours(availability.weekly_hours)
    except ValueError:
        zone, hours = ZoneInfo("UTC"), {}
    return HostRules(
        zone=zone,
        weekly_hours=hours,
        buffer_before=timedelta(minutes=availability.buffer_before_minutes),
        buffer_after=timedelta(minutes=availability.buffer_after_minutes),
        minimum_notice=timedelta(minutes=availability.minimum_notice_minutes),
        horizon=timedelta(days=availability.horizon_days),
    )


def availability_of(user: User) -> Availability | None:
    return Availability.objects.filter(user=user).select_related("user", "default_meeting_type").first()


def meeting_hosts(meeting_type: MeetingType) -> list[User]:
    """Who can be booked for this meeting type: its host, or the team's active members who are not
    away; in both cases only people who have set their availability."""
    if meeting_type.host_id is not None:
        people = User.objects.filter(pk=meeting_type.host_id, is_active=True)
    elif meeting_type.team_id is not None:
        people = User.objects.filter(teams=meeting_type.team_id, is_active=True, is_away=False)
    else:
        return []
    return list(people.filter(availability__isnull=False).select_related("availability").order_by("id"))


def busy_intervals(
    host_ids: Iterable[int], start: datetime, end: datetime, *, exclude: Meeting | None = None
) -> dict[int, list[Interval]]:
    """Confirmed meetings of these people that touch [start, end), by person."""
    meetings = Meeting.objects.filter(
        host_id__in=list(host_ids), state=MeetingState.CONFIRMED, starts_at__lt=end, ends_at__gt=start
    )
    if exclude is not None:
        meetings = meetings.exclude(pk=exclude.pk)
    busy: dict[int, list[Interval]] = defaultdict(list)
    for host_id, starts_at, ends_at in meetings.values_list("host_id", "starts_at", "ends_at"):
        busy[host_id].append(Interval(starts_at, ends_at))
    return busy


# Buffers never exceed a few hours; meetings this far around a window are enough to judge it.
BUSY_MARGIN = timedelta(days=1)


@dataclass(frozen=True)
class OpenSlot:
    start: datetime
    end: datetime
    host_ids: tuple[int, ...]


def open_slots(
    *,
    meeting_type: MeetingType,
    now: datetime | None = None,
    days: int | None = None,
    hosts: list[User] | None = None,
    exclude: Meeting | None = None,
) -> list[OpenSlot]:
    """Every start time at least one of the meeting type's people is free for, soonest first.
    Two queries whatever the team size: the people with their availability, then their meetings."""
    now = now or timezone.now()
    hosts = meeting_hosts(meeting_type) if hosts is None else hosts
    duration = timedelta(minutes=meeting_type.duration_minutes)
    rules = {host.pk: host_rules(host.availability) for host in hosts}
    if not rules:
        return []
    horizon = max(rule.horizon for rule in rules.values())
    window_end = now + (timedelta(days=days) if days is not None else horizon) + duration
    busy = busy_intervals(rules, now - BUSY_MARGIN, window_end + BUSY_MARGIN, exclude=exclude)
    free_by_start: dict[datetime, list[int]] = defaultdict(list)
    for host_id, rule in rules.items():
        for start in free_slots(
            rules=rule, duration=duration, meetings=busy.get(host_id, []), now=now, window_end=window_end
        ):
            free_by_start[start].append(host_id)
    return [
        OpenSlot(start=start, end=start + duration, host_ids=tuple(free_by_start[start]))
        for start in sorted(free_by_start)
    ]


def fair_order(host_ids: Iterable[int], *, now: datetime) -> list[User]:
    """Round robin that evens out the load: fewest upcoming meetings first, then whoever was
    booked least recently (never booked counts as longest ago)."""
    return list(
        User.objects.filter(pk__in=list(host_ids))
        .annotate(
            upcoming=Count(
                "meetings", filter=Q(meetings__state=MeetingState.CONFIRMED, meetings__starts_at__gte=now)
            ),
            last_booked=Max("meetings__id"),
        )
        .order_by("upcoming", F("last_booked").asc(nulls_first=True), "id")
    )


@dataclass(frozen=True)
class TimeChoice:
    value: str  # ISO start in UTC, the form value
    label: str  # "14:30" in the visitor's zone
    start: datetime


@dataclass(frozen=True)
class DayChoice:
    day: date
    times: list[TimeChoice]

    @property
    def key(self) -> str:
        return self.day.isoformat()


def slots_by_day(
    slots: Iterable[OpenSlot], zone: ZoneInfo, *, max_days: int = PUBLIC_DAYS
) -> list[DayChoice]:
    """Open slots grouped by day as seen in `zone` (the visitor's), at most `max_days` days."""
    from leadline.sales.slots import format_start

    days: dict[date, list[TimeChoice]] = {}
    for slot in slots:
        local = slot.start.astimezone(zone)
        if local.date() not in days and len(days) >= max_days:
            break
        days.setdefault(local.date(), []).append(
            TimeChoice(value=format_start(slot.start), label=local.strftime("%H:%M"), start=slot.start)
        )
    return [DayChoice(day=day, times=times) for day, times in days.items()]


# --- Public meeting types -------------------------------------------------------------------------


def public_meeting_type(*, slug: Any) -> MeetingType:
    """An active meeting type by its public address, or 404."""
    if not isinstance(slug, str) or len(slug) > 80:
        raise Http404("No such booking page")
    meeting_type = (
        MeetingType.objects.active()
        .select_related("host", "team", "host__availability")
        .filter(slug=slug)
        .first()
    )
    if meeting_type is None:
        raise Http404("No such booking page")
    return meeting_type


def booking_page_url(meeting_type: MeetingType) -> str:
    return settings.BASE_URL + reverse("sales:booking_page", args=[meeting_type.slug])


def booking_url_for(contact: Any) -> str:
    """Where a contact books a meeting: the booking page of their owner's default meeting type (or
    the owner's first active one), else the workspace's first active meeting type, else the page
    listing the booking pages (which says when none is open)."""
    owner_id = getattr(contact, "owner_id", None)
    meeting_type = None
    if owner_id is not None:
        chosen = (
            Availability.objects.filter(
                user_id=owner_id, default_meeting_type__is_active=True, user__is_active=True
            )
            .values_list("default_meeting_type__slug", flat=True)
            .first()
        )
        if chosen:
            return settings.BASE_URL + reverse("sales:booking_page", args=[chosen])
        meeting_type = (
            MeetingType.objects.active()
            .filter(host_id=owner_id, host__is_active=True)
            .order_by("created_at", "id")
            .first()
        )
    if meeting_type is None:
        meeting_type = MeetingType.objects.active().order_by("created_at", "id").first()
    if meeting_type is None:
        return settings.BASE_URL + reverse("sales:booking_index")
    return booking_page_url(meeting_type)


def public_meeting_types() -> QuerySet[MeetingType]:
    return MeetingType.objects.active().select_related("host", "team").order_by("name", "id")


# --- Lists for signed-in people -------------------------------------------------------------------


def meeting_type_list(*, user: User) -> QuerySet[MeetingType]:
    return (
        MeetingType.objects.for_user(user).select_related("host", "team").order_by("-is_active", "name", "id")
    )


def meeting_list(
    *, user: User, when: str = "upcoming", host: User | None = None, now: datetime | None = None
) -> QuerySet[Meeting]:
    """Meetings the user may see: upcoming ones soonest first, past (or cancelled) ones latest first."""
    now = now or timezone.now()
    meetings = Meeting.objects.for_user(user).select_related("meeting_type", "host", "contact")
    if host is not None:
        meetings = meetings.filter(host=host)
    if when == "past":
        return meetings.filter(Q(ends_at__lte=now) | Q(state=MeetingState.CANCELLED)).order_by(
            "-starts_at", "-id"
        )
    return meetings.filter(ends_at__gt=now, state=MeetingState.CONFIRMED).order_by("starts_at", "id")


def contact_meetings(*, user: User, contact: Any) -> QuerySet[Meeting]:
    return (
        Meeting.objects.for_user(user)
        .filter(contact=contact)
        .select_related("meeting_type", "host")
        .order_by("-starts_at", "-id")
    )


def hosts_for_filter() -> QuerySet[User]:
    return (
        User.objects.filter(is_active=True, meetings__isnull=False)
        .distinct()
        .order_by("first_name", "last_name", "email")
    )


# --- Signed links ---------------------------------------------------------------------------------


class LinkInvalid(Exception):
    """A cancel, reschedule or confirmation link that was altered, expired, or whose meeting is gone."""

    def __init__(self, message: str, *, expired: bool = False) -> None:
        super().__init__(message)
        self.expired = expired


def meeting_token(meeting: Meeting, purpose: str) -> str:
    return make_token({"m": str(meeting.public_id)}, purpose=purpose)


def meeting_link(meeting: Meeting, purpose: str) -> str:
    name = {
        CANCEL_PURPOSE: "sales:booking_cancel",
        RESCHEDULE_PURPOSE: "sales:booking_reschedule",
        BOOKED_PURPOSE: "sales:booking_done",
    }[purpose]
    return settings.BASE_URL + reverse(name, args=[meeting_token(meeting, purpose)])


def meeting_from_link(token: Any, *, purpose: str) -> Meeting:
    """The meeting a signed link was made for. Raises LinkInvalid."""
    from leadline.core.signing import ExpiredToken

    try:
        value = read_token(token, purpose=purpose, max_age=LINK_MAX_AGE[purpose])
    except ExpiredToken:
        raise LinkInvalid("This link has expired.", expired=True) from None
    except BadToken:
        raise LinkInvalid("This link is incomplete or has been changed.") from None
    public_id = parse_public_id(value.get("m")) if isinstance(value, dict) else None
    meeting = (
        Meeting.objects.select_related("meeting_type", "host", "host__availability", "contact")
        .filter(public_id=public_id)
        .first()
        if public_id is not None
        else None
    )
    if meeting is None:
        raise LinkInvalid("This meeting no longer exists.")
    return meeting
