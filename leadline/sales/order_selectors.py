"""Reads of orders: the filtered list, one order with its lines and refunds, and a contact's
orders with their lifetime revenue (per currency: amounts in different currencies are never added)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, Max, Min, OuterRef, Prefetch, Q, QuerySet, Sum
from django.utils import timezone

from leadline.contacts.models import Contact
from leadline.core.access import get_for_user
from leadline.sales.models import Order, OrderLine, OrderSource

SEARCH_MAX_LENGTH = 200


@dataclass(frozen=True)
class OrderFilters:
    q: str = ""
    ordered_from: date | None = None
    ordered_to: date | None = None
    source: str = ""
    product: uuid.UUID | None = None
    contact: uuid.UUID | None = None

    @property
    def is_filtered(self) -> bool:
        return any((self.q, self.ordered_from, self.ordered_to, self.source, self.product, self.contact))


def order_filters_from(params: Mapping[str, Any]) -> OrderFilters:
    """Filters from a query string; values that make no sense are dropped rather than refused."""

    def text(name: str, limit: int = SEARCH_MAX_LENGTH) -> str:
        value = params.get(name)
        return value.strip()[:limit] if isinstance(value, str) else ""

    def day(name: str) -> date | None:
        try:
            return date.fromisoformat(text(name, 10))
        except ValueError:
            return None

    def public_id(name: str) -> uuid.UUID | None:
        try:
            return uuid.UUID(text(name, 40)) if text(name, 40) else None
        except ValueError:
            return None

    source = text("source")
    return OrderFilters(
        q=text("q"),
        ordered_from=day("ordered_from"),
        ordered_to=day("ordered_to"),
        source=source if source in OrderSource.values else "",
        product=public_id("product"),
        contact=public_id("contact"),
    )


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time()))


def order_search(*, user: Any, filters: OrderFilters) -> QuerySet[Order]:
    """The orders the user may see, narrowed by `filters`, newest first, lines prefetched."""
    orders = Order.objects.for_user(user)
    if filters.q:
        q = filters.q
        match = (
            Q(number__iexact=q)
            | Q(external_id=q)
            | Q(contact__email__icontains=q)
            | Q(contact__first_name__icontains=q)
            | Q(contact__last_name__icontains=q)
        )
        if q.isdigit():
            match |= Q(number__endswith=q.zfill(6))
        orders = orders.filter(match)
    if filters.ordered_from:
        orders = orders.filter(ordered_at__gte=_start_of(filters.ordered_from))
    if filters.ordered_to:
        orders = orders.filter(ordered_at__lt=_start_of(filters.ordered_to + timedelta(days=1)))
    if filters.source:
        orders = orders.filter(source=filters.source)
    if filters.product:
        orders = orders.filter(
            Exists(OrderLine.objects.filter(order=OuterRef("pk"), product__public_id=filters.product))
        )
    if filters.contact:
        orders = orders.filter(contact__public_id=filters.contact)
    return (
        orders.select_related("contact")
        .prefetch_related(Prefetch("lines", queryset=OrderLine.objects.select_related("product")))
        .order_by("-ordered_at", "-id")
    )


def order_get(*, user: Any, public_id: Any, for_edit: bool = False) -> Order:
    queryset = Order.objects.select_related("contact", "company", "deal", "created_by").prefetch_related(
        Prefetch("lines", queryset=OrderLine.objects.select_related("product")), "refunds__actor"
    )
    return get_for_user(queryset, user, public_id, for_edit=for_edit)


@dataclass(frozen=True)
class Revenue:
    """Lifetime revenue in one currency."""

    currency: str
    orders: int
    total: Decimal
    refunded: Decimal

    @property
    def net(self) -> Decimal:
        return self.total - self.refunded


@dataclass
class ContactOrders:
    contact: Contact
    orders: list[Order]
    order_count: int = 0
    revenue: list[Revenue] = field(default_factory=list)
    first_order_at: datetime | None = None
    last_order_at: datetime | None = None


def contact_revenue(contact: Contact) -> list[Revenue]:
    """Revenue to date per currency, the largest first (one query)."""
    rows = (
        Order.objects.filter(contact=contact)
        .values("currency")
        .annotate(orders=Count("id"), total=Sum("total"), refunded=Sum("refunded_total"))
        .order_by("-total", "currency")
    )
    return [
        Revenue(
            currency=row["currency"],
            orders=row["orders"],
            total=row["total"] or Decimal(0),
            refunded=row["refunded"] or Decimal(0),
        )
        for row in rows
    ]


def contact_orders(*, user: Any, public_id: Any, limit: int = 5) -> ContactOrders:
    """A contact the user may see, their latest orders and their revenue (a fixed number of queries)."""
    contact = get_for_user(Contact.objects, user, public_id)
    orders = list(
        Order.objects.filter(contact=contact)
        .prefetch_related(Prefetch("lines", queryset=OrderLine.objects.select_related("product")))
        .order_by("-ordered_at", "-id")[:limit]
    )
    summary = ContactOrders(contact=contact, orders=orders)
    if not orders:
        return summary
    span = Order.objects.filter(contact=contact).aggregate(
        count=Count("id"), first=Min("ordered_at"), last=Max("ordered_at")
    )
    summary.order_count = span["count"]
    summary.first_order_at = span["first"]
    summary.last_order_at = span["last"]
    summary.revenue = contact_revenue(contact)
    return summary
