"""Access of tasks and logged calls and meetings.

oscar's task (assigned to and made by him) is hidden from sam (another team) and from maria
(marketing sees only her own and her team's tasks); alice, an admin, sees and changes it. Calls and
meetings are logged on a contact, so they follow the contact's rules.
"""

from __future__ import annotations

from typing import Any

from tests.access_areas import Entry, Route, everyone, oscars
from tests.sales.factories import TaskFactory

HIDDEN = {"sam": 404, "maria": 404}

UI_ROUTES: dict[str, Entry] = {
    "sales:my_day": everyone("/tasks/"),
    "sales:task_list": everyone("/tasks/all/"),
    "sales:task_create": everyone("/tasks/new/"),
    "sales:task_contact_options": everyone("/tasks/contact-options/?contact=os"),
    "sales:task_detail": Entry("/tasks/{task}/", expect=HIDDEN),
    "sales:task_complete": Entry("/tasks/{task}/complete/", "POST", expect=HIDDEN),
    "sales:task_reopen": Entry("/tasks/{task}/reopen/", "POST", expect=HIDDEN),
    "sales:task_delete": Entry("/tasks/{task}/delete/", "POST", expect=HIDDEN),
    "sales:contact_tasks": oscars("/contacts/{contact}/tasks/"),
    "sales:log_call": oscars("/contacts/{contact}/log-call/", "POST"),
    "sales:log_meeting": oscars("/contacts/{contact}/log-meeting/", "POST"),
}

API_ROUTES = [
    Route("task_list", "GET", "/tasks", "sales:read"),
    Route("task_create", "POST", "/tasks", "sales:write", {"title": "Call back"}),
    Route("task_get", "GET", "/tasks/{task}", "sales:read"),
    Route("task_update", "PATCH", "/tasks/{task}", "sales:write", {"title": "Call back tomorrow"}),
    Route("task_complete", "POST", "/tasks/{task}/complete", "sales:write"),
    Route("task_reopen", "POST", "/tasks/{task}/reopen", "sales:write"),
    Route("task_delete", "DELETE", "/tasks/{task}", "sales:write"),
    Route(
        "contact_log_call", "POST", "/contacts/{contact}/log-call", "sales:write", {"outcome": "connected"}
    ),
    Route(
        "contact_log_meeting", "POST", "/contacts/{contact}/log-meeting", "sales:write", {"outcome": "held"}
    ),
]

API_EXPECT: dict[str, dict[str, Any]] = {
    "task_list": {},
    "task_create": {},
    "task_get": HIDDEN,
    "task_update": HIDDEN,
    "task_complete": HIDDEN,
    "task_reopen": HIDDEN,
    "task_delete": HIDDEN,
    "contact_log_call": {"sam": 404},
    "contact_log_meeting": {"sam": 404},
}


def world(personas: dict[str, Any], ids: dict[str, str]) -> dict[str, str]:
    from leadline.contacts.models import Contact

    oscar = personas["oscar"]
    contact = Contact.objects.get(public_id=ids["contact"])
    task = TaskFactory(title="Call Oscar's lead", assigned_to=oscar, created_by=oscar, contact=contact)
    return {"task": str(task.public_id)}


def api_ids(alice: Any, ids: dict[str, str]) -> dict[str, str]:
    task = TaskFactory(title="Alice's follow-up", assigned_to=alice, created_by=alice)
    return {"task": str(task.public_id)}
