"""API of workflows (list, get, enrol, unenrol, enrolment state) and playbooks (list, install).

Reads need `contacts:read`; enrolling, unenrolling and installing need `settings:write` and an admin
or marketing user. Sales tokens read the enrolments of the contacts they can see.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from pydantic import ConfigDict

from leadline.accounts.models import Role
from leadline.api.auth import contacts_read, get_for_edit, request_user, require_role, settings_write
from leadline.api.errors import ApiError, field_error
from leadline.api.pagination import PageQuery, page_schema, paginate
from leadline.automation import selectors, services
from leadline.automation.models import Enrolment, Workflow
from leadline.automation.playbooks import PLAYBOOKS, playbook_install
from leadline.automation.triggers import describe_trigger
from leadline.contacts.models import Contact
from leadline.core.access import parse_public_id

router = Router(tags=["Automation"])

EDIT_MESSAGE = "Only admins and marketing can enrol contacts in workflows or install playbooks."


class InputSchema(Schema):
    model_config = ConfigDict(extra="forbid")


class WorkflowOut(Schema):
    id: UUID
    name: str
    description: str
    status: str
    trigger_type: str
    trigger_config: dict[str, Any]
    trigger: str = Field(description="The trigger in words.")
    reenrolment: str
    reenrol_after_days: int
    exit_on_unsubscribe: bool
    exit_on_customer: bool
    goal: dict[str, Any]
    version: int | None = Field(description="Number of the current version of the steps.")
    steps: list[dict[str, Any]] = Field(description="The step tree of the current version.")
    playbook: str
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_id(workflow: Workflow) -> UUID:
        return workflow.public_id

    @staticmethod
    def resolve_trigger(workflow: Workflow) -> str:
        return describe_trigger(workflow)

    @staticmethod
    def resolve_version(workflow: Workflow) -> int | None:
        return workflow.current_version.number if workflow.current_version else None

    @staticmethod
    def resolve_steps(workflow: Workflow) -> list[dict[str, Any]]:
        return workflow.current_version.steps if workflow.current_version else []


class EnrolmentOut(Schema):
    id: UUID
    workflow: UUID
    contact: UUID
    state: str
    current_step: str = Field(description="Key of the step the contact is on (or ended on).")
    run_at: datetime | None = Field(description="When the current step next runs.")
    attempts: int
    last_error: str
    exit_reason: str
    enrolled_at: datetime
    finished_at: datetime | None
    converted_at: datetime | None
    trigger: str
    is_test: bool
    steps_run: list[dict[str, Any]] = Field(default_factory=list)

    @staticmethod
    def resolve_id(enrolment: Enrolment) -> UUID:
        return enrolment.public_id

    @staticmethod
    def resolve_workflow(enrolment: Enrolment) -> UUID:
        return enrolment.workflow.public_id

    @staticmethod
    def resolve_contact(enrolment: Enrolment) -> UUID:
        return enrolment.contact.public_id

    @staticmethod
    def resolve_current_step(enrolment: Enrolment) -> str:
        return enrolment.current_step_key

    @staticmethod
    def resolve_steps_run(enrolment: Enrolment) -> list[dict[str, Any]]:
        runs = getattr(enrolment, "runs_for_api", None)
        if runs is None:
            return []
        return [
            {"step": run.step_key, "outcome": run.outcome, "due_at": run.due_at, "ran_at": run.ran_at}
            for run in runs
        ]


class PlaybookOut(Schema):
    key: str
    name: str
    summary: str
    steps: int
    emails: int


class EnrolIn(InputSchema):
    contact: str = Field(max_length=100, description="The contact's id.")


class EnrolmentFilters(Schema):
    workflow: UUID | None = None
    contact: UUID | None = None
    state: Enrolment.State | None = None


WorkflowPage = page_schema(WorkflowOut, "WorkflowPage")
EnrolmentPage = page_schema(EnrolmentOut, "WorkflowEnrolmentPage")


@router.get(
    "/automation/workflows",
    auth=contacts_read,
    response=WorkflowPage,
    url_name="automation_workflow_list",
    summary="List workflows",
)
def workflow_list_route(request: HttpRequest, page: Query[PageQuery]) -> dict[str, Any]:
    """Every workflow but the archived ones, newest first."""
    workflows = (
        Workflow.objects.for_user(request_user(request))
        .exclude(status=Workflow.Status.ARCHIVED)
        .select_related("current_version")
    )
    result = paginate(workflows, page, key="created_at", namespace="workflows")
    return {"items": result.items, "next_cursor": result.next_cursor}


@router.get(
    "/automation/workflows/{workflow}",
    auth=contacts_read,
    response=WorkflowOut,
    url_name="automation_workflow_get",
    summary="Get a workflow with its steps",
)
def workflow_get_route(request: HttpRequest, workflow: str) -> Workflow:
    return selectors.workflow_get(user=request_user(request), public_id=workflow)


@router.post(
    "/automation/workflows/{workflow}/enrol",
    auth=settings_write,
    response={201: EnrolmentOut},
    url_name="automation_workflow_enrol",
    summary="Enrol a contact in a workflow",
)
def workflow_enrol_route(request: HttpRequest, workflow: str, payload: EnrolIn) -> Any:
    """The workflow must be active; the first step runs within a minute. 409 when the enrolment
    rules keep the contact out (already in it, or enrolled too recently)."""
    user = request_user(request)
    require_role(user, Role.MARKETING, message=EDIT_MESSAGE)
    instance = get_for_edit(
        Workflow.objects.select_related("current_version"), user, workflow, message=EDIT_MESSAGE
    )
    public_id = parse_public_id(payload.contact)
    contact = Contact.objects.for_user(user).filter(public_id=public_id).first() if public_id else None
    if contact is None:
        raise field_error("contact", "No contact you can see has this id.")
    if not instance.is_active:
        raise ApiError(409, "workflow_not_active", "Turn the workflow on before enrolling contacts.")
    enrolment = services.enrolment_create(workflow=instance, contact=contact, trigger="api", actor=user)
    if enrolment is None:
        raise ApiError(409, "not_enrolled", "The enrolment rules keep this contact out of the workflow now.")
    return Status(201, enrolment)


@router.get(
    "/automation/enrolments",
    auth=contacts_read,
    response=EnrolmentPage,
    url_name="automation_enrolment_list",
    summary="List enrolments",
)
def enrolment_list_route(
    request: HttpRequest, page: Query[PageQuery], filters: Query[EnrolmentFilters]
) -> dict[str, Any]:
    """Newest first. Sales tokens see the enrolments of the contacts they can see."""
    user = request_user(request)
    rows = Enrolment.objects.for_user(user).filter(is_test=False).select_related("workflow", "contact")
    if filters.workflow:
        rows = rows.filter(workflow__public_id=filters.workflow)
    if filters.contact:
        rows = rows.filter(contact__public_id=filters.contact)
    if filters.state:
        rows = rows.filter(state=filters.state)
    result = paginate(rows, page, key="enrolled_at", namespace="workflow-enrolments")
    return {"items": result.items, "next_cursor": result.next_cursor}


@router.get(
    "/automation/enrolments/{enrolment}",
    auth=contacts_read,
    response=EnrolmentOut,
    url_name="automation_enrolment_get",
    summary="Get an enrolment's state and the steps it has run",
)
def enrolment_get_route(request: HttpRequest, enrolment: str) -> Enrolment:
    instance = selectors.enrolment_get(user=request_user(request), public_id=enrolment)
    instance.runs_for_api = list(instance.step_runs.order_by("ran_at", "id"))  # type: ignore[attr-defined]
    return instance


@router.post(
    "/automation/enrolments/{enrolment}/unenrol",
    auth=settings_write,
    response=EnrolmentOut,
    url_name="automation_enrolment_unenrol",
    summary="Take a contact out of a workflow",
)
def enrolment_unenrol_route(request: HttpRequest, enrolment: str) -> Enrolment:
    user = request_user(request)
    instance = get_for_edit(
        Enrolment.objects.select_related("workflow", "contact"), user, enrolment, message=EDIT_MESSAGE
    )
    if not instance.is_open:
        raise ApiError(409, "already_ended", "This enrolment has already ended.")
    return services.enrolment_unenrol(enrolment=instance, actor=user)


@router.get(
    "/automation/playbooks",
    auth=contacts_read,
    response=list[PlaybookOut],
    url_name="automation_playbook_list",
    summary="List the ready-made playbooks",
)
def playbook_list_route(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {"key": p.key, "name": p.name, "summary": p.summary, "steps": len(p.steps), "emails": len(p.emails)}
        for p in PLAYBOOKS
    ]


@router.post(
    "/automation/playbooks/{key}/install",
    auth=settings_write,
    response={201: WorkflowOut},
    url_name="automation_playbook_install",
    summary="Install a playbook as a draft workflow with its emails",
)
def playbook_install_route(request: HttpRequest, key: str) -> Any:
    user = request_user(request)
    require_role(user, Role.MARKETING, message=EDIT_MESSAGE)
    if key not in {p.key for p in PLAYBOOKS}:
        raise ApiError(404, "not_found", "No playbook has this name.")
    return Status(201, playbook_install(key=key, actor=user))
