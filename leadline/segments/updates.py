"""Keeps dynamic segments current between full rebuilds.

Each run takes the activity rows added since the last run (a range of ids after a cursor) and the
contacts and companies changed since then. For each segment it asks only what could have changed:

- contacts whose columns or company changed, for trees that read them: re-evaluated fully;
- contacts with new rows matching one of the tree's triggers (compiler.Trigger) — a page view of
  the URL the tree looks for, a deal move, an order: re-evaluated fully, unless every such trigger
  can only ADD members (a behaviour condition that is not negated), in which case only those who
  are not members yet are looked at, and nobody is removed.

Segments none of whose triggers match the new rows are skipped without reading anything. Trees
that say "within the last N days" also change as time passes; that expiry is left to the periodic
full rebuild (tasks.py), never handled per event.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import reduce
from operator import or_
from typing import Any

from django.db import transaction
from django.db.models import Exists, F, IntegerField, OuterRef, Q
from django.db.models.lookups import IsNull
from django.utils import timezone

from leadline.activity.models import Activity, Cursor
from leadline.contacts.models import Company, Contact
from leadline.segments.compiler import Compiled, SegmentError, compile_tree, property_types
from leadline.segments.expressions import Unindexed
from leadline.segments.models import Segment, SegmentMembership
from leadline.segments.services import segment_reevaluate

ACTIVITY_CURSOR = "segments.activity"
CHANGES_CURSOR = "segments.changes"  # position: microseconds since the epoch of the last run
BATCH = 50_000


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


def _batch_end(after: int, batch: int) -> int:
    """The id of the last row of the next batch (or `after` when there is nothing new)."""
    ids = Activity.objects.filter(id__gt=after).order_by("id").values_list("id", flat=True)
    last = ids[batch - 1 : batch].first() if batch > 1 else ids.first()
    if last is None:
        last = Activity.objects.filter(id__gt=after).order_by("-id").values_list("id", flat=True).first()
    return last or after


def _changed_contacts(since: datetime) -> tuple[set[int], set[int]]:
    """Contacts whose own columns changed, and contacts whose company changed, since `since`."""
    contacts = Contact.objects.order_by()
    changed = set(contacts.filter(updated_at__gte=since).values_list("id", flat=True))
    companies = list(Company.objects.filter(updated_at__gte=since).order_by().values_list("id", flat=True))
    company_changed: set[int] = set()
    if companies:
        company_changed = set(contacts.filter(company_id__in=companies).values_list("id", flat=True))
    return changed, company_changed


def _touched(new_rows: Any, triggers: list[Q]) -> Any:
    """The distinct contacts of the new rows that match any of these trigger filters."""
    return new_rows.filter(reduce(or_, triggers)).order_by().values_list("contact_id", flat=True).distinct()


def segments_update(*, batch: int = BATCH, now: datetime | None = None) -> UpdateReport:
    """One incremental pass. Safe to repeat: re-evaluating a contact twice changes nothing.

    `now` is the moment "within the last N days" counts back from (the clock by default)."""
    report = UpdateReport()
    started = timezone.now()
    now = now or started
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
        after = activity_cursor.position
        last = _batch_end(after, batch)
        # The new rows, read by primary key range (the unindexed contact column keeps SQLite on it).
        new_rows = Activity.objects.filter(
            IsNull(Unindexed(F("contact_id"), output_field=IntegerField()), False), id__gt=after, id__lte=last
        )
        report.activities = new_rows.count() if last > after else 0
        changed: set[int] = set()
        company_changed: set[int] = set()
        if not created:
            changed, company_changed = _changed_contacts(_from_micros(changes_cursor.position))
        report.contacts = len(changed | company_changed)

        properties = property_types()
        lookups: dict[Any, Any] = {}
        for segment in Segment.objects.filter(kind=Segment.Kind.DYNAMIC, last_built_at__isnull=False):
            try:
                compiled = compile_tree(
                    segment.definition, segment_id=segment.pk, properties=properties, now=now, lookups=lookups
                )
            except SegmentError as error:
                # A property was deleted or a referenced segment changed: keep the last membership.
                report.broken.append(f"{segment.name}: {error}")
                continue
            _update_segment(
                segment,
                compiled,
                new_rows if last > after else None,
                changed=changed,
                company_changed=company_changed,
                report=report,
                options={"properties": properties, "now": now, "lookups": lookups},
            )

        if last > after:
            activity_cursor.position = last
            activity_cursor.save(update_fields=["position", "updated_at"])
        changes_cursor.position = _micros(started)
        changes_cursor.save(update_fields=["position", "updated_at"])
    return report


def _update_segment(
    segment: Segment,
    compiled: Compiled,
    new_rows: Any,
    *,
    changed: set[int],
    company_changed: set[int],
    report: UpdateReport,
    options: dict[str, Any],
) -> None:
    """Re-evaluate fully the contacts whose columns changed or whose new rows match a trigger that
    may remove them; then, trigger by trigger, look at the non-members whose new rows can only add
    them (with the trigger's condition taken as true when one such row settles it)."""
    dependencies = compiled.dependencies
    full: set[int] = set()
    if dependencies.contact or dependencies.consent:
        full |= changed
    if dependencies.company:
        full |= company_changed
    either = [trigger.events for trigger in compiled.triggers if not trigger.adds_only]
    if new_rows is not None and either:
        full |= set(_touched(new_rows, either))
    evaluated = 0
    if full:
        evaluated += len(full)
        _apply(report, segment_reevaluate(segment=segment, contact_ids=sorted(full), **options))
    if new_rows is not None:
        members = SegmentMembership.objects.filter(segment_id=segment.pk, contact_id=OuterRef("contact_id"))
        for position, trigger in enumerate(compiled.triggers):
            if not trigger.adds_only:
                continue
            candidates = sorted(set(_touched(new_rows.exclude(Exists(members)), [trigger.events])) - full)
            if not candidates:
                continue
            evaluated += len(candidates)
            assume = frozenset({position}) if trigger.settles else frozenset()
            result = segment_reevaluate(
                segment=segment, contact_ids=candidates, adds_only=True, assume=assume, **options
            )
            _apply(report, result)
    if evaluated:
        report.evaluated[segment.name] = evaluated


def _apply(report: UpdateReport, result: Any) -> None:
    report.entered += result.entered
    report.left += result.left
