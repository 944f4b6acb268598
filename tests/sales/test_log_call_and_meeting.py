"""Logging a call or a meeting on a contact: the timeline entry and the first sales touch."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from leadline.activity.models import Activity, Kind
from tests.conftest import client_for
from tests.factories import ContactFactory
from tests.sales.factories import HandoffFactory

NOW = datetime(2027, 10, 5, 14, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def log(user, contact, kind="call", **data):
    name = "sales:log_call" if kind == "call" else "sales:log_meeting"
    values = {"outcome": "connected" if kind == "call" else "held", "occurred_date": "2027-10-05"}
    values.update({"occurred_time": "13:30", **data})
    return client_for(user).post(reverse(name, args=[contact.public_id]), values)


def test_it_writes_the_call_on_the_timeline(sam):
    ada = ContactFactory(owner=sam)

    response = log(sam, ada, duration_minutes="12", notes="Wants a demo next week.\nCFO joins.")

    assert response.status_code == 302
    assert response["Location"] == reverse("contacts:detail", args=[ada.public_id])
    entry = Activity.objects.get(kind=Kind.CALL_LOGGED)
    assert entry.contact == ada and entry.actor == sam
    assert entry.occurred_at == datetime(2027, 10, 5, 13, 30, tzinfo=UTC)
    assert entry.title == "Call · connected · 12 min — Wants a demo next week."
    assert entry.data == {
        "outcome": "connected",
        "notes": "Wants a demo next week.\nCFO joins.",
        "duration_minutes": 12,
        "via": "manual",
    }


def test_it_writes_a_meeting_on_the_timeline(sam):
    ada = ContactFactory(owner=sam)

    log(sam, ada, kind="meeting", outcome="no_show")

    entry = Activity.objects.get(kind=Kind.MEETING_LOGGED)
    assert entry.title == "Meeting · no-show"


def test_the_time_is_read_in_my_time_zone(sam):
    sam.time_zone = "America/Los_Angeles"
    sam.save(update_fields=["time_zone"])

    log(sam, ContactFactory(owner=sam), occurred_time="06:45")

    assert Activity.objects.get().occurred_at == datetime(2027, 10, 5, 13, 45, tzinfo=UTC)


def test_the_call_is_the_leads_first_sales_touch(sam):
    handoff = HandoffFactory(assigned_to=sam, assigned_at=NOW - timedelta(hours=3))

    log(sam, handoff.contact)

    handoff.refresh_from_db()
    assert handoff.first_touch_at == datetime(2027, 10, 5, 13, 30, tzinfo=UTC)


def test_marketing_may_log_a_call_but_it_is_no_sales_touch(maria):
    handoff = HandoffFactory(assigned_at=NOW - timedelta(hours=3))

    log(maria, handoff.contact)

    handoff.refresh_from_db()
    assert Activity.objects.filter(kind=Kind.CALL_LOGGED).count() == 1
    assert handoff.first_touch_at is None


def test_the_page_form_works_without_javascript(sam):
    ada = ContactFactory(owner=sam, first_name="Ada")

    html = client_for(sam).get(reverse("sales:log_meeting", args=[ada.public_id])).content.decode()

    assert "Log a meeting with Ada" in html
    assert 'name="outcome" value="held"' in html


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"outcome": "ghosted"}, "Select a valid choice"),
        ({"occurred_date": "2027-10-06"}, "this time is in the future"),
        ({"occurred_date": "yesterday"}, "Enter a valid date."),
        ({"occurred_time": "24:61"}, "Enter a valid time."),
        ({"duration_minutes": "-5"}, "greater than or equal to 0"),
        ({"duration_minutes": "99999"}, "less than or equal to 1440"),
        ({"duration_minutes": "ten"}, "Enter a whole number."),
        ({"notes": "x" * 10_001}, "at most 10000 characters"),
        ({"occurred_date": "1999-01-01"}, "between the years 2000 and 2099"),
    ],
)
def test_it_refuses_bad_input_with_a_message(sam, data, message):
    response = log(sam, ContactFactory(owner=sam), **data)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Activity.objects.filter(kind=Kind.CALL_LOGGED).exists()


def test_a_time_the_clocks_skip_is_refused(sam):
    sam.time_zone = "Europe/London"
    sam.save(update_fields=["time_zone"])
    with time_machine.travel(datetime(2028, 4, 1, 12, 0, tzinfo=UTC), tick=False):
        response = log(sam, ContactFactory(owner=sam), occurred_date="2028-03-26", occurred_time="01:30")

    assert response.status_code == 400
    assert "does not exist on that day" in response.content.decode()


def test_hostile_notes_stay_text(sam):
    ada = ContactFactory(owner=sam)

    log(sam, ada, notes="<script>alert(1)</script>")
    html = client_for(sam).get(reverse("activity:timeline", args=[ada.public_id])).content.decode()

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_a_hidden_contact_is_a_404(sam, oscar):
    response = log(sam, ContactFactory(owner=oscar))
    assert response.status_code == 404
