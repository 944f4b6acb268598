"""The segments room as the audience provider of email campaigns: mail sits a floor below and cannot
import segments, so `SegmentsConfig.ready` registers this with `leadline.mail.audiences`.

Dynamic segments are offered as "segment", static lists as "list"; both read the materialised
membership, so a campaign goes to who is in the segment now, without re-running its conditions.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from uuid import UUID

from leadline.core.access import parse_public_id
from leadline.mail.audiences import AudienceChoice
from leadline.segments.models import Segment, SegmentMembership

SEGMENT, LIST = "segment", "list"
KIND_OF_TYPE = {SEGMENT: Segment.Kind.DYNAMIC, LIST: Segment.Kind.STATIC}


def _choice(segment: Segment) -> AudienceChoice:
    return AudienceChoice(
        type=LIST if segment.is_static else SEGMENT,
        id=segment.public_id,
        name=segment.name,
        size=segment.member_count,
    )


class SegmentAudiences:
    """Segments and static lists a user may see, their sizes and their members' contact ids."""

    def choices(self, user: Any) -> list[AudienceChoice]:
        segments = Segment.objects.for_user(user).only("public_id", "name", "kind", "member_count")
        return [_choice(segment) for segment in segments.order_by("kind", "name", "id")]

    def get(self, user: Any, type: str, id: UUID) -> AudienceChoice | None:
        kind = KIND_OF_TYPE.get(type)
        public_id = parse_public_id(id)
        if kind is None or public_id is None:
            return None
        segment = Segment.objects.for_user(user).filter(kind=kind, public_id=public_id).first()
        return _choice(segment) if segment is not None else None

    def contact_ids(self, type: str, id: UUID) -> Iterator[int]:
        kind = KIND_OF_TYPE.get(type)
        public_id = parse_public_id(id)
        if kind is None or public_id is None:
            return iter(())
        memberships = SegmentMembership.objects.filter(segment__public_id=public_id, segment__kind=kind)
        return (
            memberships.order_by("contact_id").values_list("contact_id", flat=True).iterator(chunk_size=5000)
        )
