"""Reads for forms, always through the access layer; list querysets come with their joins applied."""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import Count, Max, Prefetch, QuerySet
from django.http import Http404

from leadline.contacts.models import CustomProperty, PropertyObject
from leadline.core.access import get_for_user
from leadline.forms.models import Form, FormEmail, FormField, FormSubmission


def form_list(*, user: Any) -> QuerySet[Form]:
    return (
        Form.objects.for_user(user)
        .select_related("site")
        .annotate(submission_total=Count("submissions"), last_submission_at=Max("submissions__created_at"))
        .order_by("name", "id")
    )


def form_get(*, user: Any, public_id: Any, for_edit: bool = False) -> Form:
    return get_for_user(
        Form.objects.select_related("site", "notify_team"), user, public_id, for_edit=for_edit
    )


def form_field_get(*, form: Form, public_id: Any) -> FormField:
    """A field of a form the caller already fetched through the access layer."""
    try:
        return form.fields.get(public_id=uuid.UUID(str(public_id)))
    except (ValueError, FormField.DoesNotExist):
        raise Http404("Not found") from None


def form_fields(*, form: Form) -> list[FormField]:
    return list(form.fields.all())


def contact_properties() -> dict[str, CustomProperty]:
    return {prop.key: prop for prop in CustomProperty.objects.filter(object_type=PropertyObject.CONTACT)}


def public_form_get(*, slug: str) -> Form:
    """A form by its public address, for the hosted page and the embed (anyone may see it)."""
    form = Form.objects.select_related("site").filter(slug=str(slug)[:80]).first()
    if form is None:
        raise Http404("No such form")
    return form


def submission_list(*, user: Any, form: Form) -> QuerySet[FormSubmission]:
    """A form's submissions the user may see, newest first, with contact and emails joined."""
    return (
        FormSubmission.objects.for_user(user)
        .filter(form=form)
        .select_related("contact", "contact__company")
        .prefetch_related(Prefetch("emails", queryset=FormEmail.objects.order_by("created_at", "id")))
        .order_by("-created_at", "-id")
    )
