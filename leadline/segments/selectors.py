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


def static_lists() -> SegmentQuerySet:
    """Every static list (segments are shared definitions: anyone who may edit one sees all)."""
    return Segment.objects.filter(kind=Segment.Kind.STATIC).order_by("name", "id")


def contact_segments(*, contact: Contact) -> list[Segment]:
    """The segments and lists a contact is in, by name."""
    memberships = SegmentMembership.objects.filter(contact=contact).values("segment_id")
    return list(Segment.objects.filter(id__in=memberships).order_by("name", "id"))


def segment_members(*, user: User, segment: Segment) -> ContactQuerySet:
    """Members the user may see (sales see only their share), with what a list row shows."""
    members = SegmentMembership.objects.filter(segment=segment).values("contact_id")
    return Contact.objects.for_user(user).filter(id__in=members).select_related("owner", "company")


def sales_choices() -> dict[str, Any]:
    """What the builder's deal and order conditions pick from: stages by pipeline, products."""
    from leadline.sales.currencies import COMMON_CURRENCIES
    from leadline.sales.models import Product, Stage

    stages = Stage.objects.select_related("pipeline").order_by(
        "pipeline__position", "pipeline__name", "position"
    )
    products = Product.objects.order_by("-is_active", "name")
    return {
        "stages": [
            {
                "value": str(stage.public_id),
                "label": stage.name,
                "group": stage.pipeline.name + (" (archived)" if stage.pipeline.is_archived else ""),
            }
            for stage in stages
        ],
        "products": [
            {
                "value": str(product.public_id),
                "label": product.name + ("" if product.is_active else " (retired)"),
            }
            for product in products
        ],
        "currencies": list(COMMON_CURRENCIES),
    }


def segment_fields() -> list[dict[str, Any]]:
    properties = CustomProperty.objects.filter(object_type=PropertyObject.CONTACT).values_list(
        "key", "label", "type", "choices"
    )
    return field_catalogue(properties)
