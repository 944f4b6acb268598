"""Forms that turn visitors into contacts: their definitions and fields, the submissions they
receive and the emails a submission sets off (instant reply, owner notice, opt-in confirmation)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models

from leadline.contacts.models import Contact
from leadline.core.access import AccessQuerySet
from leadline.core.models import BaseModel

if TYPE_CHECKING:
    from leadline.accounts.models import User

# The contact fields a form field can fill, in the order the builder offers them.
BUILTIN_TARGETS: dict[str, str] = {
    "email": "Email",
    "first_name": "First name",
    "last_name": "Last name",
    "phone": "Phone",
    "job_title": "Job title",
    "company": "Company",
    "city": "City",
    "country": "Country",
}
PROPERTY_TARGET_PREFIX = "property:"
UTM_FIELDS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")

DEFAULT_THANK_YOU = "Thank you! We have received your message and will be in touch shortly."
DEFAULT_AUTOREPLY_SUBJECT = 'Thanks for getting in touch, {{ first_name | default:"there" }}'
DEFAULT_AUTOREPLY_BODY = """Hi {{ first_name | default:"there" }},

Thank you for your message. We have received it and will get back to you shortly.

If you would rather talk sooner, pick a time that suits you: {{ booking_link }}

Best wishes,
The team"""


class FormKind(models.TextChoices):
    ENQUIRY = "enquiry", "Enquiry: new contacts become leads"
    NEWSLETTER = "newsletter", "Sign-up: new contacts become subscribers"


class Notify(models.TextChoices):
    NOBODY = "nobody", "Nobody"
    OWNER = "owner", "The contact's owner (or the team below when there is no owner)"
    TEAM = "team", "Everyone in the team below"


class FormQuerySet(AccessQuerySet["Form"]):
    def visible_to(self, user: User) -> FormQuerySet:
        # Sales may look at forms and their submissions; building them is marketing's job.
        return self if user.is_active else self.none()

    def editable_by(self, user: User) -> FormQuerySet:
        return self if (user.is_admin or user.is_marketing) else self.none()


class Form(BaseModel):
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=80, unique=True, help_text="The form's address: /f/<slug>.")
    kind = models.CharField(max_length=16, choices=FormKind.choices, default=FormKind.ENQUIRY)
    site = models.ForeignKey(
        "tracking.Site",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="forms",
        help_text="The website this form is embedded on; its allowed domains limit embeds and redirects.",
    )
    introduction = models.TextField(blank=True, help_text="Shown above the fields on the hosted page.")
    submit_label = models.CharField(max_length=60, default="Send")
    consent_text = models.TextField(blank=True, help_text="The exact wording next to the consent checkbox.")
    consent_version = models.CharField(max_length=64, blank=True)
    consent_required = models.BooleanField(default=False)
    double_opt_in = models.BooleanField(
        default=False, help_text="Consent stays pending until the person clicks the link in an email."
    )
    thank_you_message = models.TextField(default=DEFAULT_THANK_YOU)
    redirect_url = models.URLField(max_length=2000, blank=True)
    notify = models.CharField(max_length=16, choices=Notify.choices, default=Notify.NOBODY)
    notify_team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    autoreply_enabled = models.BooleanField(default=True)
    autoreply_subject = models.CharField(max_length=200, default=DEFAULT_AUTOREPLY_SUBJECT)
    autoreply_body = models.TextField(default=DEFAULT_AUTOREPLY_BODY)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = FormQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def has_consent(self) -> bool:
        return bool(self.consent_text.strip())


class FormField(BaseModel):
    """One input of a form, mapped to a contact field or to a custom contact property."""

    form = models.ForeignKey(Form, on_delete=models.CASCADE, related_name="fields")
    position = models.PositiveIntegerField(default=0)
    target = models.CharField(max_length=80, help_text="A contact field, or property:<key>.")
    label = models.CharField(max_length=120)
    required = models.BooleanField(default=False)
    placeholder = models.CharField(max_length=120, blank=True)
    help_text = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["form", "target"], name="forms_field_target_unique")]

    def __str__(self) -> str:
        return self.label

    @property
    def property_key(self) -> str:
        return self.target.removeprefix(PROPERTY_TARGET_PREFIX) if self.is_property else ""

    @property
    def is_property(self) -> bool:
        return self.target.startswith(PROPERTY_TARGET_PREFIX)

    @property
    def target_label(self) -> str:
        return BUILTIN_TARGETS.get(self.target, self.property_key)

    @property
    def input_name(self) -> str:
        """The name of the HTML input: the contact field itself, or p_<key> for a property."""
        return f"p_{self.property_key}" if self.is_property else self.target


class FormSubmissionQuerySet(AccessQuerySet["FormSubmission"]):
    def visible_to(self, user: User) -> FormSubmissionQuerySet:
        if not user.is_active:
            return self.none()
        if user.is_admin or user.is_marketing:
            return self
        # A submission names a person: sales see those of the contacts they may see.
        return self.filter(contact__in=Contact.objects.for_user(user))

    def editable_by(self, user: User) -> FormSubmissionQuerySet:
        return self.none()


class FormSubmission(BaseModel):
    """What someone sent, verbatim, with where they came from. Append-only."""

    form = models.ForeignKey(Form, on_delete=models.CASCADE, related_name="submissions")
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="form_submissions"
    )
    dedupe_key = models.CharField(max_length=64, unique=True)
    email = models.EmailField(max_length=254)
    values: Any = models.JSONField(default=dict, blank=True, help_text="Raw values by input name.")
    page_url = models.TextField(blank=True)
    referrer = models.TextField(blank=True)
    utm_source = models.CharField(max_length=200, blank=True)
    utm_medium = models.CharField(max_length=200, blank=True)
    utm_campaign = models.CharField(max_length=200, blank=True)
    utm_term = models.CharField(max_length=200, blank=True)
    utm_content = models.CharField(max_length=200, blank=True)
    visitor_id = models.UUIDField(null=True, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=500, blank=True)
    channel = models.CharField(max_length=16, default="hosted", help_text="hosted or embed")
    consent_given = models.BooleanField(default=False)

    objects = FormSubmissionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["form", "-created_at", "-id"], name="forms_submission_by_form")]

    def __str__(self) -> str:
        return f"{self.email} → {self.form_id}"


class FormEmail(BaseModel):
    """One email a submission sets off. The unique key makes it exist once; the state machine
    (queued → sending → sent | failed) makes it go out once, retried with backoff meanwhile."""

    class Kind(models.TextChoices):
        AUTOREPLY = "autoreply", "Instant reply"
        NOTIFICATION = "notification", "Notification"
        CONFIRMATION = "confirmation", "Opt-in confirmation"

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    submission = models.ForeignKey(FormSubmission, on_delete=models.CASCADE, related_name="emails")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    key = models.CharField(max_length=200, unique=True)
    to_email = models.EmailField(max_length=254)
    subject = models.CharField(max_length=998)
    text_body = models.TextField()
    html_body = models.TextField(blank=True)
    message_id = models.CharField(max_length=255)
    state = models.CharField(max_length=16, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    lease_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="forms_email_due")]

    def __str__(self) -> str:
        return f"{self.kind} to {self.to_email} ({self.state})"
