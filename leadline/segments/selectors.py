"""Reads for segments: the list, one segment, and its members as a given user may see them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from leadline.contacts.models import Contact, ContactQuerySet, CustomProperty, PropertyObject
from leadline.segments.compiler import field_catalogue
from leadline.segments.models import Segment, SegmentMembership, SegmentQuerySet

if TYPE_CHECKING:
    from typing import Any

    from leadline.accounts.models import User


def segment_list(*, user: User) -> SegmentQuerySet:
    return Segment.objects.for_user(user).select_related("created_by").order_by("name", "id")


def segment_members(*, user: User, segment: Segment) -> ContactQuerySet:
    """Members the user may see (sales see only their share), with what a list row shows."""
    members = SegmentMembership.objects.filter(segment=segment).values("contact_id")
    return Contact.objects.for_user(user).filter(id__in=members).select_related("owner", "company")


def segment_fields() -> list[dict[str, Any]]:
    properties = CustomProperty.objects.filter(object_type=PropertyObject.CONTACT).values_list(
        "key", "label", "type"
    )
    return field_catalogue(properties)
