"""The scheduled work: a weekly refit, and customers' values refreshed after orders change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from leadline.analytics.clv_jobs import refit_lifetime_value, refresh_customer_values
from leadline.analytics.models import ClvFit, CustomerValue
from leadline.core.scheduler import PERIODIC
from tests.analytics.value.factories import order_at, simulated_shop
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


def test_it_registers_a_weekly_refit_and_an_hourly_refresh():
    assert PERIODIC["leadline.analytics.clv_jobs.refit_lifetime_value"].every == timedelta(days=7)
    assert PERIODIC["leadline.analytics.clv_jobs.refresh_customer_values"].every == timedelta(hours=1)


def test_it_does_nothing_without_orders():
    assert refit_lifetime_value() == "no orders"
    assert not ClvFit.objects.exists()


def test_it_refits_and_then_refreshes_only_after_orders_change():
    with time_machine.travel(datetime(2026, 6, 30, 12, tzinfo=UTC), tick=False) as traveller:
        simulated_shop(40, start=datetime(2026, 1, 1, tzinfo=UTC), seed=3)
        assert refit_lifetime_value() == "fitted on 40 customers"
        assert refresh_customer_values() == 0

        traveller.shift(timedelta(minutes=5))
        newcomer = ContactFactory()
        order_at(newcomer, datetime(2026, 6, 30, 12, 5, tzinfo=UTC), "20.00")

        assert refresh_customer_values() == 41
        assert CustomerValue.objects.get(contact=newcomer).probability_alive == 1.0
