"""Forms tests share a clean cache (rate limits live there) and the SMTP test server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache

from tests.fixtures_smtp import smtp_mail, smtp_server  # noqa: F401


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()
