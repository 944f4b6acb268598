"""The hand-off between marketing and sales: who receives each MQL, the acceptance SLA, and how
salespeople accept or send leads back with a reason."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models

from leadline.contacts.models import Contact
from leadline.core.access import AccessQuerySet
from leadline.core.models import BaseModel

if TYPE_CHECKING:
    from leadline.accounts.models import User


class RejectionReasonQuerySet(AccessQuerySet["RejectionReason"]):
    def visible_to(self, user: User) -> RejectionReasonQuerySet:
        return self

    def editable_by(self, user: User) -> RejectionReasonQuerySet:
        return self if user.is_admin else self.none()

    def active(self) -> RejectionReasonQuerySet:
        return self.filter(is_active=True)


class RejectionReason(BaseModel):
    """One entry of the configurable list a salesperson picks from when sending a lead back."""

    key = models.SlugField(max_length=40, unique=True)
    label = models.CharField(max_length=80)
    position = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    objects = RejectionReasonQuerySet.as_manager()

    class Meta:
        ordering = ["position", "label"]

    def __str__(self) -> str:
        return self.label


class RoutingMode(models.TextChoices):
    ROUND_ROBIN = "round_robin", "Round robin"
    RULES = "rules", "Rules first, then round robin"


def default_working_weekdays() -> list[int]:
    return [0, 1, 2, 3, 4]


class RoutingSettings(models.Model):
    """The one row of hand-off settings (see `RoutingSettings.load`)."""

    mode = models.CharField(max_length=16, choices=RoutingMode.choices, default=RoutingMode.ROUND_ROBIN)
    sla_working_hours = models.PositiveIntegerField(default=4)
    reminder_working_hours = models.PositiveIntegerField(
        default=1, help_text="Remind the salesperson when this many working hours are left."
    )
    working_day_start = models.PositiveSmallIntegerField(default=9)
    working_day_end = models.PositiveSmallIntegerField(default=17)
    working_weekdays = models.JSONField(
        default=default_working_weekdays, help_text="0 = Monday … 6 = Sunday."
    )
    time_zone = models.CharField(max_length=64, default="UTC")
    recycle_after_days = models.PositiveIntegerField(default=90)
    escalate_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "routing settings"

    def __str__(self) -> str:
        return "Routing settings"

    @classmethod
    def load(cls) -> RoutingSettings:
        instance, _ = cls.objects.get_or_create(pk=1)
        return instance


class RoutingRuleQuerySet(AccessQuerySet["RoutingRule"]):
    def visible_to(self, user: User) -> RoutingRuleQuerySet:
        return self

    def editable_by(self, user: User) -> RoutingRuleQuerySet:
        return self if user.is_admin else self.none()


class RoutingRule(BaseModel):
    """Checked in `position` order; the first rule whose conditions all hold decides the assignee.

    Empty conditions match anything. A rule assigns to a user, or round-robin within a team.
    """

    position = models.PositiveIntegerField(default=0)
    name = models.CharField(max_length=120, blank=True)
    countries = models.JSONField(default=list, blank=True, help_text="ISO alpha-2 codes; empty = any.")
    min_employee_count = models.PositiveIntegerField(null=True, blank=True)
    use_company_owner = models.BooleanField(
        default=False, help_text="Assign to the owner of the contact's company when it has one."
    )
    assign_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    assign_to_team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )

    objects = RoutingRuleQuerySet.as_manager()

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name or f"Rule {self.position}"


class HandoffState(models.TextChoices):
    PENDING = "pending", "Waiting"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"
    RECYCLED = "recycled", "Recycled"


class HandoffQuerySet(AccessQuerySet["Handoff"]):
    def visible_to(self, user: User) -> HandoffQuerySet:
        """Admins and marketing see every hand-off; salespeople their own."""
        if user.is_admin or user.is_marketing:
            return self
        return self.filter(assigned_to=user)

    def editable_by(self, user: User) -> HandoffQuerySet:
        """Only the assigned salesperson (or an admin) decides."""
        if user.is_admin:
            return self
        return self.filter(assigned_to=user)

    def pending(self) -> HandoffQuerySet:
        return self.filter(state=HandoffState.PENDING)


class Handoff(BaseModel):
    """One MQL passed to one salesperson, with the clock for accepting it."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="handoffs")
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="handoffs"
    )
    assigned_at = models.DateTimeField()
    routed_by = models.CharField(max_length=32, blank=True, help_text="round robin, a rule's name, …")
    state = models.CharField(max_length=16, choices=HandoffState.choices, default=HandoffState.PENDING)
    sla_due_at = models.DateTimeField(db_index=True)
    remind_at = models.DateTimeField(null=True, blank=True, help_text="When the reminder is due.")
    reminded_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rejection_reason = models.ForeignKey(
        RejectionReason, null=True, blank=True, on_delete=models.PROTECT, related_name="handoffs"
    )
    comment = models.TextField(blank=True)
    recycle_at = models.DateTimeField(null=True, blank=True)
    first_touch_at = models.DateTimeField(null=True, blank=True)

    objects = HandoffQuerySet.as_manager()

    class Meta:
        ordering = ["sla_due_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["contact"], condition=models.Q(state="pending"), name="sales_one_pending_handoff"
            )
        ]
        indexes = [models.Index(fields=["assigned_to", "state", "sla_due_at"], name="sales_handoff_queue")]

    def __str__(self) -> str:
        return f"{self.contact} → {self.assigned_to}"

    def is_overdue(self, now: Any) -> bool:
        return self.state == HandoffState.PENDING and self.sla_due_at <= now
