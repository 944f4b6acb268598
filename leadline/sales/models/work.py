"""Tasks: calls, emails, meetings and to-dos with due dates, reminders and an assignee."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models

from leadline.contacts.models import Contact
from leadline.core.access import AccessQuerySet
from leadline.core.models import BaseModel

if TYPE_CHECKING:
    from leadline.accounts.models import User


class TaskKind(models.TextChoices):
    CALL = "call", "Call"
    EMAIL = "email", "Email"
    MEETING = "meeting", "Meeting"
    TODO = "todo", "To-do"


class TaskQuerySet(AccessQuerySet["Task"]):
    def visible_to(self, user: User) -> TaskQuerySet:
        """Admins see every task; others the tasks assigned to them or their teammates, or that they made."""
        if user.is_admin:
            return self
        from leadline.accounts.selectors import teammate_ids_subquery

        return self.filter(
            models.Q(assigned_to_id__in=teammate_ids_subquery(user)) | models.Q(created_by=user)
        )

    def editable_by(self, user: User) -> TaskQuerySet:
        if user.is_admin:
            return self
        return self.filter(models.Q(assigned_to=user) | models.Q(created_by=user))

    def open(self) -> TaskQuerySet:
        return self.filter(completed_at__isnull=True)


class Task(BaseModel):
    kind = models.CharField(max_length=8, choices=TaskKind.choices, default=TaskKind.TODO)
    title = models.CharField(max_length=200)
    notes = models.TextField(blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    due_all_day = models.BooleanField(
        default=False,
        help_text="Due on a day rather than at a time: `due_at` is then noon UTC of that day, which "
        "falls on the same calendar day in every time zone people work in.",
    )
    remind_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="tasks"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.CASCADE, related_name="tasks"
    )
    deal = models.ForeignKey(
        "sales.Deal", null=True, blank=True, on_delete=models.CASCADE, related_name="tasks"
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = TaskQuerySet.as_manager()

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(fields=["assigned_to", "completed_at", "due_at"], name="sales_task_queue"),
            models.Index(
                fields=["remind_at"], name="sales_task_remind", condition=models.Q(reminded_at=None)
            ),
        ]

    def __str__(self) -> str:
        return self.title
