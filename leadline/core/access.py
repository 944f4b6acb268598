"""The one access layer: every view, API route, export and import fetches objects through it.

Each model's queryset implements `visible_to(user)` and `editable_by(user)`; `for_user` picks one.
`get_for_user` turns "not visible" and "does not exist" into the same 404 so that ids of other
people's objects cannot be probed.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any, Self

from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.http import Http404

if TYPE_CHECKING:
    from leadline.accounts.models import User


class AccessQuerySet[M: models.Model](models.QuerySet[M, M]):
    def visible_to(self, user: User) -> Self:
        raise NotImplementedError(f"{self.model.__name__} has no visibility rule")

    def editable_by(self, user: User) -> Self:
        raise NotImplementedError(f"{self.model.__name__} has no edit rule")

    def for_user(self, user: Any, *, for_edit: bool = False) -> Self:
        if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        return self.editable_by(user) if for_edit else self.visible_to(user)


class PermissionDeniedForRole(Exception):
    """Raised by services when a role may not perform an action at all (rendered as 403)."""


def parse_public_id(value: Any) -> uuid.UUID | None:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        return None


def get_for_user[M: models.Model](
    queryset: AccessQuerySet[M] | models.Manager[M], user: Any, public_id: Any, *, for_edit: bool = False
) -> M:
    """Fetch one object by public id through the access rules, or raise Http404.

    Accepts a model's manager (`Contact.objects`) or an access queryset narrowed further.
    """
    parsed = parse_public_id(public_id)
    if parsed is None:
        raise Http404("Not found")
    base = queryset.all()
    if not isinstance(base, AccessQuerySet):
        raise TypeError(f"{base.model.__name__} has no access rules (its queryset is not an AccessQuerySet)")
    try:
        return base.for_user(user, for_edit=for_edit).get(public_id=parsed)
    except ObjectDoesNotExist:
        raise Http404("Not found") from None
