"""The dashboards' date range, comparison and filters, and the goal and saved-report forms."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone

from leadline.accounts.models import Team, User
from leadline.analytics.metrics import BREAKDOWNS, METRIC_CHOICES, ReportFilters
from leadline.analytics.models import Goal
from leadline.analytics.rollups import workspace_zone
from leadline.sales.models import Pipeline

DEFAULT_DAYS = 30
MAX_DAYS = 3 * 366


def today() -> date:
    return timezone.now().astimezone(workspace_zone()).date()


class ReportFilterForm(forms.Form):
    """Reads a dashboard's query string. Bad values are reported on the form and replaced by the
    defaults, never fatal."""

    start = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))
    compare = forms.BooleanField(required=False, initial=True, label="Compare with the previous period")
    source = forms.CharField(required=False, max_length=200, label="Source")
    campaign = forms.CharField(required=False, max_length=200, label="Campaign")
    owner = forms.ChoiceField(required=False, label="Owner")
    team = forms.ChoiceField(required=False, label="Team")
    pipeline = forms.ChoiceField(required=False, label="Pipeline")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.users = list(User.objects.filter(is_active=True).order_by("first_name", "last_name", "email"))
        self.teams = list(Team.objects.order_by("name"))
        self.pipelines = list(Pipeline.objects.filter(is_archived=False).order_by("position", "name"))
        owner: Any = self.fields["owner"]
        owner.choices = [
            ("", "Any owner"),
            *[(str(user.public_id), user.display_name) for user in self.users],
        ]
        team: Any = self.fields["team"]
        team.choices = [("", "Any team"), *[(str(item.public_id), item.name) for item in self.teams]]
        pipeline: Any = self.fields["pipeline"]
        pipeline.choices = [
            ("", "Every pipeline"),
            *[(str(item.public_id), item.name) for item in self.pipelines],
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", "The end of the range is before its start.")
        elif start and end and (end - start).days >= MAX_DAYS:
            self.add_error("end", f"Pick a range of at most {MAX_DAYS} days.")
        return data

    def filters(self) -> ReportFilters:
        """The filters asked for, falling back to the last 30 days for any part that is not valid."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        if self.is_bound and not self.is_valid():
            data = {
                name: value
                for name, value in getattr(self, "cleaned_data", {}).items()
                if name not in self.errors
            }
        end = data.get("end") or today()
        start = data.get("start") or end - timedelta(days=DEFAULT_DAYS - 1)
        if start > end or (end - start).days >= MAX_DAYS:
            end = today()
            start = end - timedelta(days=DEFAULT_DAYS - 1)

        def pick(items: list[Any], value: str | None) -> int | None:
            return next((item.pk for item in items if str(item.public_id) == value), None)

        return ReportFilters(
            start=start,
            end=end,
            source=(data.get("source") or "").strip(),
            campaign=(data.get("campaign") or "").strip(),
            owner_id=pick(self.users, data.get("owner")),
            team_id=pick(self.teams, data.get("team")),
            pipeline_id=pick(self.pipelines, data.get("pipeline")),
            public_ids=tuple(
                (name, str(data[name]))
                for name, items in (("owner", self.users), ("team", self.teams), ("pipeline", self.pipelines))
                if pick(items, data.get(name)) is not None
            ),
        )

    def wants_comparison(self) -> bool:
        """On by default; once the form is submitted, as the checkbox says."""
        if not self.is_bound or "start" not in self.data:
            return True
        return self.data.get("compare") not in (None, "", "0", "false", "off")


class GoalForm(forms.Form):
    metric = forms.ChoiceField(choices=METRIC_CHOICES)
    period = forms.ChoiceField(choices=Goal.Period.choices, initial=Goal.Period.MONTH)
    period_start = forms.DateField(label="Starting", widget=forms.DateInput(attrs={"type": "date"}))
    team = forms.ChoiceField(required=False, label="Team")
    target = forms.DecimalField(max_digits=14, decimal_places=2, min_value=Decimal("0.01"))
    currency = forms.CharField(required=False, max_length=3, help_text="For revenue goals, e.g. USD.")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.teams = list(Team.objects.order_by("name"))
        team: Any = self.fields["team"]
        team.choices = [("", "Everyone"), *[(str(item.public_id), item.name) for item in self.teams]]

    def clean_currency(self) -> str:
        value = (self.cleaned_data.get("currency") or "").strip().upper()
        if value and (len(value) != 3 or not value.isalpha()):
            raise forms.ValidationError("Use a three-letter currency code such as USD.")
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("metric") == "revenue" and not data.get("currency"):
            self.add_error(
                "currency",
                "A revenue goal needs its currency: amounts in different currencies are never added up.",
            )
        return data

    def team_object(self) -> Team | None:
        value = self.cleaned_data.get("team")
        return next((item for item in self.teams if str(item.public_id) == value), None)


class SavedReportForm(forms.Form):
    name = forms.CharField(max_length=120)
    metric = forms.ChoiceField(choices=METRIC_CHOICES)
    breakdown = forms.ChoiceField(choices=list(BREAKDOWNS.items()))
