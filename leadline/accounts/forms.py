"""Forms for the settings screens. They parse input; the rules live in accounts.services."""

from __future__ import annotations

import zoneinfo
from functools import cache
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from leadline.accounts.models import Role, Team, User
from leadline.accounts.selectors import active_users, scopes_for


@cache
def time_zone_choices() -> list[tuple[str, str]]:
    names = sorted(zoneinfo.available_timezones() - {"localtime"})
    return [(name, name.replace("_", " ")) for name in names]


def apply_service_error(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: on its field when the form has it."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, ValidationError(errors))
    else:
        for message in error.messages:
            form.add_error(None, message)


class ProfileForm(forms.Form):
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    time_zone = forms.ChoiceField(
        choices=time_zone_choices,
        help_text="Dates and times across Leadline are shown in this zone.",
    )
    is_away = forms.BooleanField(
        required=False,
        label="I am away",
        help_text="While you are away, new leads are routed to your teammates instead of you.",
    )


class InviteForm(forms.Form):
    email = forms.EmailField(max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "off"}))
    role = forms.ChoiceField(choices=Role.choices, initial=Role.SALES)
    team = forms.ModelChoiceField(
        queryset=Team.objects.order_by("name"),
        required=False,
        to_field_name="public_id",
        empty_label="No team",
    )


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class InvitationAcceptForm(forms.Form):
    first_name = forms.CharField(max_length=150, widget=forms.TextInput(attrs={"autocomplete": "given-name"}))
    last_name = forms.CharField(
        max_length=150, required=False, widget=forms.TextInput(attrs={"autocomplete": "family-name"})
    )
    password1 = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 10 characters; not a common password and not like your name or email.",
    )
    password2 = forms.CharField(
        label="Repeat the password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", "The two passwords differ.")
        return cleaned


class TeamForm(forms.Form):
    name = forms.CharField(max_length=120)


class TeamCreateForm(TeamForm):
    members = forms.ModelMultipleChoiceField(
        queryset=active_users(),
        required=False,
        to_field_name="public_id",
        widget=forms.CheckboxSelectMultiple,
    )


class TeamMemberAddForm(forms.Form):
    user = forms.ModelChoiceField(
        queryset=User.objects.none(),
        to_field_name="public_id",
        label="Person",
        empty_label="Choose a person…",
    )

    def __init__(self, *args: Any, candidates: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["user"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = candidates


class TokenForm(forms.Form):
    name = forms.CharField(
        max_length=120,
        help_text="Where it is used, e.g. “Website sync” or “Zapier”, so you can tell tokens apart.",
    )
    scopes = forms.MultipleChoiceField(
        widget=forms.CheckboxSelectMultiple, help_text="Grant only what the integration needs."
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["scopes"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = scopes_for(user)
        if not self.is_bound:
            self.initial.setdefault(
                "scopes", [value for value, _ in scopes_for(user) if value.endswith(":read")]
            )
