"""Demo data for the preference centre: three subscription types people can opt out of one by one.

`seed_subscription_types_demo` is idempotent: a type is only added when its key is not there yet.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

from leadline.accounts.models import User
from leadline.core.demo import DEMO_ADMIN_EMAIL
from leadline.mail.models import SubscriptionType
from leadline.mail.preferences import subscription_type_create

TYPES = [
    {
        "key": "newsletter",
        "name": "Newsletter",
        "description": "One email a month with practical ideas and what we have been up to.",
        "position": 10,
    },
    {
        "key": "product-news",
        "name": "Product news",
        "description": "New features and improvements, a few times a year.",
        "position": 20,
    },
    {
        "key": "events",
        "name": "Events",
        "description": "Invitations to webinars and meet-ups near you.",
        "position": 30,
    },
]


def seed_subscription_types_demo(echo: Callable[[str], object] = print) -> None:
    actor = User.objects.filter(email=DEMO_ADMIN_EMAIL).first()
    existing = set(SubscriptionType.objects.values_list("key", flat=True))
    created = 0
    with transaction.atomic():
        for data in TYPES:
            if data["key"] not in existing:
                subscription_type_create(actor=actor, data=dict(data))
                created += 1
    if created:
        echo(f"  Subscription types: {created} added (newsletter, product news, events)")
