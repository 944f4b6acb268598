"""Email templates, the shared layout, sender identities, campaigns and their outbox."""

from __future__ import annotations

from decimal import Decimal
from email.utils import formataddr
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower

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


# --- Subscriptions, unsubscribes and the suppression list ----------------------------------------


class SubscriptionTypeQuerySet(AccessQuerySet["SubscriptionType"]):
    def visible_to(self, user: User) -> SubscriptionTypeQuerySet:
        return self if user.is_active else self.none()

    def editable_by(self, user: User) -> SubscriptionTypeQuerySet:
        return self if _edits_email(user) else self.none()


class SubscriptionType(BaseModel):
    """A kind of marketing email a person may opt out of on its own (newsletter, product news,
    events); the preference centre lists them. Opting out of all marketing email covers every type."""

    key = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=120)
    description = models.CharField(max_length=300, blank=True)
    position = models.PositiveIntegerField(default=0)
    is_archived = models.BooleanField(default=False)

    objects = SubscriptionTypeQuerySet.as_manager()

    class Meta:
        ordering = ["position", "name", "id"]

    def __str__(self) -> str:
        return self.name


class UnsubscribeSource(models.TextChoices):
    ONE_CLICK = "one_click", "One-click (mailbox button)"
    PREFERENCE_CENTRE = "preference_centre", "Preference centre"
    MAILTO = "mailto", "Email to the unsubscribe address"
    COMPLAINT = "complaint", "Spam complaint"
    ADMIN = "admin", "By a user"
    API = "api", "API"
    IMPORT = "import", "Import"


class Unsubscribe(models.Model):
    """A contact's standing opt-out, read at send time: from one subscription type, or from all
    marketing email when `subscription_type` is empty. The consent ledger keeps the history."""

    contact = models.ForeignKey(
        "contacts.Contact", on_delete=models.CASCADE, related_name="email_unsubscribes"
    )
    subscription_type = models.ForeignKey(
        SubscriptionType, null=True, blank=True, on_delete=models.CASCADE, related_name="unsubscribes"
    )
    source = models.CharField(max_length=32, choices=UnsubscribeSource.choices)
    message = models.ForeignKey(
        "mail.OutboundMessage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["contact", "subscription_type"],
                condition=models.Q(subscription_type__isnull=False),
                name="mail_unsubscribe_one_per_type",
            ),
            models.UniqueConstraint(
                fields=["contact"],
                condition=models.Q(subscription_type__isnull=True),
                name="mail_unsubscribe_one_from_all",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contact_id} from {self.subscription_type_id or 'all'}"


class SuppressionQuerySet(AccessQuerySet["Suppression"]):
    def visible_to(self, user: User) -> SuppressionQuerySet:
        return self if _edits_email(user) else self.none()

    def editable_by(self, user: User) -> SuppressionQuerySet:
        return self.visible_to(user)


class Suppression(BaseModel):
    """An address no email goes to, whatever list or workflow it is on: checked when a message is
    claimed, so a bounce or complaint stops the very next send."""

    class Reason(models.TextChoices):
        HARD_BOUNCE = "hard_bounce", "Hard bounce"
        SOFT_BOUNCE = "soft_bounce", "Repeated soft bounces"
        COMPLAINT = "complaint", "Spam complaint"
        MANUAL = "manual", "Added by hand"
        IMPORTED = "imported", "Imported"

    email = models.EmailField(max_length=254, unique=True)
    reason = models.CharField(max_length=16, choices=Reason.choices)
    detail = models.CharField(max_length=500, blank=True, help_text="What the receiving server said.")
    source = models.CharField(max_length=120, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = SuppressionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(email=Lower("email")), name="mail_suppression_email_lowercase"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} ({self.reason})"


class SendingDomainQuerySet(AccessQuerySet["SendingDomain"]):
    def visible_to(self, user: User) -> SendingDomainQuerySet:
        return self if _edits_email(user) else self.none()

    def editable_by(self, user: User) -> SendingDomainQuerySet:
        return self if (user.is_active and user.is_admin) else self.none()


class SendingDomain(BaseModel):
    """A domain we send from: its DKIM key pair (the private key never leaves the server) and the
    last check of its SPF, DKIM and DMARC records."""

    domain = models.CharField(max_length=253, unique=True)
    dkim_selector = models.CharField(max_length=63, default="leadline")
    dkim_private_key = models.TextField(blank=True)
    dkim_public_key = models.TextField(blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    check_results: Any = models.JSONField(default=dict, blank=True)

    objects = SendingDomainQuerySet.as_manager()

    class Meta:
        ordering = ["domain"]

    def __str__(self) -> str:
        return self.domain


# --- Campaigns and the outbox ---------------------------------------------------------------------


class CampaignQuerySet(AccessQuerySet["Campaign"]):
    def visible_to(self, user: User) -> CampaignQuerySet:
        return self if _edits_email(user) else self.none()

    def editable_by(self, user: User) -> CampaignQuerySet:
        return self.visible_to(user)


class Campaign(BaseModel):
    """One marketing email to a segment or list, sent now or at a time, with an optional A/B test
    of subject lines on a sample. Each recipient becomes one OutboundMessage."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SCHEDULED = "scheduled", "Scheduled"
        TESTING = "testing", "A/B test running"
        SENDING = "sending", "Sending"
        PAUSED = "paused", "Paused"
        SENT = "sent", "Sent"
        CANCELLED = "cancelled", "Cancelled"

    class AudienceType(models.TextChoices):
        SEGMENT = "segment", "Segment"
        LIST = "list", "List"

    class AbMetric(models.TextChoices):
        OPENS = "opens", "Opens"
        CLICKS = "clicks", "Clicks"

    name = models.CharField(max_length=200)
    template = models.ForeignKey(Template, on_delete=models.PROTECT, related_name="campaigns")
    sender = models.ForeignKey(SenderIdentity, on_delete=models.PROTECT, related_name="campaigns")
    subscription_type = models.ForeignKey(
        SubscriptionType, null=True, blank=True, on_delete=models.PROTECT, related_name="campaigns"
    )
    audience_type = models.CharField(max_length=16, choices=AudienceType.choices, blank=True)
    audience_id = models.UUIDField(null=True, blank=True, help_text="The public id of the segment or list.")
    audience_name = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT, db_index=True)
    scheduled_at = models.DateTimeField(null=True, blank=True)
    local_time = models.BooleanField(
        default=False, help_text="Send at the scheduled time of day in each recipient's time zone."
    )
    subject_b = models.CharField(
        max_length=255, blank=True, help_text="The subject line tested against the template's."
    )
    ab_sample_percent = models.PositiveSmallIntegerField(
        default=0, help_text="Share of the audience in the test (half each way); 0 means no test."
    )
    ab_metric = models.CharField(max_length=16, choices=AbMetric.choices, default=AbMetric.OPENS)
    ab_wait_hours = models.PositiveSmallIntegerField(default=4)
    ab_decide_at = models.DateTimeField(null=True, blank=True)
    ab_winner = models.CharField(max_length=1, blank=True)
    complaint_rate_limit = models.DecimalField(
        max_digits=5,
        decimal_places=4,
        default=Decimal("0.0030"),
        help_text="Pause the campaign when complaints pass this share of delivered messages.",
    )
    pause_reason = models.CharField(max_length=300, blank=True)
    template_version = models.PositiveIntegerField(null=True, blank=True)
    recipients_count = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = CampaignQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "scheduled_at"], name="mail_campaign_due")]

    def __str__(self) -> str:
        return self.name


class OutboundMessageQuerySet(AccessQuerySet["OutboundMessage"]):
    def visible_to(self, user: User) -> OutboundMessageQuerySet:
        """Marketing sees every message; a salesperson sees the 1:1 emails they sent."""
        if _edits_email(user):
            return self
        if user.is_active:
            return self.filter(sent_by=user)
        return self.none()

    def editable_by(self, user: User) -> OutboundMessageQuerySet:
        return self.visible_to(user)


class OutboundMessage(BaseModel):
    """One email to one person, sent exactly once: a unique `key` (campaign and contact, workflow
    step and enrolment, or a 1:1 email), a Message-ID fixed when queued, and a state machine
    `queued → sending (lease) → sent | failed | dead`. A worker that dies mid-send leaves a lease
    that expires; the next claim re-checks suppression before sending."""

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        DEAD = "dead", "Gave up"
        CANCELLED = "cancelled", "Cancelled"
        SKIPPED = "skipped", "Skipped (suppressed or unsubscribed)"

    key = models.CharField(max_length=200, unique=True)
    campaign = models.ForeignKey(
        Campaign, null=True, blank=True, on_delete=models.CASCADE, related_name="messages"
    )
    contact = models.ForeignKey(
        "contacts.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="email_messages"
    )
    to_email = models.EmailField(max_length=254)
    sender = models.ForeignKey(
        SenderIdentity, null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    template = models.ForeignKey(
        Template, null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    kind = models.CharField(max_length=16, choices=Template.Kind.choices, default=Template.Kind.MARKETING)
    subscription_type = models.ForeignKey(
        SubscriptionType, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    variant = models.CharField(max_length=1, blank=True, help_text="A or B in a subject-line test.")
    subject = models.CharField(
        max_length=255,
        blank=True,
        help_text="Overrides the template's subject; once sent, the subject the message went out with.",
    )
    body = models.TextField(blank=True, help_text="The Markdown body of a 1:1 email.")
    merge_context: Any = models.JSONField(default=dict, blank=True)
    message_id = models.CharField(max_length=255, unique=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.QUEUED)
    not_before = models.DateTimeField(help_text="Not sent before this time (schedule, retry backoff).")
    attempts = models.PositiveSmallIntegerField(default=0)
    lease_owner = models.CharField(max_length=64, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    smtp_response = models.CharField(max_length=500, blank=True)
    provider_id = models.CharField(
        max_length=255,
        blank=True,
        db_index=True,
        help_text="The ESP's id of the message, when sent through one.",
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True, help_text="First human open.")
    clicked_at = models.DateTimeField(null=True, blank=True, help_text="First human click.")
    bounced_at = models.DateTimeField(null=True, blank=True)
    complained_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    timeline_pending = models.BooleanField(
        default=False, help_text="Sent, and its `email.sent` timeline entry is still to be written."
    )

    objects = OutboundMessageQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["state", "not_before"], name="mail_message_due"),
            models.Index(fields=["campaign", "state"], name="mail_message_campaign"),
            models.Index(fields=["contact", "-created_at"], name="mail_message_contact"),
            models.Index(fields=["to_email"], name="mail_message_to"),
            models.Index(
                fields=["id"], condition=models.Q(timeline_pending=True), name="mail_message_timeline_pending"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.to_email}: {self.state}"


class MessageEvent(models.Model):
    """What happened to a sent message: an open, a click, a bounce, a complaint, an unsubscribe.
    Opens and clicks by machines (security scanners, privacy proxies) are kept but flagged."""

    class Kind(models.TextChoices):
        DELIVERED = "delivered", "Delivered"
        OPEN = "open", "Opened"
        CLICK = "click", "Clicked"
        BOUNCE = "bounce", "Bounced"
        DEFERRED = "deferred", "Deferred"
        COMPLAINT = "complaint", "Complaint"
        UNSUBSCRIBE = "unsubscribe", "Unsubscribed"

    message = models.ForeignKey(OutboundMessage, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    url = models.TextField(blank=True)
    is_machine = models.BooleanField(default=False)
    bounce_type = models.CharField(max_length=8, blank=True, help_text="hard or soft")
    user_agent = models.CharField(max_length=500, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    occurred_at = models.DateTimeField(db_index=True)
    data: Any = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["message", "kind"], name="mail_event_message_kind")]

    def __str__(self) -> str:
        return f"{self.kind} of {self.message_id}"
