"""Workflow settings: the trigger and its options, the enrolment and exit rules, the goal."""

from __future__ import annotations

from typing import Any

from leadline.automation.models import Workflow
from tests.automation.factories import make_workflow, wait
from tests.conftest import client_for


def test_it_saves_the_trigger_and_rules(maria: Any) -> None:
    workflow = make_workflow([wait(1)], actor=maria, active=False)
    response = client_for(maria).post(
        f"/automation/{workflow.public_id}/settings/",
        {
            "name": "MQL follow-up",
            "trigger_type": "stage_changed",
            "stage_changed__stage": "mql",
            "score_crossed__value": "999",
            "reenrolment": "again",
            "reenrol_after_days": "30",
            "exit_on_unsubscribe": "on",
            "goal": '{"field": "lifecycle_stage", "op": "equals", "value": "sql"}',
        },
    )
    assert response.status_code == 302
    workflow.refresh_from_db()
    assert workflow.name == "MQL follow-up"
    assert workflow.trigger_config == {"stage": "mql"}
    assert workflow.reenrolment == Workflow.Reenrolment.AGAIN
    assert workflow.exit_on_unsubscribe and not workflow.exit_on_customer
    assert workflow.goal["value"] == "sql"


def test_it_refuses_a_broken_goal_and_keeps_the_settings(maria: Any) -> None:
    workflow = make_workflow([wait(1)], actor=maria, active=False, name="Kept")
    response = client_for(maria).post(
        f"/automation/{workflow.public_id}/settings/",
        {
            "name": "Changed",
            "trigger_type": "manual",
            "reenrolment": "once",
            "reenrol_after_days": "30",
            "goal": "{not json",
        },
    )
    assert response.status_code == 400
    assert "not valid JSON" in response.content.decode()
    workflow.refresh_from_db()
    assert workflow.name == "Kept"


def test_it_will_not_turn_on_an_empty_workflow(maria: Any) -> None:
    workflow = make_workflow([], actor=maria, active=False)
    client_for(maria).post(f"/automation/{workflow.public_id}/status/", {"status": "active"})
    workflow.refresh_from_db()
    assert workflow.status == Workflow.Status.DRAFT
