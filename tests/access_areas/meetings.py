"""Access of availability, meeting types, booked meetings and the public booking pages.

Meeting types are seen by everyone and changed by their host (oscar) or an admin. Availability is
one's own (an admin's anyone's): sam and maria get the same 404 as for a missing person. oscar's
meeting is hidden from sam (another team); maria (marketing) sees it but only its host or an admin
may cancel it. The booking pages and the signed links in emails are public.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.access_areas import OK, Entry, Route, everyone, oscars, public

OWN_OR_ADMIN = {"alice": OK, "oscar": OK}

UI_ROUTES: dict[str, Entry] = {
    "sales:availability": everyone("/settings/availability/"),
    "sales:availability_person": Entry(
        "/settings/availability/{meeting_person}/", expect=OWN_OR_ADMIN, default=404
    ),
    "sales:meeting_list": everyone("/meetings/"),
    "sales:meeting_type_list": everyone("/meetings/types/"),
    "sales:meeting_type_create": everyone("/meetings/types/new/"),
    "sales:meeting_type_edit": Entry("/meetings/types/{meeting_type}/", expect=OWN_OR_ADMIN, default=403),
    "sales:meeting_cancel": Entry("/meetings/{meeting}/cancel/", "POST", expect={"sam": 404, "maria": 403}),
    "sales:contact_meetings": oscars("/contacts/{contact}/meetings/"),
    "sales:booking_index": public("/meet/"),
    "sales:booking_page": public("/meet/{meeting_type_slug}"),
    "sales:booking_done": public("/meet/booked/{meeting_booked_token}/"),
    "sales:booking_invite": public("/meet/booked/{meeting_booked_token}/invite.ics"),
    "sales:booking_cancel": public("/meet/cancel/{meeting_cancel_token}/"),
    "sales:booking_reschedule": public("/meet/reschedule/{meeting_reschedule_token}/"),
}

API_ROUTES = [
    Route("meeting_type_list", "GET", "/meeting-types", "sales:read"),
    Route(
        "meeting_type_create",
        "POST",
        "/meeting-types",
        "sales:write",
        {"name": "Intro call", "slug": "intro-call"},
    ),
    Route("meeting_type_get", "GET", "/meeting-types/{meeting_type}", "sales:read"),
    Route(
        "meeting_type_update", "PATCH", "/meeting-types/{meeting_type}", "sales:write", {"name": "Renamed"}
    ),
    Route("meeting_type_slots", "GET", "/meeting-types/{meeting_type}/slots", "sales:read"),
    Route("availability_get", "GET", "/availability/{meeting_person}", "sales:read"),
    Route(
        "availability_update", "PATCH", "/availability/{meeting_person}", "sales:write", {"horizon_days": 20}
    ),
    Route("meeting_list", "GET", "/meetings", "sales:read"),
    Route("meeting_get", "GET", "/meetings/{meeting}", "sales:read"),
    Route("meeting_cancel", "POST", "/meetings/{meeting}/cancel", "sales:write", {"reason": "Sorry"}),
]

API_EXPECT: dict[str, dict[str, Any]] = {
    "meeting_type_list": {},
    "meeting_type_create": {},
    "meeting_type_get": {},
    "meeting_type_update": {"sam": 403, "maria": 403},
    "meeting_type_slots": {},
    "availability_get": {"sam": 404, "maria": 404},
    "availability_update": {"sam": 404, "maria": 404},
    "meeting_list": {},
    "meeting_get": {"sam": 404},
    "meeting_cancel": {"sam": 404, "maria": 403},
}


def _objects_of(person: Any, slug: str) -> dict[str, str]:
    from django.utils import timezone

    from leadline.sales.meeting_selectors import (
        BOOKED_PURPOSE,
        CANCEL_PURPOSE,
        RESCHEDULE_PURPOSE,
        meeting_token,
    )
    from leadline.sales.models import Availability, Meeting
    from tests.sales.factories import MeetingTypeFactory

    Availability.objects.get_or_create(user=person)
    meeting_type = MeetingTypeFactory(host=person, slug=slug)
    starts_at = (timezone.now() + timedelta(days=3)).replace(second=0, microsecond=0)
    meeting = Meeting.objects.create(
        meeting_type=meeting_type,
        host=person,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=30),
        guest_name="Grace Hopper",
        guest_email="grace@example.org",
    )
    return {
        "meeting_person": str(person.public_id),
        "meeting_type": str(meeting_type.public_id),
        "meeting_type_slug": meeting_type.slug,
        "meeting": str(meeting.public_id),
        "meeting_booked_token": meeting_token(meeting, BOOKED_PURPOSE),
        "meeting_cancel_token": meeting_token(meeting, CANCEL_PURPOSE),
        "meeting_reschedule_token": meeting_token(meeting, RESCHEDULE_PURPOSE),
    }


def world(personas: dict[str, Any], ids: dict[str, str]) -> dict[str, str]:
    return _objects_of(personas["oscar"], "oscars-call")


def api_ids(alice: Any, ids: dict[str, str]) -> dict[str, str]:
    return _objects_of(alice, "alices-call")
