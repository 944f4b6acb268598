"""The "Adjust score" step: points added or taken away through the scoring room, kept through
recomputes, once per enrolment and step; offered and checked by the editor."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from leadline.automation.engine import Engine
from leadline.automation.models import Enrolment, StepRun, WorkflowVersion
from leadline.automation.services import enrolment_create, workflow_test_run
from leadline.automation.steps import STEP_TYPES
from leadline.contacts.models import Contact
from leadline.scoring.engine import scores_recompute, scores_recompute_all
from leadline.scoring.models import ContactScore, ScoreAdjustment
from tests.api.client import api_as
from tests.automation.factories import email, make_workflow
from tests.conftest import client_for
from tests.factories import ContactFactory
from tests.scoring.factories import configure, fit_rule, score_rows


def adjust(
    points: Any, reason: str = "Attended the webinar", key: str = "adjust", **config: Any
) -> dict[str, Any]:
    return {"key": key, "type": "adjust_score", "config": {"points": points, "reason": reason, **config}}


def run(workflow: Any, contact: Contact) -> Enrolment:
    enrolment = enrolment_create(workflow=workflow, contact=contact, trigger="manual")
    assert enrolment is not None
    Engine().tick()
    enrolment.refresh_from_db()
    return enrolment


def test_it_adds_points_that_survive_a_recompute(db: None) -> None:
    fit_rule(name="Director", points=15)
    contact = ContactFactory(job_title="Director")
    scores_recompute([contact.pk])
    workflow = make_workflow([adjust(10)], name="Webinar follow-up")

    enrolment = run(workflow, contact)
    scores_recompute_all()

    assert enrolment.state == Enrolment.State.COMPLETED
    assert Contact.objects.get(pk=contact.pk).score == 25
    line = ContactScore.objects.get(contact=contact).explanation[-1]
    assert (line["points"], line["reason"], line["rule"]) == (
        10,
        "Attended the webinar",
        "Workflow “Webinar follow-up”",
    )
    assert score_rows(contact)[-1].title == "+10: Attended the webinar (Workflow “Webinar follow-up”)"


def test_it_takes_points_away(db: None) -> None:
    contact = ContactFactory()
    workflow = make_workflow([adjust(-15, "Bounced twice")])

    run(workflow, contact)

    assert Contact.objects.get(pk=contact.pk).score == -15
    assert score_rows(contact)[-1].title == "-15: Bounced twice (Workflow “Test workflow”)"


def test_it_says_so_when_the_cap_keeps_the_total_where_it_is(db: None) -> None:
    configure(score_cap=20)
    fit_rule(points=20)
    contact = ContactFactory(job_title="Director")
    scores_recompute([contact.pk])
    workflow = make_workflow([adjust(10)], name="Webinar")

    run(workflow, contact)

    assert Contact.objects.get(pk=contact.pk).score == 20
    assert contact.activities.filter(
        title="Webinar: Score adjusted +10 (Attended the webinar); the total stays at 20"
    ).exists()


def test_an_adjustment_that_reaches_the_threshold_qualifies_the_contact(db: None) -> None:
    configure(mql_threshold=50)
    fit_rule(points=30)
    contact = ContactFactory(job_title="Director", lifecycle_stage="lead")
    branch = {
        "key": "is-mql",
        "type": "branch",
        "config": {"condition": {"field": "lifecycle_stage", "op": "equals", "value": "mql"}},
        "branches": {"yes": [adjust(5, "Welcome to MQL", key="bonus")], "no": []},
    }
    workflow = make_workflow([adjust(20), branch])

    run(workflow, contact)

    contact.refresh_from_db()
    assert contact.lifecycle_stage == "mql"
    assert contact.score == 55  # the branch after the step saw the contact as an MQL


def test_a_step_that_runs_again_adjusts_the_score_once(db: None) -> None:
    contact = ContactFactory()
    workflow = make_workflow([adjust(10)])
    enrolment = run(workflow, contact)
    assert Contact.objects.get(pk=contact.pk).score == 10

    # The adjustment was made but the record of the step was lost: the engine runs it again.
    StepRun.objects.filter(enrolment=enrolment).delete()
    Enrolment.objects.filter(pk=enrolment.pk).update(
        state=Enrolment.State.ACTIVE, current_step_key="adjust", run_at=timezone.now(), finished_at=None
    )
    Engine().tick()

    assert StepRun.objects.filter(enrolment=enrolment, step_key="adjust").count() == 1
    assert ScoreAdjustment.objects.filter(contact=contact).count() == 1
    assert Contact.objects.get(pk=contact.pk).score == 10


def test_each_enrolment_adjusts_the_score_on_its_own(db: None) -> None:
    contact = ContactFactory()
    run(make_workflow([adjust(10)], name="Webinar"), contact)
    run(make_workflow([adjust(10)], name="Whitepaper"), contact)
    assert Contact.objects.get(pk=contact.pk).score == 20


def test_a_test_run_only_describes_the_adjustment(maria: Any) -> None:
    contact = ContactFactory()
    workflow = make_workflow([adjust(10)], name="Webinar")

    workflow_test_run(workflow=workflow, contact=contact, actor=maria)

    assert Contact.objects.get(pk=contact.pk).score == 0
    assert not ScoreAdjustment.objects.exists()
    assert contact.activities.filter(
        title="Webinar: Test run: would adjust the score +10 (Attended the webinar)"
    ).exists()


def test_it_offers_the_step_in_the_editor(maria: Any, template: Any) -> None:
    workflow = make_workflow([email(template, "hello")], actor=maria)
    client = client_for(maria)

    picker = client.get(f"/automation/{workflow.public_id}/steps/new/?after=hello", HTTP_HX_REQUEST="true")
    form = client.get(
        f"/automation/{workflow.public_id}/steps/new/?after=hello&type=adjust_score", HTTP_HX_REQUEST="true"
    )

    assert "Adjust score" in picker.content.decode()
    page = form.content.decode()
    assert 'name="points"' in page and 'name="reason"' in page and 'name="expires_in_days"' in page


def test_it_adds_the_step_through_the_editor(maria: Any, template: Any) -> None:
    workflow = make_workflow([email(template, "hello")], actor=maria)

    response = client_for(maria).post(
        f"/automation/{workflow.public_id}/steps/new/",
        {"type": "adjust_score", "after": "hello", "points": "-5", "reason": "Cold", "expires_in_days": "30"},
    )

    assert response.status_code == 302
    workflow.refresh_from_db()
    step = workflow.current_version.steps[-1]
    assert step["type"] == "adjust_score"
    assert step["config"] == {"points": -5, "reason": "Cold", "expires_in_days": 30}
    assert step["title"] == "Subtract 5 points: Cold (for 30 days)"
    page = client_for(maria).get(f"/automation/{workflow.public_id}/").content.decode()
    assert "Subtract 5 points: Cold (for 30 days)" in page


@pytest.mark.parametrize(
    ("points", "message"),
    [
        ("ten", "Must be a whole number."),
        ("2.5", "Must be a whole number."),
        ("0", "Must not be zero"),
        ("1001", "Must be between -1000 and 1000."),
        ("-1001", "Must be between -1000 and 1000."),
        ("", "Give the points to add"),
    ],
)
def test_it_refuses_bad_points_with_a_clear_message(
    maria: Any, template: Any, points: str, message: str
) -> None:
    workflow = make_workflow([email(template, "hello")], actor=maria)

    response = client_for(maria).post(
        f"/automation/{workflow.public_id}/steps/new/",
        {"type": "adjust_score", "after": "hello", "points": points, "reason": "Webinar"},
    )

    assert response.status_code == 400
    assert message in response.content.decode()
    assert WorkflowVersion.objects.filter(workflow=workflow).count() == 1


def test_it_needs_a_reason(maria: Any, template: Any) -> None:
    workflow = make_workflow([email(template, "hello")], actor=maria)
    response = client_for(maria).post(
        f"/automation/{workflow.public_id}/steps/new/",
        {"type": "adjust_score", "after": "hello", "points": "5", "reason": ""},
    )
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()


@pytest.mark.parametrize("points", ["x", 0, 1001, -1001, None, True])
def test_steps_given_as_data_are_checked_too(db: None, points: Any) -> None:
    # Playbooks and the API build workflows from data through the same check.
    with pytest.raises(ValidationError) as error:
        make_workflow([adjust(points)])
    assert "points" in error.value.message_dict


def test_the_api_shows_the_step(maria: Any) -> None:
    workflow = make_workflow([adjust(10)], actor=maria)

    body = api_as(maria, ["contacts:read"]).get(f"/automation/workflows/{workflow.public_id}").json()

    assert body["steps"][0]["type"] == "adjust_score"
    assert body["steps"][0]["title"] == "Add 10 points: Attended the webinar"


def test_the_step_sits_with_the_other_contact_steps() -> None:
    names = list(STEP_TYPES)
    assert names.index("adjust_score") == names.index("set_stage") + 1
    assert STEP_TYPES["adjust_score"].group == "Contact"


def test_only_workflow_builders_may_add_the_step(sam: Any, maria: Any, template: Any) -> None:
    workflow = make_workflow([email(template, "hello")], actor=maria)

    response = client_for(sam).post(
        f"/automation/{workflow.public_id}/steps/new/",
        {"type": "adjust_score", "after": "hello", "points": "1000", "reason": "Friend of mine"},
    )

    assert response.status_code in (403, 404)
    assert WorkflowVersion.objects.filter(workflow=workflow).count() == 1
