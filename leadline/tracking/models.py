"""Websites that carry the tracking snippet, and the browsers (visitors) seen on them.

Page views and custom events are not stored here: they are rows of the activity log
(`activity.Activity`, kinds page.view and event.custom) carrying the visitor and session ids, so a
visitor's history joins a contact's timeline by setting one column.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models

from leadline.contacts.models import Contact
from leadline.core.access import AccessQuerySet
from leadline.core.models import BaseModel

if TYPE_CHECKING:
    from leadline.accounts.models import User


def new_site_key() -> str:
    """The public key the snippet sends; random so that sites cannot be guessed or enumerated."""
    return secrets.token_urlsafe(18)


class SiteQuerySet(AccessQuerySet["Site"]):
    def visible_to(self, user: User) -> SiteQuerySet:
        return self if user.is_active else self.none()

    def editable_by(self, user: User) -> SiteQuerySet:
        return self if (user.is_admin or user.is_marketing) else self.none()


class Site(BaseModel):
    """A website that may send events: its key, the domains allowed to send them, its privacy choice."""

    name = models.CharField(max_length=120)
    key = models.CharField(max_length=64, unique=True, default=new_site_key, editable=False)
    allowed_domains = models.JSONField(
        default=list,
        blank=True,
        help_text="Host names (optionally *.wildcards or host:port) that may send events.",
    )
    respect_dnt = models.BooleanField(
        default=True,
        help_text="Store nothing from browsers that send Do-Not-Track or Global Privacy Control.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = SiteQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class VisitorQuerySet(AccessQuerySet["Visitor"]):
    def visible_to(self, user: User) -> VisitorQuerySet:
        # Anonymous browsing is workspace data everyone may read; an identified visitor is only
        # shown to those who may see its contact.
        if not user.is_active:
            return self.none()
        if user.is_admin or user.is_marketing:
            return self
        return self.filter(
            models.Q(contact__isnull=True) | models.Q(contact__in=Contact.objects.for_user(user))
        )

    def editable_by(self, user: User) -> VisitorQuerySet:
        return self.none()


class Visitor(BaseModel):
    """One browser on one site, known by the random id in its first-party cookie.

    `/t/collect` upserts this row on every request (sessions, counters, first touch); the stitching
    worker links it to a contact once the person is identified.
    """

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="visitors")
    visitor_uuid = models.UUIDField(help_text="The id from the browser's first-party cookie.")
    first_seen_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    session_id = models.UUIDField()
    session_started_at = models.DateTimeField()
    session_count = models.PositiveIntegerField(default=1)
    page_view_count = models.PositiveIntegerField(default=0)
    event_count = models.PositiveIntegerField(default=0)
    first_source = models.CharField(max_length=200, blank=True)
    first_medium = models.CharField(max_length=200, blank=True)
    first_campaign = models.CharField(max_length=200, blank=True)
    first_referrer = models.TextField(blank=True)
    first_landing_page = models.TextField(blank=True)
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="visitors"
    )
    identified_at = models.DateTimeField(null=True, blank=True)
    identify_email = models.CharField(
        max_length=254, blank=True, help_text="The last email the site passed to leadline.identify()."
    )
    identify_pending = models.BooleanField(default=False)
    company_domain = models.CharField(
        max_length=253,
        blank=True,
        help_text="A guess from a work email address, while the visitor is anonymous.",
    )

    objects = VisitorQuerySet.as_manager()

    class Meta:
        ordering = ["-last_seen_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["site", "visitor_uuid"], name="tracking_visitor_per_site"),
        ]
        indexes = [
            models.Index(fields=["-last_seen_at"], name="tracking_visitor_recent"),
            models.Index(fields=["visitor_uuid"], name="tracking_visitor_uuid"),
            models.Index(
                fields=["id"], condition=models.Q(identify_pending=True), name="tracking_visitor_to_identify"
            ),
        ]

    def __str__(self) -> str:
        return f"Visitor {self.visitor_uuid}"

    @property
    def short_id(self) -> str:
        return str(self.visitor_uuid)[:8]
