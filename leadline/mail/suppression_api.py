"""API of the suppression list: list (search, filter by reason, cursor pages), add, remove, and check
one address (a POST that changes nothing). Reads need `contacts:read`, writes `contacts:write`; only admins and marketing may use
them (403 for other roles). Removing an address lets email go to it again and is audited."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from pydantic import ConfigDict

from leadline.accounts.models import Role
from leadline.api.auth import contacts_read, contacts_write, request_user, require_role
from leadline.api.errors import field_error
from leadline.api.pagination import PageQuery, page_schema, paginate
from leadline.mail import suppression as suppression_service
from leadline.mail.models import Suppression

router = Router(tags=["Suppression"])

ROLE_MESSAGE = "Only admins and marketing can use the suppression list."


class SuppressionOut(Schema):
    id: UUID
    email: str
    reason: str = Field(description="hard_bounce, soft_bounce, complaint, manual or imported.")
    detail: str
    source: str = Field(description="Where it came from: a bounce channel, manual, api or an import.")
    created_at: datetime

    @staticmethod
    def resolve_id(entry: Suppression) -> UUID:
        return entry.public_id


SuppressionPage = page_schema(SuppressionOut, "SuppressionPage")


class SuppressionFilters(Schema):
    q: str = Field("", max_length=200, description="Part of the address, detail or source.")
    reason: Suppression.Reason | None = None


class SuppressionIn(Schema):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(max_length=254)
    reason: Suppression.Reason = Suppression.Reason.MANUAL
    detail: str = Field("", max_length=500)


class CheckIn(Schema):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(max_length=254, description="The address to look up.")


class CheckOut(Schema):
    email: str
    suppressed: bool
    entry: SuppressionOut | None = Field(description="The suppression entry, or null.")


def _user(request: HttpRequest) -> Any:
    user = request_user(request)
    require_role(user, Role.MARKETING, message=ROLE_MESSAGE)
    return user


@router.get(
    "/email/suppression",
    auth=contacts_read,
    response=SuppressionPage,
    url_name="suppression_list",
    summary="List suppressed addresses",
)
def suppression_list_route(
    request: HttpRequest, page: Query[PageQuery], filters: Query[SuppressionFilters]
) -> dict[str, Any]:
    """Newest first."""
    rows = suppression_service.suppression_list(user=_user(request), q=filters.q, reason=filters.reason or "")
    result = paginate(rows, page, key="created_at", namespace="email-suppression")
    return {"items": result.items, "next_cursor": result.next_cursor}


@router.post(
    "/email/suppression",
    auth=contacts_write,
    response={200: SuppressionOut, 201: SuppressionOut},
    url_name="suppression_add",
    summary="Suppress an address",
)
def suppression_add_route(request: HttpRequest, payload: SuppressionIn) -> Any:
    """201 when the address is new on the list; 200 with the entry it already has otherwise."""
    entry, created = suppression_service.suppression_add(
        email=payload.email, reason=payload.reason, detail=payload.detail, source="api", actor=_user(request)
    )
    return Status(201 if created else 200, entry)


@router.post(
    "/email/suppression/check",
    auth=contacts_read,
    response=CheckOut,
    url_name="suppression_check",
    summary="Check whether an address is suppressed",
)
def suppression_check_route(request: HttpRequest, payload: CheckIn) -> dict[str, Any]:
    """A POST, so that the address stays out of URLs and access logs. Changes nothing."""
    _user(request)
    try:
        address = suppression_service.normalise_email(payload.email)
    except ValidationError:
        raise field_error("email", "Enter a valid email address.") from None
    entry = suppression_service.suppression_find(address)
    return {"email": address, "suppressed": entry is not None, "entry": entry}


@router.delete(
    "/email/suppression/{suppression}",
    auth=contacts_write,
    response={204: None},
    url_name="suppression_remove",
    summary="Remove an address from the suppression list",
)
def suppression_remove_route(request: HttpRequest, suppression: str) -> Any:
    """Email may go to the address again afterwards. Audited."""
    user = _user(request)
    entry = suppression_service.suppression_get(user=user, public_id=suppression, for_edit=True)
    suppression_service.suppression_remove(suppression=entry, actor=user)
    return Status(204, None)
