"""API routes of the caller's own in-app notifications: list them, mark one or all read. Any valid
token may use them; each person only ever sees their own."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from leadline.api.auth import any_token, request_user
from leadline.api.pagination import PageQuery, page_schema, paginate
from leadline.core.inbox import (
    notification_get,
    notification_list,
    notification_mark_read,
    notifications_mark_all_read,
)
from leadline.core.models import Notification

router = Router(tags=["Notifications"])


class NotificationOut(Schema):
    id: UUID
    kind: str = Field(
        description="What it is about, e.g. `handoff.routed`, `handoff.reminder`, `handoff.escalated`."
    )
    title: str
    body: str
    url: str = Field(description="A path inside Leadline to open, or empty.")
    created_at: datetime
    read_at: datetime | None
    read: bool

    @staticmethod
    def resolve_id(notification: Notification) -> UUID:
        return notification.public_id

    @staticmethod
    def resolve_read(notification: Notification) -> bool:
        return notification.read_at is not None


class NotificationFilters(Schema):
    unread: bool = Field(False, description="Only the unread ones.")


class MarkedOut(Schema):
    marked: int = Field(description="How many notifications were unread and are now read.")


NotificationPage = page_schema(NotificationOut, "NotificationPage")


@router.get(
    "/notifications",
    auth=any_token,
    response=NotificationPage,
    url_name="notification_list",
    summary="List my notifications",
)
def notification_list_route(
    request: HttpRequest, filters: Query[NotificationFilters], page: Query[PageQuery]
) -> Any:
    """The token's user's notifications, newest first."""
    notifications = notification_list(user=request_user(request), unread_only=filters.unread)
    return paginate(notifications, page, key="created_at", namespace="notifications", descending=True)


@router.post(
    "/notifications/read-all",
    auth=any_token,
    response=MarkedOut,
    url_name="notifications_read_all",
    summary="Mark all my notifications read",
)
def notifications_read_all_route(request: HttpRequest) -> dict[str, int]:
    return {"marked": notifications_mark_all_read(user=request_user(request))}


@router.post(
    "/notifications/{notification_id}/read",
    auth=any_token,
    response=NotificationOut,
    url_name="notification_read",
    summary="Mark a notification read",
)
def notification_read_route(request: HttpRequest, notification_id: str) -> Notification:
    """Someone else's notification answers 404, as one that does not exist."""
    notification = notification_get(user=request_user(request), public_id=notification_id)
    return notification_mark_read(notification=notification)
