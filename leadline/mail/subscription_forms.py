"""Forms of the subscription type screens. They check shapes and sizes; `leadline.mail.preferences`
checks the rest (a free key, a name)."""

from __future__ import annotations

from django import forms

from leadline.mail.models import UnsubscribeSource
from leadline.mail.preferences import DESCRIPTION_MAX_LENGTH, NAME_MAX_LENGTH


class SubscriptionTypeForm(forms.Form):
    name = forms.CharField(
        max_length=NAME_MAX_LENGTH,
        help_text="What recipients see in the preference centre, e.g. “Newsletter”.",
    )
    key = forms.SlugField(
        max_length=64,
        required=False,
        help_text="Names the type in the consent ledger and the API; made from the name when empty. "
        "It cannot change later.",
    )
    description = forms.CharField(
        max_length=DESCRIPTION_MAX_LENGTH,
        required=False,
        help_text="One line on what and how often, shown under the name.",
    )
    position = forms.IntegerField(
        min_value=0, max_value=10_000, initial=0, help_text="Lower numbers come first."
    )

    def __init__(self, *args: object, editing: bool = False, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if editing:
            del self.fields["key"]


class UnsubscribeFilterForm(forms.Form):
    q = forms.CharField(max_length=200, required=False)
    type = forms.CharField(max_length=64, required=False)
    source = forms.ChoiceField(choices=[("", "Any source"), *UnsubscribeSource.choices], required=False)
