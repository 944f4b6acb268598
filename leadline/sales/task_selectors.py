"""Reads of tasks: the "my day" queue (tasks and hand-off SLA timers together), the full task list
with its filters, and the open tasks of a contact. Each is a constant number of queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from leadline.accounts.models import User
from leadline.accounts.selectors import teammate_ids_subquery
from leadline.contacts.models import Contact
from leadline.sales.models import Deal, Handoff, Task
from leadline.sales.models.work import TaskQuerySet

UPCOMING_DAYS = 7
GROUP_LIMIT = 100
SCOPES = {"mine": "Mine", "team": "My team's", "all": "Everyone's"}


def scopes_for(user: User) -> dict[str, str]:
    """Admins may look at everyone's day; others at their own and their team's."""
    return SCOPES if user.is_admin else {key: label for key, label in SCOPES.items() if key != "all"}


def _tasks(user: User) -> TaskQuerySet:
    return Task.objects.for_user(user).select_related("assigned_to", "contact", "deal")


def _in_scope(tasks: TaskQuerySet, user: User, scope: str) -> TaskQuerySet:
    if scope == "all" and user.is_admin:
        return tasks
    if scope == "team":
        return tasks.filter(assigned_to_id__in=teammate_ids_subquery(user))
    return tasks.filter(assigned_to=user)


def day_bounds(now: datetime, zone: Any = None) -> tuple[datetime, datetime]:
    """Start and end of `now`'s calendar day in `zone` (the active time zone by default)."""
    zone = zone or timezone.get_current_timezone()
    today = timezone.localtime(now, zone).date()
    start = datetime.combine(today, time.min).replace(tzinfo=zone)
    end = datetime.combine(today + timedelta(days=1), time.min).replace(tzinfo=zone)
    return start, end


def _overdue(now: datetime, start: datetime) -> Q:
    # A task due on a day (no time) is late only once that day is over.
    return Q(due_all_day=False, due_at__lt=now) | Q(due_all_day=True, due_at__lt=start)


def _today(now: datetime, start: datetime, end: datetime) -> Q:
    return Q(due_all_day=False, due_at__gte=now, due_at__lt=end) | Q(
        due_all_day=True, due_at__gte=start, due_at__lt=end
    )


@dataclass
class QueueItem:
    """One line of the day: a task, or a hand-off waiting for acceptance (its SLA is the due time)."""

    due_at: datetime | None
    task: Task | None = None
    handoff: Handoff | None = None

    @property
    def sort_key(self) -> tuple[datetime, int]:
        return (self.due_at or datetime.max.replace(tzinfo=UTC), 0 if self.handoff else 1)


@dataclass
class Group:
    key: str
    label: str
    items: list[QueueItem] = field(default_factory=list)
    total: int = 0

    @property
    def more(self) -> int:
        return max(self.total - sum(1 for item in self.items if item.task is not None), 0)


@dataclass
class MyDay:
    scope: str
    today: date
    groups: list[Group]
    handoffs_waiting: int = 0
    handoffs_overdue: int = 0

    @property
    def counts(self) -> dict[str, int]:
        return {group.key: group.total for group in self.groups}

    @property
    def is_empty(self) -> bool:
        return not any(group.items for group in self.groups)


def my_day(*, user: User, scope: str = "mine", now: datetime | None = None, zone: Any = None) -> MyDay:
    """Open tasks in scope grouped overdue / today / next 7 days / no date, with the hand-offs waiting
    for acceptance placed by their SLA due time. Six queries whatever the numbers."""
    now = now or timezone.now()
    scope = scope if scope in scopes_for(user) else "mine"
    start, end = day_bounds(now, zone)
    horizon = end + timedelta(days=UPCOMING_DAYS)
    tasks = _in_scope(_tasks(user), user, scope).open()

    conditions = {
        "overdue": _overdue(now, start),
        "today": _today(now, start, end),
        "upcoming": Q(due_at__gte=end, due_at__lt=horizon),
        "no_date": Q(due_at__isnull=True),
    }
    totals = tasks.aggregate(**{key: Count("id", filter=condition) for key, condition in conditions.items()})
    groups = [
        Group("overdue", "Overdue"),
        Group("today", "Today"),
        Group("upcoming", f"Next {UPCOMING_DAYS} days"),
        Group("no_date", "No date"),
    ]
    for group in groups:
        group.total = totals[group.key]
        if group.total:
            ordered = tasks.filter(conditions[group.key]).order_by(
                F("due_at").asc(nulls_last=True), "-created_at" if group.key == "no_date" else "id"
            )
            group.items = [QueueItem(due_at=task.due_at, task=task) for task in ordered[:GROUP_LIMIT]]

    handoffs = (
        Handoff.objects.for_user(user).pending().select_related("contact", "contact__company", "assigned_to")
    )
    if scope == "team":
        handoffs = handoffs.filter(assigned_to_id__in=teammate_ids_subquery(user))
    elif not (scope == "all" and user.is_admin):
        handoffs = handoffs.filter(assigned_to=user)
    waiting = list(handoffs.order_by("sla_due_at", "id")[:GROUP_LIMIT])
    by_key = {group.key: group for group in groups}
    for handoff in waiting:
        if handoff.sla_due_at <= now:
            key = "overdue"
        elif handoff.sla_due_at < end:
            key = "today"
        else:
            key = "upcoming"
        by_key[key].items.append(QueueItem(due_at=handoff.sla_due_at, handoff=handoff))
    for group in groups:
        if group.key != "no_date":
            group.items.sort(key=lambda item: item.sort_key)
    return MyDay(
        scope=scope,
        today=timezone.localtime(now, zone or timezone.get_current_timezone()).date(),
        groups=groups,
        handoffs_waiting=len(waiting),
        handoffs_overdue=sum(1 for handoff in waiting if handoff.sla_due_at <= now),
    )


# --- The full list ----------------------------------------------------------------------------------

STATUSES = {"open": "Open", "done": "Done", "all": "All"}


@dataclass(frozen=True)
class TaskFilters:
    q: str = ""
    assignee: User | None = None
    kind: str = ""
    status: str = "open"
    due_from: date | None = None
    due_to: date | None = None
    contact: Contact | None = None
    deal: Deal | None = None

    @property
    def is_filtered(self) -> bool:
        return bool(
            self.q
            or self.assignee
            or self.kind
            or self.status != "open"
            or self.due_from
            or self.due_to
            or self.contact
            or self.deal
        )


def task_list(*, user: User, filters: TaskFilters, zone: Any = None) -> QuerySet[Task]:
    """Tasks the user can see, filtered; open ones by due time (undated last), done ones newest first.

    Due dates are days in the user's time zone.
    """
    zone = zone or timezone.get_current_timezone()
    tasks = _tasks(user)
    if filters.status == "open":
        tasks = tasks.filter(completed_at__isnull=True)
    elif filters.status == "done":
        tasks = tasks.filter(completed_at__isnull=False)
    if filters.assignee is not None:
        tasks = tasks.filter(assigned_to=filters.assignee)
    if filters.kind:
        tasks = tasks.filter(kind=filters.kind)
    if filters.contact is not None:
        tasks = tasks.filter(contact=filters.contact)
    if filters.deal is not None:
        tasks = tasks.filter(deal=filters.deal)
    if filters.due_from:
        tasks = tasks.filter(due_at__gte=datetime.combine(filters.due_from, time.min).replace(tzinfo=zone))
    if filters.due_to:
        next_day = filters.due_to + timedelta(days=1)
        tasks = tasks.filter(due_at__lt=datetime.combine(next_day, time.min).replace(tzinfo=zone))
    for word in filters.q.split()[:5]:
        tasks = tasks.filter(
            Q(title__icontains=word)
            | Q(notes__icontains=word)
            | Q(contact__first_name__icontains=word)
            | Q(contact__last_name__icontains=word)
            | Q(contact__email__icontains=word)
        )
    if filters.status == "done":
        return tasks.order_by("-completed_at", "-id")
    return tasks.order_by(F("completed_at").desc(nulls_first=True), F("due_at").asc(nulls_last=True), "id")


def contact_open_tasks(*, user: User, contact: Contact, limit: int = 20) -> tuple[list[Task], int]:
    """The open tasks on a contact the user can see (the first `limit`) and how many there are."""
    tasks = _tasks(user).open().filter(contact=contact)
    items = list(tasks.order_by(F("due_at").asc(nulls_last=True), "id")[: limit + 1])
    if len(items) <= limit:
        return items, len(items)
    return items[:limit], tasks.count()


def task_get(*, user: User, public_id: Any, for_edit: bool = False) -> Task:
    from leadline.core.access import get_for_user

    return get_for_user(
        Task.objects.select_related("assigned_to", "created_by", "completed_by", "contact", "deal"),
        user,
        public_id,
        for_edit=for_edit,
    )


def contact_suggestions(*, user: User, query: str, limit: int = 10) -> QuerySet[Contact]:
    """Contacts whose name or email starts like `query`, for the task form's contact picker."""
    query = query.strip()[:100]
    if len(query) < 2:
        return Contact.objects.none()
    return (
        Contact.objects.for_user(user)
        .filter(
            Q(email__istartswith=query) | Q(first_name__istartswith=query) | Q(last_name__istartswith=query)
        )
        .order_by("first_name", "last_name", "id")[:limit]
    )
