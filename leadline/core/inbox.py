"""Reads and writes of a person's in-app notifications: the list, the unread count, marking read.
Notifications are private: every function takes the user whose inbox it is."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from leadline.core.access import parse_public_id
from leadline.core.models import Notification


def notification_list(*, user: Any, unread_only: bool = False) -> QuerySet[Notification]:
    if user is None or not getattr(user, "is_authenticated", False):
        return Notification.objects.none()
    notifications = Notification.objects.filter(user=user)
    if unread_only:
        notifications = notifications.unread()
    return notifications.order_by("-created_at", "-id")


def notification_get(*, user: Any, public_id: Any) -> Notification:
    """One of the user's own notifications; anyone else's is as missing as one that never existed."""
    parsed = parse_public_id(public_id)
    found = notification_list(user=user).filter(public_id=parsed).first() if parsed else None
    if found is None:
        raise Http404("Not found")
    return found


def notifications_unread_count(*, user: Any) -> int:
    return notification_list(user=user, unread_only=True).count()


def notification_mark_read(*, notification: Notification, now: datetime | None = None) -> Notification:
    if notification.read_at is None:
        notification.read_at = now or timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=notification.read_at
        )
    return notification


def notifications_mark_all_read(*, user: Any, now: datetime | None = None) -> int:
    return notification_list(user=user, unread_only=True).update(read_at=now or timezone.now())


def notification_target(notification: Notification) -> str | None:
    """Where opening it leads: only a path inside Leadline, never another site."""
    url = (notification.url or "").strip()
    if not url.startswith("/") or url.startswith(("//", "/\\")):
        return None
    if not url_has_allowed_host_and_scheme(url, allowed_hosts=None):
        return None
    return url
