"""Demo segments: a few dynamic segments of the kinds people build first, and a static list.

Idempotent: each segment is created once, by name; later runs leave existing ones alone (the
periodic passes keep their members current).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from leadline.contacts.models import Contact, CustomProperty, PropertyObject
from leadline.segments.compiler import SegmentError
from leadline.segments.models import Segment
from leadline.segments.services import segment_create, static_list_add

PRICING_TWICE = {"field": "visited", "op": "contains", "value": "/pricing", "min_count": 2, "within_days": 14}


def _definitions() -> list[tuple[str, str, dict[str, Any]]]:
    definitions: list[tuple[str, str, dict[str, Any]]] = [
        (
            "Hot on pricing",
            "Visited pricing twice in 14 days and score at least 50.",
            {"and": [PRICING_TWICE, {"field": "score", "op": "gte", "value": 50}]},
        ),
        ("Open deals", "Everyone with a deal still in play.", {"field": "deal", "op": "any_open"}),
        (
            "Best customers",
            "Net revenue of at least 1,000.",
            {"field": "revenue", "op": "gte", "value": 1000},
        ),
        (
            "Leads gone quiet",
            "Leads with no activity in 30 days who never placed an order.",
            {
                "and": [
                    {"field": "lifecycle_stage", "op": "in", "value": ["lead", "mql"]},
                    {"not": {"field": "last_activity_at", "op": "within_last_days", "value": 30}},
                    {"not": {"field": "placed_order", "op": "any"}},
                ]
            },
        ),
    ]
    topics = CustomProperty.objects.filter(
        object_type=PropertyObject.CONTACT, key="newsletter_topics", type="multi_choice"
    ).first()
    if topics is not None and topics.choices:
        definitions.append(
            (
                "Event fans",
                "Chose events or guides among their newsletter topics.",
                {
                    "field": "property:newsletter_topics",
                    "op": "contains_any",
                    "value": [choice for choice in topics.choices if choice in ("Events", "Guides")]
                    or topics.choices[:1],
                },
            )
        )
    return definitions


def seed_segments_demo(echo: Callable[[str], object] = print) -> None:
    from leadline.accounts.models import User

    author = User.objects.filter(role="marketing", is_active=True).order_by("id").first()
    existing = set(Segment.objects.values_list("name", flat=True))
    created = 0
    for name, description, definition in _definitions():
        if name in existing:
            continue
        try:
            segment_create(user=author, name=name, description=description, definition=definition)
        except SegmentError as error:  # e.g. a property the demo no longer defines
            echo(f"Demo segment {name} skipped: {error}")
            continue
        created += 1
    if "Webinar guests" not in existing:
        guests = segment_create(
            user=author, name="Webinar guests", description="Signed up for the spring webinar.", kind="static"
        )
        ids = list(Contact.objects.order_by("id").values_list("id", flat=True)[:400])
        static_list_add(segment=guests, contact_ids=random.Random(7).sample(ids, min(len(ids), 24)))
        created += 1
    if created:
        echo(f"Created {created} demo segments and lists.")
