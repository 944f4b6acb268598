"""The dashboard screens: every role reads them, in a fixed number of queries, with a chart, the
table behind it, and links to the people and deals behind the numbers."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from leadline.accounts.models import User
from tests.analytics.dashboards.dataset import World
from tests.conftest import client_for

DASHBOARDS = ["analytics:index", "analytics:marketing", "analytics:sales"]
RANGE = {"start": "2026-01-01", "end": "2026-03-15", "compare": "on"}


@pytest.mark.parametrize("name", DASHBOARDS)
def test_it_renders_each_dashboard_for_each_role(
    world: World, personas: dict[str, User], name: str, django_assert_max_num_queries: Any
) -> None:
    for persona in ("alice", "maria", "sam"):
        client = client_for(personas[persona])
        with django_assert_max_num_queries(35):
            response = client.get(reverse(name), RANGE)
        assert response.status_code == 200
        body = response.content.decode()
        assert "<canvas" in body
        assert "<table" in body
        assert "Export CSV" in body


def test_it_sends_anonymous_people_to_sign_in(db: None) -> None:
    response = client_for(None).get(reverse("analytics:index"))
    assert response.status_code == 302
    assert "/login" in response["Location"] or "login" in response["Location"]


def test_it_survives_nonsense_in_the_query_string(alice: User) -> None:
    client = client_for(alice)
    response = client.get(
        reverse("analytics:marketing"),
        {"start": "2026-13-45", "end": "yesterday", "owner": "'; DROP TABLE", "source": "=cmd|' /C calc'!A0"},
    )
    assert response.status_code == 200
    response = client.get(reverse("analytics:index"), {"start": "2026-03-01", "end": "2026-01-01"})
    assert response.status_code == 200
    assert "before its start" in response.content.decode()


def test_it_links_a_funnel_number_to_the_people_behind_it(world: World, alice: User) -> None:
    client = client_for(alice)
    page = client.get(reverse("analytics:index"), RANGE).content.decode()
    assert "metric=funnel" in page
    response = client.get(reverse("analytics:drill"), {**RANGE, "metric": "funnel", "value": "customer"})
    assert response.status_code == 200
    assert "/contacts/" in response.content.decode()


def test_it_refuses_an_unknown_number(alice: User) -> None:
    response = client_for(alice).get(reverse("analytics:drill"), {"metric": "nope"})
    assert response.status_code == 400


def test_it_exports_a_table_as_safe_csv(world: World, alice: User) -> None:
    client = client_for(alice)
    response = client.get(reverse("analytics:export", args=["shared", "funnel"]), RANGE)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode().splitlines()
    assert lines[0].startswith("Step,")
    assert len(lines) == 7
    missing = client.get(reverse("analytics:export", args=["shared", "nothing"]))
    assert missing.status_code == 404
