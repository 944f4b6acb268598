"""Reads of the product catalogue."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from leadline.core.access import get_for_user
from leadline.sales.models import Product

SEARCH_MAX_LENGTH = 200


def product_search(*, user: Any, q: str = "", active: bool | None = None) -> QuerySet[Product]:
    """Products the user may see, matching `q` in the name, SKU or category."""
    products = Product.objects.for_user(user)
    q = (q or "").strip()[:SEARCH_MAX_LENGTH]
    if q:
        products = products.filter(Q(name__icontains=q) | Q(sku__icontains=q) | Q(category__icontains=q))
    if active is not None:
        products = products.filter(is_active=active)
    return products.order_by("-is_active", "name", "id")


def product_get(*, user: Any, public_id: Any, for_edit: bool = False) -> Product:
    return get_for_user(Product.objects, user, public_id, for_edit=for_edit)


def product_choices(*, user: Any) -> QuerySet[Product]:
    """Active products, for pickers on orders and filters."""
    return Product.objects.for_user(user).active().order_by("name", "id")
