"""Factories for the recipient side of email: sent messages and subscription types."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import factory
from django.utils import timezone

from leadline.mail.models import OutboundMessage, SubscriptionType
from tests.factories import ContactFactory

HUMAN_BROWSER = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"


def _an_hour_ago() -> Any:
    return timezone.now() - timedelta(hours=1)


class SentMessageFactory(factory.django.DjangoModelFactory):
    """A marketing email sent an hour ago to a contact."""

    class Meta:
        model = OutboundMessage

    key = factory.Sequence(lambda n: f"test:{n}")
    contact = factory.SubFactory(ContactFactory)
    to_email = factory.LazyAttribute(lambda message: message.contact.email)
    subject = "Our spring news"
    message_id = factory.Sequence(lambda n: f"<test-{n}@leadline.test>")
    state = OutboundMessage.State.SENT
    not_before = factory.LazyFunction(_an_hour_ago)
    sent_at = factory.LazyFunction(_an_hour_ago)


class SubscriptionTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SubscriptionType

    key = factory.Sequence(lambda n: f"type-{n}")
    name = factory.Sequence(lambda n: f"Type {n}")
    description = "Now and then."
