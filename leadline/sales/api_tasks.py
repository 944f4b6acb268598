"""API routes of tasks (list, get, create, change, complete, reopen, delete) and of calls and
meetings logged on a contact. Objects are fetched through the access layer as the token's user and
written through task_services, exactly as the screens do."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, Literal
from uuid import UUID
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError
from django.db.models import F, Q, QuerySet, Subquery
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from pydantic import ConfigDict

from leadline.accounts.api import UserRef
from leadline.accounts.models import User
from leadline.api.auth import get_for_edit, request_user, sales_read, sales_write
from leadline.api.errors import ApiError, field_error
from leadline.api.pagination import PageQuery, invalid_cursor, page_schema, read_cursor, sign_cursor
from leadline.contacts.api import ContactRef
from leadline.contacts.models import Contact
from leadline.contacts.selectors import contact_get
from leadline.sales import task_services as services
from leadline.sales.models import Task, TaskKind
from leadline.sales.task_selectors import TaskFilters, task_get, task_list
from leadline.sales.task_services import (
    LOG_DURATION_MAX_MINUTES,
    NOTES_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    CallOutcome,
    MeetingOutcome,
)

router = Router(tags=["Tasks"])

EDIT_DENIED = "Only the person the task is assigned to, its author or an admin can change it."
CURSOR_NAMESPACE = "tasks"
FILTER_OF = {"assigned_to": "assignee"}


class InputSchema(Schema):
    """Request bodies refuse keys they do not know instead of silently dropping them."""

    model_config = ConfigDict(extra="forbid")


class DealRef(Schema):
    id: UUID
    name: str

    @staticmethod
    def resolve_id(deal: Any) -> UUID:
        return deal.public_id


class TaskOut(Schema):
    id: UUID
    kind: TaskKind
    title: str
    notes: str
    due_at: datetime | None = Field(description="When it is due; for a day-only task, noon UTC of that day.")
    due_date: date | None = Field(description="The day of a day-only task (no time), else null.")
    remind_at: datetime | None
    reminded_at: datetime | None
    assigned_to: UserRef | None
    created_by: UserRef | None
    contact: ContactRef | None
    deal: DealRef | None
    completed_at: datetime | None
    completed_by: UserRef | None
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_id(task: Task) -> UUID:
        return task.public_id

    @staticmethod
    def resolve_due_date(task: Task) -> date | None:
        return task.due_at.date() if task.due_all_day and task.due_at else None


class TaskFields(InputSchema):
    kind: TaskKind | None = None
    notes: str | None = Field(None, max_length=NOTES_MAX_LENGTH)
    due_at: datetime | None = Field(
        None, description="Due time; without an offset it is read in the token user's time zone."
    )
    due_date: date | None = Field(None, description="Due on this day, at no particular time.")
    remind_at: datetime | None = Field(None, description="When to remind the assignee (email and in-app).")
    assigned_to: str | None = Field(
        None, max_length=64, description='Public id of an active teammate, or "me" (the default).'
    )
    contact: str | None = Field(None, max_length=254, description="Public id or email address of a contact.")
    deal: str | None = Field(None, max_length=64, description="Public id of a deal.")


class TaskCreateIn(TaskFields):
    title: str = Field(max_length=TITLE_MAX_LENGTH)


class TaskPatchIn(TaskFields):
    title: str | None = Field(None, max_length=TITLE_MAX_LENGTH)


class TaskListQuery(Schema):
    q: str | None = Field(None, max_length=200, description="Words matched against title, notes and contact.")
    assignee: str | None = Field(None, max_length=64, description='Public id of a teammate, or "me".')
    kind: TaskKind | None = None
    status: Literal["open", "done", "all"] = "open"
    due_from: date | None = Field(None, description="Due on or after this day (the user's time zone).")
    due_to: date | None = Field(None, description="Due on or before this day (the user's time zone).")
    contact: str | None = Field(None, max_length=254, description="Public id or email of a contact.")
    deal: str | None = Field(None, max_length=64, description="Public id of a deal.")


class LogIn(InputSchema):
    notes: str = Field("", max_length=NOTES_MAX_LENGTH)
    duration_minutes: int | None = Field(None, ge=0, le=LOG_DURATION_MAX_MINUTES)
    occurred_at: datetime | None = Field(
        None, description="When it happened (default: now); without an offset, the user's time zone."
    )


class CallLogIn(LogIn):
    outcome: CallOutcome


class MeetingLogIn(LogIn):
    outcome: MeetingOutcome


class LoggedOut(Schema):
    id: UUID
    kind: str
    contact: ContactRef
    occurred_at: datetime
    title: str
    outcome: str
    notes: str
    duration_minutes: int | None

    @staticmethod
    def resolve_id(activity: Any) -> UUID:
        return activity.public_id

    @staticmethod
    def resolve_outcome(activity: Any) -> str:
        return str(activity.data.get("outcome", ""))

    @staticmethod
    def resolve_notes(activity: Any) -> str:
        return str(activity.data.get("notes", ""))

    @staticmethod
    def resolve_duration_minutes(activity: Any) -> int | None:
        return activity.data.get("duration_minutes")


TaskPage = page_schema(TaskOut, "TaskPage")


# --- Helpers --------------------------------------------------------------------------------------


def _zone(user: User) -> Any:
    try:
        return ZoneInfo(user.time_zone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def _aware(value: datetime | None, user: User) -> datetime | None:
    """A time without an offset is read in the user's own time zone, as the screens do."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=_zone(user))


def _fresh(task: Task) -> Task:
    return Task.objects.select_related("assigned_to", "created_by", "completed_by", "contact", "deal").get(
        pk=task.pk
    )


def _to_edit(request: HttpRequest, task_id: str) -> Task:
    queryset = Task.objects.select_related("assigned_to", "created_by", "contact", "deal")
    return get_for_edit(queryset, request_user(request), task_id, message=EDIT_DENIED)


def _references(user: User, data: dict[str, Any]) -> dict[str, Any]:
    names = {name: data.pop(name) for name in ("contact", "deal", "assigned_to") if name in data}
    return services.task_references(actor=user, **names)


def _page(tasks: QuerySet[Task], page: PageQuery) -> dict[str, Any]:
    """Keyset pages by due time (undated last), then by row: stable while tasks are added."""
    if page.cursor:
        position = read_cursor(page.cursor, namespace=CURSOR_NAMESPACE)
        if not (isinstance(position, list) and len(position) == 2):
            raise invalid_cursor()
        raw_due, public_id = position
        try:
            due = datetime.fromisoformat(raw_due) if raw_due is not None else None
            boundary = Subquery(Task.objects.filter(public_id=UUID(str(public_id))).values("id")[:1])
        except (TypeError, ValueError):
            raise invalid_cursor() from None
        if due is None:
            tasks = tasks.filter(due_at__isnull=True, id__gt=boundary)
        else:
            tasks = tasks.filter(Q(due_at__gt=due) | Q(due_at=due, id__gt=boundary) | Q(due_at__isnull=True))
    rows = list(tasks.order_by(F("due_at").asc(nulls_last=True), "id")[: page.limit + 1])
    items = rows[: page.limit]
    next_cursor = None
    if len(rows) > page.limit and items:
        last = items[-1]
        due_text = last.due_at.isoformat() if last.due_at else None
        next_cursor = sign_cursor([due_text, str(last.public_id)], namespace=CURSOR_NAMESPACE)
    return {"items": items, "next_cursor": next_cursor}


# --- Tasks ----------------------------------------------------------------------------------------


@router.get("/tasks", auth=sales_read, response=TaskPage, url_name="task_list", summary="List tasks")
def task_list_route(request: HttpRequest, filters: Query[TaskListQuery], page: Query[PageQuery]) -> Any:
    """By due time, undated ones last. Admins see every task; others the tasks assigned to them or
    their teammates, and those they created."""
    user = request_user(request)
    try:
        references = services.task_references(
            actor=user,
            contact=filters.contact or None,
            deal=filters.deal or None,
            assigned_to=filters.assignee or None,
        )
    except ValidationError as error:
        fields = {FILTER_OF.get(name, name): messages for name, messages in error.message_dict.items()}
        raise ApiError(400, "validation_error", "Some filters are not valid.", fields) from None
    assignee = references["assigned_to"] if filters.assignee else None
    tasks = task_list(
        user=user,
        filters=TaskFilters(
            q=filters.q or "",
            assignee=assignee,
            kind=filters.kind or "",
            status=filters.status,
            due_from=filters.due_from,
            due_to=filters.due_to,
            contact=references.get("contact"),
            deal=references.get("deal"),
        ),
        zone=_zone(user),
    )
    return _page(tasks, page)


@router.post(
    "/tasks", auth=sales_write, response={201: TaskOut}, url_name="task_create", summary="Create a task"
)
def task_create_route(request: HttpRequest, payload: TaskCreateIn) -> Status[Task]:
    """Assigned to the token's user unless `assigned_to` names someone else. Give `due_at` for a
    time or `due_date` for a day."""
    user = request_user(request)
    data = payload.model_dump(exclude_unset=True)
    data.update(_references(user, data))
    for name in ("due_at", "remind_at"):
        if name in data:
            data[name] = _aware(data[name], user)
    task = services.task_create(actor=user, **data)
    return Status(201, _fresh(task))


@router.get("/tasks/{task_id}", auth=sales_read, response=TaskOut, url_name="task_get", summary="Get a task")
def task_get_route(request: HttpRequest, task_id: str) -> Task:
    return task_get(user=request_user(request), public_id=task_id)


@router.patch(
    "/tasks/{task_id}", auth=sales_write, response=TaskOut, url_name="task_update", summary="Change a task"
)
def task_update_route(request: HttpRequest, task_id: str, payload: TaskPatchIn) -> Task:
    """Only the fields sent are changed; null clears `due_at`/`due_date`, `remind_at`, `contact` or
    `deal`. A new `remind_at` is sent again when its time comes."""
    user = request_user(request)
    task = _to_edit(request, task_id)
    data = payload.model_dump(exclude_unset=True)
    for name in ("title", "kind", "notes"):
        if name in data and data[name] is None:
            raise field_error(name, "This field cannot be null.")
    data.update(_references(user, data))
    for name in ("due_at", "remind_at"):
        if name in data:
            data[name] = _aware(data[name], user)
    services.task_update(task=task, actor=user, data=data)
    return _fresh(task)


@router.post(
    "/tasks/{task_id}/complete",
    auth=sales_write,
    response=TaskOut,
    url_name="task_complete",
    summary="Mark a task done",
)
def task_complete_route(request: HttpRequest, task_id: str) -> Task:
    """Writes `task.completed` on the contact's timeline. Completing a done task changes nothing."""
    task = _to_edit(request, task_id)
    services.task_complete(task=task, actor=request_user(request))
    return _fresh(task)


@router.post(
    "/tasks/{task_id}/reopen",
    auth=sales_write,
    response=TaskOut,
    url_name="task_reopen",
    summary="Mark a task not done",
)
def task_reopen_route(request: HttpRequest, task_id: str) -> Task:
    task = _to_edit(request, task_id)
    services.task_reopen(task=task, actor=request_user(request))
    return _fresh(task)


@router.delete(
    "/tasks/{task_id}",
    auth=sales_write,
    response={204: None},
    url_name="task_delete",
    summary="Delete a task",
)
def task_delete_route(request: HttpRequest, task_id: str) -> Status[None]:
    services.task_delete(task=_to_edit(request, task_id), actor=request_user(request))
    return Status(204, None)


# --- Logged calls and meetings --------------------------------------------------------------------


def _contact(request: HttpRequest, contact_id: str) -> Contact:
    return contact_get(user=request_user(request), public_id=contact_id)


@router.post(
    "/contacts/{contact_id}/log-call",
    auth=sales_write,
    response={201: LoggedOut},
    url_name="contact_log_call",
    summary="Log a call with a contact",
)
def contact_log_call(request: HttpRequest, contact_id: str, payload: CallLogIn) -> Status[Any]:
    """Writes `call.logged` on the timeline. A salesperson's call is the lead's first sales touch
    if none came before (speed-to-lead)."""
    user = request_user(request)
    activity = services.call_log(
        contact=_contact(request, contact_id),
        actor=user,
        outcome=payload.outcome,
        notes=payload.notes,
        duration_minutes=payload.duration_minutes,
        occurred_at=_aware(payload.occurred_at, user),
        via="api",
    )
    return Status(201, activity)


@router.post(
    "/contacts/{contact_id}/log-meeting",
    auth=sales_write,
    response={201: LoggedOut},
    url_name="contact_log_meeting",
    summary="Log a meeting with a contact",
)
def contact_log_meeting(request: HttpRequest, contact_id: str, payload: MeetingLogIn) -> Status[Any]:
    """Writes `meeting.logged` on the timeline; like a call, it is a sales touch."""
    user = request_user(request)
    activity = services.meeting_log(
        contact=_contact(request, contact_id),
        actor=user,
        outcome=payload.outcome,
        notes=payload.notes,
        duration_minutes=payload.duration_minutes,
        occurred_at=_aware(payload.occurred_at, user),
        via="api",
    )
    return Status(201, activity)
