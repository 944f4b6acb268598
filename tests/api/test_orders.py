"""Orders, refunds and suggestions in the API: the same rules as the screens, in the standard errors."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from leadline.contacts.models import LifecycleStage
from leadline.sales.models import Order, OrderSource
from leadline.sales.order_services import LineInput, order_create
from leadline.sales.suggestions import associations_refresh
from tests.api.client import api_as, error_of
from tests.factories import ContactFactory
from tests.sales.factories import ProductFactory, make_order

pytestmark = pytest.mark.django_db


def _at(day: int) -> datetime:
    return datetime(2025, 6, day, 12, tzinfo=UTC)


def test_a_salesperson_records_an_order_with_lines(sam):
    contact = ContactFactory(owner=sam, email="buyer@example.org")
    ProductFactory(sku="GROWTH-MO", name="Growth plan", price=Decimal("149.00"))

    response = api_as(sam).post(
        "/orders",
        {
            "contact": "Buyer@example.org",
            "currency": "USD",
            "ordered_at": "2025-06-01T10:00:00Z",
            "lines": [
                {"product": "GROWTH-MO", "quantity": 2},
                {"name": "Setup", "unit_price": "99.50", "discount_percent": "10"},
            ],
            "external_id": "shop-1001",
        },
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["total"] == "387.55"
    assert body["source"] == OrderSource.API
    assert body["contact"]["id"] == str(contact.public_id)
    assert [line["product"]["sku"] if line["product"] else None for line in body["lines"]] == [
        "GROWTH-MO",
        None,
    ]
    assert body["ordered_at"].startswith("2025-06-01T10:00:00")
    contact.refresh_from_db()
    assert contact.lifecycle_stage == LifecycleStage.CUSTOMER
    assert Order.objects.get().created_by == sam


def test_an_order_may_be_only_a_total_and_an_external_id_is_used_once(sam):
    contact = ContactFactory(owner=sam)
    client = api_as(sam)
    body = {"contact": str(contact.public_id), "currency": "EUR", "total": 99.9, "external_id": "inv-7"}

    first = client.post("/orders", body)
    again = client.post("/orders", body)

    assert first.status_code == 201 and first.json()["total"] == "99.90"
    assert again.status_code == 400
    assert "external_id" in error_of(again)["fields"]
    assert Order.objects.count() == 1


def test_an_idempotency_key_replays_the_first_answer(sam):
    contact = ContactFactory(owner=sam)
    client = api_as(sam)
    body = {"contact": str(contact.public_id), "currency": "USD", "total": "10"}

    first = client.post("/orders", body, headers={"Idempotency-Key": "order-42"})
    second = client.post("/orders", body, headers={"Idempotency-Key": "order-42"})

    assert first.status_code == second.status_code == 201
    assert second["Idempotent-Replayed"] == "true"
    assert Order.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"currency": "USD", "total": "1"}, "contact"),
        ({"contact": "nobody@example.org", "currency": "USD", "total": "1"}, "contact"),
        ({"contact": "{contact}", "currency": "EURO", "total": "1"}, "currency"),
        ({"contact": "{contact}", "currency": "USD"}, "lines"),
        ({"contact": "{contact}", "currency": "USD", "total": "1,5"}, "total"),
        ({"contact": "{contact}", "currency": "USD", "total": True}, "total"),
        ({"contact": "{contact}", "currency": "USD", "total": "1", "ordered_at": "soon"}, "ordered_at"),
        ({"contact": "{contact}", "currency": "USD", "total": "1", "ordered_at": "2999-01-01"}, "ordered_at"),
        ({"contact": "{contact}", "currency": "USD", "lines": [{"product": "NOPE"}]}, "lines.0.product"),
        ({"contact": "{contact}", "currency": "USD", "lines": [{"name": "<b>x</b>"}]}, "lines"),
        ({"contact": "{contact}", "currency": "USD", "lines": "Setup"}, "lines"),
        ({"contact": "{contact}", "currency": "USD", "total": "1", "note": "hi"}, "note"),
        ({"contact": "{contact}", "currency": "USD", "total": "1", "external_id": "x" * 121}, "external_id"),
        (
            {"contact": "{contact}", "currency": "USD", "lines": [{"name": "x", "unit_price": 1}] * 101},
            "lines",
        ),
    ],
)
def test_it_refuses_bad_orders_with_a_clear_message(sam, body, field):
    contact = ContactFactory(owner=sam)
    body = {key: str(contact.public_id) if value == "{contact}" else value for key, value in body.items()}

    response = api_as(sam).post("/orders", body)

    assert response.status_code == 400, response.content
    error = error_of(response)
    assert field in error["fields"], error
    assert not Order.objects.exists()


def test_it_refuses_malformed_json(sam):
    response = api_as(sam).post("/orders", raw="{not json")

    assert response.status_code == 400
    assert error_of(response)["code"] == "malformed_json"


def test_a_salesperson_cannot_order_for_a_contact_they_cannot_see(sam, oscar):
    hidden = ContactFactory(owner=oscar)

    response = api_as(sam).post(
        "/orders", {"contact": str(hidden.public_id), "currency": "USD", "total": "1"}
    )

    assert response.status_code == 400
    assert "No contact you can see" in error_of(response)["fields"]["contact"][0]


def test_marketing_reads_orders_but_cannot_record_or_refund_them(maria):
    order = make_order(ContactFactory())
    client = api_as(maria)

    assert client.get(f"/orders/{order.public_id}").status_code == 200
    created = client.post(
        "/orders", {"contact": str(order.contact.public_id), "currency": "USD", "total": "1"}
    )
    refund = client.post(f"/orders/{order.public_id}/refunds", {"amount": "1"})
    assert created.status_code == 403 and refund.status_code == 403
    assert "Marketing reads orders" in error_of(refund)["message"]


def test_it_lists_orders_newest_first_with_filters_and_a_cursor(alice):
    ann = ContactFactory()
    product = ProductFactory()
    orders = [
        order_create(
            contact=ann if day % 2 else ContactFactory(),
            lines=[LineInput(name="x", quantity=Decimal(1), unit_price=Decimal(day), product=product)],
            currency="USD",
            ordered_at=_at(day),
            source=OrderSource.API if day > 3 else OrderSource.MANUAL,
        )
        for day in range(1, 6)
    ]
    client = api_as(alice)

    first = client.get("/orders", limit=3).json()
    second = client.get("/orders", limit=3, cursor=first["next_cursor"]).json()
    by_contact = client.get("/orders", contact=str(ann.public_id)).json()["items"]
    by_source = client.get("/orders", source="api").json()["items"]
    by_dates = client.get("/orders", ordered_from="2025-06-02", ordered_to="2025-06-03").json()["items"]
    by_product = client.get("/orders", product=str(product.public_id)).json()["items"]

    numbers = [order.number for order in reversed(orders)]
    assert [item["number"] for item in first["items"] + second["items"]] == numbers
    assert second["next_cursor"] is None
    assert [item["number"] for item in by_contact] == [orders[4].number, orders[2].number, orders[0].number]
    assert {item["number"] for item in by_source} == {orders[3].number, orders[4].number}
    assert [item["number"] for item in by_dates] == [orders[2].number, orders[1].number]
    assert len(by_product) == 5


@pytest.mark.parametrize(
    "query",
    [{"source": "shop"}, {"ordered_from": "June"}, {"contact": "12"}, {"cursor": "forged"}, {"limit": 0}],
)
def test_it_refuses_bad_list_filters(alice, query):
    response = api_as(alice).get("/orders", **query)

    assert response.status_code == 400
    error_of(response)


def test_salespeople_list_only_the_orders_of_contacts_they_can_see(sam, oscar):
    mine = make_order(ContactFactory(owner=sam))
    theirs = make_order(ContactFactory(owner=oscar))
    client = api_as(sam)

    assert [item["number"] for item in client.get("/orders").json()["items"]] == [mine.number]
    assert client.get(f"/orders/{theirs.public_id}").status_code == 404
    assert client.post(f"/orders/{theirs.public_id}/refunds", {"amount": "1"}).status_code == 404


def test_it_refunds_part_then_the_rest_and_never_more(sam):
    order = make_order(ContactFactory(owner=sam), amount="100.00")
    client = api_as(sam)

    part = client.post(f"/orders/{order.public_id}/refunds", {"amount": "40", "reason": "Late"})
    too_much = client.post(f"/orders/{order.public_id}/refunds", {"amount": 60.01})
    rest = client.post(f"/orders/{order.public_id}/refunds", {})

    assert part.status_code == 201
    assert (part.json()["refunded_total"], part.json()["net_total"]) == ("40.00", "60.00")
    assert too_much.status_code == 400
    assert "60.00 is left" in error_of(too_much)["fields"]["amount"][0]
    assert rest.status_code == 201
    assert rest.json()["net_total"] == "0.00"
    assert [refund["amount"] for refund in rest.json()["refunds"]] == ["60.00", "40.00"]


@pytest.mark.parametrize("body", [{"amount": "abc"}, {"amount": -1}, {"amount": "0"}, {"reason": "x" * 301}])
def test_it_refuses_bad_refunds(sam, body):
    order = make_order(ContactFactory(owner=sam))

    response = api_as(sam).post(f"/orders/{order.public_id}/refunds", body)

    assert response.status_code == 400
    error_of(response)


def test_it_suggests_products_for_a_contact_with_their_support(sam):
    audit, content = ProductFactory(name="Audit"), ProductFactory(name="Content pack")
    for _ in range(2):
        buyer = ContactFactory()
        for day, product in ((1, audit), (20, content)):
            order_create(
                contact=buyer,
                lines=[
                    LineInput(
                        name=product.name, quantity=Decimal(1), unit_price=product.price, product=product
                    )
                ],
                currency="USD",
                ordered_at=_at(day),
            )
    associations_refresh()
    contact = ContactFactory(owner=sam)
    order_create(
        contact=contact,
        lines=[LineInput(name="Audit", quantity=Decimal(1), unit_price=audit.price, product=audit)],
        currency="USD",
    )

    response = api_as(sam).get(f"/contacts/{contact.public_id}/suggestions", limit=3)

    assert response.status_code == 200
    [item] = response.json()["items"]
    assert item["product"]["name"] == "Content pack"
    assert item["because_of"]["name"] == "Audit"
    assert (item["kind"], item["customers_with_both"], item["customers_with_antecedent"]) == ("next", 2, 2)
    assert item["explanation"] == "2 of 2 customers who bought Audit bought it next"
    assert api_as(sam).get(f"/contacts/{contact.public_id}/suggestions", limit=99).status_code == 400


def test_the_openapi_document_shows_the_order_routes_and_their_scopes(sam):
    document = api_as(sam).client.get("/api/v1/openapi.json").json()

    create = document["paths"]["/api/v1/orders"]["post"]
    refund = document["paths"]["/api/v1/orders/{order_id}/refunds"]["post"]
    assert create["x-required-scope"] == "sales:write"
    assert refund["x-required-scope"] == "sales:write"
    assert document["paths"]["/api/v1/products"]["get"]["x-required-scope"] == "sales:read"
    assert "/api/v1/contacts/{contact_id}/suggestions" in document["paths"]
