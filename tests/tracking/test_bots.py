"""Crawlers, monitoring tools and scripts are answered 204 but leave no trace."""

from __future__ import annotations

import pytest

from leadline.activity.models import Activity
from leadline.tracking.models import Visitor
from tests.tracking.factories import SiteFactory, page_view, send

pytestmark = pytest.mark.django_db

BOTS = [
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0 Safari/537.36",
    "python-requests/2.32.3",
    "curl/8.5.0",
    "UptimeRobot/2.0; http://www.uptimerobot.com/",
]


@pytest.mark.parametrize("user_agent", BOTS)
def test_it_drops_events_from_crawlers_and_scripts(user_agent: str) -> None:
    response = send(SiteFactory(), [page_view()], user_agent=user_agent)

    assert response.status_code == 204
    assert not Activity.objects.exists()
    assert not Visitor.objects.exists()


def test_it_drops_events_from_clients_without_a_user_agent() -> None:
    response = send(SiteFactory(), [page_view()], user_agent=None)
    assert response.status_code == 204
    assert not Activity.objects.exists()


def test_it_keeps_events_from_real_browsers() -> None:
    firefox = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
    response = send(SiteFactory(), [page_view()], user_agent=firefox)
    assert response.status_code == 204
    assert Activity.objects.count() == 1
