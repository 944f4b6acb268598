"""API routes for a contact's timeline and the notes on it."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from django.http import HttpRequest, HttpResponse
from ninja import Field, Header, Query, Router, Schema, Status
from pydantic import ConfigDict

from leadline.accounts.api import UserRef
from leadline.activity.models import Activity, ActivityQuerySet, Kind
from leadline.activity.selectors import InvalidCursor, contact_timeline
from leadline.activity.services import NOTE_MAX_LENGTH, note_add, note_delete, note_update
from leadline.api.auth import contacts_read, contacts_write, get_for_edit, request_user
from leadline.api.idempotency import request_fingerprint, run_idempotent
from leadline.api.pagination import PageQuery, invalid_cursor, page_schema, read_cursor, sign_cursor
from leadline.contacts.models import Contact
from leadline.core.access import get_for_user

router = Router(tags=["Timeline and notes"])

NOTE_EDIT_DENIED = "Only the author of a note or an admin can change it."


class ActivityOut(Schema):
    id: UUID
    kind: str
    occurred_at: datetime
    title: str
    actor: UserRef | None
    url: str
    source: str
    medium: str
    campaign: str
    data: dict[str, Any]

    @staticmethod
    def resolve_id(activity: Activity) -> UUID:
        return activity.public_id


class NoteIn(Schema):
    model_config = ConfigDict(extra="forbid")

    body: str = Field(description=f"Plain text or Markdown, up to {NOTE_MAX_LENGTH:,} characters.")


class TimelineFilters(Schema):
    filter: Literal["all", "notes", "emails", "web", "stages"] = Field(
        "all", description="Which kinds of entries to show."
    )


ActivityPage = page_schema(ActivityOut, "ActivityPage")


@router.get(
    "/contacts/{contact_id}/timeline",
    auth=contacts_read,
    response=ActivityPage,
    url_name="contact_timeline",
    summary="A contact's timeline",
)
def timeline(
    request: HttpRequest, contact_id: str, filters: Query[TimelineFilters], page: Query[PageQuery]
) -> dict[str, Any]:
    """Everything that happened to the contact, newest first: visits, forms, emails, notes, changes."""
    user = request_user(request)
    contact = get_for_user(Contact.objects.all(), user, contact_id)
    before = read_cursor(page.cursor, namespace="timeline") if page.cursor else None
    if before is not None and not isinstance(before, str):
        raise invalid_cursor()
    try:
        result = contact_timeline(
            contact=contact, user=user, kind_filter=filters.filter, before=before, limit=page.limit
        )
    except InvalidCursor:
        raise invalid_cursor() from None
    next_cursor = sign_cursor(result.next_cursor, namespace="timeline") if result.next_cursor else None
    return {"items": result.items, "next_cursor": next_cursor}


@router.post(
    "/contacts/{contact_id}/notes",
    auth=contacts_write,
    response={201: ActivityOut},
    url_name="note_create",
    summary="Add a note to a contact",
)
def note_create(
    request: HttpRequest,
    contact_id: str,
    payload: NoteIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),
) -> HttpResponse:
    user = request_user(request)
    contact = get_for_user(Contact.objects.all(), user, contact_id, for_edit=True)
    data = payload.model_dump()

    def execute() -> tuple[int, dict[str, Any]]:
        note = note_add(contact=contact, author=user, body=payload.body)
        return 201, ActivityOut.model_validate(note).model_dump(mode="json")

    result = run_idempotent(
        user=user, key=idempotency_key, fingerprint=request_fingerprint(request, data), execute=execute
    )
    return result.as_response()


def _notes() -> ActivityQuerySet:
    return Activity.objects.filter(kind=Kind.NOTE).select_related("actor")


@router.patch(
    "/notes/{note_id}",
    auth=contacts_write,
    response=ActivityOut,
    url_name="note_update",
    summary="Edit a note",
)
def note_patch(request: HttpRequest, note_id: str, payload: NoteIn) -> Activity:
    """Only the author or an admin may edit a note."""
    user = request_user(request)
    note = get_for_edit(_notes(), user, note_id, message=NOTE_EDIT_DENIED)
    return note_update(note=note, body=payload.body)


@router.delete(
    "/notes/{note_id}",
    auth=contacts_write,
    response={204: None},
    url_name="note_delete",
    summary="Delete a note",
)
def note_remove(request: HttpRequest, note_id: str) -> Status[None]:
    """Only the author or an admin may delete a note."""
    user = request_user(request)
    note_delete(note=get_for_edit(_notes(), user, note_id, message=NOTE_EDIT_DENIED))
    return Status(204, None)
