"""The Website page: traffic of the last 30 days, top pages and sources, companies visiting."""

from __future__ import annotations

import json
import re
import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from leadline.activity.models import Kind
from tests.conftest import client_for
from tests.factories import ActivityFactory, ContactFactory
from tests.tracking.factories import ORIGIN, SiteFactory, VisitorFactory, page_view, send

URL = "/website/"


def chart_data(body: str) -> dict[str, Any]:
    match = re.search(r'<script id="pageviews-data" type="application/json">(.*?)</script>', body, re.S)
    assert match, "the chart data is missing"
    return json.loads(match.group(1))


@pytest.mark.parametrize("persona", ["alice", "maria", "sam", "oscar"])
def test_every_role_may_look(persona: str, personas: dict[str, Any]) -> None:
    SiteFactory()
    assert client_for(personas[persona]).get(URL).status_code == 200


def test_anonymous_people_are_sent_to_sign_in(client: Client, db: None) -> None:
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_sidebar_links_to_it(maria: Any) -> None:
    body = client_for(maria).get("/").content.decode()
    assert f'href="{URL}"' in body


def test_without_a_site_it_invites_marketing_to_add_one(maria: Any, sam: Any) -> None:
    body = client_for(maria).get(URL).content.decode()
    assert "No website is tracked yet" in body
    assert "/settings/sites/new/" in body
    assert "/settings/sites/new/" not in client_for(sam).get(URL).content.decode()


def test_it_counts_views_visitors_and_visits_and_draws_them_per_day(maria: Any) -> None:
    site = SiteFactory()
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    send(site, [page_view(f"{ORIGIN}/"), page_view(f"{ORIGIN}/pricing")], visitor=first)
    send(site, [page_view(f"{ORIGIN}/pricing")], visitor=second)
    ActivityFactory(kind=Kind.PAGE_VIEW, title="/too-old", occurred_at=timezone.now() - timedelta(days=40))

    response = client_for(maria).get(URL)

    overview = response.context["overview"]
    assert (overview.total_views, overview.visitors, overview.sessions) == (3, 2, 2)
    body = response.content.decode()
    data = chart_data(body)
    assert len(data["labels"]) == len(data["values"]) == 30
    assert data["values"][-1] == 3 and sum(data["values"]) == 3
    assert '<canvas id="pageviews-chart"' in body
    assert "vendor/chart.umd.min.js" in body and "tracking/website.js" in body
    assert "Show the numbers as a table" in body


def test_it_lists_top_pages_and_sources(maria: Any) -> None:
    site = SiteFactory()
    send(site, [page_view(f"{ORIGIN}/pricing?utm_source=google&utm_medium=cpc&utm_campaign=brand")])
    send(site, [page_view(f"{ORIGIN}/pricing", referrer="https://www.linkedin.com/")])
    send(site, [page_view(f"{ORIGIN}/blog", referrer="https://www.linkedin.com/")])
    send(site, [page_view(f"{ORIGIN}/blog", referrer="https://www.linkedin.com/")])

    overview = client_for(maria).get(URL).context["overview"]

    assert [(row["title"], row["views"]) for row in overview.top_pages] == [("/blog", 2), ("/pricing", 2)]
    assert [(row["source"], row["medium"], row["visits"]) for row in overview.top_sources] == [
        ("linkedin.com", "social", 3),
        ("google", "cpc", 1),
    ]


def test_companies_visiting_are_grouped_by_domain(maria: Any) -> None:
    site = SiteFactory()
    VisitorFactory(site=site, company_domain="acme.example", page_view_count=4)
    VisitorFactory(site=site, company_domain="acme.example", page_view_count=2)
    VisitorFactory(site=site, company_domain="globex.example")
    VisitorFactory(site=site, company_domain="known.example", contact=ContactFactory())

    overview = client_for(maria).get(URL).context["overview"]

    rows = {row["company_domain"]: (row["visitors"], row["views"]) for row in overview.companies}
    assert rows == {"acme.example": (2, 6), "globex.example": (1, 1)}


def test_it_can_show_one_site(maria: Any) -> None:
    shop, docs = SiteFactory(name="Shop"), SiteFactory(name="Docs")
    send(shop, [page_view(f"{ORIGIN}/shop-page")])
    send(docs, [page_view(f"{ORIGIN}/docs-page")])

    response = client_for(maria).get(URL, {"site": str(docs.public_id)})

    assert [row["title"] for row in response.context["overview"].top_pages] == ["/docs-page"]
    assert "All sites" in response.content.decode()


def test_a_junk_site_filter_shows_every_site(maria: Any) -> None:
    send(SiteFactory(), [page_view()])
    response = client_for(maria).get(URL, {"site": "<script>"})
    assert response.status_code == 200
    assert response.context["overview"].total_views == 1


def test_the_page_costs_the_same_number_of_queries_whatever_the_traffic(
    maria: Any, django_assert_max_num_queries: Any
) -> None:
    site = SiteFactory()
    client = client_for(maria)
    send(site, [page_view()])
    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    baseline = len(few)  # read now: every request clears the connection's query log
    assert baseline <= 20
    for number in range(30):
        VisitorFactory(site=site, company_domain=f"firm{number}.example")
        send(site, [page_view(f"{ORIGIN}/{number}", referrer=f"https://ref{number}.example/")])
    with django_assert_max_num_queries(baseline):
        client.get(URL)


def test_sales_do_not_see_identified_visitors_of_contacts_hidden_from_them(sam: Any, oscar: Any) -> None:
    site = SiteFactory()
    VisitorFactory(site=site, contact=ContactFactory(owner=oscar))
    VisitorFactory(site=site, contact=ContactFactory(owner=sam))

    assert client_for(sam).get(URL).context["overview"].identified == 1
