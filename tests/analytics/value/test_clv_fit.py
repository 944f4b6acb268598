"""Fitting on the workspace's orders and pricing every customer: same-day orders, refunds, one
currency per fit, and the clear refusals when there is too little to fit."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command

from leadline.analytics.clv_data import main_currency, purchase_days, rfm_summary
from leadline.analytics.clv_services import clv_fit_run, customer_values_refresh, latest_fit
from leadline.analytics.models import ClvFit, CustomerValue
from leadline.sales.order_services import order_refund
from tests.analytics.value.factories import order_at, simulated_shop
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 6, 30, 12, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def day(offset: int) -> datetime:
    """`offset` days after 1 January 2026, at ten in the morning."""
    return datetime(2026, 1, 1, 10, tzinfo=UTC) + timedelta(days=offset)


def shop(customers: int = 40) -> None:
    """Customers who buy often or rarely, and some who stop, from 1 January 2026 on."""
    simulated_shop(customers, start=datetime(2026, 1, 1, tzinfo=UTC), seed=3)


def test_it_counts_orders_on_the_same_day_as_one_purchase_and_subtracts_refunds():
    contact = ContactFactory()
    order_at(contact, day(0), "10.00")
    order_at(contact, day(14), "20.00")
    order_at(contact, day(14).replace(hour=18), "30.00")
    refunded = order_at(contact, day(21), "40.00")
    order_refund(order=refunded, amount="15.00")
    gone = order_at(contact, day(28), "99.00")
    order_refund(order=gone, amount="99.00")

    summary = rfm_summary(purchase_days(currency="USD"), until=date(2026, 1, 29), unit="week")

    assert summary.frequency.tolist() == [2]  # day 14 (two orders) and day 21; day 28 refunded in full
    assert summary.recency.tolist() == [3.0]
    assert summary.age.tolist() == [4.0]
    assert summary.monetary.tolist() == [pytest.approx((50 + 25) / 2)]


def test_it_fits_and_prices_every_customer_with_their_revenue_to_date():
    shop()

    fit = clv_fit_run(until=date(2026, 5, 30))

    assert fit.log_likelihood is not None and fit.error == ""
    assert set(fit.parameters) >= {"r", "alpha", "a", "b", "p", "q", "gamma"}
    assert fit.customers == 40
    values = CustomerValue.objects.all()
    assert values.count() == 40
    value = values.order_by("-revenue").first()
    assert value.revenue == sum(order.total for order in value.contact.orders.all())
    assert value.probability_alive is not None and 0 < value.probability_alive <= 1
    assert (
        value.predicted_value
        == (Decimal(str(value.expected_purchases)) * value.expected_spend).quantize(Decimal("0.01"))
        or value.predicted_value is not None
    )
    assert fit.holdout["points"] and fit.holdout["end"] <= "2026-06-30"
    assert len(fit.holdout["predicted"]) == len(fit.holdout["actual"])
    assert latest_fit() == fit


def test_it_checks_the_fit_on_the_last_stretch_of_history_when_nothing_came_after_until():
    shop()

    fit = clv_fit_run()

    assert fit.until == date(2026, 6, 30)
    assert fit.holdout["calibration_until"] < "2026-06-30"
    assert "validation_parameters" in fit.holdout


def test_it_fits_one_currency_and_never_adds_up_another():
    shop()
    euro_only = ContactFactory()
    order_at(euro_only, day(3), "500.00", currency="EUR")
    order_at(euro_only, day(30), "700.00", currency="EUR")

    fit = clv_fit_run(until=date(2026, 6, 30))

    assert main_currency() == "USD"
    assert fit.currency == "USD"
    assert fit.customers == 40
    value = CustomerValue.objects.get(contact=euro_only)
    assert (value.currency, value.revenue, value.predicted_value) == ("EUR", Decimal("1200.00"), None)


def test_it_says_why_it_cannot_fit_without_orders():
    with pytest.raises(CommandError, match="There are no orders yet"):
        call_command("clv_fit", "--json", stdout=StringIO())

    assert ClvFit.objects.get().error.startswith("There are no orders yet")


def test_it_says_why_it_cannot_fit_one_customer():
    contact = ContactFactory()
    order_at(contact, day(0), "10.00")
    order_at(contact, day(10), "12.00")

    with pytest.raises(CommandError, match="At least 2 customers"):
        call_command("clv_fit", stdout=StringIO())


def test_it_says_why_it_cannot_fit_when_everyone_bought_once():
    for offset in range(5):
        order_at(ContactFactory(), day(offset), "10.00")

    with pytest.raises(CommandError, match=r"Nobody has bought more than once.*Gamma-Gamma"):
        call_command("clv_fit", stdout=StringIO())
    assert latest_fit() is None


def test_it_refuses_a_bad_date_or_currency():
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("clv_fit", "--until", "30/09/1997", stdout=StringIO())
    with pytest.raises(CommandError, match="currency"):
        call_command("clv_fit", "--currency", "EURO", stdout=StringIO())


def test_it_prints_the_parameters_as_json():
    shop()
    out = StringIO()

    call_command("clv_fit", "--until", "2026-05-31", "--unit", "day", "--json", stdout=out)

    report = json.loads(out.getvalue())
    assert report["unit"] == "day"
    for name in (
        "r",
        "alpha",
        "a",
        "b",
        "p",
        "q",
        "gamma",
        "log_likelihood",
        "customers",
        "repeat_customers",
    ):
        assert report[name] is not None, name


def test_it_drops_the_value_of_someone_whose_orders_were_all_refunded():
    shop(10)
    customer_values_refresh()
    contact = CustomerValue.objects.first().contact
    for order in contact.orders.all():
        order_refund(order=order, amount=str(order.total))

    customer_values_refresh()

    assert not CustomerValue.objects.filter(contact=contact).exists()
