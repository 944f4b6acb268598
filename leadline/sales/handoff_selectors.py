"""Reads of the hand-off: the sales queue, the marketing overview and speed-to-lead."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from leadline.accounts.models import Team, User
from leadline.activity.models import Activity, Kind
from leadline.sales.models import Handoff, HandoffState, RejectionReason

PERIODS = (30, 90, 365)


def handoff_list(*, user: User, state: str | None = None, mine: bool = False) -> QuerySet[Handoff]:
    handoffs = Handoff.objects.for_user(user).select_related(
        "contact", "contact__company", "assigned_to", "rejection_reason", "decided_by"
    )
    if state:
        handoffs = handoffs.filter(state=state)
    if mine:
        handoffs = handoffs.filter(assigned_to=user)
    return handoffs.order_by("sla_due_at", "id")


def sales_queue(*, user: User) -> QuerySet[Handoff]:
    """My waiting hand-offs, the most urgent first."""
    return handoff_list(user=user, state=HandoffState.PENDING, mine=True)


def rejection_reasons() -> QuerySet[RejectionReason]:
    return RejectionReason.objects.active()


@dataclass
class SpeedRow:
    name: str
    leads: int
    median: timedelta | None


@dataclass
class HandoffOverview:
    days: int
    sent: int = 0
    accepted: int = 0
    rejected: int = 0
    waiting: int = 0
    breaches: int = 0
    median_time_to_accept: timedelta | None = None
    rejections_by_reason: list[tuple[str, int]] = field(default_factory=list)
    speed_by_person: list[SpeedRow] = field(default_factory=list)
    speed_by_team: list[SpeedRow] = field(default_factory=list)
    recent_rejections: list[Handoff] = field(default_factory=list)


def _median(values: list[timedelta]) -> timedelta | None:
    if not values:
        return None
    return timedelta(seconds=statistics.median(value.total_seconds() for value in values))


def handoff_overview(*, user: User, days: int = 90, now: datetime | None = None) -> HandoffOverview:
    """Hand-offs assigned in the last `days` days, in a fixed number of queries."""
    now = now or timezone.now()
    days = days if days in PERIODS else 90
    since = now - timedelta(days=days)
    handoffs = Handoff.objects.for_user(user).filter(assigned_at__gte=since)
    overview = HandoffOverview(days=days)

    counts = handoffs.aggregate(
        sent=Count("id"),
        accepted=Count("id", filter=Q(state=HandoffState.ACCEPTED)),
        rejected=Count("id", filter=Q(state__in=[HandoffState.REJECTED, HandoffState.RECYCLED])),
        waiting=Count("id", filter=Q(state=HandoffState.PENDING)),
        breaches=Count(
            "id",
            filter=Q(escalated_at__isnull=False)
            | Q(state=HandoffState.PENDING, sla_due_at__lte=now)
            | Q(decided_at__gt=F("sla_due_at")),
        ),
    )
    overview.sent = counts["sent"]
    overview.accepted = counts["accepted"]
    overview.rejected = counts["rejected"]
    overview.waiting = counts["waiting"]
    overview.breaches = counts["breaches"]
    overview.rejections_by_reason = [
        (row["rejection_reason__label"], row["total"])
        for row in handoffs.filter(rejection_reason__isnull=False)
        .values("rejection_reason__label")
        .annotate(total=Count("id"))
        .order_by("-total", "rejection_reason__label")
    ]
    accepted = handoffs.filter(state=HandoffState.ACCEPTED).values_list("assigned_at", "decided_at")
    overview.median_time_to_accept = _median(
        [decided - assigned for assigned, decided in accepted if decided]
    )
    overview.speed_by_person, overview.speed_by_team = _speed_to_lead(handoffs)
    overview.recent_rejections = list(
        handoffs.filter(rejection_reason__isnull=False)
        .select_related("contact", "rejection_reason", "decided_by")
        .order_by("-decided_at", "-id")[:10]
    )
    return overview


def _speed_to_lead(handoffs: QuerySet[Handoff]) -> tuple[list[SpeedRow], list[SpeedRow]]:
    """Form submission (the contact's first) → first sales touch (accepting, or a note by the
    salesperson), per salesperson and per team. Leads never touched or never submitting a form
    are left out rather than guessed."""
    first_form = (
        Activity.objects.filter(contact=OuterRef("contact_id"), kind=Kind.FORM_SUBMITTED)
        .order_by("occurred_at")
        .values("occurred_at")[:1]
    )
    first_note = (
        Activity.objects.filter(
            contact=OuterRef("contact_id"),
            kind=Kind.NOTE,
            actor=OuterRef("assigned_to_id"),
            occurred_at__gte=OuterRef("assigned_at"),
        )
        .order_by("occurred_at")
        .values("occurred_at")[:1]
    )
    rows = (
        handoffs.filter(assigned_to__isnull=False)
        .annotate(form_at=Subquery(first_form), note_at=Subquery(first_note))
        .values_list("assigned_to_id", "form_at", "first_touch_at", "note_at")
    )
    per_person: dict[int, list[timedelta]] = defaultdict(list)
    for person_id, form_at, touched_at, note_at in rows:
        touches = [moment for moment in (touched_at, note_at) if moment is not None]
        if form_at is None or not touches:
            continue
        per_person[person_id].append(max(min(touches) - form_at, timedelta(0)))
    people = {person.pk: person for person in User.objects.filter(pk__in=per_person)}
    by_person = sorted(
        (
            SpeedRow(people[person_id].display_name, len(values), _median(values))
            for person_id, values in per_person.items()
            if person_id in people
        ),
        key=lambda row: (row.median or timedelta.max, row.name),
    )
    per_team: dict[str, list[timedelta]] = defaultdict(list)
    memberships = Team.members.through.objects.filter(user_id__in=per_person).values_list(
        "team__name", "user_id"
    )
    for team_name, person_id in memberships:
        per_team[team_name].extend(per_person[person_id])
    by_team = sorted(
        (SpeedRow(name, len(values), _median(values)) for name, values in per_team.items()),
        key=lambda row: (row.median or timedelta.max, row.name),
    )
    return by_person, by_team


def queue_counts(*, user: User, now: datetime | None = None) -> Counter[str]:
    now = now or timezone.now()
    queue = sales_queue(user=user)
    counts = queue.aggregate(total=Count("id"), overdue=Count("id", filter=Q(sla_due_at__lte=now)))
    return Counter(counts)
