"""Access table of the automation screens and API: admins and marketing build, test and run
workflows and install playbooks; everyone may read the workflows; sales see the enrolments of the
contacts they can see (oscar's enrolment is a 404 for sam) and change nothing."""

from __future__ import annotations

from typing import Any

from leadline.automation.models import Enrolment
from leadline.automation.services import enrolment_create, workflow_create, workflow_set_status
from leadline.contacts.models import Contact
from tests.access_areas import Entry, Route, everyone, importers, oscars

W = "/automation/{workflow}"
E = "/automation/enrolments/{enrolment}"

UI_ROUTES: dict[str, Entry] = {
    "automation:list": everyone("/automation/"),
    "automation:create": importers("/automation/new/"),
    "automation:playbooks": everyone("/automation/playbooks/"),
    "automation:playbook_install": importers("/automation/playbooks/mql_handoff/install/", "POST"),
    "automation:enrolments": everyone("/automation/enrolments/"),
    "automation:enrolment_detail": oscars(f"{E}/"),
    "automation:enrolment_retry": importers(f"{E}/retry/", "POST"),
    "automation:enrolment_unenrol": importers(f"{E}/unenrol/", "POST"),
    "automation:detail": everyone(f"{W}/"),
    "automation:settings": importers(f"{W}/settings/"),
    "automation:status": importers(f"{W}/status/", "POST", data={"status": "paused"}),
    "automation:delete": importers(f"{W}/delete/", "POST"),
    "automation:step_add": importers(f"{W}/steps/new/?type=wait"),
    "automation:step_edit": importers(f"{W}/steps/pause/"),
    "automation:step_delete": importers(f"{W}/steps/pause/delete/", "POST"),
    "automation:test": importers(f"{W}/test/", "POST", data={"contact": "nobody@example.org"}),
    "automation:enrol": importers(f"{W}/enrol/", "POST", data={"contact": "nobody@example.org"}),
    "automation:retry_failed": importers(f"{W}/retry-failed/", "POST"),
}

API_ROUTES = [
    Route("automation_workflow_list", "GET", "/automation/workflows", "contacts:read"),
    Route("automation_workflow_get", "GET", "/automation/workflows/{workflow}", "contacts:read"),
    Route(
        "automation_workflow_enrol",
        "POST",
        "/automation/workflows/{workflow}/enrol",
        "settings:write",
        {"contact": "{fresh_contact}"},
    ),
    Route("automation_enrolment_list", "GET", "/automation/enrolments", "contacts:read"),
    Route("automation_enrolment_get", "GET", "/automation/enrolments/{enrolment}", "contacts:read"),
    Route(
        "automation_enrolment_unenrol", "POST", "/automation/enrolments/{enrolment}/unenrol", "settings:write"
    ),
    Route("automation_playbook_list", "GET", "/automation/playbooks", "contacts:read"),
    Route(
        "automation_playbook_install", "POST", "/automation/playbooks/{playbook}/install", "settings:write"
    ),
]

# Sales tokens cannot hold settings:write; they read enrolments of their own contacts only.
API_EXPECT: dict[str, dict[str, Any]] = {
    "automation_workflow_list": {},
    "automation_workflow_get": {},
    "automation_workflow_enrol": {"sam": 403, "oscar": 403},
    "automation_enrolment_list": {},
    "automation_enrolment_get": {"sam": 404},
    "automation_enrolment_unenrol": {"sam": 403, "oscar": 403},
    "automation_playbook_list": {},
    "automation_playbook_install": {"sam": 403, "oscar": 403},
}


def _objects(user: Any, contact_id: str) -> dict[str, str]:
    workflow = workflow_create(
        actor=user,
        data={"name": "Access check", "trigger_type": "manual"},
        steps=[{"key": "pause", "type": "wait", "config": {"mode": "duration", "amount": 1, "unit": "days"}}],
    )
    workflow_set_status(workflow=workflow, actor=user, status="active")
    contact = Contact.objects.get(public_id=contact_id)
    enrolment = enrolment_create(workflow=workflow, contact=contact, trigger="manual")
    assert isinstance(enrolment, Enrolment)
    fresh = Contact.objects.create(email="fresh-automation@example.org", owner=contact.owner)
    return {
        "playbook": "mql_handoff",
        "workflow": str(workflow.public_id),
        "enrolment": str(enrolment.public_id),
        "fresh_contact": str(fresh.public_id),
    }


def world(personas: dict[str, Any], ids: dict[str, str]) -> dict[str, str]:
    """A workflow of maria's with oscar's contact enrolled in it."""
    return _objects(personas["maria"], ids["contact"])


def api_ids(alice: Any, ids: dict[str, str]) -> dict[str, str]:
    return _objects(alice, ids["contact"])
