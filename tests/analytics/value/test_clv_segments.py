"""Lifetime value per segment: the page and the API narrowed to one segment's members, and the
"by segment" comparison, recomputed from the orders; per currency, and per reader (a salesperson
counts the members they may see)."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
import time_machine

from leadline.accounts.models import User
from leadline.analytics.clv_services import clv_fit_run
from leadline.analytics.models import CustomerValue
from leadline.analytics.value_selectors import COMPARED_SEGMENTS, clv_summary, segment_value_rows
from leadline.contacts.models import Contact
from leadline.segments.models import Segment
from leadline.segments.services import segment_create, static_list_add
from tests.analytics.value.factories import order_at, simulated_shop
from tests.api.client import ApiClient, token_for
from tests.conftest import client_for
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 6, 30, 12, tzinfo=UTC)
CENT = Decimal("0.01")


@pytest.fixture(autouse=True)
def frozen() -> Any:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def shop(oscar: User, sam: User) -> dict[str, Any]:
    """Forty USD customers (the model is fitted in USD), five EUR-only customers and five people
    who never bought; oscar owns every third contact. Segment "Keen" holds half of each group."""
    usd = simulated_shop(40, start=datetime(2026, 1, 1, tzinfo=UTC), seed=3)
    eur = []
    for number in range(5):
        contact = ContactFactory(email=f"euro{number}@example.com")
        for month in range(number % 3 + 1):
            order_at(
                contact, datetime(2026, 2 + month, 3 + number, 10, tzinfo=UTC), f"{40 + 7 * number}.50", "EUR"
            )
        eur.append(contact)
    browsers = [ContactFactory(email=f"browser{number}@example.com") for number in range(5)]
    everyone = [*usd, *eur, *browsers]
    for index, contact in enumerate(everyone):
        Contact.objects.filter(pk=contact.pk).update(owner=oscar if index % 3 == 0 else None)
    fit = clv_fit_run(now=NOW)
    assert fit.log_likelihood is not None
    keen = segment_create(user=None, name="Keen", kind=Segment.Kind.STATIC)
    static_list_add(segment=keen, contact_ids=[contact.pk for contact in everyone[::2]])
    idle = segment_create(user=None, name="Only browsers", kind=Segment.Kind.STATIC)
    static_list_add(segment=idle, contact_ids=[contact.pk for contact in browsers])
    return {"keen": keen, "idle": idle, "members": [contact.pk for contact in everyone[::2]]}


def expected(member_ids: list[int]) -> dict[str, dict[str, Any]]:
    """Per currency, from the orders themselves: customers, revenue net of refunds, orders."""
    revenue: dict[str, dict[int, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    orders: dict[str, int] = defaultdict(int)
    for contact in Contact.objects.filter(pk__in=member_ids).prefetch_related("orders"):
        for order in contact.orders.all():
            if order.refunded_total and order.refunded_total >= order.total:
                continue
            revenue[order.currency][contact.pk] += order.total - order.refunded_total
            orders[order.currency] += 1
    return {
        currency: {
            "customers": len(per_contact),
            "revenue": sum(per_contact.values(), Decimal(0)).quantize(CENT),
            "average_revenue": (sum(per_contact.values(), Decimal(0)) / len(per_contact)).quantize(CENT),
            "orders_per_customer": round(orders[currency] / len(per_contact), 2),
        }
        for currency, per_contact in revenue.items()
    }


def numbers(totals: list[Any]) -> dict[str, dict[str, Any]]:
    return {
        total.currency: {
            "customers": total.customers,
            "revenue": total.revenue,
            "average_revenue": total.average_revenue,
            "orders_per_customer": total.orders_per_customer,
        }
        for total in totals
    }


def test_a_segment_counts_its_members_revenue_per_currency(shop: dict[str, Any], alice: User) -> None:
    summary = clv_summary(user=alice, segment=shop["keen"])
    assert numbers(summary.totals) == expected(shop["members"])
    assert set(numbers(summary.totals)) == {"USD", "EUR"}
    assert summary.segment_members == len(shop["members"])
    predicted = CustomerValue.objects.filter(contact_id__in=shop["members"], predicted_value__isnull=False)
    usd = next(total for total in summary.totals if total.currency == "USD")
    eur = next(total for total in summary.totals if total.currency == "EUR")
    assert usd.predicted_customers == predicted.count() > 0
    assert usd.predicted_value == sum((value.predicted_value for value in predicted), Decimal(0))
    assert eur.predicted_customers == 0  # no fit in EUR: nothing is predicted, nothing added to USD
    assert {value.contact_id for value in summary.top_customers} <= set(shop["members"])
    whole = clv_summary(user=alice)
    assert sum(total.customers for total in whole.totals) > summary.customers


def test_a_salesperson_counts_the_members_they_may_see(shop: dict[str, Any], oscar: User, sam: User) -> None:
    visible_to_sam = list(
        Contact.objects.filter(pk__in=shop["members"], owner__isnull=True).values_list("pk", flat=True)
    )
    visible_to_oscar = shop["members"]  # his own and the unowned ones
    for_sam = clv_summary(user=sam, segment=shop["keen"])
    assert numbers(for_sam.totals) == expected(visible_to_sam)
    assert for_sam.segment_members == len(visible_to_sam) < len(shop["members"])
    assert all(value.contact.owner_id is None for value in for_sam.top_customers)
    assert numbers(clv_summary(user=oscar, segment=shop["keen"]).totals) == expected(visible_to_oscar)


def test_a_segment_without_customers_is_empty_not_zero_divided(shop: dict[str, Any], alice: User) -> None:
    summary = clv_summary(user=alice, segment=shop["idle"])
    assert summary.totals == [] and summary.cohorts == [] and summary.top_customers == []
    assert summary.segment_members == 5
    page = client_for(alice).get("/reports/lifetime-value/", {"segment": str(shop["idle"].public_id)})
    assert page.status_code == 200
    assert "No customers in this segment" in page.content.decode()


def test_the_by_segment_table_compares_the_latest_segments(shop: dict[str, Any], sam: User) -> None:
    empty = segment_create(user=None, name="Nobody yet", kind=Segment.Kind.STATIC)
    rows = segment_value_rows(user=sam)
    keen = {row.currency: row for row in rows if row.segment.pk == shop["keen"].pk}
    visible = list(
        Contact.objects.filter(pk__in=shop["members"], owner__isnull=True).values_list("pk", flat=True)
    )
    want = expected(visible)
    assert {
        currency: (row.customers, row.revenue, row.orders_per_customer) for currency, row in keen.items()
    } == {
        currency: (value["customers"], value["revenue"], value["orders_per_customer"])
        for currency, value in want.items()
    }
    assert [(row.currency, row.customers, row.members) for row in rows if row.segment.pk == empty.pk] == [
        ("", 0, 0)
    ]
    assert rows[0].segment.pk == empty.pk  # the most recently updated first
    for number in range(COMPARED_SEGMENTS):
        segment_create(user=None, name=f"Later {number}", kind=Segment.Kind.STATIC)
    later = {row.segment.name for row in segment_value_rows(user=sam)}
    assert len(later) == COMPARED_SEGMENTS and "Keen" not in later


def test_the_page_narrows_to_a_chosen_segment(shop: dict[str, Any], maria: User, sam: User) -> None:
    for user in (maria, sam):
        response = client_for(user).get("/reports/lifetime-value/", {"segment": str(shop["keen"].public_id)})
        assert response.status_code == 200
        page = response.content.decode()
        assert "Segment <a" in page and "Keen" in page
        assert "By segment" in page and "orders each" in page
        assert response.context["summary"].segment == shop["keen"]
    assert (
        "members you can see"
        in client_for(sam)
        .get("/reports/lifetime-value/", {"segment": str(shop["keen"].public_id)})
        .content.decode()
    )


def test_the_page_refuses_an_unknown_segment(alice: User) -> None:
    response = client_for(alice).get("/reports/lifetime-value/", {"segment": "not-a-segment"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


def test_the_api_narrows_to_a_segment_and_compares_segments(shop: dict[str, Any], sam: User) -> None:
    client = ApiClient(token_for(sam, ["sales:read"]))
    response = client.get("/reports/lifetime-value", segment=str(shop["keen"].public_id))
    assert response.status_code == 200, response.content
    body = response.json()
    visible = list(
        Contact.objects.filter(pk__in=shop["members"], owner__isnull=True).values_list("pk", flat=True)
    )
    want = expected(visible)
    assert {row["currency"]: (row["customers"], Decimal(row["revenue"])) for row in body["totals"]} == {
        currency: (value["customers"], value["revenue"]) for currency, value in want.items()
    }
    assert body["segment"] == {"id": str(shop["keen"].public_id), "name": "Keen"}
    assert body["segment_members"] == len(visible)
    unknown = client.get("/reports/lifetime-value", segment="00000000-0000-0000-0000-000000000000")
    assert unknown.status_code == 400
    assert unknown.json()["error"]["fields"] == {"segment": ["No such segment."]}
    assert client.get("/reports/lifetime-value", segment="nonsense").status_code in (400, 422)
    compared = client.get("/reports/lifetime-value/segments")
    assert compared.status_code == 200, compared.content
    names = {row["segment"]["name"] for row in compared.json()}
    assert names == {"Keen", "Only browsers"}
    assert (
        ApiClient(token_for(sam, ["contacts:read"])).get("/reports/lifetime-value/segments").status_code
        == 403
    )
