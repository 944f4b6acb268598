"""Identity stitching: once a visitor is known to be a contact, their anonymous history becomes part
of the contact's timeline.

`visitor_identify` is the one entry point, called by form submissions (synchronously, since the
person just told us who they are) and by the worker that processes `leadline.identify(email)` calls
recorded by `/t/collect`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from leadline.activity.models import Activity
from leadline.contacts.models import Contact, Source
from leadline.core.access import parse_public_id
from leadline.tracking.models import Site, Visitor
from leadline.tracking.sources import channel, channel_detail

logger = logging.getLogger(__name__)

# A contact whose first touch is one of these has no real first touch yet.
UNKNOWN_SOURCES = {"", Source.OTHER}
IDENTIFY_BATCH = 500


@dataclass(frozen=True)
class FirstTouch:
    """How a visitor first arrived, as the contact's original source and its detail."""

    source: str
    detail: str
    landing_page: str
    at: datetime


def _first_touch(visitor: Visitor) -> FirstTouch:
    return FirstTouch(
        source=channel(
            source=visitor.first_source, medium=visitor.first_medium, referrer=visitor.first_referrer
        ),
        detail=channel_detail(
            source=visitor.first_source, campaign=visitor.first_campaign, referrer=visitor.first_referrer
        ),
        landing_page=visitor.first_landing_page,
        at=visitor.first_seen_at,
    )


def visitor_first_touch(*, visitor_id: Any) -> FirstTouch | None:
    """The first touch of the browser with this id (on any site), or None if it was never seen."""
    visitor_uuid = parse_public_id(visitor_id)
    if visitor_uuid is None:
        return None
    visitor = Visitor.objects.filter(visitor_uuid=visitor_uuid).order_by("first_seen_at", "id").first()
    return _first_touch(visitor) if visitor is not None else None


def visitor_identify(
    *, visitor_id: Any, contact: Contact, site: Site | None = None, contact_created: bool = False
) -> int:
    """Link the browser with this visitor id to `contact` and attach its earlier events to them.

    - Every visitor row of that id (on `site`, or on every site when None) now points at the contact,
      so later events arrive already attached.
    - Every earlier event of that id without a contact is attached in one UPDATE.
    - The contact's original source is set from the visitor's first touch when it was unknown, or
      when `contact_created` says the contact was created just now by this visitor (so its source
      is only a default).
    - `last_activity_at` moves forward to the visitor's last visit.

    A visitor id that is not a UUID, or that was never seen, attaches nothing and returns 0; with a
    `site`, an unseen id still gets a visitor row so that its later events are attached. Returns the
    number of events attached.
    """
    visitor_uuid = parse_public_id(visitor_id)
    if visitor_uuid is None:
        return 0
    now = timezone.now()
    with transaction.atomic():
        # The visitor rows first: /t/collect upserts the same rows, so the two paths serialise here
        # and no event can be written unattached after the UPDATE below has run.
        visitors_query = Visitor.objects.filter(visitor_uuid=visitor_uuid)
        if site is not None:
            visitors_query = visitors_query.filter(site=site)
        visitors = list(visitors_query.select_for_update().order_by("first_seen_at", "id"))
        if not visitors and site is not None:
            visitor, _ = Visitor.objects.get_or_create(
                site=site,
                visitor_uuid=visitor_uuid,
                defaults={
                    "first_seen_at": now,
                    "last_seen_at": now,
                    "session_id": visitor_uuid,
                    "session_started_at": now,
                    "session_count": 0,
                },
            )
            visitors = [visitor]
            has_history = False
        else:
            has_history = bool(visitors)
        Visitor.objects.filter(pk__in=[visitor.pk for visitor in visitors]).update(
            contact=contact, identify_pending=False
        )
        Visitor.objects.filter(
            pk__in=[visitor.pk for visitor in visitors], identified_at__isnull=True
        ).update(identified_at=now)
        attached = Activity.objects.filter(visitor_id=visitor_uuid, contact__isnull=True).update(
            contact=contact
        )

        changes: dict[str, Any] = {}
        fresh = Contact.objects.filter(pk=contact.pk).values("original_source", "last_activity_at").first()
        if fresh is None:
            return 0
        if has_history and (contact_created or fresh["original_source"] in UNKNOWN_SOURCES):
            first = _first_touch(visitors[0])
            changes["original_source"] = first.source
            changes["original_source_detail"] = first.detail
        last_seen = max((visitor.last_seen_at for visitor in visitors), default=None)
        if (
            has_history
            and last_seen
            and (fresh["last_activity_at"] is None or last_seen > fresh["last_activity_at"])
        ):
            changes["last_activity_at"] = last_seen
        if changes:
            Contact.objects.filter(pk=contact.pk).update(**changes, updated_at=now)
            for name, value in changes.items():
                setattr(contact, name, value)
    return attached


def identify_pending_visitors(*, limit: int = IDENTIFY_BATCH) -> int:
    """One batch of `leadline.identify(email)` calls: stitch visitors whose email belongs to a contact.

    Identify calls never create contacts (anyone can type any address into a website); an email
    without a contact is kept on the visitor for the company guess and checked again on its next
    identify call. Returns the number of visitors processed.
    """
    batch = list(
        Visitor.objects.filter(identify_pending=True)
        .order_by("id")
        .values("id", "visitor_uuid", "identify_email", "contact_id")[:limit]
    )
    if not batch:
        return 0
    emails = {row["identify_email"] for row in batch}
    contacts = {contact.email: contact for contact in Contact.objects.filter(email__in=emails)}
    failed: set[int] = set()
    for row in batch:
        contact = contacts.get(row["identify_email"])
        if contact is not None and row["contact_id"] != contact.pk:
            try:
                visitor_identify(visitor_id=row["visitor_uuid"], contact=contact)
            except Exception:
                logger.exception(
                    "Stitching visitor %s failed; it is tried again next time", row["visitor_uuid"]
                )
                failed.add(row["id"])
    # Only rows whose email did not change meanwhile: a newer identify call stays pending.
    by_email: dict[str, list[int]] = {}
    for row in batch:
        if row["id"] not in failed:
            by_email.setdefault(row["identify_email"], []).append(row["id"])
    for email, ids in by_email.items():
        Visitor.objects.filter(Q(id__in=ids) & Q(identify_email=email)).update(identify_pending=False)
    return len(batch)
