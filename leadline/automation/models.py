"""Workflows and sequences: triggers, waits, branches, actions, enrolments and playbooks.

A workflow's steps live in versions (a JSON tree of steps, see `graph.py`); each enrolment is a row
that remembers where its contact is (`current_step_key`) and when it is due (`run_at`). Long waits
are data: the scheduler tick claims due rows in batches. `StepRun` is unique per (enrolment, step),
so a step's effect is recorded once whatever crashes or restarts happen around it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models

from leadline.contacts.models import Contact
from leadline.core.access import AccessQuerySet
from leadline.core.models import BaseModel

if TYPE_CHECKING:
    from leadline.accounts.models import User


def manages_automation(user: Any) -> bool:
    return bool(getattr(user, "is_active", False) and (user.is_admin or user.is_marketing))


class WorkflowQuerySet(AccessQuerySet["Workflow"]):
    def visible_to(self, user: User) -> WorkflowQuerySet:
        """Admins and marketing build workflows; sales see them to understand their contacts' emails."""
        return self if user.is_active else self.none()

    def editable_by(self, user: User) -> WorkflowQuerySet:
        return self if manages_automation(user) else self.none()


class TriggerType(models.TextChoices):
    MANUAL = "manual", "Enrolled by hand"
    API = "api", "Enrolled through the API"
    FORM_SUBMITTED = "form_submitted", "A form is submitted"
    SEGMENT_ENTERED = "segment_entered", "Enters a segment"
    SEGMENT_LEFT = "segment_left", "Leaves a segment"
    STAGE_CHANGED = "stage_changed", "Lifecycle stage changes"
    SCORE_CROSSED = "score_crossed", "Score crosses a value"
    EMAIL_OPENED = "email_opened", "Opens an email"
    EMAIL_CLICKED = "email_clicked", "Clicks a link in an email"
    PAGE_VISITED = "page_visited", "Visits a page"
    MEETING_BOOKED = "meeting_booked", "Books a meeting"
    DEAL_STAGE_CHANGED = "deal_stage_changed", "A deal moves stage"
    DEAL_WON = "deal_won", "A deal is won"
    DEAL_LOST = "deal_lost", "A deal is lost"
    ORDER_PLACED = "order_placed", "Places an order"
    DATE_REACHED = "date_reached", "A date is reached"


class Workflow(BaseModel):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        ACTIVE = "active", "Active"
        PAUSED = "paused", "Paused"
        ARCHIVED = "archived", "Archived"

    class Reenrolment(models.TextChoices):
        ONCE = "once", "Only once"
        AGAIN = "again", "Again after some days"

    name = models.CharField(max_length=200)
    description = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    trigger_type = models.CharField(max_length=32, choices=TriggerType.choices, default=TriggerType.MANUAL)
    trigger_config = models.JSONField(default=dict, blank=True)
    reenrolment = models.CharField(max_length=8, choices=Reenrolment.choices, default=Reenrolment.ONCE)
    reenrol_after_days = models.PositiveIntegerField(default=30)
    exit_on_unsubscribe = models.BooleanField(default=True)
    exit_on_customer = models.BooleanField(default=False)
    goal = models.JSONField(
        default=dict, blank=True, help_text="A segment condition; contacts who meet it leave as converted."
    )
    current_version = models.ForeignKey(
        "WorkflowVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    playbook = models.CharField(max_length=64, blank=True, help_text="The playbook it was installed from.")
    activated_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = WorkflowQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["status", "trigger_type"], name="automation_workflow_trigger")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE


class WorkflowVersion(models.Model):
    """The steps of a workflow as they were at one moment. Saving a change makes a new version;
    enrolments move onto it (see `services.workflow_publish_steps`)."""

    workflow = models.ForeignKey(Workflow, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    steps = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["workflow", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["workflow", "number"], name="automation_version_number")
        ]

    def __str__(self) -> str:
        return f"{self.workflow_id} v{self.number}"


class EnrolmentQuerySet(AccessQuerySet["Enrolment"]):
    def visible_to(self, user: User) -> EnrolmentQuerySet:
        """Admins and marketing see every enrolment; sales those of the contacts they can see."""
        if manages_automation(user):
            return self
        return self.filter(contact__in=Contact.objects.for_user(user))

    def editable_by(self, user: User) -> EnrolmentQuerySet:
        return self if manages_automation(user) else self.none()


class Enrolment(BaseModel):
    class State(models.TextChoices):
        ACTIVE = "active", "Running"
        WAITING = "waiting", "Waiting"
        COMPLETED = "completed", "Completed"
        EXITED = "exited", "Exited"
        FAILED = "failed", "Failed"

    workflow = models.ForeignKey(Workflow, on_delete=models.CASCADE, related_name="enrolments")
    version = models.ForeignKey(WorkflowVersion, on_delete=models.PROTECT, related_name="enrolments")
    # Deleting a contact deletes its enrolments: nothing can run for a person who is gone.
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="workflow_enrolments")
    state = models.CharField(max_length=16, choices=State.choices, default=State.ACTIVE)
    current_step_key = models.CharField(max_length=64, blank=True)
    run_at = models.DateTimeField(null=True, blank=True)
    waiting_since = models.DateTimeField(null=True, blank=True, help_text="When the current wait began.")
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    lease_owner = models.CharField(max_length=64, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    enrolled_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    exit_reason = models.CharField(max_length=32, blank=True)
    converted_at = models.DateTimeField(null=True, blank=True, help_text="When the goal was met.")
    trigger = models.CharField(max_length=32, blank=True)
    trigger_data = models.JSONField(default=dict, blank=True)
    is_test = models.BooleanField(default=False)
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = EnrolmentQuerySet.as_manager()

    class Meta:
        ordering = ["-enrolled_at", "-id"]
        indexes = [
            models.Index(fields=["state", "run_at"], name="automation_enrolment_due"),
            models.Index(fields=["workflow", "state", "current_step_key"], name="automation_enrolment_step"),
            models.Index(fields=["contact", "workflow"], name="automation_enrolment_contact"),
        ]

    def __str__(self) -> str:
        return f"{self.contact_id} in {self.workflow_id} ({self.state})"

    @property
    def is_open(self) -> bool:
        return self.state in (self.State.ACTIVE, self.State.WAITING)


class StepRun(models.Model):
    """A step that has run for an enrolment: at most one per (enrolment, step)."""

    # No index of their own: the unique (enrolment, step) and the (workflow, step) index lead with
    # them, and each index more is one more write for every step the engine runs.
    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.CASCADE, related_name="step_runs", db_index=False
    )
    step_key = models.CharField(max_length=64)
    workflow = models.ForeignKey(Workflow, on_delete=models.CASCADE, related_name="+", db_index=False)
    due_at = models.DateTimeField()
    ran_at = models.DateTimeField()
    outcome = models.CharField(max_length=32, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["ran_at", "id"]
        constraints = [models.UniqueConstraint(fields=["enrolment", "step_key"], name="automation_step_once")]
        indexes = [models.Index(fields=["workflow", "step_key"], name="automation_steprun_step")]

    def __str__(self) -> str:
        return f"{self.enrolment_id}:{self.step_key}"
