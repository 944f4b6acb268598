"""The public booking page /meet/<slug>: free times in the visitor's time zone, booking through the
form, and bad input answered with a 4xx page that keeps what was typed."""

from __future__ import annotations

import re
import uuid

import pytest
import time_machine
from django.test import Client

from leadline.sales.models import Meeting
from tests.sales.meeting_support import TUESDAY_10AM, availability_for, meeting_type_for

pytestmark = pytest.mark.usefixtures("tuesday")


@pytest.fixture
def tuesday():
    with time_machine.travel(TUESDAY_10AM, tick=False) as traveller:
        yield traveller


@pytest.fixture
def meeting_type(sam):
    availability_for(sam, time_zone="Europe/Berlin")
    return meeting_type_for(sam, slug="clarity-call", description="Bring <b>questions</b>.")


def page(client: Client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def answers(**fields):
    return {
        "start": "2026-11-25T14:00:00Z",
        "name": "Ada Lovelace",
        "email": "ada@example.org",
        "notes": "",
        "time_zone": "America/New_York",
        **fields,
    }


# --- Showing free times ---------------------------------------------------------------------------


def test_it_shows_free_times_in_the_visitors_time_zone(meeting_type):
    html = page(Client(), "/meet/clarity-call?tz=America/New_York")

    # 09:00 in Berlin (UTC+1 in November) is 03:00 in New York.
    assert 'value="2026-11-25T08:00:00Z"' in html
    assert re.search(r'value="2026-11-25T08:00:00Z"[^>]*>\s*<span>03:00</span>', html)
    assert '<option value="America/New_York" selected>' in html


def test_it_shows_utc_until_the_browser_says_otherwise(meeting_type):
    html = page(Client(), "/meet/clarity-call")

    assert '<option value="UTC" selected>' in html
    assert "data-detect-zone" in html
    assert re.search(r'value="2026-11-25T08:00:00Z"[^>]*>\s*<span>08:00</span>', html)


@pytest.mark.parametrize("zone", ["Mars/Olympus", "<script>alert(1)</script>", "", "europe/berlin"])
def test_it_falls_back_to_utc_for_an_unknown_zone(meeting_type, zone):
    html = page(Client(), f"/meet/clarity-call?tz={zone}")

    assert '<option value="UTC" selected>' in html
    assert "<script>alert(1)</script>" not in html


def test_it_groups_times_by_the_visitors_day(meeting_type):
    # The last Berlin slot on Wednesday, 16:30 CET = 15:30 UTC, is already Thursday in Tokyo.
    html = page(Client(), "/meet/clarity-call?tz=Asia/Tokyo")

    thursday = html[html.index('data-times="2026-11-26"') :]
    assert 'value="2026-11-25T15:30:00Z"' in thursday.split("data-times=")[1]


def test_it_leaves_out_taken_times(meeting_type, sam):
    Client().post("/meet/clarity-call", answers())

    html = page(Client(), "/meet/clarity-call")

    assert 'value="2026-11-25T14:00:00Z"' not in html
    assert 'value="2026-11-25T14:30:00Z"' in html


def test_it_says_so_when_nothing_is_free(sam):
    availability_for(sam, weekly_hours={})
    meeting_type_for(sam, slug="nothing")

    html = page(Client(), "/meet/nothing")

    assert "No free times right now" in html


def test_it_sets_the_csrf_cookie_and_loads_scripts_from_files_only(meeting_type):
    client = Client(enforce_csrf_checks=True)
    response = client.get("/meet/clarity-call")
    html = response.content.decode()

    assert "csrftoken" in response.cookies
    assert 'name="csrfmiddlewaretoken"' in html
    assert "<script>" not in html and " on" + "click=" not in html
    assert '<script src="/static/leadline/booking.js" defer></script>' in html


def test_it_escapes_what_the_host_wrote(meeting_type):
    html = page(Client(), "/meet/clarity-call")

    assert "Bring &lt;b&gt;questions&lt;/b&gt;." in html


def test_it_carries_the_visitor_id_from_the_link_or_the_cookie(meeting_type):
    visitor = str(uuid.uuid4())
    assert f'name="ll_visitor" value="{visitor}"' in page(Client(), f"/meet/clarity-call?ll_vid={visitor}")

    client = Client()
    client.cookies["_ll_vid"] = visitor
    assert f'name="ll_visitor" value="{visitor}"' in page(client, "/meet/clarity-call")


@pytest.mark.parametrize("slug", ["no-such-page", "x" * 90, "CLARITY-CALL"])
def test_it_answers_404_for_unknown_pages(meeting_type, slug):
    assert Client().get(f"/meet/{slug}").status_code == 404


def test_it_answers_404_for_a_paused_meeting_type(meeting_type):
    meeting_type.is_active = False
    meeting_type.save()

    assert Client().get("/meet/clarity-call").status_code == 404


def test_it_lists_the_open_booking_pages(meeting_type, sam):
    meeting_type_for(sam, slug="paused", name="Paused call", is_active=False)

    html = page(Client(), "/meet/")

    assert "/meet/clarity-call" in html
    assert "Paused call" not in html


# --- Booking through the form ---------------------------------------------------------------------


def test_it_books_and_shows_the_confirmation_in_the_visitors_zone(meeting_type):
    client = Client()

    response = client.post("/meet/clarity-call", answers())

    assert response.status_code == 303
    meeting = Meeting.objects.get()
    assert meeting.guest_time_zone == "America/New_York"
    done = page(client, response["Location"])
    assert "You are booked" in done
    assert "Wednesday 25 November 2026, 09:00–09:30" in done
    assert "America/New York" in done
    assert "/meet/reschedule/" in done and "/meet/cancel/" in done


def test_it_records_the_page_and_visitor_of_the_booking(meeting_type):
    visitor = str(uuid.uuid4())

    Client().post(
        "/meet/clarity-call", answers(ll_visitor=visitor, ll_page="https://www.example.com/pricing?x=1")
    )

    from leadline.activity.models import Activity, Kind

    entry = Activity.objects.get(kind=Kind.MEETING_BOOKED)
    assert str(entry.visitor_id) == visitor
    assert entry.url == "https://www.example.com/pricing?x=1"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"start": ""}, "Choose a day and a time."),
        ({"start": "2026-11-25T19:00:00Z"}, "not one of the offered times"),
        ({"start": "2026-11-23T14:00:00Z"}, "already passed"),
        ({"start": "'; DROP TABLE sales_meeting; --"}, "Choose one of the offered times"),
        ({"email": "nope"}, "valid email"),
        ({"name": ""}, "Tell us your name"),
        ({"name": "n" * 300}, "at most 200 characters"),
        ({"notes": "x" * 3000}, "at most 2000 characters"),
    ],
)
def test_it_answers_bad_input_with_400_and_keeps_the_form(meeting_type, fields, message):
    data = answers(**{"notes": "Please call me", "name": "<b>Ada</b>", **fields})

    response = Client().post("/meet/clarity-call", data)

    html = response.content.decode()
    assert response.status_code == 400
    assert message.lower() in html.lower()
    assert 'role="alert"' in html
    assert Meeting.objects.count() == 0
    if "name" not in fields:
        assert 'value="&lt;b&gt;Ada&lt;/b&gt;"' in html
    if "notes" not in fields:
        assert "Please call me</textarea>" in html


def test_it_keeps_the_chosen_time_when_another_field_is_wrong(meeting_type):
    html = Client().post("/meet/clarity-call", answers(email="nope")).content.decode()

    assert re.search(r'value="2026-11-25T14:00:00Z"[^>]*checked', html)


def test_it_says_when_the_time_was_just_taken(meeting_type):
    Client().post("/meet/clarity-call", answers())

    response = Client().post("/meet/clarity-call", answers(email="grace@example.org"))

    assert response.status_code == 400
    assert "Someone has just booked this time" in response.content.decode()
    assert Meeting.objects.count() == 1


def test_it_refuses_a_form_sent_by_a_robot(meeting_type):
    response = Client().post("/meet/clarity-call", answers(website="http://spam.example"))

    assert response.status_code == 400
    assert Meeting.objects.count() == 0


def test_it_refuses_a_post_without_the_csrf_token(meeting_type):
    response = Client(enforce_csrf_checks=True).post("/meet/clarity-call", answers())

    assert response.status_code == 403
    assert Meeting.objects.count() == 0


def test_it_answers_413_to_an_oversize_body(meeting_type, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000

    response = Client().post("/meet/clarity-call", answers(notes="x" * 5000))

    assert response.status_code == 413


def test_it_ignores_unknown_fields(meeting_type):
    response = Client().post("/meet/clarity-call", answers(host="1", state="cancelled", sequence="9"))

    assert response.status_code == 303
    meeting = Meeting.objects.get()
    assert meeting.state == "confirmed" and meeting.sequence == 0


def test_it_shows_a_teams_times_in_a_constant_number_of_queries(db, django_assert_max_num_queries):
    from tests.factories import TeamFactory, UserFactory

    team = TeamFactory(name="Closers")
    for index in range(6):
        member = UserFactory(email=f"member{index}@leadline.test")
        team.members.add(member)
        availability_for(member, time_zone=["Europe/Berlin", "America/New_York", "Asia/Tokyo"][index % 3])
    meeting_type_for(None, team=team, slug="team-call")
    client = Client()

    with django_assert_max_num_queries(4):
        response = client.get("/meet/team-call?tz=Europe/Paris")

    assert response.status_code == 200
    assert response.content.decode().count('name="start"') > 100
