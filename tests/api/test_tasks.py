"""The tasks API: list with filters and cursor pages, get, create, change, complete, reopen, delete;
calls and meetings logged on a contact."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from leadline.activity.models import Activity, Kind
from leadline.sales.models import Task
from tests.api.client import api_as, error_of
from tests.factories import ContactFactory
from tests.sales.factories import DealFactory, HandoffFactory, TaskFactory

NOW = datetime(2027, 11, 10, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def api(sam):
    return api_as(sam)


def test_it_creates_a_task_assigned_to_the_token_user(api, sam):
    ada = ContactFactory(owner=sam, email="ada@example.org")

    response = api.post(
        "/tasks",
        {
            "title": "Call Ada",
            "kind": "call",
            "due_at": "2027-11-11T10:00:00+01:00",
            "contact": "ada@example.org",
        },
    )

    assert response.status_code == 201, response.content
    body = response.json()
    task = Task.objects.get()
    assert body["id"] == str(task.public_id)
    assert body["assigned_to"]["email"] == sam.email
    assert body["contact"]["id"] == str(ada.public_id)
    assert body["due_at"] == "2027-11-11T09:00:00Z"
    assert body["due_date"] is None


def test_a_time_without_an_offset_is_in_the_users_time_zone(api, sam):
    sam.time_zone = "Asia/Kolkata"
    sam.save(update_fields=["time_zone"])

    api.post("/tasks", {"title": "Call", "due_at": "2027-11-11T10:00:00", "remind_at": "2027-11-11T09:30:00"})

    task = Task.objects.get()
    assert task.due_at == datetime(2027, 11, 11, 4, 30, tzinfo=UTC)
    assert task.remind_at == datetime(2027, 11, 11, 4, 0, tzinfo=UTC)


def test_it_creates_a_task_due_on_a_day(api):
    body = api.post("/tasks", {"title": "Send the quote", "due_date": "2027-11-12"}).json()

    assert body["due_date"] == "2027-11-12"
    assert Task.objects.get().due_all_day


def test_it_links_a_deal(api, sam):
    deal = DealFactory(owner=sam, contact=ContactFactory(owner=sam))

    body = api.post("/tasks", {"title": "Proposal", "deal": str(deal.public_id)}).json()

    assert body["deal"] == {"id": str(deal.public_id), "name": deal.name}
    assert body["contact"]["id"] == str(deal.contact.public_id)


def test_it_gets_a_task(api, sam):
    task = TaskFactory(title="Visible", assigned_to=sam, created_by=sam)

    body = api.get(f"/tasks/{task.public_id}").json()

    assert body["title"] == "Visible"
    assert body["created_by"]["email"] == sam.email


def test_it_lists_tasks_by_due_time_with_undated_last(api, sam, tess, oscar):
    TaskFactory(title="Undated", assigned_to=sam, due_at=None)
    TaskFactory(title="Later", assigned_to=tess, due_at=NOW + timedelta(days=2))
    TaskFactory(title="Sooner", assigned_to=sam, due_at=NOW + timedelta(days=1))
    TaskFactory(title="Oscar's", assigned_to=oscar)

    body = api.get("/tasks").json()

    assert [item["title"] for item in body["items"]] == ["Sooner", "Later", "Undated"]
    assert body["next_cursor"] is None


def test_it_filters_the_list(api, sam, tess):
    ada = ContactFactory(owner=sam)
    TaskFactory(title="Sam call", kind="call", assigned_to=sam, contact=ada)
    TaskFactory(title="Sam email", kind="email", assigned_to=sam)
    TaskFactory(title="Tess call", kind="call", assigned_to=tess)
    TaskFactory(title="Done call", kind="call", assigned_to=sam, completed_at=NOW)
    TaskFactory(title="Next month", kind="call", assigned_to=sam, due_at=NOW + timedelta(days=40))

    def titles(**params):
        return sorted(item["title"] for item in api.get("/tasks", **params).json()["items"])

    assert titles(assignee="me", kind="call") == ["Next month", "Sam call"]
    assert titles(assignee=str(tess.public_id)) == ["Tess call"]
    assert titles(status="done") == ["Done call"]
    assert titles(contact=str(ada.public_id)) == ["Sam call"]
    assert titles(due_from="2027-12-01") == ["Next month"]
    assert titles(q="email") == ["Sam email"]


def test_it_walks_the_list_with_cursors_without_repeats(api, sam):
    for day in range(7):
        TaskFactory(title=f"Dated {day}", assigned_to=sam, due_at=NOW + timedelta(days=day % 3))
    for index in range(4):
        TaskFactory(title=f"Undated {index}", assigned_to=sam, due_at=None)

    seen, cursor = [], None
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        body = api.get("/tasks", **params).json()
        seen += [item["title"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break

    assert len(seen) == len(set(seen)) == 11
    assert seen[-4:] == [f"Undated {index}" for index in range(4)]


def test_it_changes_only_the_fields_sent(api, sam):
    task = TaskFactory(title="Call", notes="Keep me", assigned_to=sam, created_by=sam, due_at=NOW)

    body = api.patch(f"/tasks/{task.public_id}", {"title": "Call back", "due_at": None}).json()

    assert body["title"] == "Call back" and body["notes"] == "Keep me"
    assert body["due_at"] is None


def test_it_completes_and_reopens(api, sam):
    ada = ContactFactory(owner=sam)
    task = TaskFactory(assigned_to=sam, created_by=sam, contact=ada)

    done = api.post(f"/tasks/{task.public_id}/complete").json()
    again = api.post(f"/tasks/{task.public_id}/complete").json()
    reopened = api.post(f"/tasks/{task.public_id}/reopen").json()

    assert done["completed_at"] == again["completed_at"] == "2027-11-10T09:00:00Z"
    assert done["completed_by"]["email"] == sam.email
    assert reopened["completed_at"] is None
    assert Activity.objects.filter(kind=Kind.TASK_COMPLETED, contact=ada).count() == 1


def test_it_deletes(api, sam):
    task = TaskFactory(assigned_to=sam, created_by=sam)

    response = api.delete(f"/tasks/{task.public_id}")

    assert response.status_code == 204
    assert not Task.objects.exists()


def test_a_teammate_reads_but_cannot_change(sam, tess):
    task = TaskFactory(assigned_to=sam, created_by=sam)
    api = api_as(tess)

    assert api.get(f"/tasks/{task.public_id}").status_code == 200
    response = api.patch(f"/tasks/{task.public_id}", {"title": "Mine now"})
    assert response.status_code == 403
    assert "assigned to" in error_of(response)["message"]


def test_it_logs_a_call_as_the_first_sales_touch(api, sam):
    handoff = HandoffFactory(assigned_to=sam, assigned_at=NOW - timedelta(hours=2))

    response = api.post(
        f"/contacts/{handoff.contact.public_id}/log-call",
        {"outcome": "voicemail", "duration_minutes": 2, "notes": "Left a message"},
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["kind"] == "call.logged"
    assert (body["outcome"], body["duration_minutes"], body["notes"]) == ("voicemail", 2, "Left a message")
    handoff.refresh_from_db()
    assert handoff.first_touch_at == NOW
    assert Activity.objects.get(kind=Kind.CALL_LOGGED).data["via"] == "api"


def test_it_logs_a_meeting_in_the_past(api, sam):
    ada = ContactFactory(owner=sam)

    body = api.post(
        f"/contacts/{ada.public_id}/log-meeting", {"outcome": "held", "occurred_at": "2027-11-09T15:00:00Z"}
    ).json()

    assert body["occurred_at"] == "2027-11-09T15:00:00Z"
    assert body["title"] == "Meeting · held"
