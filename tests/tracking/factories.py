"""Factories and helpers for the tracking tests."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import factory
from django.test import Client
from django.utils import timezone

from leadline.tracking.models import Site, Visitor

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36"
ORIGIN = "https://www.shop.example"


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site

    name = factory.Sequence(lambda n: f"Website {n}")
    allowed_domains = factory.LazyFunction(lambda: ["www.shop.example", "*.shop-cdn.example"])
    respect_dnt = True


class VisitorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Visitor

    site = factory.SubFactory(SiteFactory)
    visitor_uuid = factory.LazyFunction(uuid.uuid4)
    first_seen_at = factory.LazyFunction(timezone.now)
    last_seen_at = factory.LazyFunction(timezone.now)
    session_id = factory.LazyFunction(uuid.uuid4)
    session_started_at = factory.LazyFunction(timezone.now)
    page_view_count = 1


def page_view(url: str = f"{ORIGIN}/", referrer: str = "", **extra: Any) -> dict[str, Any]:
    return {"type": "page.view", "url": url, "referrer": referrer, "ts": int(time.time() * 1000), **extra}


def send(
    site: Site | str,
    events: list[dict[str, Any]] | Any,
    *,
    visitor: str | None = None,
    origin: str | None = ORIGIN,
    user_agent: str | None = BROWSER,
    client: Client | None = None,
    **headers: str,
) -> Any:
    """POST a batch to /t/collect the way the snippet does (a text/plain JSON body)."""
    key = site if isinstance(site, str) else site.key
    body = {"site": key, "visitor": visitor or str(uuid.uuid4()), "events": events}
    return post_raw(json.dumps(body), origin=origin, user_agent=user_agent, client=client, **headers)


def post_raw(
    body: str | bytes,
    *,
    origin: str | None = ORIGIN,
    user_agent: str | None = BROWSER,
    client: Client | None = None,
    **headers: str,
) -> Any:
    extra = dict(headers)
    if origin is not None:
        extra["HTTP_ORIGIN"] = origin
    if user_agent is not None:
        extra["HTTP_USER_AGENT"] = user_agent
    return (client or Client()).post("/t/collect", body, content_type="text/plain;charset=UTF-8", **extra)
