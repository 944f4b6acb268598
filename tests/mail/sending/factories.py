"""Outbox rows for the sending tests, queued the way campaigns and 1:1 emails queue them."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Sequence
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from leadline.mail.models import Campaign, OutboundMessage, SendingDomain, SubscriptionType, Template
from leadline.mail.outbox import Outgoing, outbox_enqueue, outbox_enqueue_many
from tests.mail.factories import LayoutFactory, TemplateFactory

# A personalised marketing email with several links, one of them to a page of ours with a query.
NEWSLETTER = """\
# Hello {{ first_name | default:"there" }}

News for {{ company | default:"your team" }} this month:

- [The spring catalogue](https://northwind.example/catalogue?season=spring)
- [Our new studio](https://northwind.example/studio)
- [Book a call]({{ booking_link }})

Write back any time.
"""


def newsletter_template(**fields: Any) -> Template:
    """A marketing template in a layout of its own (tests that flush the database lose the default one)."""
    values: dict[str, Any] = {
        "subject": 'Spring news for {{ first_name | default:"you" }}',
        "body": NEWSLETTER,
        "layout": LayoutFactory(),
    }
    values.update(fields)
    return TemplateFactory(**values)


def campaign_key(campaign: Campaign, contact: Any) -> str:
    return f"campaign:{campaign.public_id}:{contact.public_id}"


def queue_campaign(
    contacts: Sequence[Any],
    *,
    sender: Any,
    template: Template | None = None,
    status: str = Campaign.Status.SENDING,
    subscription_type: SubscriptionType | None = None,
    subject_b: str = "",
) -> Campaign:
    """A campaign and one queued row per contact (every other one on the B subject, if given)."""
    template = template or newsletter_template()
    campaign = Campaign.objects.create(
        name="Spring newsletter",
        template=template,
        sender=sender,
        status=status,
        subscription_type=subscription_type,
        subject_b=subject_b,
    )
    outbox_enqueue_many(
        Outgoing(
            key=campaign_key(campaign, contact),
            to_email=contact.email,
            contact=contact,
            sender=sender,
            template=template,
            kind=Template.Kind.MARKETING,
            campaign=campaign,
            subscription_type=subscription_type,
            variant=("B" if index % 2 else "A") if subject_b else "",
            subject=subject_b if subject_b and index % 2 else "",
        )
        for index, contact in enumerate(contacts)
    )
    return campaign


def queue_personal(
    contact: Any, *, user: Any, subject: str, body: str, sender: Any = None, **context: str
) -> OutboundMessage:
    """A 1:1 email as the contact page queues it."""
    return outbox_enqueue(
        Outgoing(
            key=f"personal:{uuid.uuid4()}",
            to_email=contact.email,
            contact=contact,
            sender=sender,
            kind=Template.Kind.TRANSACTIONAL,
            subject=subject,
            body=body,
            sent_by=user,
            merge_context=context,
        )
    )


def rows_of(campaign: Campaign) -> list[OutboundMessage]:
    return list(OutboundMessage.objects.filter(campaign=campaign).order_by("id"))


def sending_domain_with_key(domain: str, *, selector: str = "leadline") -> SendingDomain:
    """A sending domain with a fresh 2048-bit key pair: PEM private key, bare base64 public key (p=)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return SendingDomain.objects.create(
        domain=domain,
        dkim_selector=selector,
        dkim_private_key=private,
        dkim_public_key=base64.b64encode(public).decode(),
    )
