"""Requests written together (group commit) still succeed or fail one by one."""

from __future__ import annotations

import uuid

import pytest
from django.utils import timezone

from leadline.activity.models import Activity
from leadline.tracking.ingest import _PendingWrite, _write_group, parse_batch
from leadline.tracking.models import Visitor
from tests.tracking.factories import ORIGIN, SiteFactory, page_view

pytestmark = pytest.mark.django_db(transaction=True)


def pending(site_id: int, site_key: str, url: str) -> _PendingWrite:
    import json

    now = timezone.now()
    body = json.dumps({"site": site_key, "visitor": str(uuid.uuid4()), "events": [page_view(url)]})
    return _PendingWrite(site_id, parse_batch(body.encode(), now=now), now)


def test_a_request_for_a_vanished_site_fails_alone() -> None:
    site = SiteFactory()
    kept = pending(site.pk, site.key, f"{ORIGIN}/kept")
    vanished = pending(site.pk + 1000, "gone", f"{ORIGIN}/lost")
    also_kept = pending(site.pk, site.key, f"{ORIGIN}/also-kept")

    _write_group([kept, vanished, also_kept])

    assert all(write.done for write in (kept, vanished, also_kept))
    assert kept.error is None and also_kept.error is None
    assert vanished.error is not None and vanished.error.status == 404
    assert sorted(Activity.objects.values_list("title", flat=True)) == ["/also-kept", "/kept"]
    assert Visitor.objects.count() == 2
