"""Forms of the testimonials screens and of the public collection page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from leadline.testimonials.photos import CheckedPhoto, photo_check
from leadline.testimonials.services import (
    NAME_MAX_LENGTH,
    REASON_MAX_LENGTH,
    TEXT_MAX_LENGTH,
    TEXT_MIN_LENGTH,
)

RATING_CHOICES = [(str(value), f"{value} star{'s' if value > 1 else ''}") for value in range(5, 0, -1)]


class WordsForm(forms.Form):
    """The customer's words: shared by the collection page and the team's edit."""

    rating = forms.TypedChoiceField(choices=RATING_CHOICES, coerce=int, widget=forms.RadioSelect)
    text = forms.CharField(
        label="Your testimonial",
        min_length=TEXT_MIN_LENGTH,
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6, "maxlength": TEXT_MAX_LENGTH}),
    )
    display_name = forms.CharField(label="Name as you would like it shown", max_length=NAME_MAX_LENGTH)
    role = forms.CharField(label="Role", max_length=NAME_MAX_LENGTH, required=False)
    company = forms.CharField(label="Company", max_length=NAME_MAX_LENGTH, required=False)


class CollectForm(WordsForm):
    photo = forms.FileField(label="Photo (optional)", required=False)
    remove_photo = forms.BooleanField(label="Remove my photo", required=False)
    consent = forms.BooleanField(
        required=True, error_messages={"required": "Tick the box to let us publish your testimonial."}
    )

    def clean_photo(self) -> CheckedPhoto | None:
        upload = self.cleaned_data.get("photo")
        if not upload:
            return None
        try:
            return photo_check(upload)
        except ValidationError as error:
            raise ValidationError(error.message_dict.get("photo", error.messages)) from None


class EditForm(WordsForm):
    pass


class RejectForm(forms.Form):
    reason = forms.CharField(max_length=REASON_MAX_LENGTH, required=False)


class RequestForm(forms.Form):
    email = forms.EmailField(label="Contact's email address", max_length=254, required=False)
    contact = forms.UUIDField(required=False, widget=forms.HiddenInput)
    template = forms.TypedChoiceField(
        label="Email", required=False, choices=[("", "Leadline's standard request")]
    )

    def __init__(self, *args: Any, templates: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.templates = {str(template.public_id): template for template in templates}
        field = self.fields["template"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "Leadline's standard request")] + [
            (key, template.name) for key, template in self.templates.items()
        ]

    def chosen_template(self) -> Any:
        return self.templates.get(str(self.cleaned_data.get("template") or ""))


class WallForm(forms.Form):
    title = forms.CharField(max_length=200)
    slug = forms.CharField(
        label="Address",
        max_length=64,
        required=False,
        help_text="Letters, digits and dashes; made from the title when blank.",
    )
    intro = forms.CharField(max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 3}))
    min_rating = forms.TypedChoiceField(
        label="Show testimonials with at least",
        choices=[(str(value), f"{value} star{'s' if value > 1 else ''}") for value in range(1, 6)],
        coerce=int,
        initial=4,
    )
    max_items = forms.IntegerField(label="At most this many", min_value=1, max_value=100, initial=24)
    show_photos = forms.BooleanField(required=False, initial=True)
    only_with_text = forms.BooleanField(label="Only testimonials with words", required=False, initial=True)
    is_published = forms.BooleanField(label="Published", required=False, initial=True)
