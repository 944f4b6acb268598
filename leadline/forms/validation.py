"""Reading and checking what a visitor sent: one answer per field, typed, within limits, the email
checked with email-validator and the contact fields with the contacts room's own rules.

Errors are keyed by the input's name so the hosted page and the embed can show them beside the field.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from email_validator import EmailNotValidError, validate_email

from leadline.contacts.countries import country_code
from leadline.contacts.models import CustomProperty, PropertyType
from leadline.contacts.properties import coerce_value
from leadline.contacts.services import clean_contact_fields
from leadline.forms.models import BUILTIN_TARGETS, UTM_FIELDS, Form, FormField

MAX_VALUE_LENGTH = 5000
CONSENT_FIELD = "consent"
META_FIELDS = ("ll_page", "ll_referrer", "ll_visitor")
TRUE_WORDS = {"on", "true", "yes", "1", "y"}


@dataclass
class CleanSubmission:
    email: str = ""
    values: dict[str, Any] = field(default_factory=dict)  # raw answers by input name, as sent
    contact_data: dict[str, Any] = field(default_factory=dict)  # for contacts.services.contact_upsert
    company_name: str = ""
    consent: bool = False
    utm: dict[str, str] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)

    def add_error(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)


def _raw(data: Any, name: str, *, many: bool = False) -> Any:
    """The value of `name`: a QueryDict keeps the last of repeated keys (or all, for `many`)."""
    if hasattr(data, "getlist"):
        return data.getlist(name) if many else data.get(name)
    return data.get(name)


def _text(value: Any) -> str:
    """Coerce an answer to text, or raise ValueError for a type no field takes."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValueError("Enter text here.")
    text = str(value).strip()
    if len(text) > MAX_VALUE_LENGTH:
        raise ValueError(f"This answer is too long (at most {MAX_VALUE_LENGTH:,} characters).")
    return text


def checkbox_value(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return isinstance(value, str) and value.strip().lower() in TRUE_WORDS


def clean_email(value: str) -> str:
    """A normalised, lower-case address, or ValueError with a reason a person understands."""
    try:
        checked = validate_email(value, check_deliverability=False)
    except EmailNotValidError as error:
        raise ValueError(f"Enter a valid email address. {error}") from None
    return checked.normalized.lower()


def metadata_text(data: Any, name: str, limit: int) -> str:
    """Page URL, referrer, UTM values: optional text, silently shortened (they come from scripts)."""
    try:
        return _text(_raw(data, name))[:limit]
    except ValueError:
        return ""


def clean_submission(
    *, form: Form, fields: Sequence[FormField], data: Any, properties: Mapping[str, CustomProperty]
) -> CleanSubmission:
    result = CleanSubmission()
    if not isinstance(data, Mapping) and not hasattr(data, "getlist"):
        result.add_error("__all__", "The form data could not be read.")
        return result
    for form_field in fields:
        name = form_field.input_name
        prop = properties.get(form_field.property_key) if form_field.is_property else None
        if form_field.is_property and prop is None:
            continue  # the property was deleted after the form was built
        many = prop is not None and prop.type == PropertyType.MULTI_CHOICE
        raw = _raw(data, name, many=many)
        try:
            if prop is not None and prop.type == PropertyType.BOOLEAN:
                answer: Any = checkbox_value(raw)
                present = answer
            elif many:
                items = raw if isinstance(raw, list) else ([raw] if raw not in (None, "") else [])
                answer = [_text(item) for item in items]
                answer = [item for item in answer if item]
                present = bool(answer)
            else:
                answer = _text(raw)
                present = bool(answer)
        except ValueError as error:
            result.add_error(name, str(error))
            continue
        if present:
            result.values[name] = answer
        if form_field.required and not present:
            result.add_error(name, f"{form_field.label} is required." if form_field.label else "Required.")
            continue
        if not present:
            continue
        try:
            _apply_answer(result, form_field, prop, answer)
        except ValueError as error:
            result.add_error(name, str(error))
    if "email" not in result.errors and not result.email:
        result.add_error("email", "Enter your email address.")
    if form.has_consent:
        try:
            result.consent = checkbox_value(_raw(data, CONSENT_FIELD))
        except ValueError:
            result.consent = False
        if form.consent_required and not result.consent:
            result.add_error(CONSENT_FIELD, "Please tick the box to continue.")
    result.utm = {name: metadata_text(data, name, 200) for name in UTM_FIELDS}
    if not result.errors:
        _check_contact_fields(result)
    return result


def _apply_answer(result: CleanSubmission, form_field: FormField, prop: Any, answer: Any) -> None:
    if prop is not None:
        try:
            result.contact_data.setdefault("properties", {})[prop.key] = coerce_value(prop, answer)
        except ValueError as error:
            raise ValueError(str(error)[:1].upper() + str(error)[1:] + ".") from None
        return
    target = form_field.target
    if target == "email":
        result.email = clean_email(answer)
    elif target == "company":
        result.company_name = answer[:255]
    elif target == "country":
        code = country_code(answer)
        if code is None:
            raise ValueError("Enter a country name such as Germany, or its two-letter code such as DE.")
        result.contact_data["country"] = code
    else:
        result.contact_data[target] = answer


def _check_contact_fields(result: CleanSubmission) -> None:
    """The contacts room's own rules (lengths, phone numbers), reported against the inputs."""
    try:
        clean_contact_fields({**result.contact_data, "email": result.email})
    except ValidationError as error:
        messages = error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}
        for key, texts in messages.items():
            for text in texts:
                result.add_error(key if key in BUILTIN_TARGETS else "__all__", text)
