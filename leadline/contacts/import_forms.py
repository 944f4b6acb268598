"""Forms of the import wizard: the upload and the column mapping."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django import forms

from leadline.accounts.models import User
from leadline.contacts.import_lists import MAX_LIST_NAME, ListChoice
from leadline.contacts.import_mapping import IGNORE, target_choices
from leadline.contacts.models import CustomProperty, ImportJob


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="Exports from Leadline, HubSpot and Mautic are recognised. Comma, semicolon or tab separated.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.tsv,text/csv"}),
    )


class ImportMappingForm(forms.Form):
    """One select per column of the file, plus who owns new contacts that the file gives no owner
    and, when lists are available, the list every imported contact is added to."""

    default_owner = forms.ChoiceField(required=False, label="Owner of new contacts without one")
    add_to_list = forms.ChoiceField(required=False, label="Add the imported contacts to a list")
    new_list = forms.CharField(required=False, max_length=MAX_LIST_NAME, label="or a new list named")

    def __init__(
        self,
        *args: Any,
        job: ImportJob,
        properties: Mapping[str, CustomProperty],
        owners: Iterable[User],
        lists: list[tuple[str, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        initial = {f"column_{index}": target for index, target in enumerate(job.mapping)}
        if job.default_owner_id:
            initial["default_owner"] = str(job.default_owner.public_id) if job.default_owner else ""
        chosen = ListChoice.from_json((job.preview or {}).get("list"))
        initial.update(add_to_list=chosen.list_id, new_list=chosen.new_name)
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        self.job = job
        self.owners = {str(user.public_id): user for user in owners}
        choices: list[Any] = [(IGNORE, "Don't import"), *target_choices(properties)]
        for index, header in enumerate(job.headers):
            self.fields[f"column_{index}"] = forms.ChoiceField(
                choices=choices, required=False, label=header or f"Column {index + 1}"
            )
        owner_field: Any = self.fields["default_owner"]
        owner_field.choices = [
            ("", "Nobody"),
            *[(key, user.display_name) for key, user in self.owners.items()],
        ]
        # Without lists (the lists room is not installed) the option is not offered at all.
        self.offers_lists = lists is not None
        if lists is None:
            del self.fields["add_to_list"], self.fields["new_list"]
        else:
            list_field: Any = self.fields["add_to_list"]
            list_field.choices = [("", "Don't add to a list"), *lists]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("add_to_list") and (cleaned.get("new_list") or "").strip():
            self.add_error("new_list", "Choose an existing list or type a new name, not both.")
        return cleaned

    def list_choice(self) -> ListChoice | None:
        if not self.offers_lists:
            return None
        choice = ListChoice(
            list_id=self.cleaned_data.get("add_to_list") or "",
            new_name=(self.cleaned_data.get("new_list") or "").strip(),
        )
        return choice or None

    def rows(self) -> list[dict[str, Any]]:
        """What the mapping table shows: each header, its sample values and its select."""
        samples = self.job.samples or []
        return [
            {
                "header": header,
                "samples": samples[index] if index < len(samples) else [],
                "field": self[f"column_{index}"],
            }
            for index, header in enumerate(self.job.headers)
        ]

    def mapping(self) -> list[str]:
        return [self.cleaned_data.get(f"column_{index}") or IGNORE for index in range(len(self.job.headers))]

    def chosen_owner(self) -> User | None:
        return self.owners.get(self.cleaned_data.get("default_owner") or "")
