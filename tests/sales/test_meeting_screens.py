"""The signed-in screens: availability, meeting types, the list of booked meetings with cancelling,
and the meetings panel of the contact page."""

from __future__ import annotations

import pytest
import time_machine
from django.urls import reverse

from leadline.sales.models import Availability, MeetingState, MeetingType
from tests.conftest import client_for
from tests.factories import ContactFactory, TeamFactory
from tests.sales.meeting_support import TUESDAY_10AM, availability_for, book, meeting_type_for


@pytest.fixture
def tuesday():
    with time_machine.travel(TUESDAY_10AM, tick=False) as traveller:
        yield traveller


def availability_form(**fields):
    data = {
        "time_zone": "Europe/Berlin",
        "minimum_notice_minutes": "240",
        "horizon_days": "30",
        "buffer_before_minutes": "0",
        "buffer_after_minutes": "10",
        "default_meeting_type": "",
        **{f"day_{day}": "09:00–17:00" for day in range(5)},
        "day_5": "",
        "day_6": "",
    }
    data.update(fields)
    return data


# --- Availability ---------------------------------------------------------------------------------


def test_it_shows_my_hours_without_storing_anything_yet(sam):
    response = client_for(sam).get(reverse("sales:availability"))

    html = response.content.decode()
    assert response.status_code == 200
    assert 'value="09:00–17:00"' in html
    assert "not bookable yet" in html
    assert not Availability.objects.exists()


def test_it_saves_several_ranges_a_day(sam):
    response = client_for(sam).post(
        reverse("sales:availability"), availability_form(day_0="9-12, 13:00 to 17:30", day_5="10:00 – 12:00")
    )

    assert response.status_code == 302
    availability = Availability.objects.get(user=sam)
    assert availability.time_zone == "Europe/Berlin"
    assert availability.weekly_hours["0"] == [["09:00", "12:00"], ["13:00", "17:30"]]
    assert availability.weekly_hours["5"] == [["10:00", "12:00"]]
    assert "6" not in availability.weekly_hours
    assert availability.buffer_after_minutes == 10


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"day_2": "17:00–09:00"}, "ends before it starts"),
        ({"day_2": "09:00–12:00, 11:00–13:00"}, "the ranges overlap"),
        ({"day_2": "morning"}, "Write ranges as 09:00–17:00"),
        ({"day_2": "25:00-26:00"}, "not a time of day"),
        ({"time_zone": "Mars/Olympus"}, "Select a valid choice"),
        ({"horizon_days": "0"}, "greater than or equal to 1"),
        ({"horizon_days": "=1+1"}, "Enter a whole number"),
        ({"buffer_after_minutes": "999"}, "Select a valid choice"),
    ],
)
def test_it_shows_what_is_wrong_with_the_hours(sam, fields, message):
    availability_for(sam, time_zone="UTC")

    response = client_for(sam).post(reverse("sales:availability"), availability_form(**fields))

    assert response.status_code == 400
    assert message in response.content.decode()
    assert Availability.objects.get(user=sam).time_zone == "UTC"


def test_it_puts_the_error_on_the_day_it_is_about(sam):
    html = (
        client_for(sam)
        .post(reverse("sales:availability"), availability_form(day_3="17:00-09:00"))
        .content.decode()
    )

    wednesday_field = html.index('id="id_day_3"')
    assert html.index("ends before it starts") > wednesday_field
    assert 'id="id_day_3-error"' in html


def test_an_admin_sets_someone_elses_hours(alice, oscar):
    url = reverse("sales:availability_person", args=[oscar.public_id])

    response = client_for(alice).post(url, availability_form(time_zone="America/Chicago"))

    assert response.status_code == 302
    assert Availability.objects.get(user=oscar).time_zone == "America/Chicago"


def test_others_cannot_reach_someone_elses_hours(sam, oscar, maria):
    url = reverse("sales:availability_person", args=[oscar.public_id])

    assert client_for(sam).get(url).status_code == 404
    assert client_for(maria).post(url, availability_form()).status_code == 404
    assert not Availability.objects.filter(user=oscar).exists()


def test_it_offers_my_meeting_types_for_the_booking_link(sam, oscar):
    team = TeamFactory(name="Closers")
    team.members.add(sam)
    mine = meeting_type_for(sam, slug="mine", name="Sam's demo")
    meeting_type_for(None, team=team, slug="team", name="Team call")
    meeting_type_for(oscar, slug="oscars", name="Oscar's call")

    html = client_for(sam).get(reverse("sales:availability")).content.decode()
    client_for(sam).post(reverse("sales:availability"), availability_form(default_meeting_type=str(mine.pk)))

    assert "Sam&#x27;s demo" in html and "Team call" in html and "Oscar&#x27;s call" not in html
    assert Availability.objects.get(user=sam).default_meeting_type == mine


# --- Meeting types --------------------------------------------------------------------------------


def type_form(**fields):
    return {
        "name": "Free 30-minute clarity call",
        "slug": "clarity-call",
        "description": "",
        "duration_minutes": "30",
        "location": "",
        "reminder_minutes": "60",
        "is_active": "on",
        **fields,
    }


def test_everyone_sees_the_meeting_types_with_their_public_link(maria, sam):
    meeting_type_for(sam, slug="clarity-call", name="<b>Clarity</b> call")

    html = client_for(maria).get(reverse("sales:meeting_type_list")).content.decode()

    assert "http://127.0.0.1:8000/meet/clarity-call" in html
    assert 'data-copy="link-' in html
    assert "&lt;b&gt;Clarity&lt;/b&gt; call" in html


def test_the_meeting_types_page_has_an_empty_state(sam):
    html = client_for(sam).get(reverse("sales:meeting_type_list")).content.decode()

    assert "No meeting types yet" in html


def test_a_salesperson_creates_a_meeting_type_they_host(sam):
    response = client_for(sam).post(reverse("sales:meeting_type_create"), type_form(host=str(sam.pk)))

    assert response.status_code == 302
    meeting_type = MeetingType.objects.get()
    assert meeting_type.host == sam and meeting_type.team is None
    assert Availability.objects.filter(user=sam).exists()


def test_a_salesperson_cannot_host_for_someone_else(sam, oscar):
    response = client_for(sam).post(reverse("sales:meeting_type_create"), type_form(host=str(oscar.pk)))

    assert response.status_code == 400
    assert not MeetingType.objects.exists()


def test_an_admin_creates_a_round_robin_meeting_type(alice):
    team = TeamFactory(name="Closers")

    response = client_for(alice).post(
        reverse("sales:meeting_type_create"), type_form(host=str(alice.pk), team=str(team.pk))
    )

    assert response.status_code == 302
    meeting_type = MeetingType.objects.get()
    assert meeting_type.team == team and meeting_type.host is None


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"slug": "Clarity Call"}, "lower-case letters"),
        ({"slug": "cancel"}, "reserved"),
        ({"name": ""}, "This field is required"),
        ({"duration_minutes": "7"}, "Select a valid choice"),
        ({"location": "x" * 301}, "at most 300 characters"),
    ],
)
def test_it_explains_what_is_wrong_with_a_meeting_type(sam, fields, message):
    response = client_for(sam).post(
        reverse("sales:meeting_type_create"), type_form(host=str(sam.pk), **fields)
    )

    assert response.status_code == 400
    assert message in response.content.decode()


def test_two_meeting_types_cannot_share_an_address(sam):
    meeting_type_for(sam, slug="clarity-call")

    response = client_for(sam).post(reverse("sales:meeting_type_create"), type_form(host=str(sam.pk)))

    assert response.status_code == 400
    assert "Another meeting type already uses this address" in response.content.decode()


def test_the_host_edits_and_pauses_a_meeting_type(sam):
    meeting_type = meeting_type_for(sam, slug="clarity-call")
    url = reverse("sales:meeting_type_edit", args=[meeting_type.public_id])

    response = client_for(sam).post(url, type_form(host=str(sam.pk), name="Renamed", is_active=""))

    meeting_type.refresh_from_db()
    assert response.status_code == 302
    assert meeting_type.name == "Renamed" and meeting_type.is_active is False


def test_others_may_see_but_not_edit_a_meeting_type(sam, oscar, maria):
    meeting_type = meeting_type_for(oscar, slug="oscars")
    url = reverse("sales:meeting_type_edit", args=[meeting_type.public_id])

    assert client_for(sam).get(url).status_code == 403
    assert client_for(maria).post(url, type_form(host=str(oscar.pk), name="Hijacked")).status_code == 403
    meeting_type.refresh_from_db()
    assert meeting_type.name != "Hijacked"


# --- Booked meetings ------------------------------------------------------------------------------


def test_it_lists_upcoming_meetings_of_my_team_only(sam, tess, oscar, tuesday):
    for person in (sam, tess, oscar):
        availability_for(person)
    book(meeting_type_for(tess, slug="tess"), email="teammate@example.org", name="Teammate Guest")
    book(meeting_type_for(oscar, slug="oscar"), email="outsider@example.org", name="Outsider Guest")

    html = client_for(sam).get(reverse("sales:meeting_list")).content.decode()

    assert "Teammate Guest" in html
    assert "Outsider Guest" not in html


def test_it_shows_times_in_the_readers_time_zone(sam, tuesday):
    availability_for(sam)
    book(meeting_type_for(sam))
    sam.time_zone = "Asia/Tokyo"
    sam.save()

    html = client_for(sam).get(reverse("sales:meeting_list")).content.decode()

    assert "Wed 25 Nov 2026, 23:00" in html
    assert "Asia/Tokyo" in html


def test_it_filters_past_meetings_and_by_host(alice, sam, tess, tuesday):
    availability_for(sam)
    availability_for(tess)
    book(meeting_type_for(sam, slug="sam"), email="one@example.org", name="Upcoming Guest")
    tuesday.move_to(TUESDAY_10AM.replace(day=30))
    book(
        meeting_type_for(tess, slug="tess"),
        start="2026-12-01T10:00:00Z",
        email="two@example.org",
        name="Tess Guest",
    )
    client = client_for(alice)

    past = client.get(reverse("sales:meeting_list") + "?when=past").content.decode()
    by_host = client.get(reverse("sales:meeting_list") + f"?host={tess.public_id}").content.decode()
    bad_host = client.get(reverse("sales:meeting_list") + "?host=<script>&when=<b>")

    assert "Upcoming Guest" in past and "Tess Guest" not in past
    assert "Tess Guest" in by_host and "Upcoming Guest" not in by_host
    assert bad_host.status_code == 200


def test_it_lists_meetings_in_a_constant_number_of_queries(
    alice, sam, tuesday, django_assert_max_num_queries
):
    availability_for(sam, buffer_after_minutes=0)
    meeting_type = meeting_type_for(sam)
    for index in range(12):
        book(
            meeting_type,
            start=f"2026-11-{25 + index // 8}T{9 + index % 8:02d}:00:00Z",
            email=f"g{index}@example.org",
        )
    client = client_for(alice)

    with django_assert_max_num_queries(10):
        response = client.get(reverse("sales:meeting_list"))

    assert response.content.decode().count("Cancel…") == 12


def test_it_has_an_empty_state(sam):
    html = client_for(sam).get(reverse("sales:meeting_list")).content.decode()

    assert "No upcoming meetings" in html


def test_the_host_cancels_after_confirming(sam, tuesday, mailoutbox, django_capture_on_commit_callbacks):
    availability_for(sam)
    meeting = book(meeting_type_for(sam))
    url = reverse("sales:meeting_cancel", args=[meeting.public_id])
    client = client_for(sam)

    confirmation = client.get(url)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"reason": "Double-booked with a customer visit"})

    meeting.refresh_from_db()
    assert "Cancel this meeting?" in confirmation.content.decode()
    assert response.status_code == 302
    assert meeting.state == MeetingState.CANCELLED
    assert meeting.cancel_reason == "Double-booked with a customer visit"
    assert [message.to for message in mailoutbox] == [["ada@example.org"], [sam.email]]


def test_only_the_host_or_an_admin_cancels(sam, tess, maria, tuesday):
    availability_for(tess)
    meeting = book(meeting_type_for(tess))
    url = reverse("sales:meeting_cancel", args=[meeting.public_id])

    assert client_for(sam).post(url).status_code == 403
    assert client_for(maria).post(url).status_code == 403
    meeting.refresh_from_db()
    assert meeting.state == MeetingState.CONFIRMED


def test_a_cancelled_meeting_cannot_be_cancelled_twice(sam, tuesday):
    availability_for(sam)
    meeting = book(meeting_type_for(sam))
    url = reverse("sales:meeting_cancel", args=[meeting.public_id])
    client_for(sam).post(url)

    response = client_for(sam).post(url)

    assert response.status_code == 400
    assert "This meeting is already cancelled" in response.content.decode()


# --- The contact page's panel ---------------------------------------------------------------------


def test_the_contact_page_shows_the_contacts_meetings(sam, tuesday):
    availability_for(sam)
    meeting = book(meeting_type_for(sam), notes="<img src=x onerror=alert(1)>")

    response = client_for(sam).get(f"/contacts/{meeting.contact.public_id}/meetings/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Free 30-minute clarity call" in html and "Upcoming" in html
    assert "<img src=x" not in html


def test_the_contact_panel_follows_the_access_rules(sam, oscar):
    contact = ContactFactory(owner=oscar)

    assert client_for(sam).get(f"/contacts/{contact.public_id}/meetings/").status_code == 404


def test_the_contact_panel_has_an_empty_state(sam):
    contact = ContactFactory(owner=sam)

    html = client_for(sam).get(f"/contacts/{contact.public_id}/meetings/").content.decode()

    assert "No meetings booked yet" in html
