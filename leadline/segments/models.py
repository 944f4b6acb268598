"""Segments: a saved JSON condition tree (dynamic) or a hand-kept list (static), and the
materialised membership that other rooms read instead of re-running the tree."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models

from leadline.contacts.models import Contact
from leadline.core.access import AccessQuerySet
from leadline.core.models import BaseModel

if TYPE_CHECKING:
    from leadline.accounts.models import User


class SegmentQuerySet(AccessQuerySet["Segment"]):
    def visible_to(self, user: User) -> SegmentQuerySet:
        # Segments are shared definitions; sales may look at them (members stay filtered per user).
        return self if user.is_active else self.none()

    def editable_by(self, user: User) -> SegmentQuerySet:
        return self if (user.is_admin or user.is_marketing) else self.none()


class Segment(BaseModel):
    class Kind(models.TextChoices):
        DYNAMIC = "dynamic", "Dynamic (conditions)"
        STATIC = "static", "Static list"

    name = models.CharField(max_length=200)
    description = models.CharField(max_length=500, blank=True)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.DYNAMIC)
    definition: Any = models.JSONField(default=dict, blank=True)
    # What the tree reads (contact fields, activity kinds, other segments): the incremental worker
    # re-evaluates a segment only when one of these changed.
    dependencies: Any = models.JSONField(default=dict, blank=True)
    member_count = models.PositiveIntegerField(default=0)
    last_built_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = SegmentQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_static(self) -> bool:
        return self.kind == self.Kind.STATIC


class SegmentMembership(models.Model):
    # No index of their own: the unique (segment, contact) pair serves lookups by segment, and the
    # named index below lookups by contact. Every membership written pays for each index there is.
    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="memberships", db_index=False)
    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="segment_memberships", db_index=False
    )
    added_at = models.DateTimeField()

    class Meta:
        ordering = ["-added_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["segment", "contact"], name="segments_membership_unique")
        ]
        indexes = [models.Index(fields=["contact"], name="segments_membership_contact")]

    def __str__(self) -> str:
        return f"{self.contact_id} in {self.segment_id}"
