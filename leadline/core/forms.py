"""Helpers shared by the forms of every room."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError


def add_service_errors(form: forms.Form, error: ValidationError, field: str | None = None) -> None:
    """Attach a service's ValidationError to the matching form fields.

    Messages for names the form does not have go to `field` (None: the form as a whole).
    """
    if not hasattr(error, "error_dict"):
        for message in error.messages:
            form.add_error(field, message)
        return
    for name, messages in error.message_dict.items():
        target = name if name in form.fields else field
        for message in messages:
            form.add_error(target, message)
