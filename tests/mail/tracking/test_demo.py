"""The demo's subscription types: three of them, added once."""

from __future__ import annotations

import pytest

from leadline.mail.demo_subscriptions import seed_subscription_types_demo
from leadline.mail.models import SubscriptionType

pytestmark = pytest.mark.django_db


def test_it_seeds_three_types_once():
    lines: list[str] = []

    seed_subscription_types_demo(lines.append)
    seed_subscription_types_demo(lines.append)

    assert list(SubscriptionType.objects.values_list("key", flat=True)) == [
        "newsletter",
        "product-news",
        "events",
    ]
    assert len(lines) == 1
