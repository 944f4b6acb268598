"""Adding a task: the full form, the quick add, times entered in the person's own time zone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse

from leadline.core.models import Notification
from leadline.sales.models import Task, TaskKind
from tests.conftest import client_for
from tests.factories import ContactFactory
from tests.sales.factories import DealFactory

# A Wednesday in late March 2027: Berlin moves its clocks forward on Sunday 28 March.
WEDNESDAY = datetime(2027, 3, 24, 10, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def wednesday():
    with time_machine.travel(WEDNESDAY, tick=False):
        yield


@pytest.fixture
def berlin_sam(sam):
    sam.time_zone = "Europe/Berlin"
    sam.save(update_fields=["time_zone"])
    return sam


def post(user, data, **query):
    url = reverse("sales:task_create")
    if query:
        url += "?" + "&".join(f"{key}={value}" for key, value in query.items())
    return client_for(user).post(url, data)


def test_it_adds_a_task_assigned_to_me_by_default(sam):
    response = post(sam, {"title": "Call Ada", "kind": "call"})

    assert response.status_code == 302
    task = Task.objects.get()
    assert (task.title, task.kind, task.assigned_to, task.created_by) == ("Call Ada", "call", sam, sam)
    assert task.due_at is None and task.completed_at is None


def test_it_reads_the_due_time_in_the_persons_time_zone(berlin_sam):
    post(berlin_sam, {"title": "Call Ada", "kind": "call", "due_date": "2027-03-25", "due_time": "09:00"})

    task = Task.objects.get()
    assert task.due_at == datetime(2027, 3, 25, 8, 0, tzinfo=UTC)  # 09:00 in Berlin (UTC+1)
    assert not task.due_all_day


def test_it_shows_the_due_time_back_in_the_persons_time_zone(berlin_sam):
    post(berlin_sam, {"title": "Call Ada", "kind": "call", "due_date": "2027-03-25", "due_time": "09:00"})
    task = Task.objects.get()

    html = client_for(berlin_sam).get(reverse("sales:task_detail", args=[task.public_id])).content.decode()

    assert 'value="09:00"' in html and 'value="2027-03-25"' in html


def test_it_follows_the_daylight_saving_change(berlin_sam):
    post(
        berlin_sam,
        {"title": "After the change", "due_date": "2027-03-29", "due_time": "09:00", "kind": "todo"},
    )

    assert Task.objects.get().due_at == datetime(2027, 3, 29, 7, 0, tzinfo=UTC)  # UTC+2 from the 28th


def test_it_refuses_a_time_the_clocks_skip(berlin_sam):
    response = post(
        berlin_sam, {"title": "In the gap", "kind": "todo", "due_date": "2027-03-28", "due_time": "02:30"}
    )

    assert response.status_code == 400
    assert "does not exist on that day" in response.content.decode()
    assert not Task.objects.exists()


def test_a_task_without_a_time_is_due_on_its_day(berlin_sam):
    post(berlin_sam, {"title": "Send the quote", "kind": "email", "due_date": "2027-03-26"})

    task = Task.objects.get()
    assert task.due_all_day
    assert task.due_at == datetime(2027, 3, 26, 12, 0, tzinfo=UTC)


def test_it_sets_the_reminder_before_the_due_time(berlin_sam):
    post(
        berlin_sam,
        {
            "title": "Call Ada",
            "kind": "call",
            "due_date": "2027-03-25",
            "due_time": "09:00",
            "reminder": "15",
        },
    )

    assert Task.objects.get().remind_at == datetime(2027, 3, 25, 7, 45, tzinfo=UTC)


def test_a_day_only_task_reminds_from_nine_in_the_morning(berlin_sam):
    post(berlin_sam, {"title": "Quote", "kind": "todo", "due_date": "2027-03-25", "reminder": "60"})

    assert Task.objects.get().remind_at == datetime(2027, 3, 25, 7, 0, tzinfo=UTC)  # 08:00 Berlin


def test_a_reminder_needs_a_due_date(sam):
    response = post(sam, {"title": "Someday", "kind": "todo", "reminder": "15"})

    assert response.status_code == 400
    assert "A reminder needs a due date." in response.content.decode()


def test_a_time_needs_a_day(sam):
    response = post(sam, {"title": "When?", "kind": "todo", "due_time": "10:00"})

    assert response.status_code == 400
    assert "Pick the day this time is on." in response.content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"title": ""}, "This field is required."),
        ({"title": "x" * 201}, "Ensure this value has at most 200 characters"),
        ({"title": "Ok", "kind": "fax"}, "Select a valid choice"),
        ({"title": "Ok", "due_date": "20266-01-01"}, "Enter a valid date."),
        ({"title": "Ok", "due_date": "1999-12-31"}, "between the years 2000 and 2099"),
        ({"title": "Ok", "due_date": "2027-03-25", "due_time": "25:00"}, "Enter a valid time."),
        ({"title": "Ok", "reminder": "7"}, "Select a valid choice"),
        ({"title": "Ok", "assigned_to": "not-a-person"}, "Select a valid choice"),
        ({"title": "Null\x00byte"}, "Null characters are not allowed."),
    ],
)
def test_it_refuses_bad_input_with_a_message(sam, data, message):
    response = post(sam, {"kind": "todo", **data})

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Task.objects.exists()


def test_it_keeps_hostile_text_as_text(sam):
    title = '<img src=x onerror=alert(1)> =HYPERLINK("http://evil.example")'

    post(sam, {"title": title, "kind": "todo"})
    html = client_for(sam).get(reverse("sales:my_day") + "?scope=mine").content.decode()

    assert Task.objects.get().title == title
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_it_links_a_contact_by_email(sam):
    ada = ContactFactory(email="ada@example.org", owner=sam)

    post(sam, {"title": "Call Ada", "kind": "call", "contact": "ADA@example.org "})

    assert Task.objects.get().contact == ada


def test_it_refuses_a_contact_i_cannot_see(sam, oscar):
    hidden = ContactFactory(owner=oscar)

    response = post(sam, {"title": "Peek", "kind": "call", "contact": str(hidden.public_id)})

    assert response.status_code == 400
    assert "No contact you can see" in response.content.decode()
    assert not Task.objects.exists()


def test_it_links_a_deal_and_its_contact(sam):
    deal = DealFactory(owner=sam, contact__owner=sam)

    post(sam, {"title": "Send proposal", "kind": "email", "deal": str(deal.public_id)})

    task = Task.objects.get()
    assert task.deal == deal
    assert task.contact == deal.contact


@pytest.mark.parametrize("value", ["not-a-uuid", "00000000-0000-0000-0000-000000000000"])
def test_it_refuses_an_unknown_deal(sam, value):
    response = post(sam, {"title": "Send proposal", "kind": "email", "deal": value})

    assert response.status_code == 400
    assert "No deal you can see has this id." in response.content.decode()


def test_it_refuses_a_deal_of_another_team(sam, oscar):
    deal = DealFactory(owner=oscar, contact__owner=oscar)

    response = post(sam, {"title": "Peek", "kind": "email", "deal": str(deal.public_id)})

    assert response.status_code == 400
    assert not Task.objects.exists()


def test_it_prefills_contact_and_deal_from_the_address(sam):
    deal = DealFactory(owner=sam, name="Big renewal", contact__owner=sam, contact__email="bo@example.org")

    html = (
        client_for(sam)
        .get(
            reverse("sales:task_create")
            + f"?contact={deal.contact.public_id}&deal={deal.public_id}&kind=call"
        )
        .content.decode()
    )

    assert 'value="bo@example.org"' in html
    assert f'<option value="{deal.public_id}" selected>Big renewal</option>' in html


def test_it_assigns_to_a_colleague_and_tells_them(sam, maria, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        post(sam, {"title": "Write the case study", "kind": "todo", "assigned_to": str(maria.public_id)})

    task = Task.objects.get()
    assert task.assigned_to == maria and task.created_by == sam
    notification = Notification.objects.get(user=maria)
    assert notification.kind == "task.assigned"
    assert "Write the case study" in notification.title
    assert notification.url == reverse("sales:task_detail", args=[task.public_id])


def test_it_goes_back_where_it_came_from(sam):
    response = post(sam, {"title": "Call", "kind": "call", "next": "/tasks/all/"})
    assert response["Location"] == "/tasks/all/"


def test_it_ignores_a_next_address_on_another_site(sam):
    response = post(sam, {"title": "Call", "kind": "call", "next": "https://evil.example/"})
    assert response["Location"] == reverse("sales:my_day")


def test_the_quick_add_of_my_day_needs_only_a_title(sam):
    response = post(sam, {"title": "Prepare the demo", "kind": TaskKind.MEETING, "due_date": "2027-03-24"})

    assert response.status_code == 302
    assert Task.objects.get().assigned_to == sam
