import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _forget_used_codes():
    # allauth remembers used one-time codes in the cache; each test starts with a clean slate.
    cache.clear()
    yield
    cache.clear()
