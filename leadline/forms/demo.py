"""Demo data for the Forms screens: the enquiry form a marketing website would have, at /f/contact.

`seed_forms_demo` is idempotent (it does nothing once a form with its address exists). The form is
built through the same services as the builder, by the demo admin, and is bound to the demo's
tracked site when there is one.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

from leadline.accounts.models import Role, Team, User
from leadline.contacts.models import CustomProperty, PropertyObject, PropertyType
from leadline.contacts.services import custom_property_create
from leadline.core.demo import DEMO_ADMIN_EMAIL
from leadline.forms.models import Form, FormKind, Notify
from leadline.forms.services import form_create, form_field_add, form_field_update
from leadline.tracking.models import Site

DEMO_FORM_SLUG = "contact"
DEMO_SITE_NAME = "Marketing website"
MESSAGE_PROPERTY = "message"

INTRODUCTION = (
    "A free, no-pressure 30-minute call with one of our specialists. Tell us a little about yourself "
    "and we will get back to you within one working day."
)
CONSENT_TEXT = (
    "Yes, send me occasional emails with product news and practical tips. I can unsubscribe at any time."
)
CONSENT_VERSION = "2024-06"
THANK_YOU = (
    "Thanks, your request is in! We have emailed you a link to pick a time for your call. "
    "If it has not arrived in a few minutes, please check your spam folder."
)
AUTOREPLY_SUBJECT = 'Your clarity call, {{ first_name | default:"there" }}: pick a time that suits you'
AUTOREPLY_BODY = """Hi {{ first_name | default:"there" }},

Thanks for asking for a clarity call. A real person on our team will read your message and reply within one working day.

If you would rather skip the back-and-forth, pick a time that suits you here: {{ booking_link }}

The call takes 30 minutes. We will look at how leads reach you today and where they slip through, and you will leave with two or three practical next steps, whether or not Leadline turns out to be the right fit.

Talk soon,
The Leadline team"""

# (target, label, required, placeholder, help text), after the email and first name every form has.
EXTRA_FIELDS = [
    ("last_name", "Last name", False, "", ""),
    ("company", "Company", False, "", ""),
    ("phone", "Phone", False, "+1 212 555 0100", "Optional. We only call if you ask us to."),
    (
        f"property:{MESSAGE_PROPERTY}",
        "What would you like to talk about?",
        False,
        "e.g. our leads go cold before sales calls them",
        "",
    ),
]


def _actor() -> User | None:
    return (
        User.objects.filter(email=DEMO_ADMIN_EMAIL, is_active=True).first()
        or User.objects.filter(role=Role.ADMIN, is_active=True).order_by("id").first()
    )


def _message_property(actor: User) -> None:
    """Contacts get a text property that keeps what they wrote in the message box."""
    if not CustomProperty.objects.filter(object_type=PropertyObject.CONTACT, key=MESSAGE_PROPERTY).exists():
        custom_property_create(
            actor=actor,
            object_type=PropertyObject.CONTACT,
            key=MESSAGE_PROPERTY,
            label="Message",
            type=PropertyType.TEXT,
            description="What they wrote in the message box of an enquiry form.",
        )


def seed_forms_demo(*, echo: Callable[[str], object] = print) -> None:
    if Form.objects.filter(slug=DEMO_FORM_SLUG).exists():
        return
    actor = _actor()
    if actor is None:
        echo("No admin to build the demo form with; skipped it.")
        return
    with transaction.atomic():
        _message_property(actor)
        form = form_create(
            actor=actor,
            data={
                "name": "Book a free clarity call",
                "slug": DEMO_FORM_SLUG,
                "kind": FormKind.ENQUIRY,
                "site": Site.objects.filter(name=DEMO_SITE_NAME).order_by("id").first(),
                "introduction": INTRODUCTION,
                "submit_label": "Book my call",
                "consent_text": CONSENT_TEXT,
                "consent_version": CONSENT_VERSION,
                "consent_required": False,
                "thank_you_message": THANK_YOU,
                # New enquiries have no owner yet: the team below hears about them instead.
                "notify": Notify.OWNER,
                "notify_team": Team.objects.filter(name="North").first(),
                "autoreply_enabled": True,
                "autoreply_subject": AUTOREPLY_SUBJECT,
                "autoreply_body": AUTOREPLY_BODY,
            },
        )
        for field in form.fields.all():
            if field.target == "email":
                form_field_update(
                    field=field,
                    actor=actor,
                    data={"label": "Work email", "placeholder": "you@company.com"},
                )
        for target, label, required, placeholder, help_text in EXTRA_FIELDS:
            form_field_add(
                form=form,
                actor=actor,
                data={
                    "target": target,
                    "label": label,
                    "required": required,
                    "placeholder": placeholder,
                    "help_text": help_text,
                },
            )
    echo(f"Form “{form.name}” at /f/{form.slug}.")
