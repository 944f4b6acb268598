"""Forms of the hand-off screens: rejecting with a reason, the routing settings, a new reason, a
routing rule (new or edited) and moving a rule up or down."""

from __future__ import annotations

from typing import Any
from zoneinfo import available_timezones

from django import forms

from leadline.accounts.models import Role, Team, User
from leadline.contacts.countries import country_code
from leadline.sales.models import RejectionReason, RoutingMode, RoutingRule, RoutingSettings

WEEKDAYS = [
    (0, "Monday"),
    (1, "Tuesday"),
    (2, "Wednesday"),
    (3, "Thursday"),
    (4, "Friday"),
    (5, "Saturday"),
    (6, "Sunday"),
]
HOURS = [(hour, f"{hour:02d}:00") for hour in range(25)]


class RejectForm(forms.Form):
    reason = forms.ModelChoiceField(
        queryset=RejectionReason.objects.none(),
        to_field_name="key",
        empty_label="Choose a reason…",
        error_messages={"invalid_choice": "Choose one of the rejection reasons."},
    )
    comment = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "What should marketing know?"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].queryset = RejectionReason.objects.active()  # type: ignore[attr-defined]


class RoutingSettingsForm(forms.ModelForm[RoutingSettings]):
    working_weekdays = forms.TypedMultipleChoiceField(
        choices=WEEKDAYS, coerce=int, widget=forms.CheckboxSelectMultiple, label="Working days"
    )
    working_day_start = forms.TypedChoiceField(choices=HOURS[:24], coerce=int, label="Day starts")
    working_day_end = forms.TypedChoiceField(choices=HOURS[1:], coerce=int, label="Day ends")
    time_zone = forms.ChoiceField(choices=[])
    mode = forms.ChoiceField(choices=RoutingMode.choices, widget=forms.RadioSelect, label="Routing")

    class Meta:
        model = RoutingSettings
        fields = [
            "mode",
            "sla_working_hours",
            "reminder_working_hours",
            "working_day_start",
            "working_day_end",
            "working_weekdays",
            "time_zone",
            "recycle_after_days",
            "escalate_to",
        ]
        labels = {
            "sla_working_hours": "Accept within (working hours)",
            "reminder_working_hours": "Reminder",
            "recycle_after_days": "Re-qualify rejected leads after (days)",
            "escalate_to": "Escalate overdue hand-offs to",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = [(zone, zone) for zone in sorted(available_timezones())]  # type: ignore[attr-defined]
        self.fields["escalate_to"].queryset = User.objects.filter(is_active=True)  # type: ignore[attr-defined]
        self.fields["sla_working_hours"].min_value = 1  # type: ignore[attr-defined]

    def clean_sla_working_hours(self) -> int:
        hours = self.cleaned_data["sla_working_hours"]
        if not 1 <= hours <= 200:
            raise forms.ValidationError("Choose between 1 and 200 working hours.")
        return int(hours)

    def clean_recycle_after_days(self) -> int:
        days = self.cleaned_data["recycle_after_days"]
        if not 1 <= days <= 3650:
            raise forms.ValidationError("Choose between 1 and 3650 days.")
        return int(days)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("working_day_start"), cleaned.get("working_day_end")
        if start is not None and end is not None and start >= end:
            self.add_error("working_day_end", "The working day must end after it starts.")
        sla, reminder = cleaned.get("sla_working_hours"), cleaned.get("reminder_working_hours")
        if sla is not None and reminder is not None and reminder >= sla:
            self.add_error("reminder_working_hours", "The reminder must come before the deadline.")
        return cleaned


class ReasonForm(forms.Form):
    label = forms.CharField(max_length=80, label="New reason")


class RoutingRuleForm(forms.Form):
    name = forms.CharField(max_length=120, label="Rule name")
    countries = forms.CharField(
        required=False,
        max_length=300,
        help_text="Codes or names separated by commas, e.g. DE, Austria, CH. Empty: any country.",
    )
    min_employee_count = forms.IntegerField(
        required=False, min_value=1, max_value=10_000_000, label="Company has at least (employees)"
    )
    use_company_owner = forms.BooleanField(
        required=False, label="Give it to the company's owner when it has one"
    )
    assign_to = forms.ModelChoiceField(queryset=User.objects.none(), required=False, label="Assign to")
    assign_to_team = forms.ModelChoiceField(
        queryset=Team.objects.none(), required=False, label="Or round robin within team"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assign_to"].queryset = User.objects.filter(is_active=True, role=Role.SALES)  # type: ignore[attr-defined]
        self.fields["assign_to_team"].queryset = Team.objects.all()  # type: ignore[attr-defined]

    @staticmethod
    def initial_for(rule: RoutingRule) -> dict[str, Any]:
        """The form's starting values for editing `rule`."""
        return {
            "name": rule.name,
            "countries": ", ".join(rule.countries or []),
            "min_employee_count": rule.min_employee_count,
            "use_company_owner": rule.use_company_owner,
            "assign_to": rule.assign_to_id,
            "assign_to_team": rule.assign_to_team_id,
        }

    def clean_countries(self) -> list[str]:
        values = [value.strip() for value in self.cleaned_data["countries"].split(",") if value.strip()]
        unknown = [value for value in values if country_code(value) is None]
        if unknown:
            raise forms.ValidationError(f"Unknown countries: {', '.join(unknown)}.")
        return sorted({code for value in values if (code := country_code(value))})

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not (
            cleaned.get("use_company_owner") or cleaned.get("assign_to") or cleaned.get("assign_to_team")
        ):
            raise forms.ValidationError("Say who receives the leads this rule matches.")
        return cleaned


class RuleMoveForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", "Up"), ("down", "Down")])
