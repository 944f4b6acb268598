"""Recording orders by hand or from a client: validation, the customer stage, the timeline, numbers."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError

from leadline.activity.models import Activity, Kind
from leadline.contacts.models import LifecycleStage
from leadline.sales.models import Order, OrderSource
from leadline.sales.order_services import (
    order_clean,
    order_create_from_deal,
    order_numbers,
    order_place,
    parse_order_date,
)
from tests.factories import ContactFactory
from tests.sales.factories import DealFactory, ProductFactory, make_order

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def _errors(error: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return error.value.message_dict


def test_it_records_an_order_from_lines_and_makes_the_contact_a_customer(alice):
    contact = ContactFactory(lifecycle_stage=LifecycleStage.LEAD)
    product = ProductFactory(name="Growth plan", price=Decimal("149.00"))

    order = order_place(
        actor=alice,
        contact=contact,
        lines=[
            {"product": product, "quantity": "2"},
            {"name": "Setup", "unit_price": "100", "discount_percent": "10"},
        ],
        currency="usd",
    )

    assert order.total == Decimal("388.00")
    assert order.currency == "USD"
    assert order.source == OrderSource.MANUAL
    assert [(line.name, line.total) for line in order.lines.order_by("id")] == [
        ("Growth plan", Decimal("298.00")),
        ("Setup", Decimal("90.00")),
    ]
    contact.refresh_from_db()
    assert contact.lifecycle_stage == LifecycleStage.CUSTOMER
    placed = Activity.objects.get(contact=contact, kind=Kind.ORDER_PLACED)
    assert placed.data["number"] == order.number
    assert placed.actor == alice


def test_it_accepts_an_order_given_only_by_its_total():
    order = order_place(actor=None, contact=ContactFactory(), total="1250.50", currency="EUR")

    assert order.total == Decimal("1250.50")
    assert order.lines.count() == 0


def test_it_never_moves_an_evangelist_back_to_customer():
    contact = ContactFactory(lifecycle_stage=LifecycleStage.EVANGELIST)

    make_order(contact)

    contact.refresh_from_db()
    assert contact.lifecycle_stage == LifecycleStage.EVANGELIST


def test_it_needs_a_contact_and_lines_or_a_total():
    with pytest.raises(ValidationError) as error:
        order_clean(contact=None, currency="USD")

    assert set(_errors(error)) == {"contact", "lines"}


@pytest.mark.parametrize("currency", ["", "XXX", "dollars", "US", None, 12])
def test_it_refuses_what_is_not_an_iso_currency(currency):
    with pytest.raises(ValidationError) as error:
        order_clean(contact=ContactFactory(), currency=currency, total="10")

    assert "currency" in _errors(error)


@pytest.mark.parametrize(
    ("total", "fragment"),
    [
        (Decimal("-5"), "negative"),
        ("-5", "dot for decimals"),
        ("1,250", "dot for decimals"),
        ("12.345", "2 decimal places"),
        ("=1+2", "dot for decimals"),
        ("1e9", "dot for decimals"),
        ("9999999999999", "at most"),
        (True, "dot for decimals"),
    ],
)
def test_it_refuses_totals_that_are_not_plain_amounts(total, fragment):
    with pytest.raises(ValidationError) as error:
        order_clean(contact=ContactFactory(), currency="USD", total=total)

    assert fragment in " ".join(_errors(error)["total"])


@pytest.mark.parametrize(
    ("line", "fragment"),
    [
        ({"name": "Setup"}, "unit price"),
        ({"unit_price": "10"}, "product or a description"),
        ({"name": "Setup", "unit_price": "10", "quantity": "0"}, "more than zero"),
        ({"name": "Setup", "unit_price": "10", "quantity": "two"}, "quantity"),
        ({"name": "Setup", "unit_price": "10", "discount_percent": "120"}, "0 to 100"),
        ({"name": "x" * 201, "unit_price": "10"}, "longer than"),
    ],
)
def test_it_names_the_line_and_the_problem(line, fragment):
    with pytest.raises(ValidationError) as error:
        order_clean(
            contact=ContactFactory(), currency="USD", lines=[{"name": "Fine", "unit_price": "1"}, line]
        )

    message = " ".join(_errors(error)["lines"])
    assert message.startswith("Line 2:")
    assert fragment in message


def test_it_does_not_take_a_price_in_another_currency_from_the_product():
    product = ProductFactory(currency="EUR", price=Decimal("90.00"))

    with pytest.raises(ValidationError) as error:
        order_clean(contact=ContactFactory(), currency="USD", lines=[{"product": product}])

    assert "priced in EUR" in " ".join(_errors(error)["lines"])


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("ordered_at", "fragment"),
    [
        ("1969-12-31", "before 1970"),
        ("2026-03-12", "future"),
        ("03/04/2026", "YYYY-MM-DD"),
        ("2026-02-30", "YYYY-MM-DD"),
        ("yesterday", "YYYY-MM-DD"),
    ],
)
def test_it_refuses_absurd_dates(ordered_at, fragment):
    with pytest.raises(ValidationError) as error:
        order_clean(contact=ContactFactory(), currency="USD", total="1", ordered_at=ordered_at)

    assert fragment in " ".join(_errors(error)["ordered_at"])


@time_machine.travel(NOW, tick=False)
def test_it_takes_a_date_as_midnight_and_allows_a_day_ahead_for_time_zones():
    clean = order_clean(contact=ContactFactory(), currency="USD", total="1", ordered_at=date(2026, 3, 1))
    assert clean.ordered_at == datetime(2026, 3, 1, tzinfo=UTC)

    ahead = order_clean(contact=ContactFactory(), currency="USD", total="1", ordered_at="2026-03-11T06:00:00")
    assert ahead.ordered_at.date() == date(2026, 3, 11)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-03-01", datetime(2026, 3, 1)),
        ("20260301", datetime(2026, 3, 1)),
        ("2026/03/01", datetime(2026, 3, 1)),
        ("01.03.2026", datetime(2026, 3, 1)),
        ("2026-03-01T09:30:00+01:00", datetime.fromisoformat("2026-03-01T09:30:00+01:00")),
        ("01/03/2026", None),
        ("", None),
    ],
)
def test_it_reads_the_date_formats_people_export(text, expected):
    assert parse_order_date(text) == expected


def test_it_refuses_a_second_order_with_the_same_external_id():
    contact = ContactFactory()
    order_place(actor=None, contact=contact, total="10", currency="USD", external_id="shop-1001")

    with pytest.raises(ValidationError) as error:
        order_place(actor=None, contact=contact, total="10", currency="USD", external_id=" shop-1001 ")

    assert "already exists" in " ".join(_errors(error)["external_id"])
    assert Order.objects.count() == 1


def test_it_numbers_orders_one_after_another_without_reusing_numbers():
    contact = ContactFactory()
    first = make_order(contact)
    Order.objects.filter(pk=first.pk).update(number=f"ORD-{first.pk + 1:06d}")

    second = make_order(contact)

    assert second.number != f"ORD-{first.pk + 1:06d}"
    assert len(set(order_numbers(5))) == 5


def test_it_records_a_won_deal_once():
    deal = DealFactory(amount=Decimal("2500.00"))

    first = order_create_from_deal(deal=deal)
    again = order_create_from_deal(deal=deal)

    assert first is not None and again is not None
    assert first.pk == again.pk
    assert first.source == OrderSource.DEAL
    assert first.total == Decimal("2500.00")
