"""Refunds: partial or full, never more than what is left, on the order and on the timeline."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from leadline.activity.models import Activity, Kind
from leadline.sales.models import Refund
from leadline.sales.order_services import order_refund
from tests.factories import ContactFactory
from tests.sales.factories import make_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def order():
    return make_order(ContactFactory(), amount="100.00")


def test_it_refunds_part_of_an_order_and_records_it_on_the_timeline(order, alice):
    refund = order_refund(order=order, amount="30.00", reason="Late delivery", actor=alice)

    order.refresh_from_db()
    assert order.refunded_total == Decimal("30.00")
    assert order.net_total == Decimal("70.00")
    assert refund.actor == alice
    entry = Activity.objects.get(contact=order.contact, kind=Kind.ORDER_REFUNDED)
    assert entry.data["amount"] == "30.00"
    assert entry.data["full"] is False
    assert entry.data["reason"] == "Late delivery"
    assert entry.title.startswith("Partly refunded")


def test_it_refunds_the_rest_when_no_amount_is_given(order):
    order_refund(order=order, amount="25", reason="")

    order_refund(order=order, amount=None, reason="Cancelled")

    order.refresh_from_db()
    assert order.refunded_total == Decimal("100.00")
    assert list(order.refunds.values_list("amount", flat=True).order_by("id")) == [
        Decimal("25.00"),
        Decimal("75.00"),
    ]
    last = Activity.objects.filter(kind=Kind.ORDER_REFUNDED).order_by("-id").first()
    assert last is not None and last.data["full"] is True


def test_it_never_refunds_more_than_is_left(order):
    order_refund(order=order, amount="60", reason="")

    with pytest.raises(ValidationError) as error:
        order_refund(order=order, amount="40.01", reason="")

    assert "USD 40.00 is left" in " ".join(error.value.message_dict["amount"])
    order.refresh_from_db()
    assert order.refunded_total == Decimal("60.00")
    assert Refund.objects.count() == 1


def test_it_refuses_a_refund_on_an_order_refunded_in_full(order):
    order_refund(order=order, amount=None, reason="")

    with pytest.raises(ValidationError) as error:
        order_refund(order=order, amount=None, reason="")

    assert "in full" in " ".join(error.value.message_dict["amount"])


@pytest.mark.parametrize("amount", ["0", "-5", "abc", "10.001", "=SUM(A1)"])
def test_it_refuses_amounts_that_are_not_refunds(order, amount):
    with pytest.raises(ValidationError) as error:
        order_refund(order=order, amount=amount, reason="")

    assert "amount" in error.value.message_dict
    assert not Refund.objects.exists()


def test_it_limits_the_reason(order):
    with pytest.raises(ValidationError) as error:
        order_refund(order=order, amount="1", reason="x" * 301)

    assert "reason" in error.value.message_dict
