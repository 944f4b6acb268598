"""Anonymous visitors: newest first, filterable by company domain, a constant number of queries."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.conftest import client_for
from tests.factories import ContactFactory
from tests.tracking.factories import SiteFactory, VisitorFactory

URL = "/website/visitors/"


@pytest.mark.parametrize("persona", ["alice", "maria", "sam", "oscar"])
def test_every_role_may_look(persona: str, personas: dict[str, Any]) -> None:
    assert client_for(personas[persona]).get(URL).status_code == 200


def test_anonymous_people_are_sent_to_sign_in(client: Client, db: None) -> None:
    assert client.get(URL).status_code == 302


def test_it_lists_only_anonymous_visitors_newest_first(maria: Any) -> None:
    now = timezone.now()
    older = VisitorFactory(last_seen_at=now - timedelta(hours=2), first_source="google", first_medium="cpc")
    newer = VisitorFactory(last_seen_at=now - timedelta(minutes=5), company_domain="acme.example")
    VisitorFactory(contact=ContactFactory())

    response = client_for(maria).get(URL)

    assert list(response.context["page"].object_list) == [newer, older]
    body = response.content.decode()
    assert newer.short_id in body and "acme.example" in body and "google" in body


def test_it_filters_by_company_domain(maria: Any) -> None:
    wanted = VisitorFactory(company_domain="acme.example")
    VisitorFactory(company_domain="globex.example")

    response = client_for(maria).get(URL, {"domain": "ACME.example"})

    assert list(response.context["page"].object_list) == [wanted]


def test_it_searches_sources_and_landing_pages(maria: Any) -> None:
    wanted = VisitorFactory(first_campaign="spring-sale")
    VisitorFactory(first_campaign="autumn")
    assert list(client_for(maria).get(URL, {"q": "spring"}).context["page"].object_list) == [wanted]


def test_it_pages_through_many_visitors(maria: Any) -> None:
    site = SiteFactory()
    for _ in range(30):
        VisitorFactory(site=site)
    response = client_for(maria).get(URL, {"per_page": 25, "page": 2})
    assert len(response.context["page"].object_list) == 5
    assert "Page 2 of 2" in response.content.decode()


def test_an_empty_list_says_why(maria: Any) -> None:
    assert "No anonymous visitors" in client_for(maria).get(URL).content.decode()


def test_the_list_costs_the_same_number_of_queries_whatever_its_length(
    maria: Any, django_assert_max_num_queries: Any
) -> None:
    client = client_for(maria)
    VisitorFactory()
    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    baseline = len(few)  # read now: every request clears the connection's query log
    assert baseline <= 20
    for _ in range(40):
        VisitorFactory(site=SiteFactory())
    with django_assert_max_num_queries(baseline):
        client.get(URL)
