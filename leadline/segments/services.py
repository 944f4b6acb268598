"""Writes for segments: definitions, the set-based full rebuild, the incremental update of changed
contacts, and the manual membership of static lists.

Entering or leaving a segment is recorded on the activity log ("segment.entered" / "segment.left")
so that higher rooms (workflows) can react to it through their own cursors.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from leadline.activity.models import Activity
from leadline.contacts.models import Contact
from leadline.segments.compiler import Compiled, SegmentError, compile_tree
from leadline.segments.models import Segment, SegmentMembership

if TYPE_CHECKING:
    from leadline.accounts.models import User

ENTERED = "segment.entered"
LEFT = "segment.left"
BATCH = 1000


@dataclass(frozen=True)
class BuildResult:
    entered: int
    left: int
    member_count: int


# --- Definitions ----------------------------------------------------------------------------------


def _clean(*, segment: Segment, name: str, description: str, kind: str, definition: Any) -> Compiled | None:
    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors["name"] = ["Give the segment a name."]
    elif len(name) > 200:
        errors["name"] = ["At most 200 characters."]
    if len(description) > 500:
        errors["description"] = ["At most 500 characters."]
    if kind not in Segment.Kind.values:
        errors["kind"] = [f"Choose one of: {', '.join(Segment.Kind.values)}."]
    if errors:
        raise ValidationError(errors)
    if kind == Segment.Kind.STATIC:
        if definition not in (None, {}):
            raise SegmentError("definition", "a static list has no conditions; leave it empty")
        return None
    if definition in (None, {}):
        raise SegmentError("definition", "add at least one condition")
    return compile_tree(definition, segment_id=segment.pk)


def segment_create(
    *, user: User | None, name: str, description: str = "", kind: str = "dynamic", definition: Any = None
) -> Segment:
    segment = Segment(name=name.strip(), description=description, kind=kind, created_by=user)
    compiled = _clean(segment=segment, name=name, description=description, kind=kind, definition=definition)
    segment.definition = definition if compiled else {}
    segment.dependencies = compiled.dependencies.as_json() if compiled else {}
    with transaction.atomic():
        segment.save()
        if compiled:
            segment_rebuild(segment=segment, compiled=compiled)
    return segment


def segment_update(
    *,
    segment: Segment,
    name: str | None = None,
    description: str | None = None,
    definition: Any = None,
) -> Segment:
    """Rename or redefine; a new definition is rebuilt at once (kind cannot change)."""
    name = segment.name if name is None else name
    description = segment.description if description is None else description
    new_definition = segment.definition if definition is None else definition
    compiled = _clean(
        segment=segment, name=name, description=description, kind=segment.kind, definition=new_definition
    )
    segment.name = name.strip()
    segment.description = description
    changed = definition is not None and definition != segment.definition
    segment.definition = new_definition if compiled else {}
    if compiled:
        segment.dependencies = compiled.dependencies.as_json()
    with transaction.atomic():
        segment.save(update_fields=["name", "description", "definition", "dependencies", "updated_at"])
        if compiled and changed:
            segment_rebuild(segment=segment, compiled=compiled)
    return segment


def segment_delete(*, segment: Segment) -> None:
    """Refused while another segment's conditions refer to it (their trees would break)."""
    users = [
        other.name
        for other in Segment.objects.exclude(pk=segment.pk).filter(kind=Segment.Kind.DYNAMIC)
        if segment.pk in (other.dependencies or {}).get("segments", [])
    ]
    if users:
        raise ValidationError(f"Used by {', '.join(sorted(users))}: remove it from their conditions first.")
    segment.delete()


def segment_preview(*, user: User, definition: Any, segment: Segment | None = None) -> int:
    """How many contacts the user can see match a tree, without saving anything."""
    compiled = compile_tree(definition, segment_id=segment.pk if segment else None)
    return Contact.objects.for_user(user).filter(compiled.q).count()


# --- Full rebuild ---------------------------------------------------------------------------------


def _insert_members(segment: Segment, contacts: Any, now: datetime) -> int:
    """INSERT … SELECT: the new members never travel through Python."""
    inner_sql, inner_params = contacts.order_by().values("id").query.sql_with_params()
    table = connection.ops.quote_name(SegmentMembership._meta.db_table)
    added_at = SegmentMembership._meta.get_field("added_at").get_db_prep_value(now, connection)
    sql = (
        f"INSERT INTO {table} (segment_id, contact_id, added_at) "  # noqa: S608 (constants only)
        f"SELECT {int(segment.pk)}, matching.id, %s FROM ({inner_sql}) matching"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [added_at, *inner_params])
        return max(cursor.rowcount, 0)


def _record(segment: Segment, kind: str, contact_ids: Iterable[int], now: datetime) -> None:
    data = {"segment": str(segment.public_id), "name": segment.name}
    title = f"{'Entered' if kind == ENTERED else 'Left'} segment {segment.name}"[:300]
    Activity.objects.bulk_create(
        (
            Activity(kind=kind, contact_id=contact_id, occurred_at=now, title=title, data=data)
            for contact_id in contact_ids
        ),
        batch_size=BATCH,
    )


def segment_rebuild(*, segment: Segment, compiled: Compiled | None = None) -> BuildResult:
    """Bring a dynamic segment's membership in line with its tree: one DELETE of the leavers and
    one INSERT … SELECT of the newcomers. The first build records no enter events (everyone would
    "enter" at once); later builds record who entered and left."""
    if segment.is_static:
        count = SegmentMembership.objects.filter(segment=segment).count()
        Segment.objects.filter(pk=segment.pk).update(member_count=count)
        return BuildResult(0, 0, count)
    compiled = compiled or compile_tree(segment.definition, segment_id=segment.pk)
    now = timezone.now()
    matching = Contact.objects.filter(compiled.q).order_by().values("id")
    current = SegmentMembership.objects.filter(segment=segment)
    newcomers = Contact.objects.filter(compiled.q).exclude(
        id__in=SegmentMembership.objects.filter(segment=segment).values("contact_id")
    )
    leavers = current.exclude(contact_id__in=matching)
    record = segment.last_built_at is not None
    with transaction.atomic():
        if not current.exists():
            # First build (or an empty segment): nothing to compare with, one INSERT … SELECT.
            entering: list[int] = list(matching.values_list("id", flat=True)) if record else []
            leaving: list[int] = []
            left, entered = 0, _insert_members(segment, Contact.objects.filter(compiled.q), now)
        else:
            entering = list(newcomers.values_list("id", flat=True)) if record else []
            leaving = list(leavers.values_list("contact_id", flat=True)) if record else []
            left = leavers.delete()[0]
            entered = _insert_members(segment, newcomers, now)
        count = SegmentMembership.objects.filter(segment=segment).count()
        if record:
            _record(segment, ENTERED, entering, now)
            _record(segment, LEFT, leaving, now)
        Segment.objects.filter(pk=segment.pk).update(
            member_count=count, last_built_at=now, dependencies=compiled.dependencies.as_json()
        )
    segment.member_count, segment.last_built_at = count, now
    return BuildResult(entered, left, count)


# --- Incremental update ---------------------------------------------------------------------------


def segment_reevaluate(
    *,
    segment: Segment,
    compiled: Compiled,
    contact_ids: Sequence[int],
    properties: dict[str, str] | None = None,
) -> BuildResult:
    """Re-evaluate only these contacts against the tree and apply the difference. Each chunk is
    compiled with its contacts as scope, so behaviour conditions read only their activity rows."""
    now = timezone.now()
    entered_total = left_total = 0
    # Each behaviour condition repeats the chunk's ids as parameters; stay far below the limits.
    size = max(50, min(BATCH, 20_000 // (compiled.behaviours + 1)))
    for start in range(0, len(contact_ids), size):
        chunk = list(contact_ids[start : start + size])
        scoped = compile_tree(segment.definition, segment_id=segment.pk, properties=properties, scope=chunk)
        matching = set(Contact.objects.filter(scoped.q, id__in=chunk).values_list("id", flat=True))
        memberships = SegmentMembership.objects.filter(segment=segment, contact_id__in=chunk)
        current = set(memberships.values_list("contact_id", flat=True))
        entering, leaving = sorted(matching - current), sorted(current - matching)
        if not entering and not leaving:
            continue
        with transaction.atomic():
            SegmentMembership.objects.bulk_create(
                [SegmentMembership(segment=segment, contact_id=cid, added_at=now) for cid in entering],
                ignore_conflicts=True,
            )
            if leaving:
                SegmentMembership.objects.filter(segment=segment, contact_id__in=leaving).delete()
            _record(segment, ENTERED, entering, now)
            _record(segment, LEFT, leaving, now)
            Segment.objects.filter(pk=segment.pk).update(
                member_count=F("member_count") + len(entering) - len(leaving)
            )
        entered_total += len(entering)
        left_total += len(leaving)
    return BuildResult(entered_total, left_total, 0)


# --- Static lists ---------------------------------------------------------------------------------


def _require_static(segment: Segment) -> None:
    if not segment.is_static:
        raise ValidationError("Only static lists take contacts by hand; this segment follows its conditions.")


def static_list_add(*, segment: Segment, contact_ids: Sequence[int]) -> int:
    """Add contacts (already fetched through the access layer); returns how many were new."""
    _require_static(segment)
    now = timezone.now()
    with transaction.atomic():
        existing = set(
            SegmentMembership.objects.filter(segment=segment, contact_id__in=contact_ids).values_list(
                "contact_id", flat=True
            )
        )
        new = sorted(set(contact_ids) - existing)
        SegmentMembership.objects.bulk_create(
            [SegmentMembership(segment=segment, contact_id=cid, added_at=now) for cid in new],
            ignore_conflicts=True,
            batch_size=BATCH,
        )
        _record(segment, ENTERED, new, now)
        count = SegmentMembership.objects.filter(segment=segment).count()
        Segment.objects.filter(pk=segment.pk).update(member_count=count, last_built_at=now)
    segment.member_count = count
    return len(new)


def static_list_remove(*, segment: Segment, contact_ids: Sequence[int]) -> int:
    _require_static(segment)
    now = timezone.now()
    with transaction.atomic():
        memberships = SegmentMembership.objects.filter(segment=segment, contact_id__in=contact_ids)
        leaving = list(memberships.values_list("contact_id", flat=True))
        memberships.delete()
        _record(segment, LEFT, leaving, now)
        count = SegmentMembership.objects.filter(segment=segment).count()
        Segment.objects.filter(pk=segment.pk).update(member_count=count, last_built_at=now)
    segment.member_count = count
    return len(leaving)
