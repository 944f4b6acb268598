"""Shared model base and the small tables every room relies on: audit log, background jobs with
retry and backoff, process heartbeats and the in-app outbox of the demo."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class BaseModel(models.Model):
    """UUID public id for URLs and the API; integer keys stay internal."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class AuditEntry(models.Model):
    """Who did what to which object: security-relevant and destructive actions."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    summary = models.CharField(max_length=500, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.action} {self.object_type}:{self.object_id}"


class Job(models.Model):
    """A unit of deferred work that must happen eventually, recorded so that waits and retries are
    data: the scheduler claims due rows and hands them to the task queue; failures back off."""

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        DEAD = "dead", "Dead"

    name = models.CharField(max_length=200, help_text="Dotted path of the function to call.")
    key = models.CharField(max_length=200, unique=True, null=True, blank=True)
    arguments = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    run_at = models.DateTimeField(db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    max_attempts = models.PositiveIntegerField(default=8)
    lease_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["run_at", "id"]
        indexes = [models.Index(fields=["state", "run_at"], name="core_job_due")]

    def __str__(self) -> str:
        return f"{self.name} ({self.state})"


class Heartbeat(models.Model):
    """Last sign of life of a long-running process (scheduler, worker), shown by /healthz."""

    process = models.CharField(max_length=32, unique=True)
    seen_at = models.DateTimeField()
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["process"]

    def __str__(self) -> str:
        return f"{self.process} @ {self.seen_at:%Y-%m-%d %H:%M:%S}"


class PeriodicRun(models.Model):
    """When each periodic tick last ran, so restarts of the scheduler do not repeat or skip ticks."""

    name = models.CharField(max_length=200, unique=True)
    last_run_at = models.DateTimeField()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class OutboxEmail(models.Model):
    """Mail captured in-app when no EMAIL_URL is configured (the demo's outbox viewer)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    sender = models.CharField(max_length=320)
    recipients = models.JSONField(default=list)
    subject = models.CharField(max_length=998, blank=True)
    text_body = models.TextField(blank=True)
    html_body = models.TextField(blank=True)
    headers = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.subject


class NotificationQuerySet(models.QuerySet["Notification"]):
    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """An in-app message to one person (a lead routed to them, a task due, a meeting booked)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=40, help_text="What it is about, e.g. handoff.routed, task.due.")
    title = models.CharField(max_length=200)
    body = models.CharField(max_length=1000, blank=True)
    url = models.CharField(max_length=500, blank=True, help_text="A path inside Leadline to open.")
    key = models.CharField(
        max_length=200, null=True, blank=True, unique=True, help_text="Set to notify once per event."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at", "-created_at"], name="core_notification_inbox")]

    def __str__(self) -> str:
        return self.title
