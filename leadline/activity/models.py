"""The append-only activity log: everything that happens to a person is one row here.

The contact timeline is a view of it; segments, scoring, analytics and automation read it through
cursors that remember the last row each consumer has processed.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models

from leadline.contacts.models import Company, Contact
from leadline.core.access import AccessQuerySet

if TYPE_CHECKING:
    from leadline.accounts.models import User


class Kind(models.TextChoices):
    NOTE = "note", "Note"
    CONTACT_CREATED = "contact.created", "Contact created"
    CONTACT_UPDATED = "contact.updated", "Properties changed"
    CONTACT_MERGED = "contact.merged", "Contacts merged"
    CONTACT_IMPORTED = "contact.imported", "Imported"
    STAGE_CHANGED = "stage.changed", "Lifecycle stage changed"
    OWNER_CHANGED = "owner.changed", "Owner changed"
    CONSENT_CHANGED = "consent.changed", "Consent changed"
    PAGE_VIEW = "page.view", "Page view"
    CUSTOM_EVENT = "event.custom", "Event"
    FORM_SUBMITTED = "form.submitted", "Form submitted"
    EMAIL_SENT = "email.sent", "Email sent"
    EMAIL_OPENED = "email.opened", "Email opened"
    EMAIL_CLICKED = "email.clicked", "Email link clicked"
    EMAIL_BOUNCED = "email.bounced", "Email bounced"
    EMAIL_COMPLAINED = "email.complained", "Marked as spam"
    SCORE_CHANGED = "score.changed", "Score changed"
    DEAL_CREATED = "deal.created", "Deal created"
    DEAL_CHANGED = "deal.changed", "Deal changed"
    DEAL_WON = "deal.won", "Deal won"
    DEAL_LOST = "deal.lost", "Deal lost"
    MEETING_BOOKED = "meeting.booked", "Meeting booked"
    MEETING_CANCELLED = "meeting.cancelled", "Meeting cancelled"
    MEETING_LOGGED = "meeting.logged", "Meeting logged"
    CALL_LOGGED = "call.logged", "Call logged"
    TASK_COMPLETED = "task.completed", "Task completed"
    ORDER_PLACED = "order.placed", "Order placed"
    ORDER_REFUNDED = "order.refunded", "Order refunded"
    TESTIMONIAL = "testimonial", "Testimonial"
    SEGMENT_ENTERED = "segment.entered", "Entered a segment"
    SEGMENT_LEFT = "segment.left", "Left a segment"
    HANDOFF_ROUTED = "handoff.routed", "Routed to sales"
    HANDOFF_ACCEPTED = "handoff.accepted", "Accepted by sales"
    HANDOFF_REJECTED = "handoff.rejected", "Sent back by sales"
    HANDOFF_ESCALATED = "handoff.escalated", "Hand-off escalated"
    WORKFLOW_ENROLLED = "workflow.enrolled", "Enrolled in a workflow"
    WORKFLOW_STEP = "workflow.step", "Workflow step"
    WORKFLOW_FINISHED = "workflow.finished", "Left a workflow"
    WORKFLOW_FAILED = "workflow.failed", "Workflow stopped"


class ActivityQuerySet(AccessQuerySet["Activity"]):
    def visible_to(self, user: User) -> ActivityQuerySet:
        # You see the timeline of every contact you can see.
        return self.filter(contact__in=Contact.objects.for_user(user))

    def editable_by(self, user: User) -> ActivityQuerySet:
        # Only notes are user content; authors edit their own, admins any.
        notes = self.filter(kind=Kind.NOTE)
        if user.is_admin:
            return notes
        return notes.filter(actor=user, contact__in=Contact.objects.for_user(user))


class Activity(models.Model):
    """One thing that happened. Typed common columns for fast filtering; the rest in `data`."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=32, choices=Kind.choices)
    occurred_at = models.DateTimeField()
    # No index of its own: the timeline index starts with the contact and serves every lookup by it.
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.CASCADE, related_name="activities", db_index=False
    )
    company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.SET_NULL, related_name="activities"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    visitor_id = models.UUIDField(null=True, blank=True, db_index=True)
    session_id = models.UUIDField(null=True, blank=True)
    title = models.CharField(max_length=300, blank=True)
    url = models.TextField(blank=True)
    referrer = models.TextField(blank=True)
    source = models.CharField(max_length=200, blank=True)
    medium = models.CharField(max_length=200, blank=True)
    campaign = models.CharField(max_length=200, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ActivityQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name_plural = "activities"
        indexes = [
            models.Index(fields=["contact", "-occurred_at", "-id"], name="activity_timeline"),
            # With the contact: "who did X (since T)" is answered from the index alone.
            models.Index(fields=["kind", "occurred_at", "contact"], name="activity_kind_time_contact"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} @ {self.occurred_at:%Y-%m-%d %H:%M}"


class Cursor(models.Model):
    """How far a consumer (a worker of a higher room) has read the activity log."""

    name = models.CharField(max_length=100, unique=True)
    position = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} @ {self.position}"
