"""In-app notifications: `notify` is how any room tells a person something needs them."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

from leadline.core.models import Notification


def notify(
    *, user: Any, kind: str, title: str, body: str = "", url: str = "", key: str | None = None
) -> bool:
    """Add a notification to the person's inbox. With `key`, the same event notifies only once.

    Returns whether a new notification was added (False for nobody, an inactive person or a repeat).
    """
    if user is None or not getattr(user, "pk", None) or not getattr(user, "is_active", False):
        return False
    try:
        with transaction.atomic():
            Notification.objects.create(
                user=user, kind=kind[:40], title=title[:200], body=body[:1000], url=url[:500], key=key
            )
    except IntegrityError:
        return False
    return True
