"""The product catalogue: everyone reads it, admins add, change and retire products."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from leadline.core.models import AuditEntry
from leadline.sales.models import Billing, Product
from leadline.sales.product_services import product_create, product_update
from tests.conftest import client_for
from tests.sales.factories import ProductFactory

pytestmark = pytest.mark.django_db

VALID = {
    "name": "Growth plan",
    "sku": "GROWTH-MO",
    "price": "149.00",
    "currency": "EUR",
    "billing": Billing.MONTHLY,
    "category": "Software",
    "description": "Up to 25,000 contacts.",
    "is_active": "on",
}


def test_it_adds_a_product_with_an_audit_entry(alice):
    product = product_create(actor=alice, data={"name": " Audit ", "sku": "SEO-AUDIT", "price": "750"})

    assert (product.name, product.price, product.currency, product.billing) == (
        "Audit",
        Decimal("750.00"),
        "USD",
        Billing.ONE_OFF,
    )
    assert AuditEntry.objects.filter(action="product.created", object_id=str(product.public_id)).exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "", "sku": "A", "price": "1"}, "name"),
        ({"name": "A", "sku": "", "price": "1"}, "sku"),
        ({"name": "A", "sku": "has space", "price": "1"}, "sku"),
        ({"name": "A", "sku": "<b>x</b>", "price": "1"}, "sku"),
        ({"name": "A", "sku": "A", "price": "-1"}, "price"),
        ({"name": "A", "sku": "A", "price": "1", "currency": "ABC"}, "currency"),
        ({"name": "A", "sku": "A", "price": "1", "billing": "weekly"}, "billing"),
        ({"name": "A" * 201, "sku": "A", "price": "1"}, "name"),
        ({"name": "A", "sku": "A", "price": "1", "colour": "red"}, "colour"),
    ],
)
def test_it_refuses_bad_products(data, field):
    with pytest.raises(ValidationError) as error:
        product_create(actor=None, data=data)

    assert field in error.value.message_dict


def test_it_keeps_skus_unique_whatever_their_case():
    ProductFactory(sku="GROWTH-MO")

    with pytest.raises(ValidationError) as error:
        product_create(actor=None, data={"name": "Copy", "sku": "growth-mo", "price": "1"})

    assert "already has this SKU" in error.value.message_dict["sku"][0]


def test_it_changes_only_what_was_sent(alice):
    product = ProductFactory(name="Old", price=Decimal("10.00"))

    product_update(product=product, actor=alice, data={"price": "12.50"})

    product.refresh_from_db()
    assert (product.name, product.price) == ("Old", Decimal("12.50"))
    entry = AuditEntry.objects.get(action="product.changed")
    assert entry.data["fields"] == ["price"]


def test_everyone_reads_the_catalogue_but_only_admins_change_it(personas):
    ProductFactory(name="Starter plan")

    for name in ("maria", "sam"):
        page = client_for(personas[name]).get("/products/")
        assert page.status_code == 200
        assert b"Starter plan" in page.content
        assert b"New product" not in page.content
        assert client_for(personas[name]).get("/products/new/").status_code == 403

    assert b"New product" in client_for(personas["alice"]).get("/products/").content


def test_an_admin_adds_a_product_from_the_form(alice):
    response = client_for(alice).post("/products/new/", VALID)

    assert response.status_code == 302
    product = Product.objects.get(sku="GROWTH-MO")
    assert (product.currency, product.billing, product.is_active) == ("EUR", Billing.MONTHLY, True)


def test_the_form_shows_what_is_wrong_and_keeps_what_was_typed(alice):
    ProductFactory(sku="GROWTH-MO")

    response = client_for(alice).post("/products/new/", {**VALID, "price": "1,490"})

    assert response.status_code == 400
    content = response.content.decode()
    assert "dot for decimals" in content
    assert "already has this SKU" in content
    assert 'value="Growth plan"' in content


def test_an_admin_edits_and_deactivates_a_product(alice):
    product = ProductFactory(name="Old name", sku="OLD")
    client = client_for(alice)

    edited = client.post(f"/products/{product.public_id}/", {**VALID, "name": "New name", "sku": "OLD"})
    toggled = client.post(f"/products/{product.public_id}/toggle/")

    assert edited.status_code == 302 and toggled.status_code == 302
    product.refresh_from_db()
    assert (product.name, product.is_active) == ("New name", False)
    page = client.get("/products/?state=inactive")
    assert b"New name" in page.content
    assert b"New name" not in client.get("/products/?state=active").content


def test_it_searches_the_catalogue_and_pages_it(sam, django_assert_max_num_queries):
    for index in range(60):
        ProductFactory(name=f"Item {index:02d}", category="Services" if index % 2 else "Software")
    client = client_for(sam)

    with django_assert_max_num_queries(8):
        page = client.get("/products/?q=services")

    assert page.status_code == 200
    assert page.context["page"].paginator.count == 30
    assert client.get("/products/?page=2").context["page"].number == 2
    assert client.get("/products/?q=<script>").status_code == 200
