"""Cross-sell rules mined from the order history, and the suggestions made from them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine

from leadline.sales.models import DealLine
from leadline.sales.models.orders import AssociationKind, ProductAssociation
from leadline.sales.order_services import LineInput, order_create, order_refund
from leadline.sales.suggestions import (
    associations_refresh,
    associations_stale,
    refresh_product_associations,
    suggestion_json,
    suggestions_for_contact,
    suggestions_for_deal,
)
from tests.factories import ContactFactory
from tests.sales.factories import DealFactory, ProductFactory

pytestmark = pytest.mark.django_db
DAY = datetime(2025, 1, 10, 12, 0, tzinfo=UTC)


def buy(contact, *products, days=0):
    return order_create(
        contact=contact,
        lines=[LineInput(name=p.name, quantity=Decimal(1), unit_price=p.price, product=p) for p in products],
        currency="USD",
        ordered_at=DAY + timedelta(days=days),
    )


@pytest.fixture
def catalogue():
    return {
        name: ProductFactory(name=name)
        for name in ("Audit", "Content", "Landing page", "Ads", "Training", "Hosting")
    }


@pytest.fixture
def history(catalogue):
    """Ten customers. Four bought the audit then content; one bought the audit alone; two bought a
    landing page with ads on one order; one a landing page alone; two bought hosting alone."""
    audit, content = catalogue["Audit"], catalogue["Content"]
    landing, ads, hosting = catalogue["Landing page"], catalogue["Ads"], catalogue["Hosting"]
    for _ in range(4):
        customer = ContactFactory()
        buy(customer, audit)
        buy(customer, content, days=30)
    buy(ContactFactory(), audit)
    for _ in range(2):
        buy(ContactFactory(), landing, ads)
    buy(ContactFactory(), landing)
    for _ in range(2):
        buy(ContactFactory(), hosting)
    associations_refresh()
    return catalogue


def _rule(antecedent, consequent, kind):
    return ProductAssociation.objects.get(antecedent=antecedent, consequent=consequent, kind=kind)


def test_it_measures_what_customers_bought_next(history):
    rule = _rule(history["Audit"], history["Content"], AssociationKind.NEXT)

    assert (rule.customers_with_both, rule.customers_with_antecedent, rule.customers_total) == (4, 5, 10)
    assert rule.support == pytest.approx(4 / 10)
    assert rule.confidence == pytest.approx(4 / 5)
    assert rule.lift == pytest.approx((4 / 5) / (4 / 10))
    # Content came after the audit, never with it or before it.
    assert not ProductAssociation.objects.filter(
        antecedent=history["Content"], consequent=history["Audit"]
    ).exists()
    assert not ProductAssociation.objects.filter(
        kind=AssociationKind.TOGETHER, antecedent=history["Audit"]
    ).exists()


def test_it_measures_what_customers_bought_together(history):
    rule = _rule(history["Landing page"], history["Ads"], AssociationKind.TOGETHER)
    reverse = _rule(history["Ads"], history["Landing page"], AssociationKind.TOGETHER)

    assert (rule.customers_with_both, rule.customers_with_antecedent) == (2, 3)
    assert rule.confidence == pytest.approx(2 / 3)
    assert reverse.confidence == pytest.approx(1.0)
    assert rule.lift == pytest.approx((2 / 3) / (2 / 10))


def test_it_keeps_no_rule_seen_with_a_single_customer(catalogue):
    buy(ContactFactory(), catalogue["Training"], catalogue["Hosting"])

    assert associations_refresh() == 0


def test_it_suggests_what_customers_like_them_bought_next_with_its_support(history):
    customer = ContactFactory()
    buy(customer, history["Audit"])

    suggestions = suggestions_for_contact(customer)

    assert [suggestion.product for suggestion in suggestions] == [history["Content"]]
    suggestion = suggestions[0]
    assert suggestion.because_of == history["Audit"]
    assert suggestion.kind == AssociationKind.NEXT
    assert suggestion.explanation == "4 of 5 customers who bought Audit bought it next"
    assert suggestion_json(suggestion)["confidence"] == 0.8


def test_it_never_suggests_what_the_contact_already_owns_or_what_is_retired(history):
    owner = ContactFactory()
    buy(owner, history["Audit"], history["Content"])
    assert suggestions_for_contact(owner) == []

    newcomer = ContactFactory()
    buy(newcomer, history["Landing page"])
    history["Ads"].is_active = False
    history["Ads"].save()
    assert suggestions_for_contact(newcomer) == []


def test_a_refunded_order_does_not_count_as_owning(history):
    customer = ContactFactory()
    buy(customer, history["Audit"])
    refunded = buy(customer, history["Content"], days=5)
    order_refund(order=refunded, amount=None, reason="Changed their mind")

    assert [suggestion.product for suggestion in suggestions_for_contact(customer)] == [history["Content"]]


def test_it_suggests_for_a_deal_from_its_lines(history):
    deal = DealFactory()
    DealLine.objects.create(deal=deal, product=history["Landing page"], name="Landing page", unit_price=1)

    suggestions = suggestions_for_deal(deal)

    assert [suggestion.product for suggestion in suggestions] == [history["Ads"]]
    assert suggestions[0].explanation == "2 of 3 customers who bought Landing page bought it too"


def test_a_deal_without_products_gets_no_suggestion(history):
    assert suggestions_for_deal(DealFactory()) == []


def test_it_reads_suggestions_in_a_fixed_number_of_queries(history, django_assert_num_queries):
    customer = ContactFactory()
    buy(customer, history["Audit"], history["Landing page"])

    with django_assert_num_queries(2):
        suggestions = suggestions_for_contact(customer, limit=10)

    assert {suggestion.product.name for suggestion in suggestions} == {"Content", "Ads"}


def test_the_periodic_job_mines_again_only_when_orders_changed(catalogue):
    first, second = ContactFactory(), ContactFactory()
    with time_machine.travel(DAY, tick=False):
        for customer in (first, second):
            buy(customer, catalogue["Audit"], catalogue["Content"])
        assert associations_stale()
        assert refresh_product_associations() == 2
        assert not associations_stale()
        assert refresh_product_associations() == 0

    with time_machine.travel(DAY + timedelta(minutes=40), tick=False):
        buy(ContactFactory(), catalogue["Audit"], catalogue["Hosting"])
        assert associations_stale()

    with time_machine.travel(DAY + timedelta(days=2), tick=False):
        associations_refresh()
    with time_machine.travel(DAY + timedelta(days=3, minutes=1), tick=False):
        assert associations_stale()
