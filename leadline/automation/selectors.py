"""Reads of the automation room: workflow lists, the editor's diagram and enrolment lists."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet

from leadline.automation import graph
from leadline.automation.models import Enrolment, Workflow
from leadline.automation.services import step_counts
from leadline.automation.steps import STEP_TYPES, describe
from leadline.core.access import get_for_user

State = Enrolment.State


def workflow_list(*, user: Any, status: str = "") -> QuerySet[Workflow]:
    workflows = Workflow.objects.for_user(user).annotate(
        open_count=Count(
            "enrolments",
            filter=Q(enrolments__state__in=(State.ACTIVE, State.WAITING), enrolments__is_test=False),
        ),
        failed_count=Count("enrolments", filter=Q(enrolments__state=State.FAILED, enrolments__is_test=False)),
        total_count=Count("enrolments", filter=Q(enrolments__is_test=False)),
    )
    if status in Workflow.Status.values:
        workflows = workflows.filter(status=status)
    else:
        workflows = workflows.exclude(status=Workflow.Status.ARCHIVED)
    return workflows.order_by("name", "id")


def workflow_get(*, user: Any, public_id: Any, for_edit: bool = False) -> Workflow:
    return get_for_user(
        Workflow.objects.select_related("current_version", "created_by"), user, public_id, for_edit=for_edit
    )


@dataclass
class StepCard:
    key: str
    type: str
    label: str
    title: str
    icon: str
    counts: dict[str, int]
    branches: list[tuple[str, str, list[StepCard]]] = field(default_factory=list)


def diagram(workflow: Workflow) -> list[StepCard]:
    """The current version's steps as nested cards with their counts (two queries)."""
    counts = step_counts(workflow)
    empty = {"here": 0, "failed": 0, "passed": 0, "converted": 0}

    def cards(steps: list[dict[str, Any]]) -> list[StepCard]:
        result = []
        for step in steps:
            kind = STEP_TYPES.get(step.get("type", ""))
            card = StepCard(
                key=step["key"],
                type=step.get("type", ""),
                label=kind.label if kind else "Unknown step",
                title=describe(step),
                icon=kind.icon if kind else "activity",
                counts=counts.get(step["key"], empty),
            )
            for name in graph.BRANCHES.get(card.type, ()):
                card.branches.append(
                    (name, graph.BRANCH_LABELS[name], cards(step.get("branches", {}).get(name, [])))
                )
            result.append(card)
        return result

    return cards(workflow.current_version.steps if workflow.current_version else [])


def enrolment_list(
    *, user: Any, workflow: Workflow | None = None, state: str = "", contact: Any = None
) -> QuerySet[Enrolment]:
    rows = (
        Enrolment.objects.for_user(user).select_related("workflow", "contact").order_by("-enrolled_at", "-id")
    )
    if workflow is not None:
        rows = rows.filter(workflow=workflow)
    if contact is not None:
        rows = rows.filter(contact=contact)
    if state == "test":
        rows = rows.filter(is_test=True)
    else:
        rows = rows.filter(is_test=False)
        if state in State.values:
            rows = rows.filter(state=state)
    return rows


def enrolment_get(*, user: Any, public_id: Any, for_edit: bool = False) -> Enrolment:
    return get_for_user(
        Enrolment.objects.select_related("workflow", "contact", "version"), user, public_id, for_edit=for_edit
    )


def step_title(enrolment: Enrolment) -> str:
    step = (
        graph.find(enrolment.version.steps or [], enrolment.current_step_key)
        if enrolment.current_step_key
        else None
    )
    return describe(step) if step else "—"
