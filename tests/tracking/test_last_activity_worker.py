"""Page views of identified visitors move the contact's last activity forward, in a worker."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from leadline.tracking.tasks import refresh_contact_last_activity
from tests.factories import ContactFactory
from tests.tracking.factories import SiteFactory, VisitorFactory, page_view, send

pytestmark = pytest.mark.django_db


def test_it_moves_last_activity_to_the_latest_page_view() -> None:
    long_ago = timezone.now() - timedelta(days=10)
    contact = ContactFactory(last_activity_at=long_ago)
    visitor = VisitorFactory(contact=contact)
    send(visitor.site, [page_view()], visitor=str(visitor.visitor_uuid))

    contact.refresh_from_db()
    assert contact.last_activity_at == long_ago  # the request path leaves contacts alone

    assert refresh_contact_last_activity() > 0

    contact.refresh_from_db()
    assert contact.last_activity_at > timezone.now() - timedelta(minutes=1)


def test_it_reads_each_row_once() -> None:
    contact = ContactFactory()
    visitor = VisitorFactory(contact=contact)
    send(visitor.site, [page_view()], visitor=str(visitor.visitor_uuid))
    refresh_contact_last_activity()

    assert refresh_contact_last_activity() == 0


def test_anonymous_page_views_touch_no_contact() -> None:
    contact = ContactFactory(last_activity_at=None)
    send(SiteFactory(), [page_view()], visitor=str(uuid.uuid4()))

    refresh_contact_last_activity()

    contact.refresh_from_db()
    assert contact.last_activity_at is None
