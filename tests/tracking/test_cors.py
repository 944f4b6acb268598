"""CORS: preflights from an allowed origin succeed; others are refused."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.tracking.factories import SiteFactory

pytestmark = pytest.mark.django_db


def preflight(origin: str) -> object:
    return Client().options(
        "/t/collect",
        HTTP_ORIGIN=origin,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type",
    )


def test_a_preflight_from_an_allowed_origin_is_answered_with_the_cors_headers() -> None:
    SiteFactory(allowed_domains=["www.shop.example"])
    response = preflight("https://www.shop.example")

    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == "https://www.shop.example"
    assert "POST" in response["Access-Control-Allow-Methods"]
    assert response["Access-Control-Allow-Headers"] == "Content-Type"
    assert int(response["Access-Control-Max-Age"]) > 0
    assert "Origin" in response["Vary"]


def test_a_preflight_from_another_origin_is_refused() -> None:
    SiteFactory(allowed_domains=["www.shop.example"])
    response = preflight("https://evil.example")

    assert response.status_code == 403
    assert "Access-Control-Allow-Origin" not in response


def test_a_domain_with_a_port_only_allows_that_port() -> None:
    SiteFactory(allowed_domains=["localhost:8001"])
    assert preflight("http://localhost:8001").status_code == 204
    assert preflight("http://localhost:8002").status_code == 403
    assert preflight("http://localhost").status_code == 403


def test_a_domain_without_a_port_allows_any_port_and_scheme() -> None:
    SiteFactory(allowed_domains=["localhost"])
    assert preflight("http://localhost:5173").status_code == 204
    assert preflight("https://localhost").status_code == 204


def test_a_wildcard_allows_subdomains_and_the_domain_itself_but_not_lookalikes() -> None:
    SiteFactory(allowed_domains=["*.shop.example"])
    assert preflight("https://shop.example").status_code == 204
    assert preflight("https://blog.eu.shop.example").status_code == 204
    assert preflight("https://evilshop.example").status_code == 403
    assert preflight("https://shop.example.evil.example").status_code == 403
