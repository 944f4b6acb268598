"""Bad input to the tasks API: a clear 4xx in the one error shape, never a 500, nothing changed."""

from __future__ import annotations

import pytest

from leadline.activity.models import Activity
from leadline.sales.models import Task
from tests.api.client import api_as, error_of
from tests.factories import ContactFactory
from tests.sales.factories import DealFactory, TaskFactory

HOSTILE = [
    '<script>alert("x")</script>',
    "'; DROP TABLE sales_task; --",
    '=HYPERLINK("http://evil.example")',
    "Ünïcödé 名前 \u202e",
]


@pytest.fixture
def api(sam):
    return api_as(sam)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "title"),
        ({"title": 42}, "title"),
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": "Null\u0000byte"}, "title"),
        ({"title": "Ok", "kind": "fax"}, "kind"),
        ({"title": "Ok", "notes": "x" * 10_001}, "notes"),
        ({"title": "Ok", "due_at": "tomorrow"}, "due_at"),
        ({"title": "Ok", "due_at": "1066-10-14T09:00:00Z"}, "due_at"),
        ({"title": "Ok", "due_date": "2027-02-30"}, "due_date"),
        ({"title": "Ok", "due_date": "2150-01-01"}, "due_date"),
        ({"title": "Ok", "due_at": "2027-01-01T09:00:00Z", "due_date": "2027-01-01"}, "due_date"),
        ({"title": "Ok", "remind_at": 12345}, "remind_at"),
        ({"title": "Ok", "assigned_to": "nobody"}, "assigned_to"),
        ({"title": "Ok", "assigned_to": "00000000-0000-0000-0000-000000000000"}, "assigned_to"),
        ({"title": "Ok", "contact": "nobody@example.org"}, "contact"),
        ({"title": "Ok", "contact": ["a"]}, "contact"),
        ({"title": "Ok", "deal": "not-a-uuid"}, "deal"),
        ({"title": "Ok", "completed_at": "2027-01-01T00:00:00Z"}, "completed_at"),
    ],
)
def test_it_names_the_bad_field(api, body, field):
    response = api.post("/tasks", body)

    assert response.status_code == 400, response.content
    error = error_of(response)
    assert error["code"] == "validation_error"
    assert field in error["fields"], error
    assert not Task.objects.exists()


def test_it_reports_every_unknown_reference_at_once(api):
    response = api.post("/tasks", {"title": "Ok", "contact": "nobody@example.org", "deal": "nope"})

    assert set(error_of(response)["fields"]) == {"contact", "deal"}


def test_it_refuses_references_to_things_i_cannot_see(api, oscar):
    hidden_contact = ContactFactory(owner=oscar)
    hidden_deal = DealFactory(owner=oscar, contact=hidden_contact)

    response = api.post(
        "/tasks",
        {"title": "Peek", "contact": str(hidden_contact.public_id), "deal": str(hidden_deal.public_id)},
    )

    assert response.status_code == 400
    assert set(error_of(response)["fields"]) == {"contact", "deal"}


@pytest.mark.parametrize("title", HOSTILE)
def test_it_keeps_hostile_titles_as_text(api, title):
    response = api.post("/tasks", {"title": title})

    assert response.status_code == 201
    assert response.json()["title"] == title.strip()


def test_it_refuses_malformed_json(api, sam):
    task = TaskFactory(title="Keep", assigned_to=sam, created_by=sam)

    response = api.patch(f"/tasks/{task.public_id}", raw='{"title": "Lost"')

    assert response.status_code == 400
    assert error_of(response)["code"] == "malformed_json"
    task.refresh_from_db()
    assert task.title == "Keep"


@pytest.mark.parametrize("field", ["title", "kind", "notes"])
def test_it_refuses_clearing_a_required_field(api, sam, field):
    task = TaskFactory(title="Keep", assigned_to=sam, created_by=sam)

    response = api.patch(f"/tasks/{task.public_id}", {field: None})

    assert response.status_code == 400
    assert field in error_of(response)["fields"]


@pytest.mark.parametrize("task_id", ["not-a-uuid", "00000000-0000-0000-0000-000000000000", "1"])
def test_unknown_tasks_are_404(api, task_id):
    for method, path in [
        ("GET", ""),
        ("PATCH", ""),
        ("DELETE", ""),
        ("POST", "/complete"),
        ("POST", "/reopen"),
    ]:
        response = api.request(method, f"/tasks/{task_id}{path}", {} if method == "PATCH" else None)
        assert response.status_code == 404, (method, path)
        assert error_of(response)["code"] == "not_found"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "archived"}, "status"),
        ({"kind": "fax"}, "kind"),
        ({"due_from": "soon"}, "due_from"),
        ({"limit": 0}, "limit"),
        ({"limit": 201}, "limit"),
        ({"assignee": "nobody"}, "assignee"),
        ({"contact": "00000000-0000-0000-0000-000000000000"}, "contact"),
        ({"deal": "x"}, "deal"),
        ({"q": "x" * 201}, "q"),
    ],
)
def test_the_list_names_a_bad_filter(api, params, field):
    response = api.get("/tasks", **params)

    assert response.status_code == 400
    assert field in error_of(response)["fields"]


@pytest.mark.parametrize("cursor", ["garbage", "W10:1ab:xyz"])
def test_the_list_refuses_a_forged_cursor(api, cursor):
    response = api.get("/tasks", cursor=cursor)

    assert response.status_code == 400
    assert error_of(response)["code"] == "invalid_cursor"


def test_a_cursor_of_another_list_is_refused(api, sam):
    from tests.factories import ContactFactory as Contacts

    for _ in range(3):
        Contacts(owner=sam)
    contacts_cursor = api_as(sam).get("/contacts", limit=1).json()["next_cursor"]

    response = api.get("/tasks", cursor=contacts_cursor)

    assert response.status_code == 400


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "outcome"),
        ({"outcome": "ghosted"}, "outcome"),
        ({"outcome": "connected", "duration_minutes": -1}, "duration_minutes"),
        ({"outcome": "connected", "duration_minutes": 1441}, "duration_minutes"),
        ({"outcome": "connected", "duration_minutes": "long"}, "duration_minutes"),
        ({"outcome": "connected", "occurred_at": "2999-01-01T00:00:00Z"}, "occurred_at"),
        ({"outcome": "connected", "notes": "x" * 10_001}, "notes"),
        ({"outcome": "connected", "notes": "a\u0000b"}, "notes"),
        ({"outcome": "connected", "extra": True}, "extra"),
    ],
)
def test_logging_names_the_bad_field(api, sam, body, field):
    ada = ContactFactory(owner=sam)

    response = api.post(f"/contacts/{ada.public_id}/log-call", body)

    assert response.status_code == 400, response.content
    assert field in error_of(response)["fields"]
    assert not Activity.objects.filter(kind="call.logged").exists()


def test_logging_on_a_hidden_contact_is_404(api, oscar):
    response = api.post(f"/contacts/{ContactFactory(owner=oscar).public_id}/log-meeting", {"outcome": "held"})
    assert response.status_code == 404
