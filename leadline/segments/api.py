"""API routes for segments: definitions, a count for a tree without saving it, the members, and the
manual membership of static lists. A malformed tree is a 400 naming the bad node."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from pydantic import ConfigDict

from leadline.accounts.models import Role
from leadline.api.auth import contacts_read, contacts_write, get_for_edit, request_user, require_role
from leadline.api.errors import ApiError, field_error
from leadline.api.pagination import PageQuery, page_schema, paginate
from leadline.contacts.api import ContactOut
from leadline.contacts.models import Contact
from leadline.core.access import get_for_user, parse_public_id
from leadline.segments.compiler import SegmentError
from leadline.segments.models import Segment
from leadline.segments.selectors import segment_list, segment_members
from leadline.segments.services import (
    segment_create,
    segment_delete,
    segment_preview,
    segment_update,
    static_list_add,
    static_list_remove,
)

router = Router(tags=["Segments"])

EDIT_MESSAGE = "Only admins and marketing can change segments."
MAX_CONTACTS_PER_CALL = 1000


class InputSchema(Schema):
    model_config = ConfigDict(extra="forbid")


class SegmentOut(Schema):
    id: UUID
    name: str
    description: str
    kind: str
    definition: dict[str, Any]
    member_count: int
    last_built_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_id(segment: Segment) -> UUID:
        return segment.public_id


DEFINITION_HELP = (
    'A tree: {"and": [...]}, {"or": [...]}, {"not": node} or a condition '
    '{"field": "score", "op": "gte", "value": 50}. Empty for a static list.'
)


class SegmentCreateIn(InputSchema):
    name: str = Field(max_length=200)
    description: str = Field("", max_length=500)
    kind: Segment.Kind = Segment.Kind.DYNAMIC
    definition: dict[str, Any] = Field(default_factory=dict, description=DEFINITION_HELP)


class SegmentPatchIn(InputSchema):
    name: str | None = Field(None, max_length=200)
    description: str | None = Field(None, max_length=500)
    definition: dict[str, Any] | None = Field(None, description=DEFINITION_HELP)


class PreviewIn(InputSchema):
    definition: dict[str, Any] = Field(description=DEFINITION_HELP)


class PreviewOut(Schema):
    count: int = Field(description="Contacts you can see that match the tree now.")


class ContactsIn(InputSchema):
    contacts: list[str] = Field(description="Public ids of contacts.", max_length=MAX_CONTACTS_PER_CALL)


class ChangedOut(Schema):
    changed: int
    member_count: int


SegmentPage = page_schema(SegmentOut, "SegmentPage")
MemberPage = page_schema(ContactOut, "SegmentMemberPage")


def tree_error(error: SegmentError) -> ApiError:
    name = "definition" if error.path == "definition" else f"definition.{error.path}"
    return ApiError(
        400, "validation_error", f"The segment definition is not valid: {error}", {name: [str(error)]}
    )


def _editable(request: HttpRequest, public_id: str) -> Segment:
    return get_for_edit(Segment.objects.all(), request_user(request), public_id, message=EDIT_MESSAGE)


def _contact_ids(request: HttpRequest, values: list[str]) -> list[int]:
    user = request_user(request)
    parsed = [parse_public_id(value) for value in values]
    public_ids = [public_id for public_id in parsed if public_id is not None]
    if len(public_ids) != len(parsed):
        raise field_error("contacts", "Every entry must be a contact id.")
    found = dict(
        Contact.objects.for_user(user).filter(public_id__in=public_ids).values_list("public_id", "id")
    )
    if len(found) != len(set(public_ids)):
        raise field_error("contacts", "No contact you can see has one of these ids.")
    return list(found.values())


@router.get(
    "/segments", auth=contacts_read, response=SegmentPage, url_name="segment_list", summary="List segments"
)
def segment_list_route(request: HttpRequest, page: Query[PageQuery]) -> dict[str, Any]:
    result = paginate(segment_list(user=request_user(request)), page, key="created_at", namespace="segments")
    return {"items": result.items, "next_cursor": result.next_cursor}


@router.post(
    "/segments",
    auth=contacts_write,
    response={201: SegmentOut},
    url_name="segment_create",
    summary="Create a segment",
)
def segment_create_route(request: HttpRequest, payload: SegmentCreateIn) -> Any:
    """A dynamic segment is built at once; a static list starts empty."""
    user = request_user(request)
    require_role(user, Role.MARKETING, message=EDIT_MESSAGE)
    try:
        segment = segment_create(
            user=user,
            name=payload.name,
            description=payload.description,
            kind=payload.kind,
            definition=payload.definition,
        )
    except SegmentError as error:
        raise tree_error(error) from None
    return Status(201, segment)


@router.post(
    "/segments/preview",
    auth=contacts_read,
    response=PreviewOut,
    url_name="segment_preview",
    summary="Count the contacts a tree matches",
)
def segment_preview_route(request: HttpRequest, payload: PreviewIn) -> dict[str, int]:
    """Nothing is saved; the count covers the contacts the token's user can see."""
    try:
        return {"count": segment_preview(user=request_user(request), definition=payload.definition)}
    except SegmentError as error:
        raise tree_error(error) from None


@router.get(
    "/segments/{segment}",
    auth=contacts_read,
    response=SegmentOut,
    url_name="segment_get",
    summary="Get a segment",
)
def segment_get_route(request: HttpRequest, segment: str) -> Segment:
    return get_for_user(Segment.objects.all(), request_user(request), segment)


@router.patch(
    "/segments/{segment}",
    auth=contacts_write,
    response=SegmentOut,
    url_name="segment_update",
    summary="Change a segment",
)
def segment_update_route(request: HttpRequest, segment: str, payload: SegmentPatchIn) -> Segment:
    """A new definition is rebuilt at once; contacts entering or leaving are on their timelines."""
    instance = _editable(request, segment)
    try:
        return segment_update(
            segment=instance,
            name=payload.name,
            description=payload.description,
            definition=payload.definition,
        )
    except SegmentError as error:
        raise tree_error(error) from None


@router.delete(
    "/segments/{segment}",
    auth=contacts_write,
    response={204: None},
    url_name="segment_delete",
    summary="Delete a segment",
)
def segment_delete_route(request: HttpRequest, segment: str) -> Any:
    """Refused (400) while another segment's conditions use it."""
    segment_delete(segment=_editable(request, segment))
    return Status(204, None)


@router.get(
    "/segments/{segment}/members",
    auth=contacts_read,
    response=MemberPage,
    url_name="segment_members",
    summary="List a segment's members",
)
def segment_members_route(request: HttpRequest, segment: str, page: Query[PageQuery]) -> dict[str, Any]:
    """Newest contacts first; sales users see only the members they can see elsewhere."""
    user = request_user(request)
    instance = get_for_user(Segment.objects.all(), user, segment)
    members = segment_members(user=user, segment=instance)
    result = paginate(members, page, key="created_at", namespace=f"segment-members.{instance.public_id}")
    return {"items": result.items, "next_cursor": result.next_cursor}


def _change_members(request: HttpRequest, segment: str, payload: ContactsIn, *, add: bool) -> dict[str, int]:
    instance = _editable(request, segment)
    if not instance.is_static:
        raise field_error(
            "contacts", "Only static lists take contacts by hand; this segment follows its conditions."
        )
    ids = _contact_ids(request, payload.contacts)
    change = static_list_add if add else static_list_remove
    changed = change(segment=instance, contact_ids=ids)
    return {"changed": changed, "member_count": instance.member_count}


@router.post(
    "/segments/{segment}/members",
    auth=contacts_write,
    response=ChangedOut,
    url_name="segment_members_add",
    summary="Add contacts to a static list",
)
def segment_members_add_route(request: HttpRequest, segment: str, payload: ContactsIn) -> dict[str, int]:
    return _change_members(request, segment, payload, add=True)


@router.post(
    "/segments/{segment}/members/remove",
    auth=contacts_write,
    response=ChangedOut,
    url_name="segment_members_remove",
    summary="Remove contacts from a static list",
)
def segment_members_remove_route(request: HttpRequest, segment: str, payload: ContactsIn) -> dict[str, int]:
    return _change_members(request, segment, payload, add=False)
