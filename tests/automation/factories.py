"""Workflows for tests: a few steps built from plain dicts, published as version 1."""

from __future__ import annotations

from typing import Any

from leadline.automation.models import Workflow
from leadline.automation.services import workflow_create, workflow_set_status


def wait(amount: int, unit: str = "days", key: str | None = None) -> dict[str, Any]:
    step: dict[str, Any] = {"type": "wait", "config": {"mode": "duration", "amount": amount, "unit": unit}}
    if key:
        step["key"] = key
    return step


def email(template: Any, key: str | None = None, extra: str = "") -> dict[str, Any]:
    step: dict[str, Any] = {
        "type": "send_email",
        "config": {"template": str(template.public_id), "extra": extra},
    }
    if key:
        step["key"] = key
    return step


def make_workflow(
    steps: list[dict[str, Any]], *, actor: Any = None, active: bool = True, **settings: Any
) -> Workflow:
    data = {
        "name": settings.pop("name", "Test workflow"),
        "trigger_type": settings.pop("trigger_type", "manual"),
        **settings,
    }
    workflow = workflow_create(actor=actor, data=data, steps=steps)
    if active:
        workflow_set_status(workflow=workflow, actor=actor, status=Workflow.Status.ACTIVE)
    return workflow
