"""Keeps dynamic segments current between full rebuilds.

Each run reads the activity rows added since the last run (through a cursor) and the contacts and
companies changed since then, and re-evaluates only those contacts, only for the segments whose
tree reads what changed. Trees that say "within the last N days" also change as time passes; those
get a periodic full rebuild (see tasks.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from leadline.activity.models import Activity, Cursor
from leadline.contacts.models import Contact
from leadline.segments.compiler import SegmentError, compile_tree, property_types
from leadline.segments.models import Segment
from leadline.segments.services import ENTERED, LEFT, segment_reevaluate

ACTIVITY_CURSOR = "segments.activity"
CHANGES_CURSOR = "segments.changes"  # position: microseconds since the epoch of the last run
BATCH = 50_000
# Our own enter/leave rows are skipped: they never change what a tree reads.
OWN_KINDS = {ENTERED, LEFT}


@dataclass
class UpdateReport:
    activities: int = 0
    contacts: int = 0
    evaluated: dict[str, int] = field(default_factory=dict)
    entered: int = 0
    left: int = 0
    broken: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "activities": self.activities,
            "contacts": self.contacts,
            "evaluated": self.evaluated,
            "entered": self.entered,
            "left": self.left,
            "broken": self.broken,
        }


def _micros(moment: datetime) -> int:
    return int(moment.timestamp() * 1_000_000)


def _from_micros(value: int) -> datetime:
    return datetime.fromtimestamp(value / 1_000_000, tz=UTC)


def segments_update(*, batch: int = BATCH) -> UpdateReport:
    """One incremental pass. Safe to repeat: re-evaluating a contact twice changes nothing."""
    report = UpdateReport()
    started = timezone.now()
    with transaction.atomic():
        # A new cursor starts at the end of the log: every segment was fully built when it was
        # saved, so only rows added from now on can change membership.
        newest = Activity.objects.order_by("-id").values_list("id", flat=True).first() or 0
        activity_cursor, _ = Cursor.objects.select_for_update().get_or_create(
            name=ACTIVITY_CURSOR, defaults={"position": newest}
        )
        changes_cursor, created = Cursor.objects.select_for_update().get_or_create(
            name=CHANGES_CURSOR, defaults={"position": _micros(started)}
        )
        rows = list(
            Activity.objects.filter(id__gt=activity_cursor.position, contact__isnull=False)
            .exclude(kind__in=OWN_KINDS)
            .order_by("id")
            .values_list("id", "kind", "contact_id")[:batch]
        )
        since = _from_micros(changes_cursor.position)
        changed: set[int] = set()
        company_changed: set[int] = set()
        if not created:
            changed = set(Contact.objects.filter(updated_at__gte=since).values_list("id", flat=True))
            company_changed = set(
                Contact.objects.filter(company__updated_at__gte=since).values_list("id", flat=True)
            )
        by_kind: dict[str, set[int]] = {}
        for _id, kind, contact_id in rows:
            by_kind.setdefault(kind, set()).add(contact_id)
        report.activities = len(rows)
        report.contacts = len(changed | company_changed)

        properties = property_types()
        for segment in Segment.objects.filter(kind=Segment.Kind.DYNAMIC, last_built_at__isnull=False):
            try:
                compiled = compile_tree(segment.definition, segment_id=segment.pk, properties=properties)
            except SegmentError as error:
                # A property was deleted or a referenced segment changed: keep the last membership.
                report.broken.append(f"{segment.name}: {error}")
                continue
            dependencies = compiled.dependencies
            affected: set[int] = set()
            if dependencies.contact or dependencies.consent:
                affected |= changed
            if dependencies.company:
                affected |= company_changed
            for kind in dependencies.kinds:
                affected |= by_kind.get(kind, set())
            if not affected:
                continue
            result = segment_reevaluate(
                segment=segment, compiled=compiled, contact_ids=sorted(affected), properties=properties
            )
            report.evaluated[segment.name] = len(affected)
            report.entered += result.entered
            report.left += result.left

        if rows:
            activity_cursor.position = rows[-1][0]
            activity_cursor.save(update_fields=["position", "updated_at"])
        changes_cursor.position = _micros(started)
        changes_cursor.save(update_fields=["position", "updated_at"])
    return report
