"""Sent messages for the bounce tests."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import uuid4

from django.utils import timezone

from leadline.mail.messages import message_id
from leadline.mail.models import OutboundMessage, Template
from tests.factories import ContactFactory


def sent_message(
    *, to_email: str = "", contact: Any = None, subject: str = "Your November ideas", **fields: Any
) -> OutboundMessage:
    """A marketing email already sent to `to_email` (a new contact with that address by default)."""
    if contact is None:
        contact = ContactFactory(email=to_email) if to_email else ContactFactory()
    now = timezone.now()
    return OutboundMessage.objects.create(
        key=f"test:{uuid4()}",
        to_email=(to_email or contact.email).lower(),
        contact=contact,
        kind=Template.Kind.MARKETING,
        subject=subject,
        message_id=message_id(),
        state=OutboundMessage.State.SENT,
        not_before=now - timedelta(minutes=1),
        sent_at=now,
        **fields,
    )
