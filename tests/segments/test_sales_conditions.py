"""Conditions on deals and orders: deal stage and status, orders placed (ever, lately, of a
product), number of orders and net revenue."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from leadline.contacts.models import Contact
from leadline.sales.models import DealStatus, Order
from leadline.sales.order_services import LineInput, order_create
from leadline.segments.compiler import SegmentError, compile_tree
from tests.factories import ContactFactory
from tests.sales.factories import DealFactory, ProductFactory, make_order, stage_named

pytestmark = pytest.mark.django_db


def matching(tree):
    return set(Contact.objects.filter(compile_tree(tree).q).values_list("email", flat=True))


def refund(order: Order, amount: str) -> None:
    """What a refund leaves behind that segments read: the order's refunded total."""
    Order.objects.filter(pk=order.pk).update(refunded_total=Decimal(amount))


def test_it_finds_contacts_with_a_deal_in_a_stage():
    demo, proposal = stage_named("Qualification"), stage_named("Proposal")
    DealFactory(contact=ContactFactory(email="demo@example.org"), stage=demo)
    DealFactory(contact=ContactFactory(email="proposal@example.org"), stage=proposal)
    DealFactory(contact=None, stage=demo)  # a deal without a person matches nobody
    ContactFactory(email="none@example.org")

    assert matching({"field": "deal", "op": "in_stage", "value": str(demo.public_id)}) == {"demo@example.org"}
    assert matching(
        {"field": "deal", "op": "in_stage", "value": [str(demo.public_id), str(proposal.public_id)]}
    ) == {"demo@example.org", "proposal@example.org"}
    # NOT keeps the people without deals (no NULL from the deal without a contact leaks in).
    assert matching({"not": {"field": "deal", "op": "in_stage", "value": str(demo.public_id)}}) == {
        "proposal@example.org",
        "none@example.org",
    }


def test_it_finds_open_won_and_lost_deals():
    DealFactory(contact=ContactFactory(email="open@example.org"))
    DealFactory(
        contact=ContactFactory(email="won@example.org"), stage=stage_named("Won"), status=DealStatus.WON
    )
    DealFactory(
        contact=ContactFactory(email="lost@example.org"), stage=stage_named("Lost"), status=DealStatus.LOST
    )
    ContactFactory(email="none@example.org")

    assert matching({"field": "deal", "op": "any_open"}) == {"open@example.org"}
    assert matching({"field": "deal", "op": "any_won"}) == {"won@example.org"}
    assert matching({"field": "deal", "op": "any_lost"}) == {"lost@example.org"}
    assert matching({"field": "deal", "op": "any"}) == {
        "open@example.org",
        "won@example.org",
        "lost@example.org",
    }


def test_it_finds_contacts_who_placed_an_order_ever_lately_or_of_a_product():
    course = ProductFactory(name="Course")
    old, recent, buyer = (ContactFactory(email=f"{name}@example.org") for name in ("old", "recent", "buyer"))
    ContactFactory(email="none@example.org")
    make_order(old, ordered_at=timezone.now() - timedelta(days=90))
    make_order(recent, ordered_at=timezone.now() - timedelta(days=3))
    order_create(
        contact=buyer,
        lines=[LineInput(name="Course", quantity=Decimal(1), unit_price=Decimal(300), product=course)],
        currency="USD",
    )

    assert matching({"field": "placed_order", "op": "any"}) == {
        "old@example.org",
        "recent@example.org",
        "buyer@example.org",
    }
    assert matching({"field": "placed_order", "op": "any", "within_days": 30}) == {
        "recent@example.org",
        "buyer@example.org",
    }
    assert matching({"field": "placed_order", "op": "of_product", "value": str(course.public_id)}) == {
        "buyer@example.org"
    }


def test_it_counts_orders():
    once, twice = ContactFactory(email="once@example.org"), ContactFactory(email="twice@example.org")
    ContactFactory(email="never@example.org")
    make_order(once)
    make_order(twice)
    make_order(twice)

    assert matching({"field": "order_count", "op": "gte", "value": 2}) == {"twice@example.org"}
    assert matching({"field": "order_count", "op": "eq", "value": 1}) == {"once@example.org"}
    # People without orders have none, which "at most one" includes.
    assert matching({"field": "order_count", "op": "lte", "value": 1}) == {
        "once@example.org",
        "never@example.org",
    }
    assert matching({"field": "order_count", "op": "between", "value": [1, 5]}) == {
        "once@example.org",
        "twice@example.org",
    }


def test_it_sums_revenue_net_of_refunds():
    big, refunded, small = (
        ContactFactory(email=f"{name}@example.org") for name in ("big", "refunded", "small")
    )
    ContactFactory(email="never@example.org")
    make_order(big, "300.00")
    make_order(big, "200.10")
    refund(make_order(refunded, "600.00"), "450.00")
    make_order(small, "99.99")

    assert matching({"field": "revenue", "op": "gte", "value": 500.1}) == {"big@example.org"}
    assert matching({"field": "revenue", "op": "gte", "value": 150}) == {
        "big@example.org",
        "refunded@example.org",
    }
    assert matching({"field": "revenue", "op": "lt", "value": 100}) == {
        "small@example.org",
        "never@example.org",
    }
    assert matching({"field": "revenue", "op": "between", "value": [99.99, 150]}) == {
        "small@example.org",
        "refunded@example.org",
    }


def test_it_sums_revenue_in_one_currency_when_asked():
    euros, dollars = ContactFactory(email="eur@example.org"), ContactFactory(email="usd@example.org")
    make_order(euros, "500.00", currency="EUR")
    make_order(dollars, "500.00", currency="USD")

    assert matching({"field": "revenue", "op": "gte", "value": 400, "currency": "eur"}) == {"eur@example.org"}
    assert matching({"field": "revenue", "op": "gte", "value": 400}) == {"eur@example.org", "usd@example.org"}


@pytest.mark.parametrize(
    ("tree", "message"),
    [
        (
            {"field": "deal", "op": "in_stage", "value": "not-an-id"},
            "value: no deal stage has this id (not an id)",
        ),
        (
            {"field": "deal", "op": "in_stage", "value": "00000000-0000-0000-0000-000000000000"},
            "value: no deal stage has this id",
        ),
        ({"field": "deal", "op": "in_stage", "value": 3}, "value: must be text"),
        ({"field": "deal", "op": "won"}, '"won" is not an operator for deal fields'),
        ({"field": "placed_order", "op": "of_product", "value": "x"}, "value: no product has this id"),
        ({"field": "placed_order", "op": "any", "within_days": 0}, "within_days: must be a whole number"),
        ({"field": "placed_order", "op": "any", "min_count": 2}, '"min_count" only applies to behaviour'),
        ({"field": "order_count", "op": "gte", "value": "2"}, "value: must be a number"),
        ({"field": "revenue", "op": "between", "value": [1]}, "value: must be a list of two values"),
        ({"field": "revenue", "op": "gte", "value": 1, "currency": "€"}, "currency: must be a currency code"),
        ({"field": "order_count", "op": "gte", "value": 1, "currency": "USD"}, "only applies to revenue"),
    ],
)
def test_it_refuses_bad_sales_conditions_naming_the_node(tree, message):
    with pytest.raises(SegmentError) as caught:
        compile_tree({"and": [{"field": "score", "op": "gte", "value": 0}, tree]})

    assert message in str(caught.value)
    assert str(caught.value).startswith("and[1]")
