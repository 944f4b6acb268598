"""Weekly availability, meeting types and the meetings booked on public booking pages."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models

from leadline.contacts.models import Contact
from leadline.core.access import AccessQuerySet
from leadline.core.models import BaseModel

if TYPE_CHECKING:
    from leadline.accounts.models import User


def default_weekly_hours() -> dict[str, list[list[str]]]:
    """Monday to Friday, 09:00–17:00; keys are weekdays 0 (Monday) … 6 (Sunday)."""
    return {str(day): [["09:00", "17:00"]] for day in range(5)}


class AvailabilityQuerySet(AccessQuerySet["Availability"]):
    def visible_to(self, user: User) -> AvailabilityQuerySet:
        return self if user.is_admin else self.filter(user=user)

    def editable_by(self, user: User) -> AvailabilityQuerySet:
        return self.visible_to(user)


class Availability(BaseModel):
    """When one person can be booked. Its row is also the lock taken while booking them."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="availability"
    )
    time_zone = models.CharField(max_length=64, default="UTC")
    weekly_hours = models.JSONField(default=default_weekly_hours)
    buffer_before_minutes = models.PositiveIntegerField(default=0)
    buffer_after_minutes = models.PositiveIntegerField(default=10)
    minimum_notice_minutes = models.PositiveIntegerField(default=240)
    horizon_days = models.PositiveIntegerField(default=30, help_text="How far ahead people can book.")
    default_meeting_type = models.ForeignKey(
        "sales.MeetingType",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The meeting the booking link in instant replies offers for this person's contacts.",
    )

    objects = AvailabilityQuerySet.as_manager()

    class Meta:
        ordering = ["user"]
        verbose_name_plural = "availabilities"

    def __str__(self) -> str:
        return f"Availability of {self.user}"


class MeetingTypeQuerySet(AccessQuerySet["MeetingType"]):
    def visible_to(self, user: User) -> MeetingTypeQuerySet:
        return self if user.is_active else self.none()

    def editable_by(self, user: User) -> MeetingTypeQuerySet:
        if user.is_admin:
            return self
        return self.filter(host=user)

    def active(self) -> MeetingTypeQuerySet:
        return self.filter(is_active=True)


class MeetingType(BaseModel):
    """A bookable kind of meeting, hosted by one person or round-robin across a team."""

    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    duration_minutes = models.PositiveIntegerField(default=30)
    location = models.CharField(
        max_length=300, blank=True, help_text="A video link, phone number or address."
    )
    host = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="meeting_types",
    )
    team = models.ForeignKey(
        "accounts.Team",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="meeting_types",
        help_text="Round-robin among the team's members instead of one host.",
    )
    reminder_minutes = models.PositiveIntegerField(default=60, help_text="Remind the guest this long before.")
    is_active = models.BooleanField(default=True)

    objects = MeetingTypeQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class MeetingState(models.TextChoices):
    CONFIRMED = "confirmed", "Confirmed"
    CANCELLED = "cancelled", "Cancelled"


class MeetingQuerySet(AccessQuerySet["Meeting"]):
    def visible_to(self, user: User) -> MeetingQuerySet:
        if user.is_admin or user.is_marketing:
            return self
        from leadline.accounts.selectors import teammate_ids_subquery

        return self.filter(host_id__in=teammate_ids_subquery(user))

    def editable_by(self, user: User) -> MeetingQuerySet:
        return self if user.is_admin else self.filter(host=user)

    def confirmed(self) -> MeetingQuerySet:
        return self.filter(state=MeetingState.CONFIRMED)


class Meeting(BaseModel):
    """One booked meeting. `sequence` counts changes for the iCalendar invite (RFC 5545 SEQUENCE)."""

    meeting_type = models.ForeignKey(MeetingType, on_delete=models.PROTECT, related_name="meetings")
    host = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="meetings")
    contact = models.ForeignKey(Contact, null=True, on_delete=models.SET_NULL, related_name="meetings")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    guest_name = models.CharField(max_length=200)
    guest_email = models.EmailField()
    guest_time_zone = models.CharField(max_length=64, default="UTC")
    guest_notes = models.TextField(blank=True)
    state = models.CharField(max_length=12, choices=MeetingState.choices, default=MeetingState.CONFIRMED)
    sequence = models.PositiveIntegerField(default=0)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=300, blank=True)
    remind_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)

    objects = MeetingQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            # The last line against double booking; overlaps of different lengths are checked under
            # the host's availability row lock when booking.
            models.UniqueConstraint(
                fields=["host", "starts_at"],
                condition=models.Q(state="confirmed"),
                name="sales_meeting_host_slot_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["host", "state", "starts_at"], name="sales_meeting_host"),
            # The reminder job's scan: only confirmed meetings still waiting for their reminder.
            models.Index(
                fields=["remind_at"],
                condition=models.Q(state="confirmed", reminded_at__isnull=True),
                name="sales_meeting_remind_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.meeting_type} with {self.guest_name}"
