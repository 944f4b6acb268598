"""Factories and helpers for the forms tests: forms, fields, sites, and valid submissions."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import factory
import time_machine
from django.utils import timezone

from leadline.forms.models import Form, FormField
from leadline.forms.spam import TOKEN_FIELD, render_token_make
from leadline.tracking.models import Site

CONSENT_TEXT = "Yes, send me the monthly newsletter. I can unsubscribe at any time."


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site

    name = factory.Sequence(lambda n: f"Website {n}")
    allowed_domains = factory.LazyFunction(lambda: ["www.example.com", "localhost"])


class FormFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Form
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Contact us {n}")
    slug = factory.Sequence(lambda n: f"contact-us-{n}")

    @factory.post_generation
    def with_fields(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        """Email (required), first name, last name and company, unless with_fields=False."""
        if not create or extracted is False:
            return
        for position, (target, label, required) in enumerate(
            [
                ("email", "Email", True),
                ("first_name", "First name", False),
                ("last_name", "Last name", False),
                ("company", "Company", False),
            ]
        ):
            FormField.objects.create(
                form=self, target=target, label=label, required=required, position=position
            )


class FormFieldFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FormField

    form = factory.SubFactory(FormFactory)
    target = "phone"
    label = "Phone"
    position = factory.Sequence(lambda n: 10 + n)


def token_for(form: Form, *, seconds_ago: float = 30) -> str:
    """A render token as the page would have carried it, issued `seconds_ago` (a human's pace)."""
    with time_machine.travel(timezone.now() - timedelta(seconds=seconds_ago), tick=False):
        return render_token_make(form)


def answers(form: Form, **values: Any) -> dict[str, Any]:
    """POST data of a valid submission: a token from 30 seconds ago plus the given answers."""
    data: dict[str, Any] = {TOKEN_FIELD: token_for(form), "email": "ada@example.org", "first_name": "Ada"}
    data.update(values)
    return {key: value for key, value in data.items() if value is not None}
