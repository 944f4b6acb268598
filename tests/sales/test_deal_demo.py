"""The demo deals: realistic, spread across stages, and seeded once."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from leadline.activity.models import Activity, Kind
from leadline.contacts.models import LifecycleStage
from leadline.sales.demo_deals import seed_deals_demo
from leadline.sales.models import Deal, DealStatus, Order, Pipeline
from tests.factories import CompanyFactory, ContactFactory


def test_it_seeds_deals_in_every_state_once(personas):
    company = CompanyFactory(name="Acme")
    for number in range(40):
        ContactFactory(lifecycle_stage=LifecycleStage.SQL, company=company if number % 2 else None)
    messages: list[str] = []

    seed_deals_demo(messages.append)
    seed_deals_demo(messages.append)

    deals = Deal.objects.all()
    assert 30 <= deals.count() <= 40
    assert {deal.status for deal in deals} == {DealStatus.OPEN, DealStatus.WON, DealStatus.LOST}
    won = deals.filter(status=DealStatus.WON)
    assert Order.objects.filter(deal__in=won).count() == won.count()
    assert all(deal.lost_reason_id for deal in deals.filter(status=DealStatus.LOST))
    rotting_before = timezone.now() - timedelta(days=14)
    assert deals.filter(status=DealStatus.OPEN, last_activity_at__lt=rotting_before).exists()
    assert deals.filter(status=DealStatus.OPEN, last_activity_at__gte=rotting_before).exists()
    assert Pipeline.objects.filter(name="Partnerships").count() == 1
    assert len(messages) == 1


def test_it_skips_without_salespeople(db):
    messages: list[str] = []

    seed_deals_demo(messages.append)

    assert not Deal.objects.exists()
    assert "skipped" in messages[0]


def test_the_orders_of_won_demo_deals_happened_when_they_were_won(personas):
    for _ in range(40):
        ContactFactory(lifecycle_stage=LifecycleStage.SQL)

    seed_deals_demo()

    won = Deal.objects.filter(status=DealStatus.WON).select_related("contact")
    assert won.exists()
    for deal in won:
        order = Order.objects.get(deal=deal)
        placed = Activity.objects.get(kind=Kind.ORDER_PLACED, data__order=str(order.public_id))
        became_customer = Activity.objects.get(
            contact=deal.contact, kind=Kind.STAGE_CHANGED, data__to=LifecycleStage.CUSTOMER
        )
        assert order.ordered_at == deal.closed_at == placed.occurred_at == became_customer.occurred_at
        assert deal.closed_at < timezone.now() - timedelta(hours=12)
