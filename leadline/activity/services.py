"""Writes to the activity log. Every room records what happened to a person through here."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from leadline.activity.models import Activity, Kind
from leadline.contacts.models import Contact
from leadline.core.services import audit_record

NOTE_MAX_LENGTH = 20_000


def activity_record(
    *,
    kind: str,
    contact: Contact | None,
    occurred_at: datetime | None = None,
    actor: Any = None,
    title: str = "",
    data: dict[str, Any] | None = None,
    **columns: Any,
) -> Activity:
    """Append one row. `columns` may set the typed columns (url, source, visitor_id, …)."""
    occurred_at = occurred_at or timezone.now()
    activity = Activity.objects.create(
        kind=kind,
        contact=contact,
        company_id=contact.company_id if contact is not None else None,
        actor=actor if getattr(actor, "pk", None) else None,
        occurred_at=occurred_at,
        title=title[:300],
        data=data or {},
        **columns,
    )
    if contact is not None and (contact.last_activity_at is None or occurred_at > contact.last_activity_at):
        Contact.objects.filter(pk=contact.pk).update(last_activity_at=occurred_at)
        contact.last_activity_at = occurred_at
    return activity


def activities_record_bulk(rows: Iterable[Activity]) -> list[Activity]:
    """Append many prepared rows in one statement (imports, seeding, ingest workers)."""
    return Activity.objects.bulk_create(list(rows), batch_size=2000)


def contacts_touch_activity(contact_ids: Iterable[int], occurred_at: datetime) -> None:
    """Move the contacts' `last_activity_at` forward to `occurred_at` (never backwards), after
    `activities_record_bulk` wrote entries for them around that time; one statement."""
    Contact.objects.filter(pk__in=set(contact_ids)).filter(
        Q(last_activity_at__isnull=True) | Q(last_activity_at__lt=occurred_at)
    ).update(last_activity_at=occurred_at)


def _clean_note_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": "A note needs some text."})
    if len(body) > NOTE_MAX_LENGTH:
        raise ValidationError({"body": f"Notes are limited to {NOTE_MAX_LENGTH:,} characters."})
    return body


def note_add(*, contact: Contact, author: Any, body: str) -> Activity:
    return activity_record(
        kind=Kind.NOTE, contact=contact, actor=author, title="Note", data={"body": _clean_note_body(body)}
    )


def note_update(*, note: Activity, body: str, actor: Any = None) -> Activity:
    if note.kind != Kind.NOTE:
        raise ValidationError("Only notes can be edited.")
    body = _clean_note_body(body)
    if body == note.data.get("body"):
        return note
    note.data = {**note.data, "body": body, "edited_at": timezone.now().isoformat()}
    with transaction.atomic():
        note.save(update_fields=["data"])
        if _is_someone_else(actor, note):
            audit_record(actor=actor, action="note.edited", target=note, summary=_note_summary(note))
    return note


def note_delete(*, note: Activity, actor: Any = None) -> None:
    if note.kind != Kind.NOTE:
        raise ValidationError("Only notes can be deleted.")
    with transaction.atomic():
        if _is_someone_else(actor, note):
            # An admin removing a colleague's words leaves a trace; authors tidying their own do not.
            audit_record(actor=actor, action="note.deleted", target=note, summary=_note_summary(note))
        note.delete()


def _is_someone_else(actor: Any, note: Activity) -> bool:
    return getattr(actor, "pk", None) is not None and actor.pk != note.actor_id


def _note_summary(note: Activity) -> str:
    contact = note.contact.display_name if note.contact_id and note.contact else "no contact"
    return f"Note on {contact}"
