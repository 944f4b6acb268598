"""The attribution and lifetime-value screens, their CSV export and the contact page's fragment."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from leadline.analytics.clv_services import clv_fit_run
from tests.analytics.value.factories import simulated_shop, visit
from tests.conftest import client_for
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 6, 30, 12, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def customers():
    """Forty customers (from 1 January 2026); each came from search or a newsletter first."""
    people = simulated_shop(40, start=datetime(2026, 1, 1, tzinfo=UTC), seed=3)
    for index, contact in enumerate(people):
        source, medium = ("google", "organic") if index % 2 else ("newsletter", "email")
        first = contact.orders.order_by("ordered_at").first().ordered_at
        visit(
            contact, first - timedelta(hours=2), source=source, medium=medium, campaign=f"spring-{index % 3}"
        )
    return people


def test_it_shows_every_model_side_by_side_with_a_chart(alice, customers):
    response = client_for(alice).get("/reports/attribution/", {"start": "2026-01-01", "end": "2026-06-30"})

    assert response.status_code == 200
    page = response.content.decode()
    assert "Data-driven (Markov)" in page and "Position based" in page
    assert "google / organic" in page and "newsletter / email" in page
    assert 'id="attribution-data"' in page and "value-charts.js" in page
    assert "<script>" not in page.replace('<script id="attribution-data" type="application/json">', "")
    assert response.context["table"].conversions == sum(contact.orders.count() for contact in customers)


def test_it_tells_what_is_wrong_with_the_settings(maria):
    response = client_for(maria).get("/reports/attribution/", {"start": "2026-06-30", "end": "2026-01-01"})

    assert response.status_code == 400
    assert "The end date is before the start date." in response.content.decode()


def test_it_shows_an_empty_state_without_conversions(sam):
    response = client_for(sam).get("/reports/attribution/")

    assert response.status_code == 200
    assert "No revenue (orders, net of refunds) in this period" in response.content.decode()


def test_it_exports_the_table_with_revenue_adding_up(alice, customers):
    response = client_for(alice).get(
        "/reports/attribution/export.csv", {"start": "2026-01-01", "end": "2026-06-30", "by": "campaign"}
    )

    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode().lstrip("\ufeff"))))
    header, body = rows[0], rows[1:]
    assert header[0] == "Campaign"
    column = header.index("Linear revenue (USD)")
    expected = sum(sum(int(order.total * 100) for order in contact.orders.all()) for contact in customers)
    assert sum(round(float(row[column]) * 100) for row in body) == expected


def test_it_shows_the_lifetime_value_with_the_fit_and_its_holdout(sam, customers):
    clv_fit_run()

    response = client_for(sam).get("/reports/lifetime-value/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "Purchases (BG/NBD)" in page and "Cohorts by first order" in page
    assert 'id="holdout-data"' in page
    assert response.context["summary"].customers == 40


def test_it_says_the_model_is_not_fitted_without_orders(maria):
    response = client_for(maria).get("/reports/lifetime-value/")

    assert response.status_code == 200
    assert "No customers yet" in response.content.decode()


def test_it_lists_by_name_only_the_customers_the_salesperson_may_see(sam, oscar, customers):
    for contact in customers[:20]:
        contact.owner = oscar
        contact.save(update_fields=["owner"])
    clv_fit_run()

    response = client_for(sam).get("/reports/lifetime-value/")

    listed = {value.contact for value in response.context["summary"].top_customers}
    assert listed and listed <= set(customers[20:])
    assert response.context["summary"].customers == 40  # the aggregate is the workspace's


def test_it_shows_a_contact_s_value_in_the_contact_page_fragment(alice, customers):
    clv_fit_run()
    contact = next(person for person in customers if person.orders.count() > 1)
    revenue = sum(order.total for order in contact.orders.all())

    response = client_for(alice).get(f"/reports/lifetime-value/contacts/{contact.public_id}/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "Revenue to date" in page and f"${revenue:,.2f}" in page
    assert f"{contact.orders.count()} orders" in page
    assert "Predicted, next 12 months" in page


def test_it_says_when_a_contact_has_no_orders(alice):
    contact = ContactFactory()

    response = client_for(alice).get(f"/reports/lifetime-value/contacts/{contact.public_id}/")

    assert "No orders yet" in response.content.decode()
