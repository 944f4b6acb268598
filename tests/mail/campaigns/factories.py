"""Helpers for the campaign tests: an audience (a static list of contacts), a campaign on it, and
outbox rows and events shaped as the sending engine and the trackers leave them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

from leadline.contacts.models import Contact
from leadline.mail.campaigns import CampaignData, campaign_create
from leadline.mail.models import Campaign, MessageEvent, OutboundMessage
from leadline.segments.models import Segment
from leadline.segments.services import segment_create, static_list_add
from tests.factories import ContactFactory
from tests.mail.factories import SenderIdentityFactory, TemplateFactory


def make_list(contacts: list[Contact], *, name: str = "Newsletter readers") -> Segment:
    segment = segment_create(user=None, name=name, kind="static")
    static_list_add(segment=segment, contact_ids=[contact.pk for contact in contacts])
    segment.refresh_from_db()
    return segment


def make_contacts(count: int, **fields: Any) -> list[Contact]:
    return [ContactFactory(**fields) for _ in range(count)]


def make_campaign(*, actor: Any, audience: Segment | None = None, **changes: Any) -> Campaign:
    sender = changes.pop("sender", None) or SenderIdentityFactory()
    template = changes.pop("template", None) or TemplateFactory()
    data = CampaignData(
        name=changes.pop("name", "Spring news"),
        template=template,
        sender=sender,
        audience_type=("list" if audience.is_static else "segment") if audience is not None else "",
        audience_id=audience.public_id if audience is not None else None,
    ).changed(**changes)
    return campaign_create(actor=actor, data=data)


def mark_sent(messages: Any, *, at: datetime | None = None) -> None:
    """What the sending engine does once a row went out."""
    at = at or timezone.now()
    for message in messages:
        message.state = OutboundMessage.State.SENT
        message.sent_at = at
        message.save(update_fields=["state", "sent_at"])


def add_event(
    message: OutboundMessage, kind: str, *, at: datetime | None = None, **fields: Any
) -> MessageEvent:
    """An event as the trackers record it, with the first-time column of the row set as they would."""
    at = at or timezone.now()
    event = MessageEvent.objects.create(message=message, kind=kind, occurred_at=at, **fields)
    column = {
        MessageEvent.Kind.BOUNCE: "bounced_at",
        MessageEvent.Kind.COMPLAINT: "complained_at",
        MessageEvent.Kind.UNSUBSCRIBE: "unsubscribed_at",
    }.get(kind)
    if kind == MessageEvent.Kind.OPEN and not fields.get("is_machine"):
        column = "opened_at"
    if kind == MessageEvent.Kind.CLICK and not fields.get("is_machine"):
        column = "clicked_at"
    if column and getattr(message, column) is None:
        setattr(message, column, at)
        message.save(update_fields=[column])
    return event
