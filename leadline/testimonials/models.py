"""Testimonial requests, submissions, moderation and the public wall.

A request carries a signed, expiring link to a public collection page; what the customer sends there
is one `Testimonial` per request, waiting for moderation. A `Wall` is a public page (and embeddable
widget) showing approved testimonials that match its filters.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.deconstruct import deconstructible
from django.utils.functional import cached_property

from leadline.contacts.models import Contact
from leadline.core.access import AccessQuerySet
from leadline.core.models import BaseModel

if TYPE_CHECKING:
    from leadline.accounts.models import User


@deconstructible
class PhotoStorage(FileSystemStorage):
    """Uploaded photos live under MEDIA_ROOT, or under the data directory when no MEDIA_ROOT is set.

    They are never served from a public media URL: `views.photo` and `public_views.photo` stream them
    with a fixed image type, only when the viewer may see the testimonial.
    """

    @cached_property
    def base_location(self) -> Any:
        configured = self._value_or_setting(getattr(self, "_location", None), settings.MEDIA_ROOT)
        return configured or str(settings.DATA_DIR / "media")


photo_storage = PhotoStorage()


def get_photo_storage() -> PhotoStorage:
    return photo_storage


def _moderates(user: User) -> bool:
    return bool(user.is_admin or user.is_marketing)


class WallQuerySet(AccessQuerySet["Wall"]):
    def visible_to(self, user: User) -> WallQuerySet:
        return self if user.is_active else self.none()

    def editable_by(self, user: User) -> WallQuerySet:
        return self if _moderates(user) else self.none()


class Wall(BaseModel):
    """A public page of approved testimonials at /testimonials/<slug>/ (and its embed)."""

    slug = models.SlugField(max_length=64, unique=True)
    title = models.CharField(max_length=200)
    intro = models.TextField(max_length=1000, blank=True, help_text="A line or two above the testimonials.")
    min_rating = models.PositiveSmallIntegerField(
        default=4,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text="Show these stars and up.",
    )
    max_items = models.PositiveSmallIntegerField(
        default=24, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    show_photos = models.BooleanField(default=True)
    only_with_text = models.BooleanField(default=True, help_text="Leave out ratings without words.")
    is_published = models.BooleanField(default=True, help_text="Unpublished walls answer 404 to visitors.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = WallQuerySet.as_manager()

    class Meta:
        ordering = ["title", "id"]

    def __str__(self) -> str:
        return self.title


class TestimonialRequestQuerySet(AccessQuerySet["TestimonialRequest"]):
    def visible_to(self, user: User) -> TestimonialRequestQuerySet:
        return self.filter(contact__in=Contact.objects.for_user(user))

    def editable_by(self, user: User) -> TestimonialRequestQuerySet:
        return self.visible_to(user)


class TestimonialRequest(BaseModel):
    """One invitation to leave a testimonial, sent by hand, by a workflow or through the API."""

    class Source(models.TextChoices):
        MANUAL = "manual", "By hand"
        WORKFLOW = "workflow", "By a workflow"
        API = "api", "Through the API"

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="testimonial_requests")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.MANUAL)
    expires_at = models.DateTimeField()
    email_key = models.CharField(max_length=200, blank=True, help_text="Outbox key of the request email.")
    source_key = models.CharField(
        max_length=200,
        null=True,
        blank=True,
        unique=True,
        help_text="Set by a caller that must not ask twice.",
    )

    objects = TestimonialRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Testimonial request to {self.contact}"


class TestimonialQuerySet(AccessQuerySet["Testimonial"]):
    def visible_to(self, user: User) -> TestimonialQuerySet:
        """Admins and marketing see every testimonial; sales those of the contacts they can see."""
        if _moderates(user):
            return self
        return self.filter(contact__in=Contact.objects.for_user(user))

    def editable_by(self, user: User) -> TestimonialQuerySet:
        return self if _moderates(user) else self.none()

    def approved(self) -> TestimonialQuerySet:
        return self.filter(status=Testimonial.Status.APPROVED)


class Testimonial(BaseModel):
    """What a customer sent through their link. Team edits are proposals (`proposed`) that replace the
    published words only once the customer confirms them."""

    class Status(models.TextChoices):
        PENDING = "pending", "Awaiting approval"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        WITHDRAWN = "withdrawn", "Withdrawn by the customer"

    request = models.OneToOneField(TestimonialRequest, on_delete=models.CASCADE, related_name="testimonial")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="testimonials")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    rating = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    text = models.TextField(max_length=2000, blank=True)
    display_name = models.CharField(max_length=120)
    role = models.CharField(max_length=120, blank=True)
    company = models.CharField(max_length=120, blank=True)
    photo = models.FileField(upload_to="testimonials/%Y/%m/", storage=get_photo_storage, blank=True)
    photo_type = models.CharField(max_length=32, blank=True)
    consent_text_version = models.CharField(max_length=64)
    submitted_at = models.DateTimeField(db_index=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rejection_reason = models.CharField(max_length=500, blank=True)
    proposed: Any = models.JSONField(
        default=dict, blank=True, help_text="A team edit waiting for the customer's confirmation."
    )
    proposal_version = models.PositiveIntegerField(default=0)
    proposed_at = models.DateTimeField(null=True, blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = TestimonialQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_at", "-id"]
        indexes = [models.Index(fields=["status", "-decided_at"], name="testimonial_status_decided")]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.rating}★)"

    @property
    def stars(self) -> str:
        return "★" * self.rating + "☆" * (5 - self.rating)

    @property
    def has_proposal(self) -> bool:
        return bool(self.proposed)

    @property
    def byline(self) -> str:
        return ", ".join(part for part in (self.role, self.company) if part)
