"""Email templates, the shared layout, sender identities, campaigns and their outbox."""

from __future__ import annotations

from email.utils import formataddr
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models

from leadline.core.access import AccessQuerySet
from leadline.core.models import BaseModel

if TYPE_CHECKING:
    from leadline.accounts.models import User


def _edits_email(user: User) -> bool:
    return bool(user.is_admin or user.is_marketing)


class LayoutQuerySet(AccessQuerySet["Layout"]):
    def visible_to(self, user: User) -> LayoutQuerySet:
        # Everyone who may preview a template sees the layout it is wrapped in.
        return self if user.is_active else self.none()

    def editable_by(self, user: User) -> LayoutQuerySet:
        return self if _edits_email(user) else self.none()


class Layout(BaseModel):
    """The wrapper shared by many emails: a header and a footer around `{{ content }}`, with the
    sender's postal address and the unsubscribe link that marketing email must carry."""

    name = models.CharField(max_length=120)
    html = models.TextField(
        help_text="HTML around the email: {{ content }} marks where the email goes; "
        "{{ postal_address }} and {{ unsubscribe_url }} belong in the footer."
    )
    css = models.TextField(blank=True, help_text="Styles for the layout and the content; inlined when sent.")
    is_default = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = LayoutQuerySet.as_manager()

    class Meta:
        ordering = ["-is_default", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=models.Q(is_default=True), name="mail_layout_one_default"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class TemplateQuerySet(AccessQuerySet["Template"]):
    def visible_to(self, user: User) -> TemplateQuerySet:
        """Admins and marketing see every template; sales see the transactional ones (1:1 email)."""
        if _edits_email(user):
            return self
        if user.is_active:
            return self.filter(kind=Template.Kind.TRANSACTIONAL)
        return self.none()

    def editable_by(self, user: User) -> TemplateQuerySet:
        return self if _edits_email(user) else self.none()


class Template(BaseModel):
    """An email's source (MJML, Markdown or HTML) with its subject and preheader. Rendered by
    `leadline.mail.rendering`; `version` counts saved changes so a send can say what it used."""

    class Kind(models.TextChoices):
        MARKETING = "marketing", "Marketing"
        TRANSACTIONAL = "transactional", "Transactional"

    class Format(models.TextChoices):
        MARKDOWN = "markdown", "Markdown"
        MJML = "mjml", "MJML"
        HTML = "html", "HTML"

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.MARKETING)
    format = models.CharField(max_length=16, choices=Format.choices, default=Format.MARKDOWN)
    subject = models.CharField(max_length=255)
    preheader = models.CharField(
        max_length=255, blank=True, help_text="The line inboxes show after the subject."
    )
    body = models.TextField(blank=True)
    layout = models.ForeignKey(
        Layout, null=True, blank=True, on_delete=models.PROTECT, related_name="templates"
    )
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = TemplateQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [models.Index(fields=["kind", "-updated_at"], name="mail_template_kind_updated")]

    def __str__(self) -> str:
        return self.name


class SenderIdentityQuerySet(AccessQuerySet["SenderIdentity"]):
    def visible_to(self, user: User) -> SenderIdentityQuerySet:
        # Salespeople will send 1:1 email from these too, so everyone may see them.
        return self if user.is_active else self.none()

    def editable_by(self, user: User) -> SenderIdentityQuerySet:
        return self if _edits_email(user) else self.none()


class SenderIdentity(BaseModel):
    """Who an email is from. Marketing email also needs the sender's postal address (CAN-SPAM, and
    most countries' rules), which the layout's footer shows."""

    from_name = models.CharField(max_length=120)
    from_email = models.EmailField(max_length=254)
    reply_to = models.EmailField(max_length=254, blank=True)
    postal_address = models.TextField(
        max_length=500, blank=True, help_text="Required to send marketing email from this sender."
    )
    is_default = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = SenderIdentityQuerySet.as_manager()

    class Meta:
        ordering = ["-is_default", "from_name", "id"]
        verbose_name_plural = "sender identities"
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=models.Q(is_default=True), name="mail_sender_one_default"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_name} <{self.from_email}>"

    @property
    def from_header(self) -> str:
        return formataddr((self.from_name, self.from_email))
