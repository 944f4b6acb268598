"""visitor_identify: a visitor's anonymous history becomes part of the contact's timeline."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from leadline.activity.models import Activity, Kind
from leadline.contacts.models import Source
from leadline.tracking.models import Visitor
from leadline.tracking.stitching import visitor_first_touch, visitor_identify
from tests.factories import ActivityFactory, ContactFactory
from tests.tracking.factories import ORIGIN, SiteFactory, page_view, send

pytestmark = pytest.mark.django_db


def browse(site: object, visitor: str, *urls: str, referrer: str = "") -> None:
    for url in urls:
        send(site, [page_view(url, referrer=referrer)], visitor=visitor)


def test_it_stitches_every_earlier_visit_onto_the_contact() -> None:
    site = SiteFactory()
    visitor = str(uuid.uuid4())
    browse(site, visitor, f"{ORIGIN}/", f"{ORIGIN}/pricing", f"{ORIGIN}/contact")
    someone_else = str(uuid.uuid4())
    browse(site, someone_else, f"{ORIGIN}/careers")
    contact = ContactFactory(original_source="")

    attached = visitor_identify(visitor_id=visitor, contact=contact)

    assert attached == 3
    assert sorted(Activity.objects.filter(contact=contact).values_list("title", flat=True)) == [
        "/", "/contact", "/pricing"
    ]  # fmt: skip
    assert Activity.objects.get(visitor_id=someone_else).contact is None
    row = Visitor.objects.get(visitor_uuid=visitor)
    assert row.contact == contact
    assert row.identified_at is not None


def test_later_visits_arrive_already_attached() -> None:
    site = SiteFactory()
    visitor = str(uuid.uuid4())
    browse(site, visitor, f"{ORIGIN}/")
    contact = ContactFactory()
    visitor_identify(visitor_id=visitor, contact=contact)

    browse(site, visitor, f"{ORIGIN}/thanks")

    assert Activity.objects.get(title="/thanks").contact == contact


def test_it_sets_the_original_source_from_the_first_touch_when_it_was_unknown() -> None:
    site = SiteFactory()
    visitor = str(uuid.uuid4())
    browse(site, visitor, f"{ORIGIN}/?utm_source=google&utm_medium=cpc&utm_campaign=spring-sale")
    browse(site, visitor, f"{ORIGIN}/blog", referrer="https://www.linkedin.com/")
    contact = ContactFactory(original_source="", original_source_detail="")

    visitor_identify(visitor_id=visitor, contact=contact)

    contact.refresh_from_db()
    assert contact.original_source == Source.PAID_SEARCH
    assert contact.original_source_detail == "spring-sale"


@pytest.mark.parametrize(
    ("url", "referrer", "source", "detail"),
    [
        (f"{ORIGIN}/", "https://www.google.com/", Source.ORGANIC_SEARCH, "google.com"),
        (f"{ORIGIN}/", "https://www.facebook.com/", Source.SOCIAL, "facebook.com"),
        (f"{ORIGIN}/?utm_source=newsletter&utm_medium=email&utm_campaign=may", "", Source.EMAIL, "may"),
        (f"{ORIGIN}/?utm_source=linkedin&utm_medium=cpc&utm_campaign=abm", "", Source.PAID_SOCIAL, "abm"),
        (f"{ORIGIN}/", "https://partner.example/review", Source.REFERRAL, "partner.example"),
        (f"{ORIGIN}/", "", Source.DIRECT, ""),
    ],
)
def test_it_maps_the_first_touch_to_a_channel(url: str, referrer: str, source: str, detail: str) -> None:
    site = SiteFactory()
    visitor = str(uuid.uuid4())
    browse(site, visitor, url, referrer=referrer)
    contact = ContactFactory(original_source="")

    visitor_identify(visitor_id=visitor, contact=contact)

    contact.refresh_from_db()
    assert (contact.original_source, contact.original_source_detail) == (source, detail)


def test_it_keeps_an_original_source_that_was_already_known() -> None:
    site = SiteFactory()
    visitor = str(uuid.uuid4())
    browse(site, visitor, f"{ORIGIN}/?utm_source=google&utm_medium=cpc&utm_campaign=brand")
    contact = ContactFactory(original_source=Source.EVENT, original_source_detail="Trade fair 2025")

    visitor_identify(visitor_id=visitor, contact=contact)

    contact.refresh_from_db()
    assert (contact.original_source, contact.original_source_detail) == (Source.EVENT, "Trade fair 2025")


def test_a_contact_created_by_this_visit_gets_the_first_touch_over_its_default_source() -> None:
    site = SiteFactory()
    visitor = str(uuid.uuid4())
    browse(site, visitor, f"{ORIGIN}/", referrer="https://duckduckgo.com/")
    contact = ContactFactory(original_source=Source.MANUAL)

    visitor_identify(visitor_id=visitor, contact=contact, contact_created=True)

    contact.refresh_from_db()
    assert contact.original_source == Source.ORGANIC_SEARCH


def test_it_moves_last_activity_forward_but_never_back() -> None:
    site = SiteFactory()
    visitor = str(uuid.uuid4())
    browse(site, visitor, f"{ORIGIN}/")
    stale = ContactFactory(last_activity_at=timezone.now() - timedelta(days=3))
    visitor_identify(visitor_id=visitor, contact=stale)
    stale.refresh_from_db()
    assert stale.last_activity_at > timezone.now() - timedelta(minutes=1)

    future = timezone.now() + timedelta(days=1)
    fresh = ContactFactory(last_activity_at=future)
    other_visitor = str(uuid.uuid4())
    browse(site, other_visitor, f"{ORIGIN}/")
    visitor_identify(visitor_id=other_visitor, contact=fresh)
    fresh.refresh_from_db()
    assert fresh.last_activity_at == future


def test_it_never_takes_events_already_attached_to_someone_else() -> None:
    visitor = uuid.uuid4()
    first = ContactFactory()
    ActivityFactory(kind=Kind.PAGE_VIEW, contact=first, visitor_id=visitor, title="/shared-computer")
    second = ContactFactory()

    visitor_identify(visitor_id=str(visitor), contact=second)

    assert Activity.objects.get(title="/shared-computer").contact == first


def test_an_unseen_visitor_id_attaches_nothing_but_later_visits_follow_the_contact() -> None:
    site = SiteFactory()
    contact = ContactFactory(original_source=Source.MANUAL)
    visitor = str(uuid.uuid4())

    assert visitor_identify(visitor_id=visitor, contact=contact, site=site, contact_created=True) == 0

    contact.refresh_from_db()
    assert contact.original_source == Source.MANUAL
    browse(site, visitor, f"{ORIGIN}/welcome")
    assert Activity.objects.get(title="/welcome").contact == contact


@pytest.mark.parametrize("visitor_id", ["", "not-a-uuid", None, 42, "<script>"])
def test_a_visitor_id_that_is_not_a_uuid_is_ignored(visitor_id: object) -> None:
    contact = ContactFactory()
    assert visitor_identify(visitor_id=visitor_id, contact=contact, site=SiteFactory()) == 0
    assert not Visitor.objects.exists()


def test_the_first_touch_can_be_read_before_the_contact_exists() -> None:
    site = SiteFactory()
    visitor = str(uuid.uuid4())
    browse(site, visitor, f"{ORIGIN}/landing?utm_source=bing&utm_medium=cpc&utm_campaign=q3")

    touch = visitor_first_touch(visitor_id=visitor)

    assert touch is not None
    assert (touch.source, touch.detail) == (Source.PAID_SEARCH, "q3")
    assert touch.landing_page.startswith(f"{ORIGIN}/landing")
    assert visitor_first_touch(visitor_id=str(uuid.uuid4())) is None


def test_a_merged_contact_keeps_its_visitors() -> None:
    from leadline.contacts.services import contact_merge

    site = SiteFactory()
    visitor = str(uuid.uuid4())
    browse(site, visitor, f"{ORIGIN}/")
    duplicate, primary = ContactFactory(), ContactFactory()
    visitor_identify(visitor_id=visitor, contact=duplicate)

    contact_merge(primary=primary, duplicate=duplicate, actor=None)
    browse(site, visitor, f"{ORIGIN}/after-merge")

    assert Visitor.objects.get().contact == primary
    assert Activity.objects.get(title="/after-merge").contact == primary
