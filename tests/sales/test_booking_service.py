"""Booking a meeting through the service: the meeting, the contact stitched like a form
submission, the timeline, the sales touch, the host's notification, the emails — and every way a
booking is refused."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError

from leadline.activity.models import Activity, Kind
from leadline.contacts.models import Contact, LifecycleStage
from leadline.core.models import Notification
from leadline.sales.meeting_services import meeting_book
from leadline.sales.models import HandoffState, Meeting, MeetingState
from leadline.tracking.models import Site, Visitor
from tests.factories import ContactFactory, TeamFactory, UserFactory
from tests.sales.factories import HandoffFactory
from tests.sales.meeting_support import (
    TUESDAY_10AM,
    WEDNESDAY_2PM,
    availability_for,
    book,
    guest,
    invites_in,
    meeting_type_for,
    sent_to,
)

pytestmark = pytest.mark.usefixtures("tuesday")


@pytest.fixture
def tuesday():
    with time_machine.travel(TUESDAY_10AM, tick=False) as traveller:
        yield traveller


@pytest.fixture
def host(sam):
    availability_for(sam)
    return sam


@pytest.fixture
def clarity_call(host):
    return meeting_type_for(host, reminder_minutes=60)


def start_error(error: pytest.ExceptionInfo[ValidationError]) -> str:
    return " ".join(error.value.message_dict["start"])


# --- What a booking does --------------------------------------------------------------------------


def test_it_books_the_meeting_at_the_chosen_time(clarity_call, host):
    meeting = book(clarity_call)

    assert meeting.host == host
    assert meeting.starts_at == datetime(2026, 11, 25, 14, 0, tzinfo=UTC)
    assert meeting.ends_at == datetime(2026, 11, 25, 14, 30, tzinfo=UTC)
    assert meeting.state == MeetingState.CONFIRMED
    assert meeting.sequence == 0
    assert meeting.guest_time_zone == "Europe/London"
    assert meeting.remind_at == datetime(2026, 11, 25, 13, 0, tzinfo=UTC)


def test_it_creates_a_lead_owned_by_the_host(clarity_call, host):
    meeting = book(clarity_call, name="Ada  King Lovelace", email="Ada@Example.org")

    contact = meeting.contact
    assert contact.email == "ada@example.org"
    assert (contact.first_name, contact.last_name) == ("Ada", "King Lovelace")
    assert contact.owner == host
    assert contact.lifecycle_stage == LifecycleStage.LEAD
    assert contact.time_zone == "Europe/London"


def test_it_matches_an_existing_contact_by_email_without_overwriting_it(clarity_call, oscar):
    existing = ContactFactory(
        email="ada@example.org", first_name="Augusta", owner=oscar, lifecycle_stage=LifecycleStage.SQL
    )

    meeting = book(clarity_call, name="Ada Lovelace", email="ADA@example.org")

    existing.refresh_from_db()
    assert meeting.contact == existing
    assert Contact.objects.count() == 1
    assert existing.first_name == "Augusta"
    assert existing.owner == oscar
    assert existing.lifecycle_stage == LifecycleStage.SQL


def test_it_moves_a_subscriber_forward_to_lead(clarity_call):
    existing = ContactFactory(email="ada@example.org", lifecycle_stage=LifecycleStage.SUBSCRIBER)

    book(clarity_call)

    existing.refresh_from_db()
    assert existing.lifecycle_stage == LifecycleStage.LEAD


def test_it_stitches_the_visitors_earlier_visits_like_a_form(clarity_call):
    site = Site.objects.create(name="Website", allowed_domains=["www.example.com"])
    visitor_id = uuid.uuid4()
    Visitor.objects.create(
        site=site,
        visitor_uuid=visitor_id,
        first_seen_at=TUESDAY_10AM - timedelta(days=3),
        last_seen_at=TUESDAY_10AM - timedelta(hours=1),
        session_id=visitor_id,
        session_started_at=TUESDAY_10AM - timedelta(hours=1),
        first_source="google",
        first_medium="cpc",
    )
    earlier = Activity.objects.create(
        kind=Kind.PAGE_VIEW,
        visitor_id=visitor_id,
        occurred_at=TUESDAY_10AM - timedelta(days=3),
        title="Pricing",
    )

    meeting = book(clarity_call, visitor_id=str(visitor_id))

    earlier.refresh_from_db()
    assert earlier.contact == meeting.contact
    assert Visitor.objects.get(visitor_uuid=visitor_id).contact == meeting.contact
    assert meeting.contact.original_source == "paid_search"


def test_it_ignores_a_visitor_id_that_is_not_one(clarity_call):
    meeting = book(clarity_call, visitor_id="<script>")

    assert meeting.contact is not None


def test_it_writes_the_booking_on_the_timeline(clarity_call, host):
    meeting = book(clarity_call)

    entry = Activity.objects.get(kind=Kind.MEETING_BOOKED)
    assert entry.contact == meeting.contact
    assert entry.data["meeting"] == str(meeting.public_id)
    assert entry.data["starts_at"] == "2026-11-25T14:00:00+00:00"
    assert host.display_name in entry.title


def test_it_counts_as_the_first_sales_touch_of_the_hand_off(clarity_call, host):
    contact = ContactFactory(email="ada@example.org", lifecycle_stage=LifecycleStage.MQL)
    handoff = HandoffFactory(
        contact=contact,
        assigned_to=host,
        assigned_at=TUESDAY_10AM - timedelta(hours=2),
        state=HandoffState.PENDING,
    )

    book(clarity_call)

    handoff.refresh_from_db()
    assert handoff.first_touch_at == TUESDAY_10AM


def test_it_tells_the_host_in_the_app(clarity_call, host):
    meeting = book(clarity_call)

    notification = Notification.objects.get(user=host)
    assert notification.kind == "meeting.booked"
    assert "Ada Lovelace" in notification.title
    assert str(meeting.contact.public_id) in notification.url


def test_it_emails_the_guest_and_the_host_an_invite(
    clarity_call, host, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        meeting = book(clarity_call)

    to_guest, to_host = sent_to("ada@example.org"), sent_to(host.email)
    assert len(to_guest) == 1 and len(to_host) == 1
    assert to_guest[0].subject.startswith("Confirmed: Free 30-minute clarity call")
    assert "Wednesday 25 November 2026, 14:00–14:30 (Europe/London)" in to_guest[0].body
    assert "/meet/cancel/" in to_guest[0].body and "/meet/reschedule/" in to_guest[0].body
    assert to_guest[0].reply_to == [host.email]
    [invite] = invites_in(to_guest[0])
    assert invite["METHOD"] == "REQUEST"
    assert str(invite.walk("VEVENT")[0]["UID"]) == f"meeting-{meeting.public_id}@127.0.0.1"
    assert len(invites_in(to_host[0])) == 1


def test_it_sends_each_email_once_however_often_the_job_runs(
    clarity_call, mailoutbox, django_capture_on_commit_callbacks
):
    from leadline.core.jobs import job_execute, jobs_claim_due

    with django_capture_on_commit_callbacks(execute=True):
        book(clarity_call)
    for job_id in jobs_claim_due(now=TUESDAY_10AM + timedelta(hours=1)):
        job_execute(job_id)

    assert len(mailoutbox) == 2


def test_it_skips_the_reminder_when_booked_inside_the_reminder_time(host, tuesday):
    short_notice = meeting_type_for(host, reminder_minutes=1440)

    meeting = book(short_notice, start="2026-11-24T15:00:00Z")

    assert meeting.remind_at is None


# --- Refusals -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "message"),
    [
        ("2026-11-23T14:00:00Z", "already passed"),
        ("2026-11-24T10:30:00Z", "too soon"),
        ("2027-02-24T14:00:00Z", "too far ahead"),
        ("2026-11-25T19:00:00Z", "not one of the offered times"),
        ("2026-11-28T10:00:00Z", "not one of the offered times"),
        ("2026-11-25T14:07:00Z", "not one of the offered times"),
        ("2026-11-25T14:00:00", "Choose one of the offered times"),
        ("next Wednesday", "Choose one of the offered times"),
        ("", "Choose one of the offered times"),
        ('=HYPERLINK("http://evil")', "Choose one of the offered times"),
    ],
)
def test_it_refuses_times_that_cannot_be_booked(clarity_call, start, message):
    with pytest.raises(ValidationError) as error:
        book(clarity_call, start=start)

    assert message in start_error(error)
    assert Meeting.objects.count() == 0
    assert Contact.objects.count() == 0


def test_it_refuses_a_time_already_taken(clarity_call):
    book(clarity_call)

    with pytest.raises(ValidationError) as error:
        book(clarity_call, email="grace@example.org")

    assert "just booked" in start_error(error)
    assert Meeting.objects.count() == 1


def test_it_refuses_an_overlap_with_a_longer_meeting(host):
    long_call = meeting_type_for(host, duration_minutes=90, slug="long")
    short_call = meeting_type_for(host, duration_minutes=30, slug="short")
    book(long_call, start="2026-11-25T13:00:00Z")

    with pytest.raises(ValidationError) as error:
        book(short_call, start="2026-11-25T14:00:00Z", email="grace@example.org")

    assert "just booked" in start_error(error)


def test_it_keeps_the_buffers_between_meetings(host, clarity_call):
    availability_for(host, buffer_after_minutes=15)
    book(clarity_call, start="2026-11-25T14:00:00Z")

    with pytest.raises(ValidationError):
        book(clarity_call, start="2026-11-25T14:30:00Z", email="grace@example.org")
    assert book(clarity_call, start="2026-11-25T15:00:00Z", email="grace@example.org").host == host


def test_it_refuses_a_paused_meeting_type(clarity_call):
    clarity_call.is_active = False
    clarity_call.save()

    with pytest.raises(ValidationError) as error:
        book(clarity_call)

    assert "not taking bookings" in start_error(error)


def test_it_refuses_a_host_without_availability(oscar):
    meeting_type = meeting_type_for(oscar)

    with pytest.raises(ValidationError) as error:
        book(meeting_type)

    assert "Nobody is available" in start_error(error)


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"name": ""}, "name", "Tell us your name"),
        ({"name": "x" * 201}, "name", "At most 200"),
        ({"email": ""}, "email", "Enter your email"),
        ({"email": "not-an-email"}, "email", "valid email"),
        ({"email": "a@b"}, "email", "valid email"),
        ({"email": "<script>@example.org"}, "email", "valid email"),
        ({"notes": "n" * 2001}, "notes", "At most 2000"),
        ({"name": ["Ada"]}, "name", "Must be text"),
    ],
)
def test_it_refuses_bad_guest_details(clarity_call, fields, field, message):
    with pytest.raises(ValidationError) as error:
        meeting_book(meeting_type=clarity_call, start=WEDNESDAY_2PM, data=guest(**fields))

    assert message in " ".join(error.value.message_dict[field])
    assert Meeting.objects.count() == 0


def test_it_reads_an_unknown_guest_time_zone_as_utc(clarity_call):
    meeting = book(clarity_call, time_zone="Mars/Olympus")

    assert meeting.guest_time_zone == "UTC"


# --- Round robin ----------------------------------------------------------------------------------


@pytest.fixture
def team_call(sam, tess):
    team = TeamFactory(name="Closers")
    team.members.add(sam, tess)
    availability_for(sam)
    availability_for(tess)
    return meeting_type_for(None, team=team, slug="team-call")


def test_it_gives_a_team_booking_to_the_member_with_fewer_upcoming_meetings(team_call, sam, tess):
    own = meeting_type_for(sam, slug="sams-own")
    book(own, start="2026-11-26T10:00:00Z", email="first@example.org")

    meeting = book(team_call, start="2026-11-25T10:00:00Z")

    assert meeting.host == tess


def test_it_takes_turns_in_a_team(team_call, sam, tess):
    hosts = [
        book(team_call, start=f"2026-11-25T{hour}:00:00Z", email=f"guest{hour}@example.org").host
        for hour in (10, 11, 12, 13)
    ]

    assert hosts[0] != hosts[1]
    assert sorted(host.pk for host in hosts) == sorted([sam.pk, tess.pk] * 2)


def test_it_gives_the_slot_to_the_member_who_is_free(team_call, sam, tess):
    blocker = meeting_type_for(tess, slug="tess-own")
    book(blocker, start="2026-11-25T10:00:00Z", email="blocker@example.org")
    book(meeting_type_for(tess, slug="tess-more"), start="2026-11-26T10:00:00Z", email="more@example.org")

    meeting = book(team_call, start="2026-11-25T10:00:00Z")

    assert meeting.host == sam


def test_it_skips_away_members_and_those_without_availability(team_call, sam, tess):
    sam.is_away = True
    sam.save()
    newcomer = UserFactory(email="new@leadline.test")
    team_call.team.members.add(newcomer)

    hosts = {
        book(team_call, start=f"2026-11-25T{hour}:00:00Z", email=f"g{hour}@example.org").host
        for hour in (10, 11)
    }

    assert hosts == {tess}


def test_it_refuses_when_the_whole_team_is_busy(team_call, sam, tess):
    book(team_call, start="2026-11-25T10:00:00Z", email="one@example.org")
    book(team_call, start="2026-11-25T10:00:00Z", email="two@example.org")

    with pytest.raises(ValidationError) as error:
        book(team_call, start="2026-11-25T10:00:00Z", email="three@example.org")

    assert "just booked" in start_error(error)


def test_it_keeps_the_source_a_known_contact_came_by(clarity_call):
    existing = ContactFactory(email="ada@example.org", original_source="social", original_source_detail="")

    book(clarity_call)

    existing.refresh_from_db()
    assert (existing.original_source, existing.original_source_detail) == ("social", "")


def test_it_records_the_booking_page_as_a_new_contacts_source(clarity_call):
    meeting = book(clarity_call)

    assert meeting.contact.original_source == "direct"
    assert meeting.contact.original_source_detail == "Booking: Free 30-minute clarity call"


# --- Daylight-saving changes ----------------------------------------------------------------------


def test_it_books_by_the_hosts_local_hours_on_both_sides_of_a_clock_change(sam, tuesday):
    tuesday.move_to(datetime(2026, 3, 25, 12, 0, tzinfo=UTC))
    availability_for(sam, time_zone="Europe/Berlin")
    meeting_type = meeting_type_for(sam)

    before = book(meeting_type, start="2026-03-27T08:00:00Z", email="friday@example.org")  # 09:00 CET
    after = book(meeting_type, start="2026-03-30T07:00:00Z", email="monday@example.org")  # 09:00 CEST
    with pytest.raises(ValidationError) as error:
        book(meeting_type, start="2026-03-30T06:30:00Z", email="early@example.org")  # 08:30 CEST

    assert (before.starts_at.hour, after.starts_at.hour) == (8, 7)
    assert "not one of the offered times" in start_error(error)


def test_it_takes_posted_times_as_instants_on_the_night_the_clocks_go_forward(sam, tuesday):
    tuesday.move_to(datetime(2026, 3, 25, 12, 0, tzinfo=UTC))
    availability_for(sam, time_zone="Europe/Berlin", weekly_hours={"6": [["01:00", "04:00"]]})
    meeting_type = meeting_type_for(sam)

    # Wall-clock 02:30 does not exist in Berlin that night; "02:30+01:00" is the instant 01:30 UTC
    # (03:30 CEST), an offered time. 02:15+01:00 is not one: slots start on the range's half hours.
    meeting = book(meeting_type, start="2026-03-29T02:30:00+01:00")
    with pytest.raises(ValidationError):
        book(meeting_type, start="2026-03-29T02:15:00+01:00", email="odd@example.org")

    assert meeting.starts_at == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)


def test_its_emails_greet_the_guest_and_escape_what_they_typed(
    clarity_call, host, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        book(clarity_call, name="Ada <b>Lovelace</b>", notes="<script>alert(1)</script>")

    [to_guest] = sent_to("ada@example.org")
    [to_host] = sent_to(host.email)
    html = to_host.alternatives[0][0]
    assert to_guest.body.startswith("Hi Ada,")
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "booked <strong>Free 30-minute clarity call</strong> with you" in html
