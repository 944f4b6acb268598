"""Demo products and order history: a small agency-and-software catalogue, and 18 months of orders
by the demo's customers following a few believable buying journeys (subscription upgrades, an audit
followed by content work, landing pages sold with ad management), so that the cross-sell
suggestions have real patterns to find. Idempotent: products are matched by SKU, and the orders are
only created once."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from leadline.contacts.models import Contact, LifecycleStage
from leadline.sales.models import Billing, Order, OrderSource, Product
from leadline.sales.order_services import LineInput, order_create, order_refund
from leadline.sales.suggestions import associations_refresh

DEMO_PREFIX = "demo-order-"
EURO_COUNTRIES = {"DE", "FR", "NL", "ES", "IT", "BE", "AT", "IE"}
EURO_RATE = Decimal("0.92")
HISTORY_DAYS = 540

# (sku, name, category, price in USD, billing, description)
CATALOGUE = [
    ("STARTER-MO", "Starter plan", "Software", "49.00", Billing.MONTHLY, "Up to 2,000 contacts, one user."),
    ("GROWTH-MO", "Growth plan", "Software", "149.00", Billing.MONTHLY, "Up to 25,000 contacts, five users."),
    ("GROWTH-YR", "Growth plan (annual)", "Software", "1490.00", Billing.YEARLY, "Two months free."),
    ("SUPPORT-PRI", "Priority support", "Software", "99.00", Billing.MONTHLY, "Answers within four hours."),
    ("ONBOARD-WS", "Onboarding workshop", "Services", "900.00", Billing.ONE_OFF, "Two half-days, remote."),
    ("DATA-MIG", "Data migration", "Services", "1200.00", Billing.ONE_OFF, "Contacts, deals and history."),
    ("TRAIN-DAY", "Team training day", "Services", "1500.00", Billing.ONE_OFF, "On site, up to 12 people."),
    ("SEO-AUDIT", "SEO audit", "Marketing", "750.00", Billing.ONE_OFF, "Technical and content audit."),
    ("CONTENT-4", "Content pack (4 articles)", "Marketing", "600.00", Billing.ONE_OFF, "Researched posts."),
    ("LANDING", "Landing page design", "Marketing", "850.00", Billing.ONE_OFF, "Design and build."),
    ("ADS-MGMT", "Ad campaign management", "Marketing", "450.00", Billing.MONTHLY, "Search and social ads."),
]


@dataclass(frozen=True)
class Step:
    """A purchase of a journey: the products bought together, each with its chance of being there."""

    products: tuple[tuple[str, float], ...]
    chance: float = 1.0


# Each journey: a first order, then later orders that may or may not happen.
JOURNEYS: list[tuple[float, list[Step]]] = [
    (
        0.30,  # a small team starts cheap, then grows into the bigger plan
        [
            Step((("STARTER-MO", 1.0), ("ONBOARD-WS", 0.3))),
            Step((("GROWTH-MO", 1.0), ("SUPPORT-PRI", 0.5)), chance=0.6),
            Step((("TRAIN-DAY", 1.0),), chance=0.25),
        ],
    ),
    (
        0.25,  # a bigger company moves over from another tool
        [
            Step((("GROWTH-YR", 1.0), ("ONBOARD-WS", 0.75), ("DATA-MIG", 0.5))),
            Step((("TRAIN-DAY", 1.0),), chance=0.5),
            Step((("SUPPORT-PRI", 1.0),), chance=0.4),
        ],
    ),
    (
        0.25,  # marketing services: an audit shows what to write
        [
            Step((("SEO-AUDIT", 1.0),)),
            Step((("CONTENT-4", 1.0),), chance=0.7),
            Step((("LANDING", 1.0), ("CONTENT-4", 0.3)), chance=0.35),
        ],
    ),
    (
        0.20,  # a campaign: the page and the ads that bring people to it
        [
            Step((("LANDING", 1.0), ("ADS-MGMT", 0.7))),
            Step((("CONTENT-4", 1.0),), chance=0.4),
            Step((("SEO-AUDIT", 1.0),), chance=0.2),
        ],
    ),
]


def _products() -> dict[str, Product]:
    products = {}
    for sku, name, category, price, billing, description in CATALOGUE:
        product, _ = Product.objects.get_or_create(
            sku=sku,
            defaults={
                "name": name,
                "category": category,
                "price": Decimal(price),
                "currency": "USD",
                "billing": billing,
                "description": description,
            },
        )
        products[sku] = product
    return products


def _journey(chooser: random.Random) -> list[Step]:
    pick = chooser.random()
    for share, steps in JOURNEYS:
        if pick < share:
            return steps
        pick -= share
    return JOURNEYS[-1][1]


def _lines(
    step: Step, products: dict[str, Product], currency: str, chooser: random.Random
) -> list[LineInput]:
    lines = []
    for sku, chance in step.products:
        if chooser.random() >= chance:
            continue
        product = products[sku]
        price = product.price if currency == "USD" else (product.price * EURO_RATE).quantize(Decimal(1))
        quantity = (
            Decimal(12) if product.billing == Billing.MONTHLY and chooser.random() < 0.3 else Decimal(1)
        )
        discount = Decimal(10) if chooser.random() < 0.15 else Decimal(0)
        lines.append(
            LineInput(
                name=product.name,
                quantity=quantity,
                unit_price=price,
                discount_percent=discount,
                product=product,
            )
        )
    return lines


def seed_orders_demo(echo: Callable[[str], object] = print) -> None:
    products = _products()
    if Order.objects.filter(external_id__startswith=DEMO_PREFIX).exists():
        echo("Demo orders already exist.")
        return
    customers = list(
        Contact.objects.filter(
            lifecycle_stage__in=[LifecycleStage.CUSTOMER, LifecycleStage.EVANGELIST]
        ).order_by("id")
    )
    if not customers:
        echo(f"Added {len(products)} demo products; no customers to give an order history.")
        return
    chooser = random.Random(11)
    now = timezone.now().replace(microsecond=0)
    created: list[Order] = []
    with transaction.atomic():
        for contact in customers:
            currency = "EUR" if contact.country in EURO_COUNTRIES else "USD"
            ordered_at: datetime = now - timedelta(
                days=chooser.randint(45, HISTORY_DAYS), hours=chooser.randint(0, 9)
            )
            for position, step in enumerate(_journey(chooser)):
                if position and chooser.random() >= step.chance:
                    break
                lines = _lines(step, products, currency, chooser)
                if ordered_at >= now or not lines:
                    break
                created.append(
                    order_create(
                        contact=contact,
                        lines=lines,
                        currency=currency,
                        ordered_at=ordered_at,
                        source=OrderSource.API if chooser.random() < 0.6 else OrderSource.MANUAL,
                        external_id=f"{DEMO_PREFIX}{contact.public_id.hex[:12]}-{position + 1}",
                    )
                )
                ordered_at += timedelta(days=chooser.randint(20, 120))
        # A customer who changed their mind, and one who got a goodwill credit.
        if len(created) > 10:
            order_refund(order=created[3], amount=None, reason="Cancelled within the 14-day trial")
            order_refund(
                order=created[8],
                amount=(created[8].total / 5).quantize(Decimal("0.01")),
                reason="Goodwill credit",
            )
    rules = associations_refresh()
    echo(
        f"Added {len(products)} demo products and {len(created)} orders for {len(customers)} customers "
        f"({rules} cross-sell rules)."
    )
