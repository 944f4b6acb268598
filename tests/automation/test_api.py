"""The automation API: list and read workflows, enrol and unenrol, read an enrolment's state,
list and install playbooks."""

from __future__ import annotations

from typing import Any

from leadline.automation.engine import Engine
from leadline.automation.models import Enrolment
from tests.api.client import api_as, error_of
from tests.automation.factories import email, make_workflow, wait
from tests.factories import ContactFactory

WRITE = ["settings:write", "contacts:read"]


def test_it_enrols_a_contact_and_reports_the_enrolment_state(maria: Any, template: Any) -> None:
    workflow = make_workflow([email(template, "hi"), wait(2, "days", "pause")], actor=maria)
    contact = ContactFactory()
    client = api_as(maria, WRITE)
    response = client.post(
        f"/automation/workflows/{workflow.public_id}/enrol", {"contact": str(contact.public_id)}
    )
    assert response.status_code == 201, response.content
    enrolment_id = response.json()["id"]
    Engine().tick()
    state = client.get(f"/automation/enrolments/{enrolment_id}").json()
    assert state["state"] == "waiting"
    assert state["current_step"] == "pause"
    assert [run["step"] for run in state["steps_run"]] == ["hi"]

    again = client.post(
        f"/automation/workflows/{workflow.public_id}/enrol", {"contact": str(contact.public_id)}
    )
    assert again.status_code == 409
    assert error_of(again)["code"] == "not_enrolled"

    out = client.post(f"/automation/enrolments/{enrolment_id}/unenrol")
    assert out.status_code == 200
    assert out.json()["state"] == "exited"
    assert Enrolment.objects.get().exit_reason == "unenrolled"


def test_it_refuses_bad_enrol_requests_with_clear_errors(maria: Any, template: Any) -> None:
    workflow = make_workflow([email(template)], actor=maria)
    client = api_as(maria, WRITE)
    url = f"/automation/workflows/{workflow.public_id}/enrol"
    assert client.post(url, {"contact": "not-an-id"}).status_code == 400
    assert client.post(url, {"contact": str(ContactFactory().public_id), "extra": 1}).status_code in (
        400,
        422,
    )
    assert client.post(url, {"contact": ["<script>"]}).status_code in (400, 422)
    draft = make_workflow([email(template)], actor=maria, active=False, name="Draft")
    response = client.post(
        f"/automation/workflows/{draft.public_id}/enrol", {"contact": str(ContactFactory().public_id)}
    )
    assert response.status_code == 409


def test_it_lists_workflows_and_playbooks_and_installs_one(maria: Any, sender: Any, template: Any) -> None:
    make_workflow([email(template)], actor=maria, name="Welcome drip")
    client = api_as(maria, WRITE)
    names = [item["name"] for item in client.get("/automation/workflows").json()["items"]]
    assert names == ["Welcome drip"]
    playbooks = client.get("/automation/playbooks").json()
    assert {p["key"] for p in playbooks} >= {"enquiry_reply", "post_sale", "win_back"}
    installed = client.post("/automation/playbooks/win_back/install")
    assert installed.status_code == 201
    assert installed.json()["status"] == "draft"
    assert client.post("/automation/playbooks/nope/install").status_code == 404


def test_sales_tokens_read_only_the_enrolments_of_their_contacts(
    sam: Any, oscar: Any, maria: Any, template: Any
) -> None:
    workflow = make_workflow([wait(1)], actor=maria)
    mine, theirs = ContactFactory(owner=sam), ContactFactory(owner=oscar)
    from leadline.automation.services import enrolment_create

    enrolment_create(workflow=workflow, contact=mine, trigger="manual")
    enrolment_create(workflow=workflow, contact=theirs, trigger="manual")
    items = api_as(sam, ["contacts:read"]).get("/automation/enrolments").json()["items"]
    assert [item["contact"] for item in items] == [str(mine.public_id)]
