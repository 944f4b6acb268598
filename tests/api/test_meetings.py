"""The meetings API: meeting types, free times, availability and booked meetings — and the bad
input each refuses with a clear 4xx."""

from __future__ import annotations

import pytest
import time_machine

from leadline.sales.models import Availability, MeetingState, MeetingType
from tests.api.client import api_as, error_of
from tests.factories import ContactFactory, TeamFactory
from tests.sales.meeting_support import TUESDAY_10AM, availability_for, book, meeting_type_for

HOSTILE = ['<script>alert("x")</script>', "'; DROP TABLE sales_meeting; --", '=HYPERLINK("http://evil")']


@pytest.fixture
def tuesday():
    with time_machine.travel(TUESDAY_10AM, tick=False) as traveller:
        yield traveller


# --- Meeting types --------------------------------------------------------------------------------


def test_it_creates_a_meeting_type_hosted_by_the_token_user(sam):
    response = api_as(sam).post(
        "/meeting-types",
        {
            "name": "Free 30-minute clarity call",
            "slug": "clarity-call",
            "duration_minutes": 30,
            "location": "Zoom",
        },
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["host"]["email"] == sam.email and body["team"] is None
    assert body["booking_url"] == "http://127.0.0.1:8000/meet/clarity-call"
    assert body["reminder_minutes"] == 60 and body["is_active"] is True


def test_an_admin_creates_a_round_robin_meeting_type(alice):
    team = TeamFactory(name="Closers")

    response = api_as(alice).post(
        "/meeting-types", {"name": "Team call", "slug": "team-call", "team": str(team.public_id)}
    )

    assert response.status_code == 201
    assert response.json()["team"]["name"] == "Closers" and response.json()["host"] is None


def test_a_salesperson_cannot_create_for_a_team_or_another_host(sam, oscar):
    team = TeamFactory(name="Closers")

    for extra in ({"team": str(team.public_id)}, {"host": str(oscar.public_id)}):
        response = api_as(sam).post("/meeting-types", {"name": "Call", "slug": "call", **extra})
        assert response.status_code == 400
        assert "host yourself" in error_of(response)["fields"]["host"][0]
    assert not MeetingType.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "Call", "slug": "Not A Slug"}, "slug"),
        ({"name": "Call", "slug": "cancel"}, "slug"),
        ({"name": "", "slug": "call"}, "name"),
        ({"name": "Call", "slug": "call", "duration_minutes": 0}, "duration_minutes"),
        ({"name": "Call", "slug": "call", "duration_minutes": "thirty"}, "duration_minutes"),
        ({"name": "Call", "slug": "call", "reminder_minutes": -5}, "reminder_minutes"),
        ({"name": "Call", "slug": "call", "host": "not-an-id"}, "host"),
        ({"name": "Call", "slug": "call", "team": "not-an-id"}, "team"),
        ({"name": "Call", "slug": "call", "is_active": "maybe"}, "is_active"),
        ({"name": "Call", "slug": "call", "colour": "red"}, "colour"),
        ({"name": "x" * 121, "slug": "call"}, "name"),
        ({"slug": "call"}, "name"),
    ],
)
def test_it_refuses_bad_meeting_types(alice, body, field):
    response = api_as(alice).post("/meeting-types", body)

    assert response.status_code == 400
    assert field in error_of(response)["fields"]
    assert not MeetingType.objects.exists()


@pytest.mark.parametrize("hostile", HOSTILE)
def test_it_stores_hostile_text_as_text(sam, hostile):
    response = api_as(sam).post("/meeting-types", {"name": hostile, "slug": "call", "description": hostile})

    assert response.status_code == 201
    assert response.json()["name"] == hostile


def test_it_refuses_a_taken_address(sam):
    meeting_type_for(sam, slug="call")

    response = api_as(sam).post("/meeting-types", {"name": "Call", "slug": "call"})

    assert response.status_code == 400
    assert "already uses this address" in error_of(response)["fields"]["slug"][0]


def test_the_host_changes_a_meeting_type(sam):
    meeting_type = meeting_type_for(sam)

    response = api_as(sam).patch(
        f"/meeting-types/{meeting_type.public_id}", {"is_active": False, "duration_minutes": 45}
    )

    assert response.status_code == 200
    assert response.json()["is_active"] is False and response.json()["duration_minutes"] == 45


def test_others_cannot_change_a_meeting_type(sam, oscar):
    meeting_type = meeting_type_for(oscar, name="Oscar's call")

    response = api_as(sam).patch(f"/meeting-types/{meeting_type.public_id}", {"name": "Mine now"})

    assert response.status_code == 403
    meeting_type.refresh_from_db()
    assert meeting_type.name == "Oscar's call"


@pytest.mark.parametrize("identifier", ["not-a-uuid", "00000000-0000-0000-0000-000000000000"])
def test_unknown_meeting_types_are_404(sam, identifier):
    assert api_as(sam).get(f"/meeting-types/{identifier}").status_code == 404


def test_it_lists_meeting_types_in_pages(sam):
    for index in range(3):
        meeting_type_for(sam, slug=f"call-{index}")

    first = api_as(sam).get("/meeting-types", limit=2).json()
    second = api_as(sam).get("/meeting-types", limit=2, cursor=first["next_cursor"]).json()

    assert len(first["items"]) == 2 and len(second["items"]) == 1
    assert api_as(sam).get("/meeting-types", cursor="forged").status_code == 400


# --- Free times -----------------------------------------------------------------------------------


def test_it_lists_free_times_without_saying_who_hosts_them(sam, tuesday):
    availability_for(sam)
    meeting_type = meeting_type_for(sam)
    book(meeting_type)

    response = api_as(sam).get(f"/meeting-types/{meeting_type.public_id}/slots", days=2)

    body = response.json()
    starts = [slot["start"] for slot in body["slots"]]
    assert response.status_code == 200
    assert starts[0] == "2026-11-24T11:00:00Z"
    assert "2026-11-25T14:00:00Z" not in starts and "2026-11-25T14:30:00Z" in starts
    assert set(body["slots"][0]) == {"start", "end"}


@pytest.mark.parametrize("days", [0, 61, "many"])
def test_it_refuses_a_bad_number_of_days(sam, days):
    meeting_type = meeting_type_for(sam)

    response = api_as(sam).get(f"/meeting-types/{meeting_type.public_id}/slots", days=days)

    assert response.status_code == 400
    assert "days" in error_of(response)["fields"]


# --- Availability ---------------------------------------------------------------------------------


def test_it_reads_and_changes_my_availability(sam):
    api = api_as(sam)

    before = api.get("/availability/me").json()
    response = api.patch(
        "/availability/me",
        {
            "time_zone": "Europe/Berlin",
            "weekly_hours": {"0": [["09:00", "12:00"], ["13:00", "17:00"]]},
            "buffer_after_minutes": 15,
        },
    )

    assert before["weekly_hours"]["0"] == [["09:00", "17:00"]]
    assert response.status_code == 200
    body = response.json()
    assert body["time_zone"] == "Europe/Berlin" and body["buffer_after_minutes"] == 15
    assert body["weekly_hours"] == {"0": [["09:00", "12:00"], ["13:00", "17:00"]]}
    assert body["person"]["email"] == sam.email


def test_an_admin_changes_someone_elses_availability(alice, oscar):
    response = api_as(alice).patch(f"/availability/{oscar.public_id}", {"minimum_notice_minutes": 30})

    assert response.status_code == 200
    assert Availability.objects.get(user=oscar).minimum_notice_minutes == 30


def test_others_cannot_read_someone_elses_availability(sam, oscar):
    assert api_as(sam).get(f"/availability/{oscar.public_id}").status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"time_zone": HOSTILE[0]}, "time_zone"),
        ({"weekly_hours": {"0": [["17:00", "09:00"]]}}, "weekly_hours"),
        ({"weekly_hours": {"9": [["09:00", "17:00"]]}}, "weekly_hours"),
        ({"weekly_hours": {"0": [["9am", "5pm"]]}}, "weekly_hours"),
        ({"weekly_hours": {"0": "09:00-17:00"}}, "weekly_hours.0"),
        ({"weekly_hours": [["09:00", "17:00"]]}, "weekly_hours"),
        ({"horizon_days": 0}, "horizon_days"),
        ({"horizon_days": 366}, "horizon_days"),
        ({"buffer_before_minutes": -1}, "buffer_before_minutes"),
        ({"minimum_notice_minutes": "soon"}, "minimum_notice_minutes"),
        ({"default_meeting_type": "not-an-id"}, None),
        ({"holidays": []}, "holidays"),
    ],
)
def test_it_refuses_bad_availability(sam, body, field):
    availability_for(sam, time_zone="UTC")

    response = api_as(sam).patch("/availability/me", body)

    assert response.status_code in (400, 404)
    if field is not None:
        assert response.status_code == 400
        assert field in error_of(response)["fields"], error_of(response)
    assert Availability.objects.get(user=sam).time_zone == "UTC"


def test_it_sets_the_default_meeting_type(sam):
    mine = meeting_type_for(sam, slug="mine")

    response = api_as(sam).patch("/availability/me", {"default_meeting_type": str(mine.public_id)})

    assert response.json()["default_meeting_type"] == str(mine.public_id)


def test_it_refuses_someone_elses_meeting_type_as_default(sam, oscar):
    theirs = meeting_type_for(oscar, slug="theirs")

    response = api_as(sam).patch("/availability/me", {"default_meeting_type": str(theirs.public_id)})

    assert response.status_code == 400
    assert "this person hosts" in error_of(response)["fields"]["default_meeting_type"][0]


# --- Booked meetings ------------------------------------------------------------------------------


def test_it_lists_and_gets_meetings(sam, tess, oscar, tuesday):
    for person in (tess, oscar):
        availability_for(person)
    visible = book(meeting_type_for(tess, slug="tess"), email="teammate@example.org")
    book(meeting_type_for(oscar, slug="oscar"), email="outsider@example.org")
    api = api_as(sam)

    listed = api.get("/meetings").json()["items"]
    one = api.get(f"/meetings/{visible.public_id}").json()

    assert [item["guest_email"] for item in listed] == ["teammate@example.org"]
    assert one["state"] == "confirmed" and one["sequence"] == 0
    assert one["contact"]["email"] == "teammate@example.org"
    assert one["meeting_type"]["slug"] == "tess"


def test_it_filters_meetings_by_host_and_contact(alice, sam, tess, tuesday):
    availability_for(sam)
    availability_for(tess)
    book(meeting_type_for(sam, slug="sam"), email="one@example.org")
    second = book(meeting_type_for(tess, slug="tess"), email="two@example.org")
    api = api_as(alice)

    by_host = api.get("/meetings", host=str(tess.public_id)).json()["items"]
    by_contact = api.get("/meetings", contact=str(second.contact.public_id)).json()["items"]
    mine = api_as(sam).get("/meetings", host="me").json()["items"]

    assert [item["guest_email"] for item in by_host] == ["two@example.org"]
    assert [item["guest_email"] for item in by_contact] == ["two@example.org"]
    assert [item["guest_email"] for item in mine] == ["one@example.org"]
    assert api.get("/meetings", host="nobody").status_code == 400
    assert api.get("/meetings", contact="<script>").status_code == 400
    assert api.get("/meetings", when="tomorrow").status_code == 400


def test_it_does_not_filter_by_a_contact_the_user_cannot_see(sam, oscar, tuesday):
    availability_for(sam)
    hidden = ContactFactory(owner=oscar, email="ada@example.org")
    book(meeting_type_for(sam))

    items = api_as(sam).get("/meetings", contact=str(hidden.public_id)).json()["items"]

    assert items == []


def test_the_host_cancels_through_the_api(sam, tuesday, mailoutbox, django_capture_on_commit_callbacks):
    availability_for(sam)
    meeting = book(meeting_type_for(sam))

    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(sam).post(f"/meetings/{meeting.public_id}/cancel", {"reason": "Ill"})
    again = api_as(sam).post(f"/meetings/{meeting.public_id}/cancel", {})

    assert response.status_code == 200
    assert response.json()["state"] == MeetingState.CANCELLED and response.json()["sequence"] == 1
    assert [message.to for message in mailoutbox] == [["ada@example.org"], [sam.email]]
    assert again.status_code == 409
    assert error_of(again)["code"] == "conflict"


def test_it_refuses_a_bad_cancel_body(sam, tuesday):
    availability_for(sam)
    meeting = book(meeting_type_for(sam))

    for body in ({"reason": "x" * 301}, {"reason": 42}, {"why": "no"}):
        response = api_as(sam).post(f"/meetings/{meeting.public_id}/cancel", body)
        assert response.status_code == 400
    meeting.refresh_from_db()
    assert meeting.state == MeetingState.CONFIRMED


def test_the_openapi_document_shows_the_meetings_routes(db):
    from django.test import Client

    document = Client().get("/api/v1/openapi.json").json()

    for path in (
        "/api/v1/meeting-types",
        "/api/v1/meeting-types/{meeting_type_id}",
        "/api/v1/meeting-types/{meeting_type_id}/slots",
        "/api/v1/availability/{person_id}",
        "/api/v1/meetings",
        "/api/v1/meetings/{meeting_id}",
        "/api/v1/meetings/{meeting_id}/cancel",
    ):
        assert path in document["paths"], path
    assert "Meetings" in document["paths"]["/api/v1/meetings"]["get"]["tags"]
