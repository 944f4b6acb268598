"""Forms of the contact and company screens.

Forms only shape input (types, lengths, widgets); the services validate and write. Service
ValidationErrors are put back on the form with `add_service_errors`, so a message appears beside
the field it is about.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from leadline.accounts.models import User
from leadline.contacts.models import (
    Company,
    Contact,
    CustomProperty,
    LifecycleStage,
    PropertyObject,
    PropertyType,
    Source,
)
from leadline.contacts.properties import TEXT_MAX_LENGTH, coerce_value
from leadline.contacts.selectors import ContactFilters, contact_sort_key

PROPERTY_PREFIX = "prop_"


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.display_name


# --- Custom property fields -----------------------------------------------------------------------


def _property_field(prop: CustomProperty, current: Any) -> forms.Field:
    common: dict[str, Any] = {"label": prop.label, "required": False, "help_text": prop.description}
    choices = [(str(choice), str(choice)) for choice in prop.choices]
    if prop.type == PropertyType.NUMBER:
        return forms.CharField(widget=forms.NumberInput(attrs={"step": "any"}), max_length=40, **common)
    if prop.type == PropertyType.DATE:
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **common)
    if prop.type == PropertyType.BOOLEAN:
        return forms.NullBooleanField(
            widget=forms.Select(choices=[("", "Not set"), ("true", "Yes"), ("false", "No")]), **common
        )
    if prop.type in (PropertyType.CHOICE, PropertyType.MULTI_CHOICE):
        # A stored value that is no longer an option stays selectable, so saving the form unchanged
        # never fails or silently drops it.
        legacy = current if isinstance(current, list) else [current] if current not in (None, "") else []
        for value in legacy:
            if str(value) not in prop.choices:
                choices.append((str(value), f"{value} (no longer an option)"))
        if prop.type == PropertyType.CHOICE:
            return forms.ChoiceField(choices=[("", "—"), *choices], **common)
        return forms.MultipleChoiceField(choices=choices, widget=forms.CheckboxSelectMultiple, **common)
    return forms.CharField(max_length=TEXT_MAX_LENGTH, **common)


def _property_initial(prop: CustomProperty, value: Any) -> Any:
    if value is None:
        return None
    if prop.type == PropertyType.BOOLEAN:
        return "true" if value is True else "false" if value is False else None
    return value


class PropertyFieldsMixin(forms.Form):
    """Adds one field per custom property (named prop_<key>) and turns them back into values."""

    custom_properties: list[CustomProperty]

    def add_property_fields(self, properties: Iterable[CustomProperty], stored: dict[str, Any]) -> None:
        self.custom_properties = list(properties)
        self.stored_properties = dict(stored)
        for prop in self.custom_properties:
            name = PROPERTY_PREFIX + prop.key
            self.fields[name] = _property_field(prop, stored.get(prop.key))
            self.initial.setdefault(name, _property_initial(prop, stored.get(prop.key)))

    def property_field_names(self) -> list[str]:
        return [PROPERTY_PREFIX + prop.key for prop in self.custom_properties]

    def property_bound_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.property_field_names()]

    def clean_property_values(self) -> dict[str, Any]:
        """Coerce every property field; errors go on the field. Returns key → value (None clears)."""
        values: dict[str, Any] = {}
        for prop in self.custom_properties:
            name = PROPERTY_PREFIX + prop.key
            if name not in self.cleaned_data:
                continue
            raw = self.cleaned_data[name]
            if isinstance(raw, date):
                raw = raw.isoformat()
            try:
                allowed = prop
                if prop.type in (PropertyType.CHOICE, PropertyType.MULTI_CHOICE):
                    # Legacy values offered by the widget are accepted as they were.
                    legacy = self.stored_properties.get(prop.key)
                    legacy_values = legacy if isinstance(legacy, list) else [legacy]
                    allowed = CustomProperty(
                        key=prop.key,
                        label=prop.label,
                        type=prop.type,
                        choices=[*prop.choices, *[str(v) for v in legacy_values if v not in (None, "")]],
                    )
                values[prop.key] = coerce_value(allowed, raw)
            except ValueError as error:
                self.add_error(name, str(error).capitalize() + ".")
        return values

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        self.property_values = self.clean_property_values()
        return cleaned

    def properties_for_service(self) -> dict[str, Any]:
        """New records: every value given. Existing ones: only values that differ from what is stored
        (so an untouched value is never re-validated or rewritten)."""
        if not self.stored_properties:
            return {key: value for key, value in self.property_values.items() if value is not None}
        return {
            key: value
            for key, value in self.property_values.items()
            if value != self.stored_properties.get(key)
        }


# --- Contacts -------------------------------------------------------------------------------------


class ContactForm(PropertyFieldsMixin):
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    email = forms.CharField(
        max_length=254, required=False, widget=forms.EmailInput(attrs={"autocomplete": "off"})
    )
    phone = forms.CharField(
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "placeholder": "+44 1632 960961"}),
    )
    job_title = forms.CharField(max_length=200, required=False)
    company = forms.ModelChoiceField(
        queryset=Company.objects.none(), to_field_name="public_id", required=False
    )
    owner = UserChoiceField(
        queryset=User.objects.none(), to_field_name="public_id", required=False, empty_label="No owner"
    )
    lifecycle_stage = forms.ChoiceField(choices=LifecycleStage.choices, initial=LifecycleStage.LEAD)
    original_source = forms.ChoiceField(choices=[("", "—"), *Source.choices], required=False)
    original_source_detail = forms.CharField(max_length=255, required=False, label="Source detail")
    city = forms.CharField(max_length=120, required=False)
    country = forms.CharField(
        max_length=2,
        required=False,
        help_text="Two-letter code, e.g. GB.",
        widget=forms.TextInput(attrs={"placeholder": "GB", "size": 3}),
    )
    time_zone = forms.CharField(
        max_length=64, required=False, widget=forms.TextInput(attrs={"placeholder": "Europe/London"})
    )

    BUILT_IN = (
        "first_name",
        "last_name",
        "email",
        "phone",
        "job_title",
        "city",
        "country",
        "time_zone",
        "lifecycle_stage",
        "original_source",
        "original_source_detail",
    )

    def __init__(
        self,
        *args: Any,
        contact: Contact | None = None,
        owners: QuerySet[User],
        companies: QuerySet[Company],
        properties: Iterable[CustomProperty],
        **kwargs: Any,
    ) -> None:
        self.contact = contact
        if contact is not None:
            kwargs.setdefault(
                "initial",
                {
                    **{field: getattr(contact, field) for field in self.BUILT_IN},
                    "email": contact.email or "",
                    "company": contact.company.public_id if contact.company else None,
                    "owner": contact.owner.public_id if contact.owner else None,
                },
            )
        super().__init__(*args, **kwargs)
        company_field: Any = self.fields["company"]
        company_field.queryset = companies
        company_field.empty_label = "Match from the email domain" if contact is None else "No company"
        owner_field: Any = self.fields["owner"]
        owner_field.queryset = owners
        self.add_property_fields(properties, contact.properties if contact is not None else {})

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.errors and not (
            cleaned.get("email") or cleaned.get("first_name") or cleaned.get("last_name")
        ):
            raise ValidationError("A contact needs an email address or a name.")
        return cleaned

    def service_data(self) -> dict[str, Any]:
        """The input for contact_create / contact_update (call after is_valid())."""
        data: dict[str, Any] = {field: self.cleaned_data.get(field) for field in self.BUILT_IN}
        data["email"] = data["email"] or None
        data["owner"] = self.cleaned_data.get("owner")
        if self.contact is None:
            if self.cleaned_data.get("company") is not None:
                data["company"] = self.cleaned_data["company"]
        else:
            data["company"] = self.cleaned_data.get("company")
        data["properties"] = self.properties_for_service()
        return data


class ContactFilterForm(forms.Form):
    """Reads the contact list's query string. Invalid values are ignored (and flagged), never fatal."""

    q = forms.CharField(max_length=200, required=False, label="Search")
    stage = forms.ChoiceField(choices=[("", "All stages"), *LifecycleStage.choices], required=False)
    owner = forms.ChoiceField(required=False)
    company = forms.ChoiceField(required=False)
    source = forms.ChoiceField(choices=[("", "All sources"), *Source.choices], required=False)
    created_from = forms.DateField(
        required=False, label="Created from", widget=forms.DateInput(attrs={"type": "date"})
    )
    created_to = forms.DateField(
        required=False, label="Created to", widget=forms.DateInput(attrs={"type": "date"})
    )
    sort = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(
        self, *args: Any, owners: Iterable[User], companies: Iterable[Company], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        owner_field: Any = self.fields["owner"]
        owner_field.choices = [
            ("", "Any owner"),
            ("me", "Me"),
            ("unassigned", "Unassigned"),
            *[(str(user.public_id), user.display_name) for user in owners],
        ]
        company_field: Any = self.fields["company"]
        company_field.choices = [("", "Any company"), *[(str(c.public_id), c.name) for c in companies]]

    def filters(self) -> ContactFilters:
        self.is_valid()  # fills cleaned_data with every valid field; invalid ones are left out
        data = self.cleaned_data
        company = data.get("company") or None
        created_from, created_to = data.get("created_from"), data.get("created_to")
        if created_from and created_to and created_from > created_to:
            created_from, created_to = created_to, created_from
        return ContactFilters(
            q=(data.get("q") or "").strip(),
            stage=data.get("stage") or "",
            owner=data.get("owner") or "",
            company=uuid.UUID(company) if company else None,
            source=data.get("source") or "",
            created_from=created_from,
            created_to=created_to,
            sort=contact_sort_key(self.data.get("sort")),
        )


BULK_ACTIONS = (("assign_owner", "Assign owner"), ("set_stage", "Change stage"), ("delete", "Delete"))


class ContactBulkForm(forms.Form):
    action = forms.ChoiceField(choices=BULK_ACTIONS)
    owner = forms.ChoiceField(required=False)
    lifecycle_stage = forms.ChoiceField(choices=[("", "—"), *LifecycleStage.choices], required=False)
    all_matching = forms.BooleanField(required=False)
    confirmed = forms.BooleanField(required=False)

    def __init__(self, *args: Any, owners: Iterable[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.owners = {str(user.public_id): user for user in owners}
        owner_field: Any = self.fields["owner"]
        owner_field.choices = [
            ("", "—"),
            ("unassigned", "No owner"),
            *[(key, user.display_name) for key, user in self.owners.items()],
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        action = cleaned.get("action")
        if action == "assign_owner" and not cleaned.get("owner"):
            self.add_error("owner", "Choose who should own the contacts.")
        if action == "set_stage" and not cleaned.get("lifecycle_stage"):
            self.add_error("lifecycle_stage", "Choose a lifecycle stage.")
        return cleaned

    def chosen_owner(self) -> User | None:
        return self.owners.get(self.cleaned_data.get("owner") or "")


# --- Companies ------------------------------------------------------------------------------------


class CompanyForm(PropertyFieldsMixin):
    name = forms.CharField(max_length=255)
    domain = forms.CharField(
        max_length=253, required=False, widget=forms.TextInput(attrs={"placeholder": "example.com"})
    )
    industry = forms.CharField(max_length=120, required=False)
    employee_count = forms.IntegerField(min_value=0, max_value=10_000_000, required=False, label="Employees")
    country = forms.CharField(
        max_length=2,
        required=False,
        help_text="Two-letter code, e.g. GB.",
        widget=forms.TextInput(attrs={"size": 3}),
    )
    owner = UserChoiceField(
        queryset=User.objects.none(), to_field_name="public_id", required=False, empty_label="No owner"
    )

    BUILT_IN = ("name", "domain", "industry", "employee_count", "country")

    def __init__(
        self,
        *args: Any,
        company: Company | None = None,
        owners: QuerySet[User],
        properties: Iterable[CustomProperty],
        **kwargs: Any,
    ) -> None:
        self.company = company
        if company is not None:
            kwargs.setdefault(
                "initial",
                {
                    **{field: getattr(company, field) for field in self.BUILT_IN},
                    "domain": company.domain or "",
                    "owner": company.owner.public_id if company.owner else None,
                },
            )
        super().__init__(*args, **kwargs)
        owner_field: Any = self.fields["owner"]
        owner_field.queryset = owners
        self.add_property_fields(properties, company.properties if company is not None else {})

    def service_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {field: self.cleaned_data.get(field) for field in self.BUILT_IN}
        data["owner"] = self.cleaned_data.get("owner")
        data["properties"] = self.properties_for_service()
        return data


# --- Custom property definitions ------------------------------------------------------------------


class CustomPropertyForm(forms.Form):
    object_type = forms.ChoiceField(choices=PropertyObject.choices, label="Applies to")
    label = forms.CharField(max_length=120)
    key = forms.CharField(
        max_length=64,
        help_text="Used by the API, imports and merge tags. Lower-case letters, digits and underscores.",
        widget=forms.TextInput(attrs={"placeholder": "e.g. budget_range", "spellcheck": "false"}),
    )
    type = forms.ChoiceField(choices=PropertyType.choices)
    choices = forms.CharField(
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="For choice types: one option per line.",
    )
    description = forms.CharField(max_length=300, required=False, widget=forms.TextInput())

    def __init__(self, *args: Any, prop: CustomProperty | None = None, **kwargs: Any) -> None:
        self.prop = prop
        if prop is not None:
            kwargs.setdefault(
                "initial",
                {
                    "object_type": prop.object_type,
                    "label": prop.label,
                    "key": prop.key,
                    "type": prop.type,
                    "choices": "\n".join(str(choice) for choice in prop.choices),
                    "description": prop.description,
                },
            )
        super().__init__(*args, **kwargs)
        self.fields["label"].widget.attrs["data-slug-target"] = self["key"].auto_id
        self.fields["key"].widget.attrs["data-slug"] = ""
        if prop is not None:
            # Key, type and object are fixed once created: stored values depend on them.
            for name in ("object_type", "key", "type"):
                self.fields[name].disabled = True
                self.fields[name].help_text = "Fixed once the property exists."

    def choice_lines(self) -> list[str]:
        return [
            line.strip() for line in (self.cleaned_data.get("choices") or "").splitlines() if line.strip()
        ]
