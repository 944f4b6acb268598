"""Lifetime value by first-order month: a customer's cohort is the month of their first order in the
workspace's time zone, also when it falls on a month boundary in UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from leadline.analytics.clv_services import customer_values_refresh
from leadline.analytics.value_selectors import clv_summary
from tests.analytics.value.factories import order_at
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


def test_cohorts_follow_the_first_order_month_in_the_workspace_zone(settings: Any) -> None:
    settings.TIME_ZONE = "Europe/Berlin"
    # 31 March 23:30 UTC is already 1 April in Berlin.
    april = ContactFactory(email="april@example.com")
    order_at(april, datetime(2026, 3, 31, 23, 30, tzinfo=UTC), "100.00")
    order_at(april, datetime(2026, 5, 2, 10, 0, tzinfo=UTC), "50.00")
    march = ContactFactory(email="march@example.com")
    order_at(march, datetime(2026, 3, 31, 21, 0, tzinfo=UTC), "80.00")
    also_april = ContactFactory(email="also-april@example.com")
    order_at(also_april, datetime(2026, 4, 15, 9, 0, tzinfo=UTC), "20.00")

    customer_values_refresh()
    cohorts = [(c.month, c.currency, c.customers, c.revenue) for c in clv_summary().cohorts]

    assert cohorts == [
        (date(2026, 3, 1), "USD", 1, Decimal("80.00")),
        (date(2026, 4, 1), "USD", 2, Decimal("170.00")),
    ]
