"""Forms of the task screens. Dates and times are entered in the user's own time zone (the one the
middleware activated) and turned into moments here; the services check everything again."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from leadline.accounts.models import User
from leadline.accounts.selectors import active_users
from leadline.contacts.models import Contact
from leadline.sales.models import Deal, DealStatus, Task, TaskKind
from leadline.sales.task_selectors import STATUSES, TaskFilters
from leadline.sales.task_services import (
    LOG_DURATION_MAX_MINUTES,
    NOTES_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    CallOutcome,
    MeetingOutcome,
    local_moment,
)

# Minutes before the due time; "at" the due time is 0. Day-only tasks count from 09:00 that day.
REMINDERS = [
    ("", "No reminder"),
    ("0", "When it is due"),
    ("15", "15 minutes before"),
    ("60", "1 hour before"),
    ("1440", "1 day before"),
]
KEEP_REMINDER = "keep"
DAY_ONLY_REFERENCE = time(9, 0)
DEAL_CHOICES_LIMIT = 50


def _zone() -> Any:
    return timezone.get_current_timezone()


class TaskForm(forms.Form):
    title = forms.CharField(
        max_length=TITLE_MAX_LENGTH,
        widget=forms.TextInput(attrs={"placeholder": "Call Ada about the proposal", "autocomplete": "off"}),
    )
    kind = forms.ChoiceField(
        choices=TaskKind.choices, initial=TaskKind.TODO, label="Type", widget=forms.RadioSelect
    )
    due_date = forms.DateField(
        required=False, label="Due date", widget=forms.DateInput(attrs={"type": "date"})
    )
    due_time = forms.TimeField(
        required=False,
        label="Time",
        help_text="Leave empty for any time that day.",
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    reminder = forms.ChoiceField(choices=REMINDERS, required=False, label="Remind")
    assigned_to = forms.ModelChoiceField(
        queryset=User.objects.none(),
        to_field_name="public_id",
        required=False,
        empty_label=None,
        label="Assignee",
    )
    contact = forms.CharField(
        required=False,
        max_length=254,
        label="Contact",
        help_text="Type a name or email address.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "list": "task-contact-options"}),
    )
    # Any deal the user can see is accepted, not only those offered; the service checks access.
    deal = forms.CharField(required=False, max_length=64, label="Deal", widget=forms.Select)
    notes = forms.CharField(
        required=False, max_length=NOTES_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(
        self,
        *args: Any,
        user: User,
        task: Task | None = None,
        contact: Contact | None = None,
        deal: Deal | None = None,
        **kwargs: Any,
    ) -> None:
        self.user = user
        self.task = task
        if task is not None and "initial" not in kwargs:
            kwargs["initial"] = self._initial_from(task)
        kwargs.setdefault("initial", {})
        if contact is not None:
            kwargs["initial"].setdefault("contact", contact.email or str(contact.public_id))
        if deal is not None:
            kwargs["initial"].setdefault("deal", str(deal.public_id))
        super().__init__(*args, **kwargs)
        self.fields["assigned_to"].queryset = active_users()  # type: ignore[attr-defined]
        self.fields["assigned_to"].initial = (task.assigned_to if task else None) or user
        linked_contact = contact or (task.contact if task else None)
        linked_deal = deal or (task.deal if task else None)
        self.linked_contact = linked_contact
        self.fields["deal"].widget.choices = self._deal_choices(linked_contact, linked_deal)
        if task is not None and self.initial.get("reminder") == KEEP_REMINDER:
            local = timezone.localtime(task.remind_at, _zone())
            self.fields["reminder"].choices = [  # type: ignore[attr-defined]
                *REMINDERS,
                (KEEP_REMINDER, f"Keep: {local:%d %b %Y, %H:%M}"),
            ]

    def _initial_from(self, task: Task) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "title": task.title,
            "kind": task.kind,
            "notes": task.notes,
            "contact": (task.contact.email or str(task.contact.public_id)) if task.contact else "",
            "deal": str(task.deal.public_id) if task.deal else "",
        }
        if task.due_at is not None:
            if task.due_all_day:
                initial["due_date"] = task.due_at.date()
            else:
                local = timezone.localtime(task.due_at, _zone())
                initial["due_date"] = local.date()
                initial["due_time"] = local.time().replace(second=0, microsecond=0)
        if task.remind_at is not None:
            initial["reminder"] = KEEP_REMINDER
            reference = self._reference(task.due_at, task.due_all_day)
            if reference is not None:
                for value, _label in REMINDERS[1:]:
                    if reference - timedelta(minutes=int(value)) == task.remind_at:
                        initial["reminder"] = value
        return initial

    def _reference(self, due_at: datetime | None, all_day: bool) -> datetime | None:
        if due_at is None:
            return None
        if all_day:
            return datetime.combine(due_at.date(), DAY_ONLY_REFERENCE).replace(tzinfo=_zone())
        return due_at

    def _deal_choices(self, contact: Contact | None, deal: Deal | None) -> list[tuple[str, str]]:
        deals = Deal.objects.for_user(self.user).filter(status=DealStatus.OPEN)
        deals = deals.filter(contact=contact) if contact is not None else deals.filter(owner=self.user)
        options = list(deals.order_by("-created_at").only("public_id", "name")[:DEAL_CHOICES_LIMIT])
        if deal is not None and all(option.pk != deal.pk for option in options):
            options.insert(0, deal)
        return [("", "No deal")] + [(str(option.public_id), option.name) for option in options]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        day, at = cleaned.get("due_date"), cleaned.get("due_time")
        cleaned["due_at"] = None
        cleaned["due_day"] = None
        if day is not None and not 2000 <= day.year < 2100:
            self.add_error("due_date", "Pick a date between the years 2000 and 2099.")
            day = None
        if at is not None and day is None:
            if "due_date" not in self.errors:
                self.add_error("due_date", "Pick the day this time is on.")
        elif day is not None and at is not None:
            try:
                cleaned["due_at"] = local_moment(day, at, _zone())
            except ValidationError as error:
                self.add_error(None, error)
        elif day is not None:
            cleaned["due_day"] = day
        cleaned["remind_at"] = self._remind_at(cleaned)
        return cleaned

    def _remind_at(self, cleaned: dict[str, Any]) -> datetime | None:
        choice = cleaned.get("reminder") or ""
        if choice == KEEP_REMINDER and self.task is not None:
            return self.task.remind_at
        if choice in ("", KEEP_REMINDER):
            return None
        day = cleaned.get("due_day")
        reference = cleaned.get("due_at") or (
            datetime.combine(day, DAY_ONLY_REFERENCE).replace(tzinfo=_zone()) if day else None
        )
        if reference is None:
            if "due_date" not in self.errors:
                self.add_error("reminder", "A reminder needs a due date.")
            return None
        return reference - timedelta(minutes=int(choice))

    def service_data(self) -> dict[str, Any]:
        """The cleaned values in the services' terms (references still raw, see `task_references`)."""
        data = self.cleaned_data
        values = {
            "title": data["title"],
            "kind": data["kind"],
            "notes": data.get("notes", ""),
            "due_at": data.get("due_at"),
            "due_date": data.get("due_day"),
            "remind_at": data.get("remind_at"),
        }
        if "assigned_to" in self.fields:
            values["assigned_to"] = data.get("assigned_to") or self.user
        return values


class QuickTaskForm(TaskForm):
    """The one-line form of "my day" and the contact page: a title, a type and when."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "quick-task-%s")
        super().__init__(*args, **kwargs)
        for name in ("reminder", "assigned_to", "contact", "deal", "notes"):
            del self.fields[name]
        self.fields["kind"].widget = forms.Select(choices=TaskKind.choices)
        self.fields["title"].widget.attrs.update({"placeholder": "Add a task…", "data-quick-add": ""})
        self.fields["due_time"].help_text = ""


class TaskFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=200, label="Search")
    assignee = forms.ChoiceField(required=False, label="Assignee")
    kind = forms.ChoiceField(required=False, choices=[("", "Any type"), *TaskKind.choices], label="Type")
    status = forms.ChoiceField(required=False, choices=list(STATUSES.items()), label="Status")
    due_from = forms.DateField(
        required=False, label="Due from", widget=forms.DateInput(attrs={"type": "date"})
    )
    due_to = forms.DateField(required=False, label="Due to", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        people = list(active_users())
        self.people = {str(person.public_id): person for person in people}
        self.fields["assignee"].choices = [  # type: ignore[attr-defined]
            ("", "Anyone"),
            ("me", "Me"),
            *[(str(person.public_id), person.display_name) for person in people],
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("due_from"), cleaned.get("due_to")
        if start and end and end < start:
            self.add_error("due_to", "The end is before the start.")
        return cleaned

    def filters(self, *, contact: Contact | None = None, deal: Deal | None = None) -> TaskFilters:
        """The valid filters (fields with errors are left out, so the list still shows)."""
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        assignee_key = data.get("assignee") or ""
        assignee = self.user if assignee_key == "me" else self.people.get(assignee_key)
        return TaskFilters(
            q=data.get("q") or "",
            assignee=assignee,
            kind=data.get("kind") or "",
            status=data.get("status") or "open",
            due_from=data.get("due_from") if "due_to" not in self.errors else None,
            due_to=data.get("due_to") if "due_to" not in self.errors else None,
            contact=contact,
            deal=deal,
        )


class LogForm(forms.Form):
    """A call or meeting that happened: outcome, when, how long, notes."""

    outcome = forms.ChoiceField(widget=forms.RadioSelect)
    occurred_date = forms.DateField(label="Date", widget=forms.DateInput(attrs={"type": "date"}))
    occurred_time = forms.TimeField(
        label="Time", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    duration_minutes = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=LOG_DURATION_MAX_MINUTES,
        label="Duration (minutes)",
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    notes = forms.CharField(
        required=False,
        max_length=NOTES_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "What was said, what happens next"}),
    )

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"log-{kind}-%s")
        now = timezone.localtime(timezone.now(), _zone())
        kwargs.setdefault(
            "initial",
            {"occurred_date": now.date(), "occurred_time": now.time().replace(second=0, microsecond=0)},
        )
        super().__init__(*args, **kwargs)
        self.kind = kind
        choices = CallOutcome.choices if kind == "call" else MeetingOutcome.choices
        self.fields["outcome"].choices = choices  # type: ignore[attr-defined]
        self.fields["outcome"].initial = choices[0][0]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        day, at = cleaned.get("occurred_date"), cleaned.get("occurred_time")
        cleaned["occurred_at"] = None
        if day is not None and at is not None:
            try:
                cleaned["occurred_at"] = local_moment(day, at, _zone())
            except ValidationError:
                self.add_error(
                    "occurred_time", "That time does not exist on that day (the clocks go forward)."
                )
        return cleaned
