"""Putting email on the outbox: one OutboundMessage per (key), whoever asks twice.

Campaigns, workflow steps and 1:1 emails all come through here, so every email has the same
exactly-once guarantees: the `key` is unique, and the Message-ID is fixed when the row is queued,
so a retry after a crash sends the same message, never a second one. `leadline.mail.sending`
claims and sends the rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from leadline.core.bulk import insert_rows
from leadline.mail.messages import message_id
from leadline.mail.models import Campaign, OutboundMessage, SenderIdentity, SubscriptionType, Template

ENQUEUE_BATCH = 2000
# Keys of emails sent to a person testing (a workflow's test run), not to the contact they are
# about: they carry the sample unsubscribe link and no tracking, so testing changes nothing.
TEST_KEY_PREFIX = "workflow-test:"


def is_test_message(key: str) -> bool:
    return key.startswith(TEST_KEY_PREFIX)


@dataclass(frozen=True)
class Outgoing:
    """One email to queue. `key` names the cause (`campaign:<id>:<contact>`, `workflow:<enrolment>:<step>`,
    `personal:<uuid>`); queuing the same key again returns the row already there."""

    key: str
    to_email: str
    contact: Any = None
    sender: SenderIdentity | None = None
    template: Template | None = None
    kind: str = Template.Kind.MARKETING
    campaign: Campaign | None = None
    subscription_type: SubscriptionType | None = None
    variant: str = ""
    subject: str = ""
    body: str = ""
    merge_context: Mapping[str, Any] = field(default_factory=dict)
    not_before: datetime | None = None
    sent_by: Any = None

    def row(self, now: datetime) -> OutboundMessage:
        return OutboundMessage(**self.values(now))

    def values(self, now: datetime) -> dict[str, Any]:
        """The row's fields, as `outbox_enqueue_many` inserts them."""
        return dict(
            key=self.key[:200],
            to_email=self.to_email.strip().lower(),
            contact=self.contact,
            sender=self.sender,
            template=self.template,
            kind=self.kind,
            campaign=self.campaign,
            subscription_type=self.subscription_type,
            variant=self.variant,
            subject=self.subject,
            body=self.body,
            merge_context=dict(self.merge_context),
            message_id=message_id(),
            not_before=self.not_before or now,
            sent_by=self.sent_by,
        )


def outbox_enqueue(outgoing: Outgoing) -> OutboundMessage:
    """Queue one email, or return the one already queued under the same key."""
    now = timezone.now()
    with transaction.atomic():
        message, _ = OutboundMessage.objects.get_or_create(
            key=outgoing.key[:200], defaults=_defaults(outgoing.row(now))
        )
    return message


def outbox_enqueue_many(outgoing: Iterable[Outgoing], *, batch_size: int = ENQUEUE_BATCH) -> int:
    """Queue many emails in batches; keys already queued are left as they are (the unique index
    skips them, whoever queued them first). Returns how many rows are new."""
    now = timezone.now()
    return insert_rows(
        OutboundMessage,
        (item.values(now) for item in outgoing),
        ignore_conflicts=True,
        batch_size=batch_size,
    )


def _defaults(row: OutboundMessage) -> dict[str, Any]:
    return {
        field.name: getattr(row, field.name)
        for field in OutboundMessage._meta.concrete_fields
        if field.name not in ("id", "key", "public_id", "created_at", "updated_at")
    }
