from __future__ import annotations

from collections.abc import Iterator

import pytest

from leadline.tracking.selectors import site_cache_forget


@pytest.fixture(autouse=True)
def fresh_site_cache() -> Iterator[None]:
    """Each test starts with an empty site-key cache (a process-wide cache outlives test rollbacks)."""
    site_cache_forget()
    yield
    site_cache_forget()
