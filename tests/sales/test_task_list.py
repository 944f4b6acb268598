"""The full task list: filters, search, pagination."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from tests.conftest import client_for
from tests.factories import ContactFactory
from tests.sales.factories import DealFactory, TaskFactory

NOW = datetime(2027, 6, 15, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def listed(user, **params):
    response = client_for(user).get(reverse("sales:task_list"), params)
    assert response.status_code in (200, 400)
    return response, response.content.decode()


def test_it_lists_open_tasks_i_can_see_soonest_first_undated_last(sam, tess, oscar):
    TaskFactory(title="Undated", assigned_to=sam, due_at=None)
    TaskFactory(title="Later", assigned_to=tess, due_at=NOW + timedelta(days=2))
    TaskFactory(title="Sooner", assigned_to=sam, due_at=NOW + timedelta(days=1))
    TaskFactory(title="Oscar's", assigned_to=oscar)
    TaskFactory(title="Done", assigned_to=sam, completed_at=NOW)

    _response, html = listed(sam)

    assert html.index("Sooner") < html.index("Later") < html.index("Undated")
    assert "Oscar&#x27;s" not in html and "data-task-open>Done<" not in html


def test_it_filters_by_assignee_kind_and_status(sam, tess):
    TaskFactory(title="Sam call", kind="call", assigned_to=sam)
    TaskFactory(title="Sam email", kind="email", assigned_to=sam)
    TaskFactory(title="Tess call", kind="call", assigned_to=tess)
    TaskFactory(title="Sam old call", kind="call", assigned_to=sam, completed_at=NOW)

    _response, html = listed(sam, assignee="me", kind="call")
    assert "Sam call" in html and "Sam email" not in html and "Tess call" not in html

    _response, html = listed(sam, assignee=str(tess.public_id))
    assert "Tess call" in html and "Sam call" not in html

    _response, html = listed(sam, status="done")
    assert "Sam old call" in html and "data-task-open>Sam call<" not in html

    _response, html = listed(sam, status="all", kind="call", assignee="me")
    assert "Sam old call" in html and "Sam call" in html


def test_it_filters_by_due_days_in_my_time_zone(sam):
    sam.time_zone = "Asia/Tokyo"
    sam.save(update_fields=["time_zone"])
    # 16 June 23:30 in Tokyo is still 15 June in UTC.
    TaskFactory(title="Tokyo late evening", assigned_to=sam, due_at=datetime(2027, 6, 16, 14, 30, tzinfo=UTC))
    TaskFactory(title="Tokyo next morning", assigned_to=sam, due_at=datetime(2027, 6, 16, 15, 30, tzinfo=UTC))

    _response, html = listed(sam, due_from="2027-06-16", due_to="2027-06-16")

    assert "Tokyo late evening" in html and "Tokyo next morning" not in html


def test_it_searches_titles_notes_and_contacts(sam):
    TaskFactory(title="Send quote", assigned_to=sam, contact=ContactFactory(owner=sam, first_name="Grace"))
    TaskFactory(title="Prepare demo", notes="Bring the ROI sheet", assigned_to=sam)
    TaskFactory(title="Other", assigned_to=sam)

    assert "Send quote" in listed(sam, q="grace")[1]
    assert "Prepare demo" in listed(sam, q="roi sheet")[1]
    assert "Other" not in listed(sam, q="roi")[1]


def test_it_lists_the_tasks_of_one_contact_or_deal(sam):
    ada = ContactFactory(owner=sam, first_name="Ada")
    deal = DealFactory(owner=sam, name="Renewal", contact=ada)
    TaskFactory(title="About Ada", assigned_to=sam, contact=ada)
    TaskFactory(title="About the renewal", assigned_to=sam, deal=deal)
    TaskFactory(title="Unrelated", assigned_to=sam)

    html = listed(sam, contact=str(ada.public_id))[1]
    assert "About Ada" in html and "Unrelated" not in html

    html = listed(sam, deal=str(deal.public_id))[1]
    assert "About the renewal" in html and "About Ada" not in html


@pytest.mark.parametrize(
    "params",
    [
        {"due_from": "not-a-date"},
        {"due_from": "2027-06-20", "due_to": "2027-06-10"},
        {"status": "archived"},
        {"kind": "<script>"},
        {"assignee": "=cmd|' /C calc'!A0"},
        {"q": "x" * 500},
        {"page": "-1", "per_page": "9999"},
        {"contact": "not-a-uuid", "deal": "00000000-0000-0000-0000-000000000000"},
    ],
)
def test_bad_filters_get_a_message_not_an_error(sam, params):
    TaskFactory(title="Still listed", assigned_to=sam)

    response, html = listed(sam, **params)

    assert response.status_code in (200, 400)
    assert "<script>" not in html.split("<main", 1)[1]


def test_a_backwards_due_range_is_explained(sam):
    response, html = listed(sam, due_from="2027-06-20", due_to="2027-06-10")

    assert response.status_code == 400
    assert "The end is before the start." in html


def test_it_paginates(sam):
    for day in range(60):
        TaskFactory(title=f"Task {day:02d}", assigned_to=sam, due_at=NOW + timedelta(days=day))

    first = listed(sam)[1]
    second = listed(sam, page=2)[1]

    assert "Task 00" in first and "Task 50" not in first
    assert "Task 50" in second and "Page 2 of 2" in second


def test_it_shows_an_empty_state(sam):
    assert "No open tasks" in listed(sam)[1]
    assert "No task matches" in listed(sam, q="nothing")[1]


def test_it_lists_in_a_constant_number_of_queries(sam, django_assert_max_num_queries):
    for index in range(40):
        TaskFactory(
            assigned_to=sam,
            contact=ContactFactory(owner=sam),
            deal=DealFactory(owner=sam) if index % 2 else None,
        )
    client = client_for(sam)

    with django_assert_max_num_queries(12):
        response = client.get(reverse("sales:task_list"))

    assert response.content.decode().count("data-task-row") == 40
