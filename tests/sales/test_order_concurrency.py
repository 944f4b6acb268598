"""Two people at once: two refunds never together exceed the order, and two orders never share a
number.

These need a database that makes concurrent writers wait: the default SQLite test file or
PostgreSQL. An in-memory test database (`LEADLINE_TEST_FILE_DB=0`) skips them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from leadline.sales.models import Order, Refund
from leadline.sales.order_services import order_refund
from tests.factories import ContactFactory
from tests.sales.factories import make_order

pytestmark = pytest.mark.django_db(transaction=True)


def _needs_a_shared_database() -> None:
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("needs a file or PostgreSQL test database, not LEADLINE_TEST_FILE_DB=0")


def _together(calls: list[Callable[[], Any]]) -> tuple[list[Any], list[BaseException]]:
    """Run the calls in threads released at the same moment; each result (or refusal) in order."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=20)
            results[index] = calls[index]()
        except ValidationError as refusal:
            results[index] = refusal
        except BaseException as error:  # surfaced by the test; a thread must not swallow it
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results, errors


def test_two_refunds_at_once_never_exceed_the_order():
    _needs_a_shared_database()
    order = make_order(ContactFactory(), amount="100.00")

    results, errors = _together(
        [
            lambda: order_refund(order=order, amount="70", reason=""),
            lambda: order_refund(order=order, amount="70"),
        ]
    )

    assert not errors
    assert Refund.objects.count() == 1
    order.refresh_from_db()
    assert order.refunded_total == Decimal("70.00")
    [refusal] = [result for result in results if isinstance(result, ValidationError)]
    assert "USD 30.00 is left" in refusal.message_dict["amount"][0]


def test_orders_placed_at_once_get_different_numbers():
    _needs_a_shared_database()
    contacts = [ContactFactory() for _ in range(4)]

    results, errors = _together([lambda contact=contact: make_order(contact) for contact in contacts])

    assert not errors
    numbers = [order.number for order in results]
    assert len(set(numbers)) == 4
    assert Order.objects.count() == 4
