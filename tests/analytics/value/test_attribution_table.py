"""The attribution table over real rows: sessions and marketing emails before orders, deals, leads
and SQLs; the credit of every model adds up to the conversions and the revenue, per currency."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine

from leadline.activity.models import Activity, Kind
from leadline.analytics.attribution import MODELS, NO_TOUCHPOINT, AttributionError, attribution_table
from leadline.sales.order_services import order_refund
from tests.analytics.value.factories import campaign_named, marketing_email, order_at, visit
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db
MARCH = {"start": date(2026, 3, 1), "end": date(2026, 3, 31)}


@pytest.fixture(autouse=True)
def end_of_march():
    with time_machine.travel(datetime(2026, 3, 31, 12, tzinfo=UTC), tick=False) as traveller:
        yield traveller


def at(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=UTC)


@pytest.fixture
def journeys():
    """Ann: paid search, then the March newsletter, then a direct visit, then a $100 order.
    Bob: no touchpoint, a €50 order. Cat: paid search, no order."""
    ann, bob, cat = ContactFactory(), ContactFactory(), ContactFactory()
    visit(ann, at(1), source="google", medium="cpc", campaign="spring", pages=3)
    marketing_email(ann, at(5), campaign_named("March news"))
    visit(ann, at(10, 9), pages=2)
    order_at(ann, at(10, 12), "100.00")
    order_at(bob, at(15), "50.00", currency="EUR")
    visit(cat, at(2), source="google", medium="cpc", campaign="spring")
    return ann, bob, cat


def rows_of(table):
    return {row.key: row for row in table.rows}


def test_it_credits_each_model_as_worked_out_by_hand(journeys):
    table = attribution_table(conversion="order", **MARCH)
    rows = rows_of(table)

    assert table.conversions == 2
    assert table.touchless_conversions == 1
    assert set(rows) == {"google / cpc", "leadline / email", "(direct) / (none)", NO_TOUCHPOINT}
    search, email, direct, none = (
        rows["google / cpc"],
        rows["leadline / email"],
        rows["(direct) / (none)"],
        rows[NO_TOUCHPOINT],
    )
    assert search.conversions["first_touch"] == 1 and direct.conversions["first_touch"] == 0
    assert direct.conversions["last_touch"] == 1 and search.conversions["last_touch"] == 0
    assert search.conversions["linear"] == pytest.approx(1 / 3)
    assert search.conversions["position_based"] == pytest.approx(0.4)
    assert email.conversions["position_based"] == pytest.approx(0.2)
    # Markov: start→search 2/3, start→none 1/3; search→email 1/2, search→null 1/2; each state on
    # Ann's path has removal effect 1/2, so her order is split in thirds.
    assert search.removal_effect == pytest.approx(0.5)
    assert none.removal_effect == pytest.approx(0.5)
    assert search.conversions["markov"] == pytest.approx(1 / 3)
    assert table.conversion_probability == pytest.approx(2 / 3)
    # Time decay (half-life 7 days): ages 9 days 2 h, 5 days 2 h and 3 h.
    weights = [2 ** (-(9 + 2 / 24) / 7), 2 ** (-(5 + 2 / 24) / 7), 2 ** (-(3 / 24) / 7)]
    assert direct.conversions["time_decay"] == pytest.approx(weights[2] / sum(weights))
    for model in MODELS:
        assert none.conversions[model] == 1
        assert none.revenue["EUR"][model] == Decimal("50.00")
        assert none.revenue["USD"][model] == Decimal("0.00")
    assert search.revenue["USD"]["first_touch"] == Decimal("100.00")
    assert search.revenue["USD"]["position_based"] == Decimal("40.00")


def test_it_hands_out_exactly_the_conversions_and_revenue_there_are_per_currency(journeys):
    table = attribution_table(conversion="order", **MARCH)

    assert table.revenue == {"EUR": Decimal("50.00"), "USD": Decimal("100.00")}
    for model in MODELS:
        assert sum(row.conversions[model] for row in table.rows) == pytest.approx(table.conversions)
        for currency, total in table.revenue.items():
            assert sum(row.revenue[currency][model] for row in table.rows) == total


def test_it_breaks_the_credit_down_by_campaign(journeys):
    table = attribution_table(conversion="order", by="campaign", **MARCH)
    rows = rows_of(table)

    assert rows["spring"].conversions["first_touch"] == 1
    assert rows["March news"].conversions["linear"] == pytest.approx(1 / 3)
    assert rows["(no campaign)"].conversions["last_touch"] == 1


def test_it_subtracts_refunds_and_leaves_out_orders_refunded_in_full(journeys):
    ann, bob, _cat = journeys
    order_refund(order=ann.orders.get(), amount="40.00")
    order_refund(order=bob.orders.get(), amount="50.00")

    table = attribution_table(conversion="order", **MARCH)

    assert table.conversions == 1
    assert table.revenue == {"USD": Decimal("60.00")}


def test_it_ignores_touchpoints_after_the_conversion_and_before_the_look_back(journeys):
    ann, _bob, _cat = journeys
    visit(ann, at(20), source="facebook", medium="social")

    table = attribution_table(conversion="order", lookback_days=7, **MARCH)
    rows = rows_of(table)

    assert "facebook / social" not in rows
    assert "google / cpc" not in rows  # nine days before the order
    assert rows["leadline / email"].conversions["first_touch"] == 1


def test_it_counts_only_marketing_emails_that_were_sent(journeys):
    ann, _bob, _cat = journeys
    marketing_email(ann, at(8), campaign_named("Failed"), state="failed")

    table = attribution_table(conversion="order", by="campaign", touchpoints="emails", **MARCH)

    assert "Failed" not in rows_of(table)
    assert rows_of(table)["March news"].conversions["last_touch"] == 1


def test_it_attributes_leads_and_sqls(journeys):
    _ann, _bob, cat = journeys
    Activity.objects.create(
        kind=Kind.STAGE_CHANGED, contact=cat, occurred_at=at(3), data={"from": "mql", "to": "sql"}
    )

    sqls = attribution_table(conversion="sql", **MARCH)
    leads = attribution_table(conversion="lead", start=date(2026, 3, 31), end=date(2026, 3, 31))

    assert sqls.conversions == 1
    assert rows_of(sqls)["google / cpc"].conversions["last_touch"] == 1
    assert leads.conversions == 3  # created today by the factory, after all their visits
    assert not sqls.revenue


def test_it_answers_an_empty_table_without_data():
    table = attribution_table(conversion="order", **MARCH)

    assert table.conversions == 0
    assert table.rows == []
    assert table.revenue == {}


@pytest.mark.parametrize(
    "kwargs",
    [
        {"conversion": "signup"},
        {"by": "country"},
        {"touchpoints": "ads"},
        {"start": date(2026, 4, 1), "end": date(2026, 3, 1)},
        {"half_life_days": 0},
        {"lookback_days": -1},
    ],
)
def test_it_refuses_parameters_it_does_not_know(kwargs):
    with pytest.raises(AttributionError):
        attribution_table(**kwargs)


def test_it_keeps_the_contacts_of_one_owner(journeys, oscar):
    ann, _bob, _cat = journeys
    ann.owner = oscar
    ann.save(update_fields=["owner"])

    table = attribution_table(conversion="order", owner_id=oscar.pk, **MARCH)

    assert table.conversions == 1
    assert table.revenue == {"USD": Decimal("100.00")}
    assert table.non_converting_paths == 0  # Cat is not oscar's
