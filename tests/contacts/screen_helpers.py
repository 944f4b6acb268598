"""Small builders shared by the contact screen tests."""

from __future__ import annotations

from typing import Any

from leadline.contacts.models import CustomProperty, PropertyType
from tests.factories import ContactFactory, CustomPropertyFactory

HOSTILE = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def contact_owned_by(owner: Any, **fields: Any) -> Any:
    return ContactFactory(owner=owner, **fields)


def properties_of_every_type() -> dict[str, CustomProperty]:
    return {
        "budget": CustomPropertyFactory(key="budget", label="Budget", type=PropertyType.NUMBER),
        "renewal": CustomPropertyFactory(key="renewal", label="Renewal date", type=PropertyType.DATE),
        "plan": CustomPropertyFactory(
            key="plan", label="Plan", type=PropertyType.CHOICE, choices=["Starter", "Growth", "Scale"]
        ),
        "interests": CustomPropertyFactory(
            key="interests",
            label="Interests",
            type=PropertyType.MULTI_CHOICE,
            choices=["CRM", "Email", "Ads"],
        ),
        "vip": CustomPropertyFactory(key="vip", label="VIP", type=PropertyType.BOOLEAN),
        "notes_text": CustomPropertyFactory(key="notes_text", label="Background", type=PropertyType.TEXT),
    }
