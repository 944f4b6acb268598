"""API routes of the hand-off: the list of hand-offs and the accept / reject actions."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from pydantic import ConfigDict

from leadline.accounts.api import UserRef
from leadline.api.auth import contacts_read, contacts_write, get_for_edit, request_user
from leadline.api.errors import ApiError
from leadline.api.pagination import PageQuery, page_schema, paginate
from leadline.sales import handoff_services as services
from leadline.sales.handoff_selectors import handoff_list
from leadline.sales.handoff_services import COMMENT_MAX_LENGTH
from leadline.sales.models import Handoff, HandoffState

router = Router(tags=["Hand-off"])

DECIDE_DENIED = "Only the salesperson the lead was routed to (or an admin) can accept or reject it."


class ContactRef(Schema):
    id: UUID
    name: str
    email: str | None

    @staticmethod
    def resolve_id(contact: Any) -> UUID:
        return contact.public_id

    @staticmethod
    def resolve_name(contact: Any) -> str:
        return str(contact.display_name)


class HandoffOut(Schema):
    id: UUID
    contact: ContactRef
    assigned_to: UserRef | None
    assigned_at: datetime
    routed_by: str
    state: str
    sla_due_at: datetime
    reminded_at: datetime | None
    escalated_at: datetime | None
    decided_at: datetime | None
    decided_by: UserRef | None
    rejection_reason: str | None = Field(None, description="The key of the reason, e.g. `no-budget`.")
    comment: str
    recycle_at: datetime | None
    first_touch_at: datetime | None

    @staticmethod
    def resolve_id(handoff: Handoff) -> UUID:
        return handoff.public_id

    @staticmethod
    def resolve_rejection_reason(handoff: Handoff) -> str | None:
        return handoff.rejection_reason.key if handoff.rejection_reason else None


class HandoffFilters(Schema):
    state: Literal["pending", "accepted", "rejected", "recycled"] | None = None
    mine: bool = Field(False, description="Only hand-offs routed to the token's user.")


class RejectIn(Schema):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(
        description="The key of an active rejection reason, e.g. `no-budget`.", max_length=100
    )
    comment: str = Field("", max_length=COMMENT_MAX_LENGTH)


HandoffPage = page_schema(HandoffOut, "HandoffPage")


@router.get(
    "/handoffs", auth=contacts_read, response=HandoffPage, url_name="handoff_list", summary="List hand-offs"
)
def handoff_list_route(request: HttpRequest, filters: Query[HandoffFilters], page: Query[PageQuery]) -> Any:
    """Ordered by SLA due time. Salespeople see the hand-offs routed to them; admins and marketing
    see all."""
    user = request_user(request)
    handoffs = handoff_list(user=user, state=filters.state, mine=filters.mine)
    return paginate(handoffs, page, key="sla_due_at", namespace="handoffs", descending=False)


def _to_decide(request: HttpRequest, handoff_id: str) -> Handoff:
    user = request_user(request)
    queryset = Handoff.objects.select_related("contact", "assigned_to")
    handoff = get_for_edit(queryset, user, handoff_id, message=DECIDE_DENIED)
    if handoff.state != HandoffState.PENDING:
        raise ApiError(409, "conflict", "This hand-off has already been decided.", {})
    return handoff


def _fresh(handoff: Handoff) -> Handoff:
    return Handoff.objects.select_related("contact", "assigned_to", "decided_by", "rejection_reason").get(
        pk=handoff.pk
    )


@router.post(
    "/handoffs/{handoff_id}/accept",
    auth=contacts_write,
    response=HandoffOut,
    url_name="handoff_accept",
    summary="Accept a hand-off",
)
def handoff_accept_route(request: HttpRequest, handoff_id: str) -> Handoff:
    """The contact becomes a sales qualified lead."""
    handoff = _to_decide(request, handoff_id)
    services.handoff_accept(handoff=handoff, actor=request_user(request))
    return _fresh(handoff)


@router.post(
    "/handoffs/{handoff_id}/reject",
    auth=contacts_write,
    response=HandoffOut,
    url_name="handoff_reject",
    summary="Send a hand-off back to marketing",
)
def handoff_reject_route(request: HttpRequest, handoff_id: str, payload: RejectIn) -> Handoff:
    """The contact goes back to the lead stage without an owner, to be re-qualified after the
    recycle period."""
    handoff = _to_decide(request, handoff_id)
    services.handoff_reject(
        handoff=handoff, actor=request_user(request), reason=payload.reason, comment=payload.comment
    )
    return _fresh(handoff)
