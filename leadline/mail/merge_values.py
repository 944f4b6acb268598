"""The values merge tags read: a flat dict of plain strings built for one recipient and one sender.

Nothing else reaches a template: no model instance, no settings, no callables. Campaigns build this
dict once per recipient; previews and test sends build it for a chosen contact (or none, in which
case each tag shows its default).
"""

from __future__ import annotations

from functools import cache
from typing import Any
from uuid import UUID

from django.conf import settings

from leadline.contacts.countries import country_choices
from leadline.core.signing import BadToken, make_compact_token, read_compact_token, uuid_bytes
from leadline.mail import merge_tags
from leadline.mail.merge_tags import display_value

UNSUBSCRIBE_TOKEN_PURPOSE = "mail.unsubscribe"
# Shown in previews and test sends: the link that a real recipient gets is personal.
SAMPLE_UNSUBSCRIBE_PATH = "/u/preview"


@cache
def _country_names() -> dict[str, str]:
    return dict(country_choices())


def booking_link(*, contact: Any) -> str:
    """The `{{ booking_link }}` of an email: the public booking pages (sales plugs in per-owner pages)."""
    return f"{settings.BASE_URL}/meet/"


def unsubscribe_url(*, contact: Any, message: Any = None) -> str:
    """The personal one-click unsubscribe link of a contact (served at /u/<token>); with the
    message it came in, so the report can count it and the subscription type is known."""
    if contact is None or not getattr(contact, "public_id", None):
        return settings.BASE_URL + SAMPLE_UNSUBSCRIBE_PATH
    payload = uuid_bytes(contact.public_id)
    if message is not None:
        payload += uuid_bytes(message.public_id)
    return f"{settings.BASE_URL}/u/{make_compact_token(payload, purpose=UNSUBSCRIBE_TOKEN_PURPOSE)}"


def read_unsubscribe_token(token: str) -> tuple[UUID, UUID | None]:
    """(contact public id, message public id or None) of an unsubscribe link; raises BadToken."""
    payload = read_compact_token(token, purpose=UNSUBSCRIBE_TOKEN_PURPOSE)
    if len(payload) == 16:
        return UUID(bytes=payload), None
    if len(payload) == 32:
        return UUID(bytes=payload[:16]), UUID(bytes=payload[16:])
    raise BadToken("Bad token")


def contact_values(contact: Any) -> dict[str, str]:
    if contact is None:
        return {}
    company = contact.company if contact.company_id else None
    owner = contact.owner if contact.owner_id else None
    values = {
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "full_name": contact.full_name,
        "email": contact.email or "",
        "phone": contact.phone,
        "job_title": contact.job_title,
        "city": contact.city,
        "country": _country_names().get(contact.country, contact.country),
        "company": company.name if company else "",
        "company_domain": (company.domain or "") if company else "",
        "company_industry": company.industry if company else "",
        "owner_name": owner.get_full_name() if owner else "",
        "owner_first_name": owner.first_name if owner else "",
        "owner_email": owner.email if owner else "",
    }
    for key, value in (contact.properties or {}).items():
        values[f"{merge_tags.CONTACT_PROPERTY_PREFIX}{key}"] = display_value(value)
    for key, value in ((company.properties or {}) if company else {}).items():
        values[f"{merge_tags.COMPANY_PROPERTY_PREFIX}{key}"] = display_value(value)
    return values


def sender_values(identity: Any) -> dict[str, str]:
    if identity is None:
        return {}
    return {
        "sender_name": identity.from_name,
        "sender_email": identity.from_email,
        "postal_address": identity.postal_address.strip(),
    }


def merge_values(*, contact: Any, sender: Any, unsubscribe: str | None = None) -> dict[str, str]:
    """Every value the merge tags may read for `contact` (or none) sending from `sender`."""
    return {
        **contact_values(contact),
        **sender_values(sender),
        "booking_link": booking_link(contact=contact),
        "unsubscribe_url": unsubscribe if unsubscribe is not None else unsubscribe_url(contact=contact),
    }
