"""Writes of tasks, and of calls and meetings logged on a contact.

A task is created, changed, completed, reopened and deleted here; completing one writes
`task.completed` on the contact's timeline. Logging a call or a meeting writes `call.logged` /
`meeting.logged` and counts as a sales touch for the speed-to-lead of the contact's hand-off.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from leadline.accounts.models import User
from leadline.accounts.selectors import active_users
from leadline.activity.models import Activity, Kind
from leadline.activity.services import activity_record
from leadline.contacts.models import Contact
from leadline.core.access import get_for_user, parse_public_id
from leadline.core.notifications import notify
from leadline.core.services import audit_record
from leadline.sales.deal_services import deal_touch
from leadline.sales.handoff_services import handoff_record_touch
from leadline.sales.models import Deal, Task, TaskKind

TITLE_MAX_LENGTH = 200
NOTES_MAX_LENGTH = 10_000
LOG_DURATION_MAX_MINUTES = 24 * 60
# Dates outside this window are typing mistakes (year 20266), not plans.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
# A logged call or meeting has happened; a little slack covers clocks that disagree.
FUTURE_SLACK = timedelta(minutes=5)
# Completing these kinds of task means someone reached the person: a sales touch.
TOUCH_KINDS = (TaskKind.CALL, TaskKind.EMAIL, TaskKind.MEETING)
EDITABLE_FIELDS = (
    "title",
    "kind",
    "notes",
    "due_at",
    "due_date",
    "remind_at",
    "assigned_to",
    "contact",
    "deal",
)


class CallOutcome(models.TextChoices):
    CONNECTED = "connected", "Connected"
    VOICEMAIL = "voicemail", "Left a voicemail"
    NO_ANSWER = "no_answer", "No answer"
    BUSY = "busy", "Busy"
    WRONG_NUMBER = "wrong_number", "Wrong number"


class MeetingOutcome(models.TextChoices):
    HELD = "held", "Held"
    NO_SHOW = "no_show", "No-show"
    RESCHEDULED = "rescheduled", "Rescheduled"


UNSET: Any = object()


# --- Checking values --------------------------------------------------------------------------------


def _clean_text(value: Any, *, field: str, max_length: int, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError({field: "Must be text."})
    value = value.strip()
    if "\x00" in value:
        raise ValidationError({field: "Remove the null character from the text."})
    if required and not value:
        raise ValidationError({field: "This field is required."})
    if len(value) > max_length:
        raise ValidationError({field: f"Keep it under {max_length:,} characters."})
    return value


def clean_title(value: Any) -> str:
    return _clean_text(value, field="title", max_length=TITLE_MAX_LENGTH, required=True)


def clean_notes(value: Any) -> str:
    return _clean_text(value, field="notes", max_length=NOTES_MAX_LENGTH)


def clean_kind(value: Any) -> str:
    if value not in TaskKind.values:
        raise ValidationError({"kind": f"Choose one of: {', '.join(TaskKind.values)}."})
    return str(value)


def clean_moment(value: Any, *, field: str) -> datetime | None:
    """An aware datetime within a sensible window, or None."""
    if value is None:
        return None
    if not isinstance(value, datetime):
        raise ValidationError({field: "Must be a date and time."})
    if timezone.is_naive(value):
        raise ValidationError({field: "Give the time with its time zone."})
    if not EARLIEST <= value < LATEST:
        raise ValidationError({field: "Pick a date between the years 2000 and 2099."})
    return value


def all_day_moment(day: date) -> datetime:
    """Where a task due on a day (without a time) sits: noon UTC, which is the same calendar day from
    UTC-11 to UTC+11, so everyone sees it on the day it was meant for."""
    moment = datetime.combine(day, time(12, 0), tzinfo=UTC)
    if not EARLIEST <= moment < LATEST:
        raise ValidationError({"due_date": "Pick a date between the years 2000 and 2099."})
    return moment


def local_moment(day: date, at: time, zone: Any) -> datetime:
    """`day` at wall-clock `at` in `zone`; a time skipped when the clocks go forward is refused."""
    naive = datetime.combine(day, at)
    moment = naive.replace(tzinfo=zone)
    if moment.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != naive:
        raise ValidationError(
            {"due_time": "That time does not exist on that day (the clocks go forward). Pick another."}
        )
    return moment


# --- Resolving references ---------------------------------------------------------------------------


def resolve_contact(*, actor: User, value: Any) -> Contact | None:
    """A contact the actor can see, by public id or email address; None for an empty value."""
    if value is None or value == "":
        return None
    if isinstance(value, Contact):
        value = value.public_id
    if not isinstance(value, (str, uuid.UUID)):
        raise ValidationError({"contact": "Give the contact's id or email address."})
    visible = Contact.objects.for_user(actor)
    public_id = parse_public_id(value)
    if public_id is not None:
        found = visible.filter(public_id=public_id).first()
    else:
        text = str(value).strip().lower()
        found = visible.filter(email=text).first() if text and len(text) <= 254 else None
    if found is None:
        raise ValidationError({"contact": "No contact you can see has this id or email address."})
    return found


def resolve_deal(*, actor: User, value: Any) -> Deal | None:
    """A deal the actor can see, by public id; None for an empty value."""
    if value is None or value == "":
        return None
    if isinstance(value, Deal):
        value = value.public_id
    try:
        return get_for_user(Deal.objects.select_related("contact"), actor, value)
    except Http404:
        raise ValidationError({"deal": "No deal you can see has this id."}) from None


def resolve_assignee(*, actor: User, value: Any) -> User:
    """An active person by public id ("me" for the actor); nobody given means the actor."""
    if value is None or value == "" or value == "me":
        return actor
    if isinstance(value, User):
        value = value.public_id
    public_id = parse_public_id(value)
    found = active_users().filter(public_id=public_id).first() if public_id else None
    if found is None:
        raise ValidationError({"assigned_to": "No active teammate has this id."})
    return found


# --- Tasks ------------------------------------------------------------------------------------------


def can_edit_task(task: Task, user: Any) -> bool:
    """The same rule as `TaskQuerySet.editable_by`, for an object already in hand."""
    if not getattr(user, "is_active", False):
        return False
    return bool(user.is_admin or user.pk in (task.assigned_to_id, task.created_by_id))


def _check_can_edit(task: Task, actor: User) -> None:
    if not can_edit_task(task, actor):
        raise PermissionDenied(
            "Only the person the task is assigned to, its author or an admin can change it."
        )


def task_url(task: Task) -> str:
    return reverse("sales:task_detail", args=[task.public_id])


def _notify_assignee(task: Task, actor: User) -> None:
    assignee = task.assigned_to
    if assignee is None or assignee.pk == actor.pk:
        return
    notify(
        user=assignee,
        kind="task.assigned",
        title=f"{actor.display_name} gave you a task: {task.title}",
        body=task.notes[:300],
        url=task_url(task),
        key=f"task-assigned:{task.public_id}:{assignee.pk}",
    )


def _apply_due(task: Task, *, due_at: Any, due_date: Any) -> None:
    if due_at is not UNSET and due_date is not UNSET and due_at is not None and due_date is not None:
        raise ValidationError({"due_date": "Give a due time or a due day, not both."})
    if due_date is not UNSET and due_date is not None:
        if not isinstance(due_date, date) or isinstance(due_date, datetime):
            raise ValidationError({"due_date": "Must be a date."})
        task.due_at = all_day_moment(due_date)
        task.due_all_day = True
    elif due_at is not UNSET and due_at is not None:
        task.due_at = clean_moment(due_at, field="due_at")
        task.due_all_day = False
    elif due_at is None or due_date is None:
        # One of them explicitly cleared, the other not given: the task has no date any more.
        task.due_at = None
        task.due_all_day = False


def _apply_links(task: Task, *, actor: User, contact: Any, deal: Any) -> None:
    if contact is not UNSET:
        task.contact = contact
    if deal is not UNSET:
        task.deal = deal
        # A task about a deal shows on its main contact's page too, when the actor may see them.
        if (
            deal is not None
            and task.contact is None
            and deal.contact_id is not None
            and Contact.objects.for_user(actor).filter(pk=deal.contact_id).exists()
        ):
            task.contact_id = deal.contact_id


def task_create(
    *,
    actor: User,
    title: Any,
    kind: Any = TaskKind.TODO,
    notes: Any = "",
    due_at: Any = None,
    due_date: Any = None,
    remind_at: Any = None,
    assigned_to: User | None = None,
    contact: Contact | None = None,
    deal: Deal | None = None,
) -> Task:
    """A new task, assigned to `assigned_to` (the actor when nobody is named).

    `contact`, `deal` and `assigned_to` must already have been fetched through the access layer
    (see `resolve_contact`, `resolve_deal`, `resolve_assignee`).
    """
    task = Task(
        title=clean_title(title),
        kind=clean_kind(kind),
        notes=clean_notes(notes),
        remind_at=clean_moment(remind_at, field="remind_at"),
        assigned_to=assigned_to or actor,
        created_by=actor,
    )
    if due_at is not None or due_date is not None:
        _apply_due(task, due_at=due_at, due_date=due_date)
    _apply_links(task, actor=actor, contact=contact, deal=deal)
    with transaction.atomic():
        task.save()
        transaction.on_commit(lambda: _notify_assignee(task, actor))
    return task


def task_update(*, task: Task, actor: User, data: dict[str, Any]) -> Task:
    """Change the fields in `data` (keys of EDITABLE_FIELDS; references already resolved)."""
    _check_can_edit(task, actor)
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({name: "This field cannot be changed." for name in sorted(unknown)})
    previous_assignee = task.assigned_to_id
    previous_remind_at = task.remind_at
    if "title" in data:
        task.title = clean_title(data["title"])
    if "kind" in data:
        task.kind = clean_kind(data["kind"])
    if "notes" in data:
        task.notes = clean_notes(data["notes"])
    if "due_at" in data or "due_date" in data:
        _apply_due(task, due_at=data.get("due_at", UNSET), due_date=data.get("due_date", UNSET))
    if "remind_at" in data:
        task.remind_at = clean_moment(data["remind_at"], field="remind_at")
    if "assigned_to" in data:
        task.assigned_to = data["assigned_to"] or actor
    _apply_links(task, actor=actor, contact=data.get("contact", UNSET), deal=data.get("deal", UNSET))
    if task.remind_at != previous_remind_at:
        # A new reminder time is a new reminder: it is sent again when that time comes.
        task.reminded_at = None
    with transaction.atomic():
        task.save()
        if task.assigned_to_id != previous_assignee:
            transaction.on_commit(lambda: _notify_assignee(task, actor))
    return task


def task_complete(*, task: Task, actor: User, at: datetime | None = None) -> Task:
    """Mark the task done (a task already done stays as it was). Writes `task.completed` on the
    contact's timeline; a done call, email or meeting is a sales touch."""
    _check_can_edit(task, actor)
    now = at or timezone.now()
    with transaction.atomic():
        # The conditional update makes a double click or a retried request complete it once.
        changed = Task.objects.filter(pk=task.pk, completed_at__isnull=True).update(
            completed_at=now, completed_by=actor, updated_at=now
        )
        if not changed:
            task.refresh_from_db(fields=["completed_at", "completed_by"])
            return task
        task.completed_at = now
        task.completed_by = actor
        if task.contact is not None:
            activity_record(
                kind=Kind.TASK_COMPLETED,
                contact=task.contact,
                actor=actor,
                occurred_at=now,
                title=f"{task.get_kind_display()} done: {task.title}",
                data={"task": str(task.public_id), "kind": task.kind, "via": "task"},
            )
            if task.kind in TOUCH_KINDS and not actor.is_marketing:
                handoff_record_touch(contact=task.contact, at=now)
        if task.deal_id is not None:
            deal_touch(deal_id=task.deal_id, at=now)
    return task


def task_reopen(*, task: Task, actor: User) -> Task:
    """Undo a completion (the timeline keeps its entry: it did happen)."""
    _check_can_edit(task, actor)
    Task.objects.filter(pk=task.pk).update(completed_at=None, completed_by=None, updated_at=timezone.now())
    task.completed_at = None
    task.completed_by = None
    return task


def task_delete(*, task: Task, actor: User) -> None:
    _check_can_edit(task, actor)
    with transaction.atomic():
        if actor.pk != task.created_by_id:
            audit_record(actor=actor, action="task.deleted", target=task, summary=task.title)
        task.delete()


# --- Logged calls and meetings ----------------------------------------------------------------------


def _clean_outcome(value: Any, choices: type[models.TextChoices]) -> str:
    if value not in choices.values:
        raise ValidationError({"outcome": f"Choose one of: {', '.join(choices.values)}."})
    return str(value)


def _clean_duration(value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError({"duration_minutes": "Must be a whole number of minutes."})
    if not 0 <= value <= LOG_DURATION_MAX_MINUTES:
        raise ValidationError({"duration_minutes": f"Between 0 and {LOG_DURATION_MAX_MINUTES} minutes."})
    return value


def _clean_occurred_at(value: Any, now: datetime) -> datetime:
    if value is None:
        return now
    moment = clean_moment(value, field="occurred_at")
    assert moment is not None
    if moment > now + FUTURE_SLACK:
        raise ValidationError({"occurred_at": "Log what has happened: this time is in the future."})
    return moment


def _log_title(label: str, outcome_label: str, duration: int | None, notes: str) -> str:
    parts = [label, outcome_label.lower()]
    if duration:
        parts.append(f"{duration} min")
    title = " · ".join(parts)
    if notes:
        first_line = notes.splitlines()[0].strip()
        title = f"{title} — {first_line}"
    return title[:300]


def _log(
    *,
    kind: str,
    label: str,
    choices: type[models.TextChoices],
    contact: Contact,
    actor: User,
    outcome: Any,
    notes: Any,
    duration_minutes: Any,
    occurred_at: Any,
    via: str,
) -> Activity:
    now = timezone.now()
    outcome = _clean_outcome(outcome, choices)
    notes = clean_notes(notes)
    duration = _clean_duration(duration_minutes)
    moment = _clean_occurred_at(occurred_at, now)
    with transaction.atomic():
        activity = activity_record(
            kind=kind,
            contact=contact,
            actor=actor,
            occurred_at=moment,
            title=_log_title(label, choices(outcome).label, duration, notes),
            data={"outcome": outcome, "notes": notes, "duration_minutes": duration, "via": via},
        )
        # Marketing reaching out is not the sales response the hand-off measures.
        if not actor.is_marketing:
            handoff_record_touch(contact=contact, at=moment)
    return activity


def call_log(
    *,
    contact: Contact,
    actor: User,
    outcome: Any,
    notes: Any = "",
    duration_minutes: Any = None,
    occurred_at: Any = None,
    via: str = "manual",
) -> Activity:
    """Record a call with the contact on their timeline (`call.logged`): a sales touch."""
    return _log(
        kind=Kind.CALL_LOGGED,
        label="Call",
        choices=CallOutcome,
        contact=contact,
        actor=actor,
        outcome=outcome,
        notes=notes,
        duration_minutes=duration_minutes,
        occurred_at=occurred_at,
        via=via,
    )


def meeting_log(
    *,
    contact: Contact,
    actor: User,
    outcome: Any,
    notes: Any = "",
    duration_minutes: Any = None,
    occurred_at: Any = None,
    via: str = "manual",
) -> Activity:
    """Record a meeting held with the contact (`meeting.logged`): a sales touch."""
    return _log(
        kind=Kind.MEETING_LOGGED,
        label="Meeting",
        choices=MeetingOutcome,
        contact=contact,
        actor=actor,
        outcome=outcome,
        notes=notes,
        duration_minutes=duration_minutes,
        occurred_at=occurred_at,
        via=via,
    )


def task_references(
    *, actor: User, contact: Any = UNSET, deal: Any = UNSET, assigned_to: Any = UNSET
) -> dict[str, Any]:
    """Public ids (or a contact's email) of the linked objects → the objects, through the access
    layer. Every unknown reference is reported at once, on its own field."""
    resolved: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for name, resolver, value in (
        ("contact", resolve_contact, contact),
        ("deal", resolve_deal, deal),
        ("assigned_to", resolve_assignee, assigned_to),
    ):
        if value is UNSET:
            continue
        try:
            resolved[name] = resolver(actor=actor, value=value)
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    return resolved
