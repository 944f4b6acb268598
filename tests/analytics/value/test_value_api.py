"""The attribution and lifetime-value API: same figures as the screens, clear 400s for bad input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine

from leadline.analytics.attribution import MODELS
from leadline.analytics.clv_services import clv_fit_run
from tests.analytics.value.factories import order_at, simulated_shop, visit
from tests.api.client import api_as, error_of
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 6, 30, 12, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def buyers():
    people = []
    for index in range(6):
        contact = ContactFactory()
        moment = NOW - timedelta(days=60 - index)
        visit(contact, moment - timedelta(days=1), source="linkedin", medium="social", campaign="launch")
        order_at(contact, moment, "100.00")
        order_at(contact, moment + timedelta(days=20), "50.00", currency="EUR" if index == 0 else "USD")
        people.append(contact)
    return people


def test_it_answers_the_attribution_table_with_totals_that_add_up(sam, buyers):
    response = api_as(sam).get("/reports/attribution", by="channel", lookback_days=30)

    assert response.status_code == 200
    body = response.json()
    assert body["conversions"] == 12
    assert body["revenue"] == {"EUR": "50.00", "USD": "850.00"}
    for model in MODELS:
        for currency, total in body["revenue"].items():
            assert sum(Decimal(row["revenue"][currency][model]) for row in body["rows"]) == Decimal(total)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"conversion": "signup"}, "conversion"),
        ({"start": "2026-06-30", "end": "2026-01-01"}, None),
        ({"half_life_days": "0"}, "half_life_days"),
        ({"lookback_days": "many"}, "lookback_days"),
        ({"start": "yesterday"}, "start"),
        ({"owner": "not-a-uuid"}, "owner"),
    ],
)
def test_it_refuses_bad_parameters_with_a_400(alice, params, field):
    response = api_as(alice).get("/reports/attribution", **params)

    assert response.status_code == 400
    error = error_of(response)
    if field:
        assert field in str(error["fields"]) or field in error["message"]


def test_it_answers_the_lifetime_value_and_the_fit(maria):
    assert api_as(maria).get("/reports/lifetime-value/fit").status_code == 404
    people = simulated_shop(40, start=datetime(2026, 1, 1, tzinfo=UTC), seed=3)
    clv_fit_run()

    summary = api_as(maria).get("/reports/lifetime-value").json()
    fit = api_as(maria).get("/reports/lifetime-value/fit").json()

    usd = next(total for total in summary["totals"] if total["currency"] == "USD")
    assert usd["customers"] == 40
    assert Decimal(usd["revenue"]) == sum(order.total for person in people for order in person.orders.all())
    assert fit["currency"] == "USD" and set(fit["parameters"]) >= {"r", "alpha", "a", "b", "p", "q", "gamma"}


def test_it_answers_a_contact_s_value(alice):
    people = simulated_shop(40, start=datetime(2026, 1, 1, tzinfo=UTC), seed=3)
    clv_fit_run()
    contact = next(person for person in people if person.orders.count() == 2)
    revenue = sum(order.total for order in contact.orders.all())

    body = api_as(alice).get(f"/contacts/{contact.public_id}/lifetime-value").json()
    nobody = api_as(alice).get(f"/contacts/{ContactFactory().public_id}/lifetime-value").json()

    assert Decimal(body["revenue"]) == revenue and body["orders"] == 2
    assert body["probability_alive"] is not None
    assert nobody["orders"] == 0 and nobody["predicted_value"] is None
