"""Touchpoints and conversions for attribution and lifetime-value tests."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from leadline.activity.models import Activity, Kind
from leadline.contacts.models import Contact
from leadline.mail.models import Campaign, OutboundMessage
from leadline.sales.models import Order
from tests.factories import ContactFactory
from tests.mail.factories import SenderIdentityFactory, TemplateFactory
from tests.sales.factories import make_order


def visit(
    contact: Contact,
    at: datetime,
    *,
    source: str = "",
    medium: str = "",
    campaign: str = "",
    pages: int = 1,
) -> uuid.UUID:
    """A session of `pages` page views; only the landing page carries the source, as the tracker records."""
    session = uuid.uuid4()
    for page in range(pages):
        Activity.objects.create(
            kind=Kind.PAGE_VIEW,
            occurred_at=at + timedelta(minutes=page),
            contact=contact,
            session_id=session,
            visitor_id=uuid.uuid4(),
            url=f"https://www.example.com/page-{page}",
            title=f"/page-{page}",
            source=source if page == 0 else "",
            medium=medium if page == 0 else "",
            campaign=campaign if page == 0 else "",
        )
    return session


def campaign_named(name: str) -> Campaign:
    return Campaign.objects.create(
        name=name, template=TemplateFactory(), sender=SenderIdentityFactory(), status=Campaign.Status.SENT
    )


def marketing_email(
    contact: Contact, at: datetime, campaign: Campaign | None, **kwargs: Any
) -> OutboundMessage:
    key = f"test:{uuid.uuid4()}"
    return OutboundMessage.objects.create(
        key=key,
        campaign=campaign,
        contact=contact,
        to_email=contact.email or "someone@example.com",
        message_id=f"<{uuid.uuid4()}@leadline.test>",
        not_before=at,
        sent_at=at,
        state=kwargs.pop("state", OutboundMessage.State.SENT),
        **kwargs,
    )


def order_at(contact: Contact, at: datetime, amount: str, currency: str = "USD") -> Order:
    return make_order(contact, amount=amount, ordered_at=at, currency=currency)


def amount(text: str) -> Decimal:
    return Decimal(text)


def simulated_purchases(customers: int, *, seed: int, days: int = 180) -> list[list[tuple[int, int]]]:
    """Per customer, (day, amount in dollars) of each purchase: a BG/NBD-like shop where some buy
    often and some rarely, and some stop buying, so that the model has something to learn."""
    import numpy as np

    rng = np.random.default_rng(seed)
    shoppers = []
    for _ in range(customers):
        rate = rng.gamma(0.8, 1 / 20)  # purchases per day
        dropout = rng.beta(1.0, 3.0)
        spend_scale = rng.gamma(4.0, 1 / 0.2)
        first = int(rng.integers(0, days // 2))
        moment, purchases = float(first), [(first, int(rng.gamma(3.0, spend_scale / 3)) + 5)]
        while True:
            moment += rng.exponential(1 / rate)
            if moment >= days:
                break
            purchases.append((int(moment), int(rng.gamma(3.0, spend_scale / 3)) + 5))
            if rng.random() < dropout:
                break
        shoppers.append(purchases)
    return shoppers


def simulated_shop(customers: int, *, start: datetime, seed: int = 11, days: int = 180) -> list[Contact]:
    """The simulated purchases as orders of new contacts, from `start` on."""
    people = []
    for purchases in simulated_purchases(customers, seed=seed, days=days):
        contact = ContactFactory()
        for offset, dollars in purchases:
            order_at(contact, start + timedelta(days=offset, hours=10), f"{dollars}.00")
        people.append(contact)
    return people
