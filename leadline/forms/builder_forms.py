"""Django forms of the form builder screens. They shape input; the services validate and write."""

from __future__ import annotations

from typing import Any

from django import forms

from leadline.accounts.models import Team
from leadline.forms.merge_tags import MERGE_TAGS
from leadline.forms.models import Form, FormKind, Notify

NEW_FORM_DEFAULTS = (
    "kind",
    "submit_label",
    "thank_you_message",
    "notify",
    "autoreply_enabled",
    "autoreply_subject",
    "autoreply_body",
)


class SiteChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class FormSettingsForm(forms.Form):
    name = forms.CharField(max_length=120)
    slug = forms.SlugField(
        max_length=80,
        label="Address",
        help_text="The hosted page lives at /f/<address>; changing it breaks old links.",
    )
    kind = forms.ChoiceField(choices=FormKind.choices, label="Purpose")
    site = SiteChoiceField(
        queryset=None,
        required=False,
        empty_label="No website (hosted page only)",
        label="Website",
        help_text="Embeds and redirects are allowed only on this site's domains.",
    )
    introduction = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=2000)
    submit_label = forms.CharField(max_length=60, label="Button label")
    consent_text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
        label="Consent checkbox text",
        help_text="Leave empty for no checkbox. The exact wording is stored with each consent.",
    )
    consent_version = forms.CharField(max_length=64, required=False, label="Wording version")
    consent_required = forms.BooleanField(required=False, label="The box must be ticked to submit")
    double_opt_in = forms.BooleanField(
        required=False,
        label="Confirmed opt-in",
        help_text="Consent stays pending until the person clicks a link we email them.",
    )
    thank_you_message = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    redirect_url = forms.CharField(
        max_length=2000,
        required=False,
        label="Redirect after submitting",
        help_text="Optional. Instead of the thank-you message, send people to this page on your site.",
        widget=forms.URLInput(attrs={"placeholder": "https://www.example.com/thank-you"}),
    )
    notify = forms.ChoiceField(choices=Notify.choices, label="Notify about new submissions")
    notify_team = forms.ModelChoiceField(queryset=Team.objects.none(), required=False, label="Team")
    autoreply_enabled = forms.BooleanField(required=False, label="Send an instant reply")
    autoreply_subject = forms.CharField(max_length=200, required=False, label="Reply subject")
    autoreply_body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 9}),
        required=False,
        max_length=20_000,
        label="Reply text",
        help_text="Merge tags: "
        + ", ".join(f"{{{{ {name} }}}}" for name in MERGE_TAGS)
        + '. A fallback: {{ first_name | default:"there" }}.',
    )

    def __init__(self, *args: Any, sites: Any, teams: Any, form: Form | None = None, **kwargs: Any) -> None:
        if form is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                **{
                    name: getattr(form, name)
                    for name in self.base_fields
                    if name not in ("site", "notify_team")
                },
                "site": form.site_id,
                "notify_team": form.notify_team_id,
            }
        elif form is None:
            defaults = Form()
            kwargs.setdefault("initial", {name: getattr(defaults, name) for name in NEW_FORM_DEFAULTS})
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites  # type: ignore[attr-defined]
        self.fields["notify_team"].queryset = teams  # type: ignore[attr-defined]

    def service_data(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class FormFieldForm(forms.Form):
    target = forms.ChoiceField(label="Fills")
    label = forms.CharField(max_length=120)
    required = forms.BooleanField(required=False)
    placeholder = forms.CharField(max_length=120, required=False)
    help_text = forms.CharField(max_length=300, required=False, label="Help text")

    def __init__(
        self, *args: Any, targets: list[tuple[str, str]], editing: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = targets  # type: ignore[attr-defined]
        if editing:
            del self.fields["target"]
