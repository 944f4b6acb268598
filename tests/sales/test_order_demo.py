"""The demo catalogue and order history: believable, idempotent, and rich enough for suggestions."""

from __future__ import annotations

import pytest

from leadline.contacts.models import LifecycleStage
from leadline.sales.demo_orders import CATALOGUE, seed_orders_demo
from leadline.sales.models import Order, Product
from leadline.sales.models.orders import ProductAssociation
from leadline.sales.suggestions import suggestions_for_contact
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


def test_it_seeds_a_catalogue_and_an_order_history_once():
    customers = ContactFactory.create_batch(60, lifecycle_stage=LifecycleStage.CUSTOMER)
    ContactFactory.create_batch(5, lifecycle_stage=LifecycleStage.LEAD)
    messages: list[str] = []

    seed_orders_demo(messages.append)
    orders = Order.objects.count()
    seed_orders_demo(messages.append)

    assert Product.objects.count() == len(CATALOGUE)
    assert Product.objects.exclude(billing="one_off").count() >= 3
    assert orders >= len(customers)
    assert Order.objects.count() == orders
    assert set(Order.objects.values_list("contact__lifecycle_stage", flat=True)) == {LifecycleStage.CUSTOMER}
    assert Order.objects.filter(refunded_total__gt=0).count() == 2
    assert ProductAssociation.objects.count() > 5
    assert messages[-1] == "Demo orders already exist."
    assert any(suggestions_for_contact(customer) for customer in customers)


def test_without_customers_it_only_adds_the_catalogue():
    seed_orders_demo(lambda message: None)

    assert Product.objects.count() == len(CATALOGUE)
    assert not Order.objects.exists()
