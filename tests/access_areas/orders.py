"""Access of products, orders, refunds and cross-sell suggestions.

Products are read by everyone and changed by admins. Orders follow their contact: sam (another
team) does not find oscar's customer's order; marketing reads every order but changes none.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.access_areas import OK, Entry, Route, admin_only, everyone, oscars

NOT_MARKETING = {"maria": 403}

UI_ROUTES: dict[str, Entry] = {
    "sales:order_list": everyone("/orders/"),
    "sales:order_export": everyone("/orders/export/"),
    "sales:order_create": Entry("/orders/new/", expect=NOT_MARKETING),
    "sales:order_detail": oscars("/orders/{order}/"),
    "sales:order_refund": Entry(
        "/orders/{order}/refund/", "POST", expect={"sam": 404, **NOT_MARKETING}, data={"amount": "1"}
    ),
    "sales:contact_orders": oscars("/contacts/{contact}/orders/"),
    "sales:deal_suggestions": oscars("/deals/{upselldeal}/suggestions/"),
    "sales:product_list": everyone("/products/"),
    "sales:product_create": admin_only("/products/new/"),
    "sales:product_edit": admin_only("/products/{product}/"),
    "sales:product_toggle": admin_only("/products/{product}/toggle/", "POST"),
}

API_ROUTES = [
    Route("product_list", "GET", "/products", "sales:read"),
    Route("product_get", "GET", "/products/{product}", "sales:read"),
    Route(
        "product_create",
        "POST",
        "/products",
        "sales:write",
        {"sku": "NEW-1", "name": "New", "price": "10.00"},
    ),
    Route("product_update", "PATCH", "/products/{product}", "sales:write", {"price": "12.00"}),
    Route("order_list", "GET", "/orders", "sales:read"),
    Route("order_get", "GET", "/orders/{order}", "sales:read"),
    Route(
        "order_create",
        "POST",
        "/orders",
        "sales:write",
        {"contact": "{contact}", "currency": "USD", "total": "10.00"},
    ),
    Route("order_refund", "POST", "/orders/{order}/refunds", "sales:write", {"amount": "1.00"}),
    Route("contact_suggestions", "GET", "/contacts/{contact}/suggestions", "sales:read"),
    Route("deal_suggestions", "GET", "/deals/{upselldeal}/suggestions", "sales:read"),
]

ADMINS = {"maria": 403, "sam": 403, "oscar": 403}
API_EXPECT: dict[str, dict[str, Any]] = {
    "product_list": {},
    "product_get": {},
    "product_create": ADMINS,
    "product_update": ADMINS,
    "order_list": {},
    "order_get": {"sam": 404},
    # sam cannot see oscar's contact: the reference is refused as unknown (400, counted as allowed).
    "order_create": {**NOT_MARKETING, "sam": OK},
    "order_refund": {"sam": 404, **NOT_MARKETING},
    "contact_suggestions": {"sam": 404},
    "deal_suggestions": {"sam": 404},
}


def _objects(owner: Any, contact_id: str) -> dict[str, str]:
    from leadline.contacts.models import Contact
    from tests.sales.factories import DealFactory, ProductFactory, make_order

    contact = Contact.objects.get(public_id=contact_id)
    product = ProductFactory()
    order = make_order(contact, amount="50.00")
    deal = DealFactory(owner=owner, contact=contact, amount=Decimal("100.00"))
    return {
        "order": str(order.public_id),
        "product": str(product.public_id),
        "upselldeal": str(deal.public_id),
    }


def world(personas: dict[str, Any], ids: dict[str, str]) -> dict[str, str]:
    return _objects(personas["oscar"], ids["contact"])


def api_ids(alice: Any, ids: dict[str, str]) -> dict[str, str]:
    return _objects(alice, ids["contact"])
