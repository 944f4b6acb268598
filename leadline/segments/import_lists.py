"""Static lists as the destination of contact imports ("add imported contacts to list X"): the
segments room registers this with the contacts import when the application starts."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.urls import reverse

from leadline.contacts.import_lists import ListChoice
from leadline.core.access import parse_public_id
from leadline.segments.models import Segment
from leadline.segments.selectors import static_lists
from leadline.segments.services import static_list_add, static_list_for_name, static_list_named

UNKNOWN = "No static list has this id; choose one from the list or type a new name."


class StaticListDestination:
    def options(self) -> list[tuple[str, str]]:
        return [(str(segment.public_id), segment.name) for segment in static_lists()]

    def _existing(self, list_id: str) -> Segment:
        public_id = parse_public_id(list_id)
        segment = static_lists().filter(public_id=public_id).first() if public_id else None
        if segment is None:
            raise ValidationError({"list": UNKNOWN})
        return segment

    def describe(self, choice: ListChoice) -> str:
        if choice.new_name:
            existing = static_list_named(choice.new_name)
            return existing.name if existing else choice.new_name.strip()
        return self._existing(choice.list_id).name

    def target(self, choice: ListChoice, *, actor: Any) -> StaticListTarget:
        if choice.new_name:
            user = actor if getattr(actor, "pk", None) else None
            return StaticListTarget(static_list_for_name(user=user, name=choice.new_name))
        return StaticListTarget(self._existing(choice.list_id))


class StaticListTarget:
    def __init__(self, segment: Segment) -> None:
        self.segment = segment
        self.name = segment.name
        self.url = reverse("segments:detail", kwargs={"public_id": segment.public_id})

    def add(self, contact_ids: list[int]) -> int:
        return static_list_add(segment=self.segment, contact_ids=contact_ids)
