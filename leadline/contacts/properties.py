"""Validation of custom property values. Every write path (UI, API, import) goes through here."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError

from leadline.contacts.models import CustomProperty, PropertyObject, PropertyType

TEXT_MAX_LENGTH = 2000
KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
TRUE_WORDS = {"true", "yes", "y", "1", "on"}
FALSE_WORDS = {"false", "no", "n", "0", "off"}


def definitions(object_type: str = PropertyObject.CONTACT) -> dict[str, CustomProperty]:
    return {prop.key: prop for prop in CustomProperty.objects.filter(object_type=object_type)}


def coerce_value(prop: CustomProperty, raw: Any) -> Any:
    """Turn a raw value (form text, JSON, CSV cell) into the stored JSON value, or raise ValueError.

    Empty input (None, "", []) clears the property and returns None.
    """
    if raw is None or raw == "" or raw == []:
        return None
    kind = prop.type
    if kind == PropertyType.TEXT:
        if isinstance(raw, (dict, list)):
            raise ValueError("expected text")
        text = str(raw).strip()
        if len(text) > TEXT_MAX_LENGTH:
            raise ValueError(f"at most {TEXT_MAX_LENGTH} characters")
        return text or None
    if kind == PropertyType.NUMBER:
        if isinstance(raw, (bool, dict, list)):
            raise ValueError("expected a number")
        try:
            number = Decimal(str(raw).strip().replace(",", "")) if isinstance(raw, str) else Decimal(str(raw))
        except InvalidOperation:
            raise ValueError(f"{str(raw)[:40]!r} is not a number") from None
        if not number.is_finite() or abs(number) > Decimal("1e15"):
            raise ValueError("number out of range")
        return int(number) if number == number.to_integral_value() else float(number)
    if kind == PropertyType.DATE:
        if isinstance(raw, date):
            return raw.isoformat()
        try:
            return date.fromisoformat(str(raw).strip()[:10]).isoformat()
        except ValueError:
            raise ValueError(f"{str(raw)[:40]!r} is not a date (use YYYY-MM-DD)") from None
    if kind == PropertyType.BOOLEAN:
        if isinstance(raw, bool):
            return raw
        word = str(raw).strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise ValueError(f"{str(raw)[:40]!r} is not yes or no")
    allowed = [str(choice) for choice in prop.choices]
    if kind == PropertyType.CHOICE:
        value = str(raw).strip()
        if value not in allowed:
            raise ValueError(f"{value[:40]!r} is not one of: {', '.join(allowed)}")
        return value
    if kind == PropertyType.MULTI_CHOICE:
        items = raw if isinstance(raw, list) else [part for part in re.split(r"[;,]", str(raw))]
        values = []
        for item in items:
            value = str(item).strip()
            if not value:
                continue
            if value not in allowed:
                raise ValueError(f"{value[:40]!r} is not one of: {', '.join(allowed)}")
            if value not in values:
                values.append(value)
        return values or None
    raise ValueError(f"unknown property type {kind}")


def clean_properties(
    values: Mapping[str, Any],
    *,
    object_type: str = PropertyObject.CONTACT,
    known: Mapping[str, CustomProperty] | None = None,
) -> dict[str, Any]:
    """Validate a mapping of property key → raw value. Unknown keys are errors, not silently kept.

    Returns the coerced values; a value of None means "clear this property".
    """
    if not isinstance(values, Mapping):
        raise ValidationError({"properties": "must be an object of property names to values"})
    known = definitions(object_type) if known is None else known
    cleaned: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for key, raw in values.items():
        prop = known.get(str(key))
        if prop is None:
            errors.setdefault("properties", []).append(f"{str(key)[:64]!r} is not a defined property")
            continue
        try:
            cleaned[prop.key] = coerce_value(prop, raw)
        except ValueError as error:
            errors.setdefault("properties", []).append(f"{prop.label}: {error}")
    if errors:
        raise ValidationError(errors)
    return cleaned


def apply_properties(current: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(current)
    for key, value in changes.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


def validate_definition(*, key: str, label: str, type: str, choices: Any) -> list[str]:
    """Check a property definition; returns the cleaned choices list."""
    errors: dict[str, str] = {}
    if not KEY_PATTERN.match(key or ""):
        errors["key"] = "Use lower-case letters, digits and underscores, starting with a letter."
    if not (label or "").strip():
        errors["label"] = "A label is required."
    if type not in PropertyType.values:
        errors["type"] = f"Choose one of: {', '.join(PropertyType.values)}."
    cleaned_choices: list[str] = []
    if type in (PropertyType.CHOICE, PropertyType.MULTI_CHOICE):
        if isinstance(choices, str):
            choices = [line for line in choices.splitlines()]
        if not isinstance(choices, list):
            errors["choices"] = "Choices must be a list."
        else:
            for choice in choices:
                text = str(choice).strip()
                if text and text not in cleaned_choices:
                    cleaned_choices.append(text[:120])
            if not cleaned_choices:
                errors["choices"] = "List at least one choice, one per line."
    if errors:
        raise ValidationError(errors)
    return cleaned_choices
