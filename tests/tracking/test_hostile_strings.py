"""HTML and JavaScript in every field of an event are stored verbatim and shown escaped."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from leadline.activity.models import Activity
from leadline.tracking.models import Visitor
from leadline.tracking.stitching import visitor_identify
from tests.activity.html import live_scripts, parse_elements
from tests.conftest import client_for
from tests.factories import ContactFactory
from tests.tracking.factories import ORIGIN, SiteFactory, send

HOSTILE = "<script>alert(1)</script>"
IMAGE = '"><img src=x onerror=alert(2)>'
FORMULA = '=HYPERLINK("https://evil.example")'


@pytest.fixture
def hostile_visit(db: None) -> str:
    site = SiteFactory()
    visitor = str(uuid.uuid4())
    url = f"{ORIGIN}/{HOSTILE}?utm_source={IMAGE}&utm_medium={HOSTILE}&utm_campaign={FORMULA}&utm_term={HOSTILE}"
    events = [
        {"type": "page.view", "url": url, "referrer": f"javascript:{HOSTILE}", "props": {"title": HOSTILE}},
        {
            "type": "page.view",
            "url": f"javascript:alert(3)//{IMAGE}",
            "referrer": f"https://{IMAGE}.example/",
        },
        {"type": "event", "name": HOSTILE, "url": url, "props": {IMAGE: HOSTILE}},
        {"type": "identify", "email": "ceo@evil-corp.example"},
    ]
    assert send(site, events, visitor=visitor).status_code == 204
    Visitor.objects.update(company_domain=IMAGE)
    return visitor


def test_they_are_stored_exactly_as_sent(hostile_visit: str) -> None:
    view = Activity.objects.filter(kind="page.view").order_by("id").first()
    assert view is not None
    assert HOSTILE in view.url
    assert view.referrer == f"javascript:{HOSTILE}"
    assert view.source == IMAGE
    assert view.medium == HOSTILE
    assert view.campaign == FORMULA
    assert view.data["utm_term"] == HOSTILE
    assert view.data["page_title"] == HOSTILE
    event = Activity.objects.get(kind="event.custom")
    assert event.title == HOSTILE
    assert event.data["props"] == {IMAGE: HOSTILE}


def executable_markup(html: str) -> list[str]:
    """Like `live_scripts`, but a JSON data block (json_script) is data, not code."""
    data_blocks = sum(
        1
        for tag, attributes in parse_elements(html)
        if tag == "script" and attributes.get("type") == "application/json"
    )
    found = live_scripts(html)
    for _ in range(data_blocks):
        found.remove("inline <script>")
    return found


@pytest.mark.parametrize("url", ["/website/", "/website/visitors/"])
def test_the_website_screens_show_them_escaped(hostile_visit: str, maria: Any, url: str) -> None:
    body = client_for(maria).get(url).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body or "&lt;img" in body
    assert HOSTILE not in body
    assert "<img src=x" not in body
    assert executable_markup(body) == []


def test_the_contact_timeline_shows_them_escaped_and_never_links_javascript(
    hostile_visit: str, maria: Any
) -> None:
    contact = ContactFactory()
    visitor_identify(visitor_id=hostile_visit, contact=contact)

    body = client_for(maria).get(f"/contacts/{contact.public_id}/").content.decode()

    assert "Event: &lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert HOSTILE not in body
    assert "<img src=x" not in body
    assert live_scripts(body) == []
