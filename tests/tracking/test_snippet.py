"""GET /t.js: the tracking script, served as JavaScript and cacheable."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_it_is_served_as_javascript_with_long_cache_headers() -> None:
    response = Client().get("/t.js")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert "max-age=86400" in response["Cache-Control"]
    assert response["ETag"]
    body = response.content.decode()
    assert "/t/collect" in body and "sendBeacon" in body and "data-site" in body


def test_a_browser_with_the_current_copy_gets_a_304() -> None:
    client = Client()
    etag = client.get("/t.js")["ETag"]
    response = client.get("/t.js", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    assert response.content == b""


def test_it_sets_no_cookie_and_needs_no_session() -> None:
    response = Client().get("/t.js")
    assert not response.cookies


def test_it_only_answers_get() -> None:
    assert Client().post("/t.js").status_code == 405
