"""The demo workspace: seeded once from a fixed seed."""

from __future__ import annotations

from collections.abc import Callable

DEMO_ADMIN_EMAIL = "admin@demo.leadline.test"
DEMO_ADMIN_PASSWORD = "leadline-demo"


def seed_demo(*, echo: Callable[[str], object] = print) -> None:
    from leadline.accounts.services import admin_create_or_update
    from leadline.accounts.models import User

    if not User.objects.filter(email=DEMO_ADMIN_EMAIL).exists():
        admin_create_or_update(email=DEMO_ADMIN_EMAIL, password=DEMO_ADMIN_PASSWORD)
