"""Identified visitors' page views read naturally on the contact timeline."""

from __future__ import annotations

import uuid
from typing import Any

from leadline.tracking.stitching import visitor_identify
from tests.conftest import client_for
from tests.factories import ContactFactory
from tests.tracking.factories import ORIGIN, SiteFactory, page_view, send


def test_page_views_read_viewed_path_with_their_source(maria: Any) -> None:
    site = SiteFactory()
    visitor = str(uuid.uuid4())
    send(
        site,
        [page_view(f"{ORIGIN}/pricing?utm_source=google&utm_medium=cpc&utm_campaign=spring")],
        visitor=visitor,
    )
    send(site, [{"type": "event", "name": "Started trial", "url": f"{ORIGIN}/signup"}], visitor=visitor)
    contact = ContactFactory()
    visitor_identify(visitor_id=visitor, contact=contact)

    body = client_for(maria).get(f"/contacts/{contact.public_id}/?kind=web").content.decode()

    assert "Viewed /pricing" in body
    assert "via google / cpc · campaign spring" in body
    assert "Event: Started trial" in body
    assert f'href="{ORIGIN}/pricing?utm_source=google' in body
