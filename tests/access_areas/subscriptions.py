"""Access table of the subscription type screens: admins and marketing manage the types and see
who unsubscribed; a contact's email subscriptions follow the contact (sam cannot see oscar's)."""

from __future__ import annotations

from typing import Any

from leadline.mail.models import SubscriptionType
from tests.access_areas import Entry, importers, oscars

S = "/email/subscriptions"

UI_ROUTES: dict[str, Entry] = {
    "mail:subscription_list": importers(f"{S}/"),
    "mail:subscription_create": importers(f"{S}/new/"),
    "mail:subscription_edit": importers(f"{S}/{{subscription_type}}/"),
    "mail:subscription_archive": importers(f"{S}/{{subscription_type}}/archive/", "POST"),
    "mail:subscription_restore": importers(f"{S}/{{subscription_type}}/restore/", "POST"),
    "mail:unsubscribe_list": importers(f"{S}/unsubscribes/"),
    "mail:contact_unsubscribes": oscars(f"{S}/contacts/{{contact}}/"),
}


def world(personas: dict[str, Any], ids: dict[str, str]) -> dict[str, str]:
    subscription_type = SubscriptionType.objects.create(key="access-newsletter", name="Newsletter")
    return {"subscription_type": str(subscription_type.public_id)}
