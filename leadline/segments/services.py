"""Writes for segments: definitions, the set-based full rebuild, the incremental update of changed
contacts, and the manual membership of static lists.

Entering or leaving a segment is recorded on the activity log ("segment.entered" / "segment.left")
so that higher rooms (workflows) can react to it through their own cursors.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Sequence
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
from leadline.segments.expressions import IdList
from leadline.segments.models import Segment, SegmentMembership

if TYPE_CHECKING:
    from leadline.accounts.models import User

ENTERED = "segment.entered"
LEFT = "segment.left"
# Contacts per statement when re-evaluating (each activity subquery repeats the ids as parameters),
# and rows per executemany.
REEVALUATE_CHUNK = 5000


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


def _time_ordered_ids(count: int) -> list[int]:
    """Version 7 UUIDs (RFC 9562) as integers: milliseconds since the epoch, then 74 random bits.
    Rows written together then sit side by side in the unique index of public ids instead of on
    thousands of random pages."""
    prefix = (time.time_ns() // 1_000_000 & (2**48 - 1)) << 80 | 0x7 << 76 | 0b10 << 62
    randomness = os.urandom(10 * count)
    ids = []
    for start in range(0, 10 * count, 10):
        bits = int.from_bytes(randomness[start : start + 10], "big")
        ids.append(prefix | (bits >> 68) << 64 | bits & (2**62 - 1))
    return ids


def _record(segment: Segment, kind: str, contact_ids: Sequence[int], now: datetime) -> None:
    """One "segment.entered" / "segment.left" row per contact on the activity log, written with an
    executemany: building a model instance per row costs more than the insert itself, and a
    rebuild can move thousands of people at once. Columns not set here take their defaults."""
    if not contact_ids:
        return
    title = f"{'Entered' if kind == ENTERED else 'Left'} segment {segment.name}"[:300]
    given = {
        "kind": kind,
        "occurred_at": now,
        "created_at": now,
        "title": title,
        "data": {"segment": str(segment.public_id), "name": segment.name},
    }
    fields = [field for field in Activity._meta.concrete_fields if not field.primary_key]
    template = [
        field.get_db_prep_save(
            given[field.attname] if field.attname in given else field.get_default(), connection
        )
        for field in fields
    ]
    names = [field.attname for field in fields]
    public_id, contact = names.index("public_id"), names.index("contact_id")
    native = connection.features.has_native_uuid_field
    quote = connection.ops.quote_name
    columns = ", ".join(quote(str(field.column)) for field in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {quote(Activity._meta.db_table)} ({columns}) VALUES ({marks})"  # noqa: S608
    with connection.cursor() as cursor:
        for start in range(0, len(contact_ids), REEVALUATE_CHUNK):
            chunk = contact_ids[start : start + REEVALUATE_CHUNK]
            rows = []
            for contact_id, value in zip(chunk, _time_ordered_ids(len(chunk)), strict=True):
                row = list(template)
                # What the UUID field stores: the UUID itself, or its 32 hex digits.
                row[public_id] = uuid.UUID(int=value) if native else f"{value:032x}"
                row[contact] = contact_id
                rows.append(row)
            cursor.executemany(sql, rows)


def segment_rebuild(
    *, segment: Segment, compiled: Compiled | None = None, now: datetime | None = None
) -> BuildResult:
    """Bring a dynamic segment's membership in line with its tree: one DELETE of the leavers and
    one INSERT … SELECT of the newcomers. The first build records no enter events (everyone would
    "enter" at once); later builds record who entered and left. `now` is the moment "within the
    last N days" counts back from (the clock by default)."""
    if segment.is_static:
        count = SegmentMembership.objects.filter(segment=segment).count()
        Segment.objects.filter(pk=segment.pk).update(member_count=count)
        return BuildResult(0, 0, count)
    now = now or timezone.now()
    compiled = compiled or compile_tree(segment.definition, segment_id=segment.pk, now=now)
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
            count = entered
        elif record:
            # Who enters and leaves is needed for the timeline anyway: read both once, then write
            # by id rather than asking the tree again.
            entering = list(newcomers.values_list("id", flat=True))
            leaving = list(leavers.values_list("contact_id", flat=True))
            for start in range(0, len(leaving), REEVALUATE_CHUNK):
                chunk = IdList(leaving[start : start + REEVALUATE_CHUNK])
                SegmentMembership.objects.filter(segment=segment, contact_id__in=chunk).delete()
            _add_members(segment, entering, now)
            left, entered = len(leaving), len(entering)
            count = SegmentMembership.objects.filter(segment=segment).count()
        else:
            entering, leaving = [], []
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
    contact_ids: Sequence[int],
    properties: dict[str, str] | None = None,
    adds_only: bool = False,
    now: datetime | None = None,
    lookups: dict[Any, Any] | None = None,
    assume: frozenset[int] = frozenset(),
) -> BuildResult:
    """Re-evaluate only these contacts against the tree and apply the difference: one statement per
    chunk of contacts finds who matches, with every activity, deal and order subquery limited to the
    chunk (so it reads those contacts' rows through the timeline index, however long the log is).

    With `adds_only` the caller promises that the contacts are not members yet and that what changed
    can only add them (new events under a behaviour condition that is not negated): there is then
    nobody to remove and the current memberships need not be read. `assume` names triggers whose
    condition holds for all these contacts (compiler.compile_tree)."""
    now = now or timezone.now()
    entered_total = left_total = 0
    for start in range(0, len(contact_ids), REEVALUATE_CHUNK):
        chunk = list(contact_ids[start : start + REEVALUATE_CHUNK])
        scoped = compile_tree(
            segment.definition,
            segment_id=segment.pk,
            properties=properties,
            scope=IdList(chunk),
            now=now,
            lookups=lookups,
            assume=assume,
        )
        in_chunk = Contact.objects.filter(scoped.q, id__in=IdList(chunk)).order_by()
        matching = set(in_chunk.values_list("id", flat=True))
        current: set[int] = set()
        if not adds_only:
            memberships = SegmentMembership.objects.filter(segment=segment, contact_id__in=IdList(chunk))
            current = set(memberships.order_by().values_list("contact_id", flat=True))
        entering, leaving = sorted(matching - current), sorted(current - matching)
        if not entering and not leaving:
            continue
        with transaction.atomic():
            if entering:
                _add_members(segment, entering, now)
            if leaving:
                SegmentMembership.objects.filter(segment=segment, contact_id__in=IdList(leaving)).delete()
            _record(segment, ENTERED, entering, now)
            _record(segment, LEFT, leaving, now)
            Segment.objects.filter(pk=segment.pk).update(
                member_count=F("member_count") + len(entering) - len(leaving)
            )
        entered_total += len(entering)
        left_total += len(leaving)
    return BuildResult(entered_total, left_total, 0)


def _add_members(segment: Segment, contact_ids: list[int], now: datetime) -> None:
    """Insert memberships with one executemany (a row that exists already is left alone)."""
    table = connection.ops.quote_name(SegmentMembership._meta.db_table)
    added_at = SegmentMembership._meta.get_field("added_at").get_db_prep_value(now, connection)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} (segment_id, contact_id, added_at) VALUES (%s, %s, %s)"  # noqa: S608
            " ON CONFLICT DO NOTHING",
            [(segment.pk, contact_id, added_at) for contact_id in contact_ids],
        )


# --- Static lists ---------------------------------------------------------------------------------


def _require_static(segment: Segment) -> None:
    if not segment.is_static:
        raise ValidationError("Only static lists take contacts by hand; this segment follows its conditions.")


def static_list_add(*, segment: Segment, contact_ids: Sequence[int]) -> int:
    """Add contacts (already fetched through the access layer); returns how many were new. Each new
    member gets a "segment.entered" entry, as when a contact enters a dynamic segment."""
    _require_static(segment)
    now = timezone.now()
    wanted = sorted(set(contact_ids))
    added = 0
    with transaction.atomic():
        for start in range(0, len(wanted), REEVALUATE_CHUNK):
            chunk = wanted[start : start + REEVALUATE_CHUNK]
            members = SegmentMembership.objects.filter(segment=segment, contact_id__in=IdList(chunk))
            new = sorted(set(chunk) - set(members.order_by().values_list("contact_id", flat=True)))
            if new:
                _add_members(segment, new, now)
                _record(segment, ENTERED, new, now)
                added += len(new)
        count = SegmentMembership.objects.filter(segment=segment).count()
        Segment.objects.filter(pk=segment.pk).update(member_count=count, last_built_at=now)
    segment.member_count = count
    return added


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


def static_list_named(name: str) -> Segment | None:
    """The static list with this name (any case), or None when there is none yet. A name that is
    empty, too long or taken by a dynamic segment is refused (a dynamic segment's members follow
    its conditions, not additions by hand)."""
    name = name.strip()
    if not name:
        raise ValidationError({"list": "Give the list a name."})
    if len(name) > 200:
        raise ValidationError({"list": "A list name has at most 200 characters."})
    same_name = Segment.objects.filter(name__iexact=name).order_by("id")
    existing = same_name.filter(kind=Segment.Kind.STATIC).first()
    if existing is None and same_name.exists():
        message = (
            f"“{name}” is a dynamic segment; contacts cannot be added to it by hand. Choose another name."
        )
        raise ValidationError({"list": message})
    return existing


def static_list_for_name(*, user: User | None, name: str) -> Segment:
    """The static list with this name, created if there is none."""
    return static_list_named(name) or segment_create(user=user, name=name.strip(), kind=Segment.Kind.STATIC)
