"""How a form's fields are shown to visitors, as plain data: the hosted page's template and the
embed's script both draw from the same description, so the two always ask the same questions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from leadline.contacts.countries import country_choices
from leadline.contacts.models import CustomProperty, PropertyType
from leadline.forms.models import Form, FormField

AUTOCOMPLETE = {
    "email": "email",
    "first_name": "given-name",
    "last_name": "family-name",
    "phone": "tel",
    "job_title": "organization-title",
    "company": "organization",
    "city": "address-level2",
    "country": "country-name",
}
INPUT_TYPES = {"email": "email", "phone": "tel"}


@dataclass
class PublicField:
    name: str
    label: str
    widget: str  # text, email, tel, number, date, select, checkbox, checkboxes
    required: bool
    placeholder: str = ""
    help_text: str = ""
    autocomplete: str = ""
    choices: list[tuple[str, str]] = field(default_factory=list)  # (value, label)
    value: Any = ""
    errors: list[str] = field(default_factory=list)

    @property
    def input_id(self) -> str:
        return f"ll-field-{self.name}"

    @property
    def described_by(self) -> str:
        ids = []
        if self.help_text:
            ids.append(f"{self.input_id}-help")
        if self.errors:
            ids.append(f"{self.input_id}-error")
        return " ".join(ids)

    def as_config(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("value")
        data.pop("errors")
        return data


def _widget(form_field: FormField, prop: CustomProperty | None) -> tuple[str, list[tuple[str, str]]]:
    if prop is None:
        if form_field.target == "country":
            return "select", country_choices()
        return INPUT_TYPES.get(form_field.target, "text"), []
    choices = [(str(choice), str(choice)) for choice in prop.choices]
    return {
        PropertyType.NUMBER: ("number", []),
        PropertyType.DATE: ("date", []),
        PropertyType.BOOLEAN: ("checkbox", []),
        PropertyType.CHOICE: ("select", choices),
        PropertyType.MULTI_CHOICE: ("checkboxes", choices),
    }.get(PropertyType(prop.type), ("text", []))


def public_fields(
    *,
    fields: list[FormField],
    properties: Mapping[str, CustomProperty],
    values: Any = None,
    errors: Mapping[str, list[str]] | None = None,
) -> list[PublicField]:
    """The inputs of a form in order, with the values sent back (kept after an error) and errors."""
    values = values or {}
    errors = errors or {}
    shown = []
    for form_field in fields:
        prop = properties.get(form_field.property_key) if form_field.is_property else None
        if form_field.is_property and prop is None:
            continue
        widget, choices = _widget(form_field, prop)
        name = form_field.input_name
        if widget == "checkboxes" and hasattr(values, "getlist"):
            value: Any = values.getlist(name)
        else:
            value = values.get(name, "") if hasattr(values, "get") else ""
        shown.append(
            PublicField(
                name=name,
                label=form_field.label,
                widget=widget,
                required=form_field.required,
                placeholder=form_field.placeholder,
                help_text=form_field.help_text,
                autocomplete=AUTOCOMPLETE.get(form_field.target, "off" if prop is None else ""),
                choices=choices,
                value=value if isinstance(value, (str, list)) else "",
                errors=list(errors.get(name, [])),
            )
        )
    return shown


def embed_config(*, form: Form, fields: list[PublicField], endpoint: str, token: str) -> dict[str, Any]:
    """What the embed script needs to draw the form on another site and send it back here."""
    return {
        "slug": form.slug,
        "endpoint": endpoint,
        "token": token,
        "introduction": form.introduction,
        "submitLabel": form.submit_label,
        "consent": {"text": form.consent_text, "required": form.consent_required}
        if form.has_consent
        else None,
        "fields": [item.as_config() for item in fields],
    }
