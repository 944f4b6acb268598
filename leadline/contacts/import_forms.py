"""Forms of the import wizard: the upload and the column mapping."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django import forms

from leadline.accounts.models import User
from leadline.contacts.import_mapping import IGNORE, target_choices
from leadline.contacts.models import CustomProperty, ImportJob


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="Exports from Leadline, HubSpot and Mautic are recognised. Comma, semicolon or tab separated.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.tsv,text/csv"}),
    )


class ImportMappingForm(forms.Form):
    """One select per column of the file, plus who owns new contacts that the file gives no owner."""

    default_owner = forms.ChoiceField(required=False, label="Owner of new contacts without one")

    def __init__(
        self,
        *args: Any,
        job: ImportJob,
        properties: Mapping[str, CustomProperty],
        owners: Iterable[User],
        **kwargs: Any,
    ) -> None:
        initial = {f"column_{index}": target for index, target in enumerate(job.mapping)}
        if job.default_owner_id:
            initial["default_owner"] = str(job.default_owner.public_id) if job.default_owner else ""
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
