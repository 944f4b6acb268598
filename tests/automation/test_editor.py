"""The editor: a vertical diagram with branches and counts; steps added, changed and removed make
new versions, and contacts already inside stay on their step or move to the next one."""

from __future__ import annotations

from typing import Any

from leadline.automation.engine import Engine
from leadline.automation.models import Enrolment, WorkflowVersion
from leadline.automation.services import enrolment_create, workflow_publish_steps
from tests.automation.factories import email, make_workflow, wait
from tests.conftest import client_for
from tests.factories import ContactFactory


def test_it_shows_the_flow_with_branches_and_counts(
    maria: Any, template: Any, django_assert_max_num_queries: Any
) -> None:
    workflow = make_workflow(
        [
            email(template, "hello"),
            {
                "key": "check",
                "type": "branch",
                "config": {"condition": {"field": "lifecycle_stage", "op": "equals", "value": "mql"}},
                "branches": {"yes": [wait(1, "days", "later")], "no": []},
            },
        ],
        actor=maria,
    )
    for _ in range(3):
        enrolment_create(workflow=workflow, contact=ContactFactory(lifecycle_stage="mql"), trigger="manual")
    Engine().tick()
    client = client_for(maria)
    with django_assert_max_num_queries(30):
        response = client.get(f"/automation/{workflow.public_id}/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "If lifecycle_stage equals mql" in page
    assert "Path" not in page and ">Yes<" in page and ">No<" in page
    assert "Wait 1 day" in page
    counts = workflow.enrolments.filter(state="waiting", current_step_key="later").count()
    assert counts == 3


def test_it_adds_a_step_through_the_form_as_a_new_version(maria: Any, template: Any) -> None:
    workflow = make_workflow([email(template, "hello")], actor=maria)
    response = client_for(maria).post(
        f"/automation/{workflow.public_id}/steps/new/",
        {"type": "wait", "after": "hello", "mode": "duration", "amount": "3", "unit": "days"},
    )
    assert response.status_code == 302
    workflow.refresh_from_db()
    assert workflow.current_version.number == 2
    assert [step["type"] for step in workflow.current_version.steps] == ["send_email", "wait"]


def test_it_refuses_a_bad_step_with_a_clear_message(maria: Any, template: Any) -> None:
    workflow = make_workflow([email(template, "hello")], actor=maria)
    response = client_for(maria).post(
        f"/automation/{workflow.public_id}/steps/new/",
        {"type": "wait", "after": "hello", "mode": "duration", "amount": "-4", "unit": "days"},
    )
    assert response.status_code == 400
    assert "Must be between" in response.content.decode()
    assert WorkflowVersion.objects.filter(workflow=workflow).count() == 1


def test_it_keeps_contacts_on_their_step_or_moves_them_on_when_it_is_removed(
    template: Any, other_template: Any
) -> None:
    workflow = make_workflow([email(template, "a"), wait(2, "days", "w"), email(other_template, "b")])
    staying = enrolment_create(workflow=workflow, contact=ContactFactory(), trigger="manual")
    Engine().tick()
    assert staying is not None
    staying.refresh_from_db()
    assert staying.current_step_key == "w"
    steps = workflow.current_version.steps
    workflow_publish_steps(
        workflow=workflow,
        actor=None,
        steps=[
            *steps,
            {"key": "c", "type": "wait", "config": {"mode": "duration", "amount": 1, "unit": "days"}},
        ],
    )
    staying.refresh_from_db()
    assert staying.current_step_key == "w"
    assert staying.state == Enrolment.State.WAITING
    assert staying.version.number == 2

    workflow.refresh_from_db()
    without_wait = [step for step in workflow.current_version.steps if step["key"] != "w"]
    workflow_publish_steps(workflow=workflow, actor=None, steps=without_wait)
    staying.refresh_from_db()
    assert staying.current_step_key == "b"
    assert staying.state == Enrolment.State.ACTIVE
    Engine().tick()
    staying.refresh_from_db()
    assert staying.step_runs.filter(step_key="b").exists()


def test_it_offers_the_step_picker_and_form_as_fragments_for_htmx(maria: Any, template: Any) -> None:
    workflow = make_workflow([email(template, "hello")], actor=maria)
    client = client_for(maria)
    picker = client.get(f"/automation/{workflow.public_id}/steps/new/?after=hello", HTTP_HX_REQUEST="true")
    assert picker.status_code == 200
    assert "<html" not in picker.content.decode()
    assert "A/B split" in picker.content.decode()
    form = client.get(
        f"/automation/{workflow.public_id}/steps/new/?after=hello&type=send_email", HTTP_HX_REQUEST="true"
    )
    assert 'name="template"' in form.content.decode()
    assert client.get(f"/automation/{workflow.public_id}/steps/new/?after=gone").status_code == 404


def test_the_workflow_list_reads_a_constant_number_of_queries(maria: Any, template: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(maria)
    make_workflow([email(template)], actor=maria, name="First")
    client.get("/automation/")
    with CaptureQueriesContext(connection) as few:
        client.get("/automation/")
    for number in range(5):
        make_workflow([email(template)], actor=maria, name=f"Workflow {number}")
    with CaptureQueriesContext(connection) as many:
        response = client.get("/automation/")
    assert len(many) == len(few)
    assert "Workflow 4" in response.content.decode()


def test_editing_a_wait_says_that_contacts_already_waiting_keep_their_time(maria: Any, template: Any) -> None:
    workflow = make_workflow([email(template, "hello"), wait(3, "days", "pause")], actor=maria)

    page = client_for(maria).get(f"/automation/{workflow.public_id}/steps/pause/")

    assert page.status_code == 200
    assert b"Contacts already waiting here keep the time they were given" in page.content
    other = client_for(maria).get(f"/automation/{workflow.public_id}/steps/hello/")
    assert b"Contacts already waiting here" not in other.content
