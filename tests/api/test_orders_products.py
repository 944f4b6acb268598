"""The product catalogue in the API: everyone reads, admins write."""

from __future__ import annotations

from decimal import Decimal

import pytest

from leadline.sales.models import Product
from tests.api.client import api_as, error_of
from tests.sales.factories import ProductFactory

pytestmark = pytest.mark.django_db


def test_it_lists_products_by_name_with_a_cursor(sam):
    for name in ("Cherry", "Apple", "Banana"):
        ProductFactory(name=name)
    client = api_as(sam)

    first = client.get("/products", limit=2).json()
    second = client.get("/products", limit=2, cursor=first["next_cursor"]).json()

    assert [item["name"] for item in first["items"]] == ["Apple", "Banana"]
    assert [item["name"] for item in second["items"]] == ["Cherry"]
    assert second["next_cursor"] is None
    assert first["items"][0]["price"] == "100.00"


def test_it_filters_products_by_text_and_state(sam):
    ProductFactory(name="Growth plan", category="Software")
    ProductFactory(name="Audit", is_active=False)

    client = api_as(sam)

    assert [item["name"] for item in client.get("/products", q="soft").json()["items"]] == ["Growth plan"]
    assert [item["name"] for item in client.get("/products", active="false").json()["items"]] == ["Audit"]


def test_an_admin_creates_and_changes_a_product(alice):
    client = api_as(alice)

    created = client.post(
        "/products",
        {"sku": "GROWTH-YR", "name": "Growth plan", "price": 1490, "currency": "eur", "billing": "yearly"},
    )
    product_id = created.json()["id"]
    changed = client.patch(f"/products/{product_id}", {"price": "1390.00", "is_active": False})

    assert created.status_code == 201
    assert created.json()["is_recurring"] is True
    assert created.json()["currency"] == "EUR"
    assert changed.status_code == 200
    assert (changed.json()["price"], changed.json()["is_active"]) == ("1390.00", False)
    assert Product.objects.get(sku="GROWTH-YR").price == Decimal("1390.00")


@pytest.mark.parametrize("persona", ["maria", "sam"])
def test_only_admins_change_the_catalogue(persona, personas):
    product = ProductFactory()
    client = api_as(personas[persona])

    created = client.post("/products", {"sku": "X-1", "name": "X", "price": "1"})
    changed = client.patch(f"/products/{product.public_id}", {"price": "1"})

    assert created.status_code == 403 and changed.status_code == 403
    assert "Only admins" in error_of(created)["message"]
    assert not Product.objects.filter(sku="X-1").exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"sku": "A", "name": "A", "price": "1,000"}, "price"),
        ({"sku": "A", "name": "A", "price": -1}, "price"),
        ({"sku": "A", "name": "A", "price": "1", "currency": "DOLLARS"}, "currency"),
        ({"sku": "A", "name": "A", "price": "1", "billing": "weekly"}, "billing"),
        ({"sku": "=cmd|' /C calc'!A0", "name": "A", "price": "1"}, "sku"),
        ({"sku": "A", "name": "", "price": "1"}, "name"),
        ({"sku": "A", "name": "A" * 201, "price": "1"}, "name"),
        ({"sku": "A", "name": "A", "price": "1", "colour": "red"}, "colour"),
        ({"sku": "A", "name": "A", "price": ["1"]}, "price"),
        ({"sku": "A", "name": "A"}, "price"),
    ],
)
def test_it_refuses_bad_products_with_a_clear_message(alice, body, field):
    response = api_as(alice).post("/products", body)

    assert response.status_code == 400
    assert field in error_of(response)["fields"]


def test_it_refuses_a_null_and_a_duplicate_sku_on_update(alice):
    ProductFactory(sku="TAKEN")
    product = ProductFactory(sku="MINE")
    client = api_as(alice)

    null = client.patch(f"/products/{product.public_id}", {"name": None})
    taken = client.patch(f"/products/{product.public_id}", {"sku": "taken"})

    assert null.status_code == 400 and "name" in error_of(null)["fields"]
    assert taken.status_code == 400 and "sku" in error_of(taken)["fields"]


def test_an_unknown_product_is_not_found(sam):
    assert api_as(sam).get("/products/00000000-0000-0000-0000-000000000000").status_code == 404
    assert api_as(sam).get("/products/not-an-id").status_code == 404
