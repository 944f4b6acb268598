"""Forms of the scoring screens. They only shape the input; the rule allow-lists live in services."""

from __future__ import annotations

from typing import Any

from django import forms

from leadline.scoring.models import Category, EngagementKind, FitField, Operator, ScoringRule, ScoringSettings

BLANK: list[tuple[str, str]] = [("", "—")]


class ScoringRuleForm(forms.Form):
    name = forms.CharField(max_length=120)
    category = forms.ChoiceField(choices=Category.choices, initial=Category.FIT)
    points = forms.IntegerField(
        help_text="Negative points lower the score. Engagement rules give them per event."
    )
    active = forms.BooleanField(required=False, initial=True)
    field = forms.ChoiceField(label="Field", choices=BLANK + FitField.choices, required=False)
    property_key = forms.CharField(
        label="Property key", max_length=64, required=False, help_text="Only for a custom property."
    )
    operator = forms.ChoiceField(choices=BLANK + Operator.choices, required=False)
    value = forms.CharField(
        max_length=500, required=False, help_text="For “is one of”, separate values with commas."
    )
    value_to = forms.CharField(
        label="…and", max_length=50, required=False, help_text="Upper bound for “is between”."
    )
    activity_kind = forms.ChoiceField(
        label="Activity", choices=BLANK + EngagementKind.choices, required=False
    )
    url_contains = forms.CharField(
        label="Page address contains", max_length=300, required=False, help_text="For example /pricing."
    )
    cap = forms.IntegerField(
        min_value=1, required=False, help_text="Most points this rule can give one person."
    )

    def __init__(self, *args: Any, rule: ScoringRule | None = None, **kwargs: Any) -> None:
        if rule is not None and not kwargs.get("initial"):
            kwargs["initial"] = {name: getattr(rule, name) for name in self.base_fields}
        super().__init__(*args, **kwargs)

    def rule_data(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class ScoringSettingsForm(forms.ModelForm):
    class Meta:
        model = ScoringSettings
        fields = ["mql_threshold", "half_life_days", "score_cap"]
        labels = {
            "mql_threshold": "MQL threshold",
            "half_life_days": "Engagement half-life (days)",
            "score_cap": "Highest possible score",
        }
        help_texts = {
            "mql_threshold": "Leads reaching this score become marketing qualified.",
            "half_life_days": "Engagement points halve after this many days.",
        }
