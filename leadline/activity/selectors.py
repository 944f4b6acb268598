"""Reads of the activity log: the contact and company timelines and recent activity.

Timelines page with a cursor (occurred_at + row) instead of offsets, so rows written while someone
is reading never shift or repeat entries, and "load more" stays fast however long the history is.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet, Subquery

from leadline.activity.models import Activity, Kind
from leadline.contacts.models import Company, Contact
from leadline.core.access import get_for_user

TIMELINE_PAGE_SIZE = 25

# The filter tabs above a timeline: key → (label, kinds; None means every kind).
TIMELINE_FILTERS: dict[str, tuple[str, tuple[str, ...] | None]] = {
    "all": ("All", None),
    "notes": ("Notes", (Kind.NOTE,)),
    "emails": (
        "Emails",
        (Kind.EMAIL_SENT, Kind.EMAIL_OPENED, Kind.EMAIL_CLICKED, Kind.EMAIL_BOUNCED, Kind.EMAIL_COMPLAINED),
    ),
    "web": ("Web", (Kind.PAGE_VIEW, Kind.CUSTOM_EVENT, Kind.FORM_SUBMITTED)),
    "stages": ("Stage changes", (Kind.STAGE_CHANGED,)),
}


class InvalidCursor(ValueError):
    """A `before` cursor that was not produced by `timeline_cursor`."""


@dataclass(frozen=True)
class TimelinePage:
    items: list[Activity]
    next_cursor: str | None
    kind_filter: str


def timeline_cursor(activity: Activity) -> str:
    return f"{activity.occurred_at.isoformat()}_{activity.public_id}"


def parse_timeline_cursor(value: str) -> tuple[datetime, uuid.UUID]:
    occurred, _, public_id = (value or "").rpartition("_")
    try:
        moment = datetime.fromisoformat(occurred)
        parsed_id = uuid.UUID(public_id)
    except ValueError:
        raise InvalidCursor("This timeline position is not valid.") from None
    if moment.tzinfo is None:
        raise InvalidCursor("This timeline position is not valid.")
    return moment, parsed_id


def timeline_filter_key(value: Any) -> str:
    return value if isinstance(value, str) and value in TIMELINE_FILTERS else "all"


def _page(queryset: QuerySet[Activity], *, kind_filter: str, before: str | None, limit: int) -> TimelinePage:
    kind_filter = timeline_filter_key(kind_filter)
    kinds = TIMELINE_FILTERS[kind_filter][1]
    if kinds is not None:
        queryset = queryset.filter(kind__in=kinds)
    if before:
        moment, public_id = parse_timeline_cursor(before)
        # Rows at the same instant are ordered by id; the subquery finds the cursor row's id without
        # putting integer keys in URLs. If that row was deleted meanwhile, the instant alone is used.
        cursor_row = Activity.objects.filter(public_id=public_id).values("id")[:1]
        queryset = queryset.filter(
            Q(occurred_at__lt=moment) | Q(occurred_at=moment, id__lt=Subquery(cursor_row))
        )
    rows = list(queryset.order_by("-occurred_at", "-id")[: limit + 1])
    has_more = len(rows) > limit
    items = rows[:limit]
    return TimelinePage(
        items=items,
        next_cursor=timeline_cursor(items[-1]) if has_more and items else None,
        kind_filter=kind_filter,
    )


def contact_timeline(
    *,
    contact: Contact,
    user: Any,
    kind_filter: str = "all",
    before: str | None = None,
    limit: int = TIMELINE_PAGE_SIZE,
) -> TimelinePage:
    """One page of everything that happened to `contact`, newest first. Raises InvalidCursor."""
    queryset = Activity.objects.for_user(user).filter(contact=contact).select_related("actor")
    return _page(queryset, kind_filter=kind_filter, before=before, limit=limit)


def company_timeline(
    *,
    company: Company,
    user: Any,
    kind_filter: str = "all",
    before: str | None = None,
    limit: int = TIMELINE_PAGE_SIZE,
) -> TimelinePage:
    """The activity of every contact at `company` the user may see, newest first."""
    queryset = (
        Activity.objects.for_user(user).filter(contact__company=company).select_related("actor", "contact")
    )
    return _page(queryset, kind_filter=kind_filter, before=before, limit=limit)


def recent_activity(*, user: Any, limit: int = 10) -> list[Activity]:
    """The latest entries across every contact the user may see (the home page feed)."""
    return list(
        Activity.objects.for_user(user)
        .select_related("actor", "contact")
        .order_by("-occurred_at", "-id")[:limit]
    )


def note_get_for_edit(*, user: Any, public_id: Any) -> Activity:
    """A note the user may change (their own, or any for admins); 404 otherwise."""
    return get_for_user(Activity.objects.select_related("contact", "actor"), user, public_id, for_edit=True)
