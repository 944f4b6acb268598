"""Forms of the meeting screens and of the public booking page. They shape input; the services
decide what is valid."""

from __future__ import annotations

import re
from typing import Any

from django import forms

from leadline.accounts.models import Team, User
from leadline.sales.models import Availability, MeetingType
from leadline.sales.slots import WEEKDAYS, format_clock, time_zone_names

RANGE_SEPARATOR = re.compile(r"\s*(?:-|–|—|to)\s*")
MINUTE_CHOICES = [(0, "None"), (5, "5 minutes"), (10, "10 minutes"), (15, "15 minutes"), (30, "30 minutes"), (45, "45 minutes"), (60, "1 hour")]  # fmt: skip
NOTICE_CHOICES = [
    (0, "None"), (30, "30 minutes"), (60, "1 hour"), (120, "2 hours"), (240, "4 hours"), (480, "8 hours"),
    (720, "12 hours"), (1440, "1 day"), (2880, "2 days"), (4320, "3 days"), (10080, "1 week"),
]  # fmt: skip
DURATION_CHOICES = [(15, "15 minutes"), (20, "20 minutes"), (30, "30 minutes"), (45, "45 minutes"), (60, "1 hour"), (90, "1½ hours"), (120, "2 hours")]  # fmt: skip
REMINDER_CHOICES = [(0, "No reminder"), (15, "15 minutes before"), (30, "30 minutes before"), (60, "1 hour before"), (120, "2 hours before"), (1440, "1 day before")]  # fmt: skip


def zone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in sorted(time_zone_names())]


def _with_current(choices: list[tuple[int, str]], current: Any) -> list[tuple[int, str]]:
    """Keep a stored value that is not one of the usual choices (set through the API) selectable."""
    if isinstance(current, int) and current not in {value for value, _ in choices}:
        return sorted([*choices, (current, f"{current} minutes")])
    return choices


def hours_text(ranges: list[list[str]]) -> str:
    return ", ".join(f"{start}–{end}" for start, end in ranges)


class AvailabilityForm(forms.Form):
    time_zone = forms.ChoiceField(choices=[], help_text="Your weekly hours are in this time zone.")
    buffer_before_minutes = forms.TypedChoiceField(
        choices=MINUTE_CHOICES, coerce=int, label="Buffer before each meeting"
    )
    buffer_after_minutes = forms.TypedChoiceField(
        choices=MINUTE_CHOICES, coerce=int, label="Buffer after each meeting"
    )
    minimum_notice_minutes = forms.TypedChoiceField(
        choices=NOTICE_CHOICES,
        coerce=int,
        label="Minimum notice",
        help_text="Nobody can book you sooner than this.",
    )
    horizon_days = forms.IntegerField(
        min_value=1,
        max_value=365,
        label="Booking horizon (days)",
        help_text="How far ahead people can book you.",
    )
    default_meeting_type = forms.ModelChoiceField(
        queryset=MeetingType.objects.none(),
        required=False,
        empty_label="The first one I host",
        label="Meeting offered in instant replies",
        help_text="The booking link sent to your contacts opens this meeting type.",
    )

    def __init__(self, *args: Any, availability: Availability, **kwargs: Any) -> None:
        initial = {
            "time_zone": availability.time_zone,
            "buffer_before_minutes": availability.buffer_before_minutes,
            "buffer_after_minutes": availability.buffer_after_minutes,
            "minimum_notice_minutes": availability.minimum_notice_minutes,
            "horizon_days": availability.horizon_days,
            "default_meeting_type": availability.default_meeting_type_id,
        }
        hours = availability.weekly_hours if isinstance(availability.weekly_hours, dict) else {}
        for weekday in range(7):
            ranges = hours.get(str(weekday), [])
            initial[f"day_{weekday}"] = hours_text(ranges) if isinstance(ranges, list) else ""
        kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = zone_choices()  # type: ignore[attr-defined]
        for name in ("buffer_before_minutes", "buffer_after_minutes"):
            field = self.fields[name]
            field.choices = _with_current(MINUTE_CHOICES, initial[name])  # type: ignore[attr-defined]
        self.fields["minimum_notice_minutes"].choices = _with_current(  # type: ignore[attr-defined]
            NOTICE_CHOICES, initial["minimum_notice_minutes"]
        )
        user = availability.user
        self.fields["default_meeting_type"].queryset = MeetingType.objects.active().filter(  # type: ignore[attr-defined]
            models_q_host_or_team(user)
        )
        for weekday, day in enumerate(WEEKDAYS):
            self.fields[f"day_{weekday}"] = forms.CharField(
                required=False,
                max_length=200,
                label=day,
                widget=forms.TextInput(attrs={"placeholder": "Not bookable", "autocomplete": "off"}),
            )

    def weekday_fields(self) -> list[forms.BoundField]:
        return [self[f"day_{weekday}"] for weekday in range(7)]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        weekly: dict[str, list[list[str]]] = {}
        for weekday in range(7):
            text = cleaned.get(f"day_{weekday}") or ""
            ranges = []
            for part in filter(None, (piece.strip() for piece in text.split(","))):
                bounds = RANGE_SEPARATOR.split(part)
                if len(bounds) != 2:
                    self.add_error(f"day_{weekday}", f"Write ranges as 09:00–17:00 (not “{part[:30]}”).")
                    break
                ranges.append([_padded(bounds[0]), _padded(bounds[1])])
            if ranges:
                weekly[str(weekday)] = ranges
        cleaned["weekly_hours"] = weekly
        return cleaned

    def service_data(self) -> dict[str, Any]:
        fields = (
            "time_zone", "weekly_hours", "buffer_before_minutes", "buffer_after_minutes", "minimum_notice_minutes",
            "horizon_days", "default_meeting_type",
        )  # fmt: skip
        return {name: self.cleaned_data.get(name) for name in fields}


def _padded(text: str) -> str:
    """ "9:00" and "9" as "09:00"; anything else is left for the services to refuse."""
    text = text.strip()
    if text.isdigit() and len(text) <= 2:
        return format_clock(int(text) * 60) if int(text) <= 24 else text
    return text


def models_q_host_or_team(user: User) -> Any:
    from django.db.models import Q

    return Q(host=user) | Q(team__in=user.teams.all())


class MeetingTypeForm(forms.Form):
    name = forms.CharField(
        max_length=120, widget=forms.TextInput(attrs={"placeholder": "Free 30-minute clarity call"})
    )
    slug = forms.CharField(
        max_length=80,
        label="Address",
        help_text="The end of the booking link: lower-case letters, digits and hyphens.",
        widget=forms.TextInput(attrs={"placeholder": "clarity-call", "autocomplete": "off"}),
    )
    description = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "What the call is for and how to prepare."}),
    )
    duration_minutes = forms.TypedChoiceField(
        choices=DURATION_CHOICES, coerce=int, label="Length", initial=30
    )
    location = forms.CharField(
        required=False,
        max_length=300,
        help_text="A video link, a phone number or an address.",
        widget=forms.TextInput(attrs={"placeholder": "https://meet.example.com/your-room"}),
    )
    host = forms.ModelChoiceField(queryset=User.objects.none(), required=False, empty_label="—")
    team = forms.ModelChoiceField(
        queryset=Team.objects.none(),
        required=False,
        empty_label="—",
        label="Or a round-robin team",
        help_text="Each booking goes to the member with the fewest upcoming meetings who is free.",
    )
    reminder_minutes = forms.TypedChoiceField(
        choices=REMINDER_CHOICES, coerce=int, label="Reminder email", initial=60
    )
    is_active = forms.BooleanField(required=False, initial=True, label="Taking bookings")

    def __init__(self, *args: Any, actor: User, instance: MeetingType | None = None, **kwargs: Any) -> None:
        if instance is not None:
            kwargs.setdefault(
                "initial",
                {
                    "name": instance.name,
                    "slug": instance.slug,
                    "description": instance.description,
                    "duration_minutes": instance.duration_minutes,
                    "location": instance.location,
                    "host": instance.host_id,
                    "team": instance.team_id,
                    "reminder_minutes": instance.reminder_minutes,
                    "is_active": instance.is_active,
                },
            )
        else:
            kwargs.setdefault("initial", {}).setdefault("host", actor.pk)
        super().__init__(*args, **kwargs)
        self.actor = actor
        host_field = self.fields["host"]
        if actor.is_admin:
            host_field.queryset = User.objects.filter(is_active=True)  # type: ignore[attr-defined]
            self.fields["team"].queryset = Team.objects.all()  # type: ignore[attr-defined]
        else:
            host_field.queryset = User.objects.filter(pk=actor.pk)  # type: ignore[attr-defined]
            host_field.empty_label = None  # type: ignore[attr-defined]
            del self.fields["team"]
        current = instance.duration_minutes if instance else None
        self.fields["duration_minutes"].choices = _with_current(DURATION_CHOICES, current)  # type: ignore[attr-defined]
        reminder = instance.reminder_minutes if instance else None
        self.fields["reminder_minutes"].choices = _with_current(REMINDER_CHOICES, reminder)  # type: ignore[attr-defined]

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        if "team" not in self.fields:
            data.pop("team", None)
        elif data.get("team") is not None:
            data["host"] = None  # choosing a team makes it round robin, whoever the host field shows
        return data


class CancelForm(forms.Form):
    reason = forms.CharField(
        required=False,
        max_length=300,
        label="Reason (optional)",
        widget=forms.TextInput(attrs={"placeholder": "Shared with the other person"}),
    )


class BookingForm(forms.Form):
    """The guest's side of the public page; the chosen time arrives as `start`."""

    start = forms.CharField(max_length=40, error_messages={"required": "Choose a day and a time."})
    name = forms.CharField(
        max_length=200,
        label="Your name",
        error_messages={"required": "Tell us your name."},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.CharField(
        max_length=254,
        label="Your email",
        error_messages={"required": "Enter your email address so we can send you the invitation."},
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    notes = forms.CharField(
        required=False,
        max_length=2000,
        label="Anything we should know? (optional)",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    time_zone = forms.CharField(required=False, max_length=64)
    website = forms.CharField(required=False, max_length=200)  # a honeypot: people never see it


class RescheduleForm(forms.Form):
    start = forms.CharField(max_length=40, error_messages={"required": "Choose a day and a time."})
    time_zone = forms.CharField(required=False, max_length=64)
