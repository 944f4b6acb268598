"""People (contacts), the companies they work for, user-defined properties and the consent ledger."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower

from leadline.core.access import AccessQuerySet
from leadline.core.models import BaseModel

if TYPE_CHECKING:
    from leadline.accounts.models import User


class LifecycleStage(models.TextChoices):
    """Ordered: automatic moves only ever go forward (see `rank`)."""

    SUBSCRIBER = "subscriber", "Subscriber"
    LEAD = "lead", "Lead"
    MQL = "mql", "Marketing qualified lead"
    SQL = "sql", "Sales qualified lead"
    OPPORTUNITY = "opportunity", "Opportunity"
    CUSTOMER = "customer", "Customer"
    EVANGELIST = "evangelist", "Evangelist"
    OTHER = "other", "Other"

    @classmethod
    def rank(cls, stage: str) -> int:
        order = [choice.value for choice in cls]
        return order.index(stage) if stage in order and stage != cls.OTHER else -1


class Source(models.TextChoices):
    DIRECT = "direct", "Direct traffic"
    ORGANIC_SEARCH = "organic_search", "Organic search"
    PAID_SEARCH = "paid_search", "Paid search"
    SOCIAL = "social", "Social media"
    PAID_SOCIAL = "paid_social", "Paid social"
    EMAIL = "email", "Email marketing"
    REFERRAL = "referral", "Referral"
    EVENT = "event", "Events"
    IMPORT = "import", "Import"
    API = "api", "API"
    MANUAL = "manual", "Added by hand"
    OTHER = "other", "Other"


class CompanyQuerySet(AccessQuerySet["Company"]):
    def visible_to(self, user: User) -> CompanyQuerySet:
        # Companies are shared reference data: every active teammate can see all of them.
        return self if user.is_active else self.none()

    def editable_by(self, user: User) -> CompanyQuerySet:
        if user.is_admin or user.is_marketing:
            return self
        if user.is_sales:
            return self.filter(models.Q(owner=user) | models.Q(owner__isnull=True))
        return self.none()


class Company(BaseModel):
    name = models.CharField(max_length=255)
    domain = models.CharField(max_length=253, null=True, blank=True, unique=True)
    industry = models.CharField(max_length=120, blank=True)
    employee_count = models.PositiveIntegerField(null=True, blank=True)
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166 alpha-2 code.")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="companies"
    )
    properties = models.JSONField(default=dict, blank=True)

    objects = CompanyQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        verbose_name_plural = "companies"
        indexes = [models.Index(Lower("name"), name="contacts_company_name_ci")]

    def __str__(self) -> str:
        return self.name


class ContactQuerySet(AccessQuerySet["Contact"]):
    def visible_to(self, user: User) -> ContactQuerySet:
        """Admins and marketing see everyone; sales see their own, their teams' and unowned ones."""
        if not user.is_active:
            return self.none()
        if user.is_admin or user.is_marketing:
            return self
        from leadline.accounts.selectors import teammate_ids_subquery

        return self.filter(models.Q(owner__isnull=True) | models.Q(owner_id__in=teammate_ids_subquery(user)))

    def editable_by(self, user: User) -> ContactQuerySet:
        return self.visible_to(user)


class Contact(BaseModel):
    email = models.EmailField(max_length=254, null=True, blank=True, unique=True)
    first_name = models.CharField(max_length=150, blank=True)
    last_name = models.CharField(max_length=150, blank=True)
    phone = models.CharField(max_length=32, blank=True, help_text="E.164, e.g. +441632960961.")
    job_title = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=120, blank=True)
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166 alpha-2 code.")
    time_zone = models.CharField(max_length=64, blank=True)
    company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.SET_NULL, related_name="contacts"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="contacts"
    )
    lifecycle_stage = models.CharField(
        max_length=16, choices=LifecycleStage.choices, default=LifecycleStage.LEAD, db_index=True
    )
    original_source = models.CharField(max_length=32, choices=Source.choices, blank=True)
    original_source_detail = models.CharField(
        max_length=255, blank=True, help_text="Campaign, referrer or form that first brought them."
    )
    score = models.IntegerField(default=0, db_index=True)
    properties = models.JSONField(default=dict, blank=True)
    last_activity_at = models.DateTimeField(null=True, blank=True, db_index=True)

    objects = ContactQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(email__isnull=True) | models.Q(email=Lower("email")),
                name="contacts_contact_email_lowercase",
            ),
        ]
        indexes = [
            models.Index(fields=["owner", "-created_at"], name="contacts_contact_owner"),
            models.Index(Lower("last_name"), Lower("first_name"), name="contacts_contact_name_ci"),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def display_name(self) -> str:
        return self.full_name or self.email or "Unnamed contact"


class PropertyType(models.TextChoices):
    TEXT = "text", "Text"
    NUMBER = "number", "Number"
    DATE = "date", "Date"
    CHOICE = "choice", "Choice"
    MULTI_CHOICE = "multi_choice", "Multiple choice"
    BOOLEAN = "boolean", "Yes / no"


class PropertyObject(models.TextChoices):
    CONTACT = "contact", "Contact"
    COMPANY = "company", "Company"


class CustomPropertyQuerySet(AccessQuerySet["CustomProperty"]):
    def visible_to(self, user: User) -> CustomPropertyQuerySet:
        return self if user.is_active else self.none()

    def editable_by(self, user: User) -> CustomPropertyQuerySet:
        return self if (user.is_admin or user.is_marketing) else self.none()


class CustomProperty(BaseModel):
    """A field defined in the UI. Values live in the owner's `properties` JSON under `key`."""

    object_type = models.CharField(
        max_length=16, choices=PropertyObject.choices, default=PropertyObject.CONTACT
    )
    key = models.SlugField(max_length=64, help_text="Lower-case letters, digits and underscores.")
    label = models.CharField(max_length=120)
    type = models.CharField(max_length=16, choices=PropertyType.choices, default=PropertyType.TEXT)
    choices = models.JSONField(default=list, blank=True)
    description = models.CharField(max_length=300, blank=True)
    position = models.PositiveIntegerField(default=0)

    objects = CustomPropertyQuerySet.as_manager()

    class Meta:
        ordering = ["object_type", "position", "label"]
        verbose_name_plural = "custom properties"
        constraints = [
            models.UniqueConstraint(fields=["object_type", "key"], name="contacts_property_key_unique"),
        ]

    def __str__(self) -> str:
        return self.label


class ConsentRecord(BaseModel):
    """Append-only ledger: each grant or withdrawal, with the exact wording the person saw."""

    class Status(models.TextChoices):
        GRANTED = "granted", "Granted"
        WITHDRAWN = "withdrawn", "Withdrawn"
        PENDING = "pending", "Awaiting confirmation"

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(max_length=64, default="marketing_email")
    status = models.CharField(max_length=16, choices=Status.choices)
    text = models.TextField(blank=True, help_text="The consent wording shown to the person.")
    text_version = models.CharField(max_length=64, blank=True)
    source = models.CharField(max_length=120, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    recorded_at = models.DateTimeField(db_index=True)
    data: Any = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-recorded_at", "-id"]
        indexes = [
            models.Index(fields=["contact", "purpose", "-recorded_at"], name="contacts_consent_latest")
        ]

    def __str__(self) -> str:
        return f"{self.purpose}: {self.status}"


# --- CSV import jobs ------------------------------------------------------------------------------
# Appended section owned by the import/export area (leadline.contacts.importing and import_views).


class ImportJobQuerySet(AccessQuerySet["ImportJob"]):
    def visible_to(self, user: User) -> ImportJobQuerySet:
        # Imports touch everyone's contacts, so only the roles that may run them see them.
        return self if (user.is_admin or user.is_marketing) else self.none()

    def editable_by(self, user: User) -> ImportJobQuerySet:
        return self.visible_to(user)


class ImportJob(BaseModel):
    """One uploaded CSV on its way through the import wizard: mapping, dry run, run, report."""

    class State(models.TextChoices):
        UPLOADED = "uploaded", "Waiting for column mapping"
        CHECKING = "checking", "Checking"
        READY = "ready", "Ready to import"
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Importing"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    file_name = models.CharField(max_length=255)
    stored_name = models.CharField(max_length=100, blank=True, help_text="Blank once the upload is removed.")
    file_size = models.PositiveBigIntegerField(default=0)
    encoding = models.CharField(max_length=32, blank=True)
    delimiter = models.CharField(max_length=4, blank=True)
    headers = models.JSONField(default=list, blank=True)
    samples = models.JSONField(default=list, blank=True)
    mapping = models.JSONField(default=list, blank=True)
    default_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    state = models.CharField(max_length=16, choices=State.choices, default=State.UPLOADED)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    failed_count = models.PositiveIntegerField(default=0)
    duplicate_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    errors: Any = models.JSONField(default=list, blank=True, help_text="The first problems, row by row.")
    preview: Any = models.JSONField(default=dict, blank=True, help_text="Counts and problems of the dry run.")
    message = models.TextField(blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.state})"

    @property
    def is_active(self) -> bool:
        return self.state in (self.State.CHECKING, self.State.QUEUED, self.State.RUNNING)

    @property
    def percent(self) -> int:
        if self.state == self.State.DONE:
            return 100
        return min(100, round(100 * self.processed_rows / self.total_rows)) if self.total_rows else 0
