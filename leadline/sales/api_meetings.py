"""API routes of meetings: meeting types (list, get, create, change, free times), availability (one's
own; an admin's anyone's), and booked meetings (list, get, cancel). Objects are fetched through the
access layer as the token's user and written through meeting_services, as the screens do."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from pydantic import ConfigDict

from leadline.accounts.api import UserRef
from leadline.accounts.models import Team, User
from leadline.api.auth import get_for_edit, request_user, sales_read, sales_write
from leadline.api.errors import ApiError, field_error
from leadline.api.pagination import PageQuery, page_schema, paginate
from leadline.contacts.api import ContactRef
from leadline.contacts.models import Contact
from leadline.core.access import get_for_user, parse_public_id
from leadline.sales import meeting_selectors as selectors
from leadline.sales import meeting_services as services
from leadline.sales.models import Availability, Meeting, MeetingState, MeetingType

router = Router(tags=["Meetings"])

TYPE_EDIT_DENIED = "Only the host or an admin can change this meeting type."
MEETING_EDIT_DENIED = "Only the host or an admin can cancel this meeting."
MAX_SLOT_DAYS = 60


class InputSchema(Schema):
    """Request bodies refuse keys they do not know instead of silently dropping them."""

    model_config = ConfigDict(extra="forbid")


class TeamRef(Schema):
    id: UUID
    name: str

    @staticmethod
    def resolve_id(team: Team) -> UUID:
        return team.public_id


class MeetingTypeOut(Schema):
    id: UUID
    name: str
    slug: str
    description: str
    duration_minutes: int
    location: str
    host: UserRef | None = Field(description="The one host, or null for a round-robin team.")
    team: TeamRef | None = Field(description="The round-robin team, or null for one host.")
    reminder_minutes: int = Field(description="The guest is reminded this long before (0: no reminder).")
    is_active: bool
    booking_url: str = Field(description="The public booking page.")
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_id(meeting_type: MeetingType) -> UUID:
        return meeting_type.public_id

    @staticmethod
    def resolve_booking_url(meeting_type: MeetingType) -> str:
        return selectors.booking_page_url(meeting_type)


class MeetingTypeFields(InputSchema):
    description: str | None = Field(None, max_length=2000)
    duration_minutes: int | None = Field(None, ge=5, le=480)
    location: str | None = Field(None, max_length=300)
    host: str | None = Field(None, max_length=64, description='Public id of the host, or "me".')
    team: str | None = Field(
        None, max_length=64, description="Public id of a round-robin team (admins only)."
    )
    reminder_minutes: int | None = Field(None, ge=0, le=10080)
    is_active: bool | None = None


class MeetingTypeCreateIn(MeetingTypeFields):
    name: str = Field(max_length=120)
    slug: str = Field(
        max_length=80, description="The end of the booking link: lower-case letters, digits, hyphens."
    )


class MeetingTypePatchIn(MeetingTypeFields):
    name: str | None = Field(None, max_length=120)
    slug: str | None = Field(None, max_length=80)


class SlotOut(Schema):
    start: datetime
    end: datetime


class SlotsOut(Schema):
    meeting_type: str = Field(description="The meeting type's slug.")
    duration_minutes: int
    slots: list[SlotOut] = Field(description="Free start times in UTC, soonest first.")


class SlotsQuery(Schema):
    days: int = Field(14, ge=1, le=MAX_SLOT_DAYS, description="How many days ahead to look (1 to 60).")


class AvailabilityOut(Schema):
    person: UserRef
    time_zone: str
    weekly_hours: dict[str, list[list[str]]] = Field(
        description='Weekday ("0" = Monday … "6" = Sunday) → ranges of ["HH:MM", "HH:MM"] in time_zone.'
    )
    buffer_before_minutes: int
    buffer_after_minutes: int
    minimum_notice_minutes: int
    horizon_days: int
    default_meeting_type: UUID | None = Field(
        description="The meeting type booking links in instant replies open."
    )

    @staticmethod
    def resolve_person(availability: Availability) -> User:
        return availability.user

    @staticmethod
    def resolve_default_meeting_type(availability: Availability) -> UUID | None:
        chosen = availability.default_meeting_type
        return chosen.public_id if chosen is not None else None


class AvailabilityPatchIn(InputSchema):
    time_zone: str | None = Field(None, max_length=64, description="An IANA name such as Europe/Berlin.")
    weekly_hours: dict[str, list[list[str]]] | None = None
    buffer_before_minutes: int | None = Field(None, ge=0, le=240)
    buffer_after_minutes: int | None = Field(None, ge=0, le=240)
    minimum_notice_minutes: int | None = Field(None, ge=0, le=43200)
    horizon_days: int | None = Field(None, ge=1, le=365)
    default_meeting_type: str | None = Field(
        None, max_length=64, description="Public id of a meeting type, or empty."
    )


class MeetingTypeRef(Schema):
    id: UUID
    name: str
    slug: str

    @staticmethod
    def resolve_id(meeting_type: MeetingType) -> UUID:
        return meeting_type.public_id


class MeetingOut(Schema):
    id: UUID
    meeting_type: MeetingTypeRef
    host: UserRef
    contact: ContactRef | None
    state: Literal["confirmed", "cancelled"]
    starts_at: datetime
    ends_at: datetime
    guest_name: str
    guest_email: str
    guest_time_zone: str
    guest_notes: str
    sequence: int = Field(description="The iCalendar SEQUENCE of the invite: raised by every change.")
    remind_at: datetime | None
    reminded_at: datetime | None
    cancelled_at: datetime | None
    cancel_reason: str
    created_at: datetime

    @staticmethod
    def resolve_id(meeting: Meeting) -> UUID:
        return meeting.public_id


class MeetingListQuery(Schema):
    when: Literal["upcoming", "past"] = Field(
        "upcoming", description="Upcoming confirmed, or past and cancelled."
    )
    host: str | None = Field(None, max_length=64, description='Public id of the host, or "me".')
    contact: str | None = Field(None, max_length=64, description="Public id of a contact.")


class CancelIn(InputSchema):
    reason: str = Field("", max_length=300, description="Shared with the guest in the cancellation email.")


MeetingTypePage = page_schema(MeetingTypeOut, "MeetingTypePage")
MeetingPage = page_schema(MeetingOut, "MeetingPage")


# --- Helpers --------------------------------------------------------------------------------------


def _person(user: User, value: str, *, field: str) -> User:
    if value == "me":
        return user
    public_id = parse_public_id(value)
    found = User.objects.filter(public_id=public_id, is_active=True).first() if public_id else None
    if found is None:
        raise field_error(field, "No active teammate has this id.")
    return found


def _type_data(user: User, payload: MeetingTypeFields) -> dict[str, Any]:
    data = payload.dict(exclude_unset=True)
    if "host" in data:
        data["host"] = _person(user, data["host"], field="host") if data["host"] else None
    if "team" in data:
        team_id = parse_public_id(data["team"]) if data["team"] else None
        if data["team"] and team_id is None:
            raise field_error("team", "No team has this id.")
        data["team"] = Team.objects.filter(public_id=team_id).first() if team_id else None
        if team_id and data["team"] is None:
            raise field_error("team", "No team has this id.")
    if data.get("team") is not None and "host" not in data:
        data["host"] = None  # choosing a team replaces the one host
    if data.get("host") is not None and "team" not in data:
        data["team"] = None
    return data


def _type_fresh(meeting_type: MeetingType) -> MeetingType:
    return MeetingType.objects.select_related("host", "team").get(pk=meeting_type.pk)


def _availability(request: HttpRequest, person_id: str, *, for_edit: bool) -> Availability:
    """A person's availability: "me" for one's own; others' only for admins (404 otherwise)."""
    user = request_user(request)
    person = user if person_id == "me" else get_for_user(User.objects, user, person_id, for_edit=True)
    availability = services.availability_for_user(user=person)
    queryset = Availability.objects.select_related("user", "default_meeting_type")
    return get_for_user(queryset, user, availability.public_id, for_edit=for_edit)


def _meeting_fresh(meeting: Meeting) -> Meeting:
    return Meeting.objects.select_related("meeting_type", "host", "contact").get(pk=meeting.pk)


# --- Meeting types --------------------------------------------------------------------------------


@router.get(
    "/meeting-types",
    auth=sales_read,
    response=MeetingTypePage,
    url_name="meeting_type_list",
    summary="List meeting types",
)
def meeting_type_list_route(request: HttpRequest, page: Query[PageQuery]) -> Any:
    """Every meeting type (each one is a public booking page), newest first."""
    meeting_types = MeetingType.objects.for_user(request_user(request)).select_related("host", "team")
    return paginate(meeting_types, page, key="created_at", namespace="meeting_types")


@router.post(
    "/meeting-types",
    auth=sales_write,
    response={201: MeetingTypeOut},
    url_name="meeting_type_create",
    summary="Create a meeting type",
)
def meeting_type_create_route(request: HttpRequest, payload: MeetingTypeCreateIn) -> Status[MeetingType]:
    """Hosted by the token's user unless `host` or `team` says otherwise (admins only)."""
    user = request_user(request)
    meeting_type = services.meeting_type_create(actor=user, data=_type_data(user, payload))
    return Status(201, _type_fresh(meeting_type))


@router.get(
    "/meeting-types/{meeting_type_id}",
    auth=sales_read,
    response=MeetingTypeOut,
    url_name="meeting_type_get",
    summary="Get a meeting type",
)
def meeting_type_get_route(request: HttpRequest, meeting_type_id: str) -> MeetingType:
    queryset = MeetingType.objects.select_related("host", "team")
    return get_for_user(queryset, request_user(request), meeting_type_id)


@router.patch(
    "/meeting-types/{meeting_type_id}",
    auth=sales_write,
    response=MeetingTypeOut,
    url_name="meeting_type_update",
    summary="Change a meeting type",
)
def meeting_type_update_route(
    request: HttpRequest, meeting_type_id: str, payload: MeetingTypePatchIn
) -> MeetingType:
    user = request_user(request)
    meeting_type = get_for_edit(
        MeetingType.objects.select_related("host", "team"), user, meeting_type_id, message=TYPE_EDIT_DENIED
    )
    services.meeting_type_update(meeting_type=meeting_type, actor=user, data=_type_data(user, payload))
    return _type_fresh(meeting_type)


@router.get(
    "/meeting-types/{meeting_type_id}/slots",
    auth=sales_read,
    response=SlotsOut,
    url_name="meeting_type_slots",
    summary="Free times of a meeting type",
)
def meeting_type_slots_route(
    request: HttpRequest, meeting_type_id: str, query: Query[SlotsQuery]
) -> dict[str, Any]:
    """The times its booking page offers now: what anyone may see, without who would host them."""
    meeting_type = get_for_user(
        MeetingType.objects.select_related("host", "team"), request_user(request), meeting_type_id
    )
    slots = selectors.open_slots(meeting_type=meeting_type, days=query.days) if meeting_type.is_active else []
    return {
        "meeting_type": meeting_type.slug,
        "duration_minutes": meeting_type.duration_minutes,
        "slots": [{"start": slot.start, "end": slot.end} for slot in slots],
    }


# --- Availability ---------------------------------------------------------------------------------


@router.get(
    "/availability/{person_id}",
    auth=sales_read,
    response=AvailabilityOut,
    url_name="availability_get",
    summary="Get a person's availability",
)
def availability_get_route(request: HttpRequest, person_id: str) -> Availability:
    """`me` for one's own; admins may read anyone's."""
    return _availability(request, person_id, for_edit=False)


@router.patch(
    "/availability/{person_id}",
    auth=sales_write,
    response=AvailabilityOut,
    url_name="availability_update",
    summary="Change a person's availability",
)
def availability_update_route(
    request: HttpRequest, person_id: str, payload: AvailabilityPatchIn
) -> Availability:
    """`me` for one's own; admins may change anyone's. Weekly hours replace the stored ones."""
    user = request_user(request)
    availability = _availability(request, person_id, for_edit=True)
    data = payload.dict(exclude_unset=True)
    if "default_meeting_type" in data:
        chosen = data["default_meeting_type"]
        if chosen:
            data["default_meeting_type"] = get_for_user(MeetingType.objects, user, chosen)
        else:
            data["default_meeting_type"] = None
    services.availability_update(availability=availability, actor=user, data=data)
    return Availability.objects.select_related("user", "default_meeting_type").get(pk=availability.pk)


# --- Booked meetings ------------------------------------------------------------------------------


@router.get(
    "/meetings", auth=sales_read, response=MeetingPage, url_name="meeting_list", summary="List meetings"
)
def meeting_list_route(request: HttpRequest, filters: Query[MeetingListQuery], page: Query[PageQuery]) -> Any:
    """Meetings the token's user may see (admins and marketing: all; sales: their team's), by start
    time: upcoming ones soonest first, past ones latest first."""
    user = request_user(request)
    meetings = Meeting.objects.for_user(user).select_related("meeting_type", "host", "contact")
    if filters.host:
        meetings = meetings.filter(host=_person(user, filters.host, field="host"))
    if filters.contact:
        contact_id = parse_public_id(filters.contact)
        if contact_id is None:
            raise field_error("contact", "Not a contact id.")
        meetings = meetings.filter(contact__in=Contact.objects.for_user(user).filter(public_id=contact_id))
    now = timezone.now()
    if filters.when == "past":
        meetings = meetings.filter(Q(ends_at__lte=now) | Q(state=MeetingState.CANCELLED))
        return paginate(meetings, page, key="starts_at", namespace="meetings_past", descending=True)
    meetings = meetings.filter(ends_at__gt=now, state=MeetingState.CONFIRMED)
    return paginate(meetings, page, key="starts_at", namespace="meetings_upcoming", descending=False)


@router.get(
    "/meetings/{meeting_id}",
    auth=sales_read,
    response=MeetingOut,
    url_name="meeting_get",
    summary="Get a meeting",
)
def meeting_get_route(request: HttpRequest, meeting_id: str) -> Meeting:
    queryset = Meeting.objects.select_related("meeting_type", "host", "contact")
    return get_for_user(queryset, request_user(request), meeting_id)


@router.post(
    "/meetings/{meeting_id}/cancel",
    auth=sales_write,
    response=MeetingOut,
    url_name="meeting_cancel",
    summary="Cancel a meeting",
)
def meeting_cancel_route(request: HttpRequest, meeting_id: str, payload: CancelIn) -> Meeting:
    """The guest gets the cancellation (METHOD:CANCEL invite) by email. 409 when it is already
    cancelled or over."""
    user = request_user(request)
    queryset = Meeting.objects.select_related("meeting_type", "host", "contact")
    meeting = get_for_edit(queryset, user, meeting_id, message=MEETING_EDIT_DENIED)
    if meeting.state != MeetingState.CONFIRMED:
        raise ApiError(409, "conflict", "This meeting has already been cancelled.")
    if meeting.ends_at <= timezone.now():
        raise ApiError(409, "conflict", "This meeting has already taken place.")
    services.meeting_cancel(meeting=meeting, actor=user, reason=payload.reason)
    return _meeting_fresh(meeting)
