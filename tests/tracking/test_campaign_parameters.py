"""Where a visit came from: UTM parameters, click ids and referrers end up in typed columns."""

from __future__ import annotations

import time
import uuid

import pytest

from leadline.activity.models import Activity
from leadline.tracking.models import Visitor
from tests.tracking.factories import ORIGIN, SiteFactory, page_view, send

pytestmark = pytest.mark.django_db


def only_row() -> Activity:
    return Activity.objects.get()


def test_it_reads_all_five_utm_parameters() -> None:
    url = (
        f"{ORIGIN}/pricing?utm_source=Newsletter&utm_medium=email&utm_campaign=spring%20sale"
        "&utm_term=crm+tool&utm_content=hero-button"
    )
    send(SiteFactory(), [page_view(url, referrer="https://mail.google.com/")])

    row = only_row()
    assert (row.source, row.medium, row.campaign) == ("Newsletter", "email", "spring sale")
    assert row.data["utm_term"] == "crm tool"
    assert row.data["utm_content"] == "hero-button"
    assert row.title == "/pricing"


def test_it_keeps_ad_click_ids_and_infers_the_network_when_there_is_no_utm() -> None:
    send(SiteFactory(), [page_view(f"{ORIGIN}/?gclid=Cj0KCQ123&msclkid=ms-1")])

    row = only_row()
    assert (row.source, row.medium) == ("google", "cpc")
    assert row.data["gclid"] == "Cj0KCQ123"
    assert row.data["msclkid"] == "ms-1"


def test_utm_wins_over_a_click_id() -> None:
    send(SiteFactory(), [page_view(f"{ORIGIN}/?fbclid=abc&utm_source=partner&utm_medium=referral")])

    row = only_row()
    assert (row.source, row.medium) == ("partner", "referral")
    assert row.data["fbclid"] == "abc"


@pytest.mark.parametrize(
    ("referrer", "source", "medium"),
    [
        ("https://www.google.com/search?q=leadline", "google.com", "organic"),
        ("https://duckduckgo.com/", "duckduckgo.com", "organic"),
        ("https://www.linkedin.com/feed/", "linkedin.com", "social"),
        ("https://t.co/abc", "t.co", "social"),
        ("https://blog.partner.example/review", "blog.partner.example", "referral"),
    ],
)
def test_it_classifies_an_outside_referrer(referrer: str, source: str, medium: str) -> None:
    send(SiteFactory(), [page_view(f"{ORIGIN}/", referrer=referrer)])

    row = only_row()
    assert (row.source, row.medium, row.campaign) == (source, medium, "")
    assert row.referrer == referrer


def test_a_link_within_the_site_is_no_source() -> None:
    send(SiteFactory(), [page_view(f"{ORIGIN}/pricing", referrer=f"{ORIGIN}/")])
    assert (only_row().source, only_row().medium) == ("", "")


def test_a_visit_without_referrer_or_campaign_is_direct() -> None:
    send(SiteFactory(), [page_view(f"{ORIGIN}/")])
    assert (only_row().source, only_row().medium) == ("", "")


def test_the_visitor_keeps_its_first_touch_when_later_visits_come_from_elsewhere() -> None:
    site = SiteFactory()
    visitor = str(uuid.uuid4())
    send(site, [page_view(f"{ORIGIN}/?utm_source=google&utm_medium=cpc&utm_campaign=brand")], visitor=visitor)
    send(site, [page_view(f"{ORIGIN}/blog", referrer="https://news.ycombinator.com/")], visitor=visitor)

    row = Visitor.objects.get()
    assert (row.first_source, row.first_medium, row.first_campaign) == ("google", "cpc", "brand")
    assert row.first_landing_page.startswith(f"{ORIGIN}/?utm_source=google")


def test_the_first_touch_is_the_earliest_hit_even_when_a_later_beacon_arrives_first() -> None:
    site = SiteFactory()
    visitor = str(uuid.uuid4())
    now_ms = int(time.time() * 1000)
    second_page = page_view(f"{ORIGIN}/pricing?utm_source=newsletter&utm_medium=email", ts=now_ms - 1000)
    first_page = page_view(
        f"{ORIGIN}/?utm_source=google&utm_medium=cpc&utm_campaign=brand", ts=now_ms - 60_000
    )
    send(site, [second_page], visitor=visitor)
    send(site, [first_page], visitor=visitor)

    row = Visitor.objects.get()
    assert (row.first_source, row.first_medium, row.first_campaign) == ("google", "cpc", "brand")
    assert row.first_landing_page == first_page["url"]
